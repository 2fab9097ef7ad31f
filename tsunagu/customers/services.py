"""Every write to customers: one function per business action, atomic, with history and audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tsunagu.core import normalize, scoping, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.events import customer_changed
from tsunagu.core.models import Agency, User

from .choices import AddressKind, EmailKind, NameChangeReason, PhoneKind
from .models import Address, Customer, CustomerAgency, Email, FormerName, Phone, Relative

# Fields a plain update may change; name changes go through customer_change_name.
UPDATABLE_FIELDS = frozenset(
    {
        "family_name",
        "given_name",
        "kana_source",
        "birth_date",
        "gender",
        "corporate_number",
        "contact_consent",
        "dm_consent",
        "preferred_channel",
        "note",
    }
)


@dataclass
class AddressInput:
    postal_code: str
    prefecture: str
    city: str
    street: str
    building: str = ""
    kind: str = AddressKind.HOME


@dataclass
class CustomerInput:
    kind: str
    name: str
    name_kana: str
    family_name: str = ""
    given_name: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    corporate_number: str = ""
    contact_consent: bool = True
    dm_consent: bool = False
    preferred_channel: str = "phone"
    note: str = ""
    addresses: list[AddressInput] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (kind, number)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (kind, address)


def _ensure_can_write(actor: User, customer: Customer) -> None:
    """Re-checked inside the transaction: a write never reaches outside the actor's scope."""
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied("この顧客を更新する権限がありません。")


def customer_create(*, actor: User, data: CustomerInput, agency: Agency | None = None) -> Customer:
    """Register a customer with contact points. Agency staff's customers join their agency."""
    agency = agency or actor.agency
    if scoping.sees_part(actor) and agency is not None and not scoping.covers_agency(actor, agency.pk):
        raise PermissionDenied("他の代理店の顧客として登録することはできません。")
    with transaction.atomic():
        customer = Customer(
            kind=data.kind,
            name=data.name.strip(),
            family_name=data.family_name.strip(),
            given_name=data.given_name.strip(),
            name_kana=data.name_kana,
            birth_date=data.birth_date,
            gender=data.gender,
            corporate_number=data.corporate_number.strip(),
            contact_consent=data.contact_consent,
            dm_consent=data.dm_consent,
            preferred_channel=data.preferred_channel,
            note=data.note,
        )
        writes.save(customer, actor=actor)
        if agency is not None:
            _link_agency(actor=actor, customer=customer, agency=agency)
        for index, address in enumerate(data.addresses):
            address_add(actor=actor, customer=customer, data=address, primary=index == 0)
        for index, (kind, number) in enumerate(data.phones):
            phone_add(actor=actor, customer=customer, kind=kind, number=number, primary=index == 0)
        for index, (kind, email) in enumerate(data.emails):
            email_add(actor=actor, customer=customer, kind=kind, address=email, primary=index == 0)
        record_event(
            actor=actor,
            action=AuditAction.CUSTOMER_CREATE,
            target=customer,
            summary=f"顧客「{customer.name}」を登録した",
        )
        customer_changed([customer.pk])
    return customer


def customer_update(*, actor: User, customer: Customer, **changes: Any) -> Customer:
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"変更できない項目です: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        before = {name: getattr(customer, name) for name in changes}
        for name, value in changes.items():
            setattr(customer, name, value)
        try:
            writes.save(customer, actor=actor)
        except ValidationError:
            customer.refresh_from_db()
            raise
        changed = {k: [str(before[k]), str(v)] for k, v in changes.items() if before[k] != v}
        if changed:
            record_event(
                actor=actor,
                action=AuditAction.CUSTOMER_UPDATE,
                target=customer,
                summary="顧客情報を変更した",
                data=changed,
            )
            customer_changed([customer.pk])
    return customer


def customer_change_name(
    *,
    actor: User,
    customer: Customer,
    name: str,
    name_kana: str,
    reason: NameChangeReason,
    changed_on: dt.date,
    family_name: str = "",
    given_name: str = "",
) -> Customer:
    """Change the name and keep the old one as a former name (旧姓) for search and matching."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        old_name, old_kana = customer.name, customer.name_kana
        customer.name, customer.name_kana = name.strip(), name_kana
        customer.family_name, customer.given_name = family_name.strip(), given_name.strip()
        try:
            writes.save(customer, actor=actor)
        except ValidationError:
            customer.refresh_from_db()
            raise
        writes.save(
            FormerName(customer=customer, name=old_name, name_kana=old_kana, reason=reason, changed_on=changed_on),
            actor=actor,
        )
        record_event(
            actor=actor,
            action=AuditAction.CUSTOMER_CHANGE_NAME,
            target=customer,
            summary=f"氏名を「{old_name}」から「{customer.name}」に変更した",
            data={"reason": reason},
        )
        customer_changed([customer.pk])
    return customer


def customer_link_agency(*, actor: User, customer: Customer, agency: Agency) -> CustomerAgency:
    """Let `agency` serve the customer. Agency staff may link only customers they already serve,
    and only to their own agency: linking is what makes a customer visible to an agency."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        if scoping.sees_part(actor) and not scoping.covers_agency(actor, agency.pk):
            raise PermissionDenied("他の代理店を担当代理店に追加することはできません。")
        return _link_agency(actor=actor, customer=customer, agency=agency)


def _link_agency(*, actor: User, customer: Customer, agency: Agency) -> CustomerAgency:
    link = CustomerAgency.objects.filter(customer=customer, agency=agency).first()
    if link is not None:
        return link
    link = CustomerAgency(customer=customer, agency=agency)
    writes.save(link, actor=actor)
    record_event(
        actor=actor,
        action=AuditAction.CUSTOMER_LINK_AGENCY,
        target=customer,
        summary=f"担当代理店に「{agency.name}」を追加した",
    )
    return link


def _clear_primary(model: type[Address] | type[Phone] | type[Email], customer: Customer, actor: User) -> None:
    for other in model.objects.filter(customer=customer, is_primary=True):
        other.is_primary = False
        writes.save(other, actor=actor, clean=False)


def address_add(*, actor: User, customer: Customer, data: AddressInput, primary: bool = False) -> Address:
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        if primary:
            _clear_primary(Address, customer, actor)
        address = Address(
            customer=customer,
            kind=data.kind,
            postal_code=normalize.postal_code_digits(data.postal_code),
            prefecture=data.prefecture,
            city=data.city.strip(),
            street=data.street.strip(),
            building=data.building.strip(),
            is_primary=primary,
        )
        writes.save(address, actor=actor)
        customer_changed([customer.pk])
    return address


def address_move(*, actor: User, customer: Customer, data: AddressInput) -> Address:
    """A move (異動 住所変更): the new address becomes primary, of the kind the old primary had; the
    old primary is kept, no longer primary, as 旧住所 (history kept, shown as one 住所 old → new in
    customer_change_history)."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        kind = data.kind
        for old in Address.objects.select_for_update().filter(customer=customer, is_primary=True):
            kind = old.kind
            old.is_primary = False
            old.kind = AddressKind.FORMER
            writes.save(old, actor=actor, clean=False, reason="転居により旧住所とした")
        address = Address(
            customer=customer,
            kind=kind,
            postal_code=normalize.postal_code_digits(data.postal_code),
            prefecture=data.prefecture,
            city=data.city.strip(),
            street=data.street.strip(),
            building=data.building.strip(),
            is_primary=True,
        )
        writes.save(address, actor=actor, reason="転居")
        customer_changed([customer.pk])
    return address


def phone_add(
    *, actor: User, customer: Customer, number: str, kind: str = PhoneKind.HOME, primary: bool = False
) -> Phone:
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        if primary:
            _clear_primary(Phone, customer, actor)
        phone = Phone(customer=customer, kind=kind, number=number.strip(), is_primary=primary)
        writes.save(phone, actor=actor)
        customer_changed([customer.pk])
    return phone


def email_add(
    *, actor: User, customer: Customer, address: str, kind: str = EmailKind.PERSONAL, primary: bool = False
) -> Email:
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        if primary:
            _clear_primary(Email, customer, actor)
        email = Email(customer=customer, kind=kind, address=address.strip(), is_primary=primary)
        writes.save(email, actor=actor)
        customer_changed([customer.pk])
    return email


def relative_add(
    *,
    actor: User,
    customer: Customer,
    name: str,
    relation: str,
    phone: str,
    consent_date: dt.date,
    name_kana: str = "",
) -> Relative:
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        relative = Relative(
            customer=customer,
            name=name.strip(),
            name_kana=name_kana,
            relation=relation,
            phone=phone.strip(),
            consent_date=consent_date,
        )
        writes.save(relative, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.CUSTOMER_ADD_RELATIVE,
            target=customer,
            summary=f"親族「{relative.name}」を登録した",
        )
    return relative


# --- identity resolution (名寄せ): merge and unmerge move rows between customers -------------

# Identity resolution sets these (a cluster of corporate records makes a corporate customer).
GOLDEN_FIELDS = ("kind", "name", "family_name", "given_name", "name_kana", "birth_date", "gender", "corporate_number")
DETAIL_MODELS: dict[str, type[Address] | type[Phone] | type[Email] | type[Relative] | type[FormerName]] = {
    "addresses": Address,
    "phones": Phone,
    "emails": Email,
    "relatives": Relative,
    "former_names": FormerName,
}


def customer_apply_golden(*, actor: User, customer: Customer, values: dict[str, Any], summary: str) -> dict[str, Any]:
    """Set the golden record's identity fields (name included) without recording a former name:
    used by identity resolution, whose lineage says where each value came from. Returns the old values."""
    unknown = set(values) - set(GOLDEN_FIELDS)
    if unknown:
        raise ValidationError(f"変更できない項目です: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        before = {name: getattr(customer, name) for name in values}
        for name, value in values.items():
            setattr(customer, name, value)
        try:
            writes.save(customer, actor=actor)
        except ValidationError:
            customer.refresh_from_db()
            raise
        changed = {k: [str(before[k]), str(getattr(customer, k))] for k in values if before[k] != getattr(customer, k)}
        if changed:
            record_event(
                actor=actor, action=AuditAction.CUSTOMER_APPLY_GOLDEN, target=customer, summary=summary, data=changed
            )
            customer_changed([customer.pk])
    return before


def customer_details_move(
    *, actor: User, to_customer: Customer, rows: dict[str, list[int]], primary: dict[str, list[int]] | None = None
) -> dict[str, list[int]]:
    """Move contact points, relatives and former names (by id) to `to_customer`, keeping their ids;
    each move is a history row. Moved rows are not primary, except those listed in `primary` when the
    target has no primary of that kind. Returns the ids moved per kind."""
    moved: dict[str, list[int]] = {}
    primary = primary or {}
    with transaction.atomic():
        _ensure_can_write(actor, to_customer)
        touched = {to_customer.pk}
        for kind, ids in rows.items():
            model = DETAIL_MODELS[kind]
            for row in model.objects.filter(pk__in=ids).order_by("pk"):
                touched.add(row.customer_id)
                if not Customer.objects.visible_to(actor).filter(pk=row.customer_id).exists():
                    raise PermissionDenied("この顧客を更新する権限がありません。")
                row.customer = to_customer
                if isinstance(row, Address | Phone | Email):
                    wants = row.pk in primary.get(kind, [])
                    others = type(row).objects.filter(customer=to_customer, is_primary=True)
                    row.is_primary = wants and not others.exists()
                writes.save(row, actor=actor, reason="名寄せによる顧客の付け替え", clean=False)
                moved.setdefault(kind, []).append(row.pk)
        customer_changed(touched)
    return moved


def customer_unlink_agency(*, actor: User, customer: Customer, agency: Agency) -> bool:
    """Remove an agency link (used when an unmerge takes back a link the merge added)."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        link = CustomerAgency.objects.filter(customer=customer, agency=agency).first()
        if link is None:
            return False
        writes.delete(link, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.CUSTOMER_UNLINK_AGENCY,
            target=customer,
            summary=f"担当代理店から「{agency.name}」を外した",
        )
    return True


def customer_set_merged_into(*, actor: User, customer: Customer, into: Customer | None, reason: str) -> Customer:
    """Mark `customer` as merged into `into` (None: live again, after an unmerge). Only identity
    resolution calls this; the row history records the change with `reason`, and both customers
    are re-indexed (a merged customer leaves the search index, and comes back when unmerged)."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        if into is not None:
            _ensure_can_write(actor, into)
            if into.pk == customer.pk:
                raise ValidationError("顧客を自分自身に統合することはできません。")
        old = customer.merged_into_id
        new = into.pk if into is not None else None
        if old == new:
            return customer
        customer.merged_into = into
        writes.save(customer, actor=actor, reason=reason, clean=False, update_fields=["merged_into", "updated_at"])
        customer_changed([customer.pk, *(pk for pk in (old, new) if pk is not None)])
    return customer
