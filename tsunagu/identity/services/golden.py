"""Building and refreshing golden customers from their source records, with lineage.

A cluster of corporate records (survivorship.cluster_kind) makes a corporate customer (区分 法人)
with the records' 法人番号 and no birth date or gender; its contact points are the company's
(本店・本社, 勤務先). An individual customer made earlier from corporate records (before 法人 was a
kind of its own) becomes corporate at its next refresh when it has no birth date and no gender."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from tsunagu.core import normalize, writes
from tsunagu.core.models import User
from tsunagu.customers.choices import PREFECTURES, AddressKind, CustomerKind, EmailKind, PhoneKind
from tsunagu.customers.models import Customer
from tsunagu.customers.services import (
    AddressInput,
    CustomerInput,
    address_add,
    customer_apply_golden,
    customer_create,
    email_add,
    phone_add,
)

from ..models import FieldLineage, SourceRecord
from ..records import split_address
from ..survivorship import GROUPS, Candidate, Choice, choose, cluster_kind, groups_for, lineage_value
from .common import one_index_update, save_customer_link

IDENTITY_GROUPS = ("name", "name_kana", "birth_date", "gender", "corporate_number")
CONTACT_GROUPS = ("address", "phone", "mobile", "email")


def record_candidates(records: Iterable[SourceRecord]) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {group: [] for group in GROUPS}
    for record in records:
        features = record.features
        verified = set(record.source.verified_fields)
        for group, fields in GROUPS.items():
            value = {f: features.get(f, "") for f in fields}
            if any(value.values()):
                out[group].append(
                    Candidate(
                        value=value,
                        record_id=record.pk,
                        priority=record.source.priority,
                        changed_at=record.changed_at,
                        verified=bool(verified & set(fields)),
                    )
                )
    return out


def _address_text(address: Any) -> str:
    return normalize.collapse_spaces(f"{address.prefecture}{address.city}{address.street} {address.building}")


def customer_values(customer: Customer) -> dict[str, dict[str, str]]:
    """The customer's current value per group, in the records' canonical form."""
    address = customer.addresses.filter(is_primary=True).first()
    phone = customer.phones.filter(is_primary=True).exclude(kind=PhoneKind.MOBILE).first()
    mobile = customer.phones.filter(kind=PhoneKind.MOBILE).order_by("-is_primary", "id").first()
    email = customer.emails.filter(is_primary=True).first()
    return {
        "name": {"name_kanji": customer.name, "family_name": customer.family_name, "given_name": customer.given_name},
        "name_kana": {"name_kana": customer.name_kana},
        "birth_date": {"birth_date": customer.birth_date.isoformat() if customer.birth_date else ""},
        "gender": {"gender": customer.gender},
        "address": {
            "postal_code": address.postal_code if address else "",
            "address": _address_text(address) if address else "",
        },
        "phone": {"phone": phone.digits if phone else ""},
        "mobile": {"mobile": mobile.digits if mobile else ""},
        "email": {"email": email.address if email else ""},
        "corporate_number": {"corporate_number": customer.corporate_number},
    }


def _same(group: str, a: dict[str, str], b: dict[str, str]) -> bool:
    if group == "address":
        return a.get("postal_code", "") == b.get("postal_code", "") and normalize.address_key(
            a.get("address", "")
        ) == normalize.address_key(b.get("address", ""))
    if group == "name":
        return normalize.name_key(a.get("name_kanji", "")) == normalize.name_key(b.get("name_kanji", ""))
    if group == "email":
        return normalize.email_key(a.get("email", "")) == normalize.email_key(b.get("email", ""))
    return a == b


def existing_candidates(customer: Customer, rank: int = 0) -> dict[str, Candidate]:
    """Values staff typed into the customer (no lineage, or changed since): they are kept."""
    lineage = {row.field: row for row in FieldLineage.objects.filter(customer=customer)}
    out: dict[str, Candidate] = {}
    for group, value in customer_values(customer).items():
        if not any(value.values()):
            continue
        row = lineage.get(group)
        if row is not None and row.source_record_id is not None and row.value == lineage_value(group, value):
            continue  # the value came from a record, which is a candidate itself
        out[group] = Candidate(
            value=value, record_id=None, priority=rank, changed_at=customer.updated_at, verified=True
        )
    return out


def records_kind(records: Iterable[SourceRecord]) -> str:
    """CustomerKind of the customer these records make (corporate when all are corporations)."""
    return cluster_kind(record.features for record in records)


def choices_for(records: list[SourceRecord], existing: list[dict[str, Candidate]], *, kind: str) -> dict[str, Choice]:
    """The winner per group a customer of `kind` takes (a corporation: no birth date or gender;
    a person: no 法人番号)."""
    wanted = groups_for(kind)
    candidates = {group: items for group, items in record_candidates(records).items() if group in wanted}
    for extra in existing:
        for group, candidate in extra.items():
            if group in candidates:
                candidates[group].insert(0, candidate)
    out: dict[str, Choice] = {}
    for group, items in candidates.items():
        choice = choose(group, items)
        if choice is not None:
            out[group] = choice
    return out


def _address_input(value: dict[str, str], kind: str = AddressKind.HOME) -> AddressInput | None:
    postal = value.get("postal_code", "")
    prefecture, city, street = split_address(value.get("address", ""))
    if len(postal) != 7 or prefecture not in PREFECTURES or not city or not street:
        return None
    return AddressInput(postal_code=postal, prefecture=prefecture, city=city, street=street, kind=kind)


def _contact_kinds(kind: str) -> tuple[str, str]:
    """(landline, e-mail) kinds of a customer's contact points from records."""
    if kind == CustomerKind.CORPORATE:
        return PhoneKind.WORK, EmailKind.WORK
    return PhoneKind.HOME, EmailKind.PERSONAL


def _address_kind(kind: str, *, primary: bool) -> str:
    """A company's primary address is its 本店・本社; its others (a branch's) その他."""
    if kind == CustomerKind.CORPORATE:
        return AddressKind.HEAD_OFFICE if primary else AddressKind.OTHER
    return AddressKind.HOME


def golden_create(*, actor: User, records: list[SourceRecord]) -> Customer | None:
    """A new golden customer from records no customer has yet; None when no record has a reading
    (a customer needs フリガナ): such records wait for a link to an existing customer."""
    kind = records_kind(records)
    choices = choices_for(records, [], kind=kind)
    if "name" not in choices or "name_kana" not in choices:
        return None
    values = identity_values(choices, kind=kind)
    phone_kind, email_kind = _contact_kinds(kind)
    addresses: list[AddressInput] = []
    for candidate in _ordered(choices, record_candidates(records), "address"):
        address = _address_input(candidate.value, _address_kind(kind, primary=not addresses))
        if address is not None and not any(_same_address(address, a) for a in addresses):
            addresses.append(address)
    phones: list[tuple[str, str]] = []
    for group, phone_type in (("mobile", PhoneKind.MOBILE), ("phone", phone_kind)):
        for candidate in _ordered(choices, record_candidates(records), group):
            digits = candidate.value[group]
            if digits not in {normalize.phone_digits(n) for _, n in phones}:
                phones.append((phone_type, normalize.format_phone(digits)))  # as staff type it: 090-1234-5678
    emails: list[tuple[str, str]] = []
    for candidate in _ordered(choices, record_candidates(records), "email"):
        if normalize.email_key(candidate.value["email"]) not in {normalize.email_key(e) for _, e in emails}:
            emails.append((email_kind, candidate.value["email"]))
    with transaction.atomic(), one_index_update():
        customer = customer_create(
            actor=actor,
            data=CustomerInput(
                kind=kind,
                name=values["name"],
                family_name=values["family_name"],
                given_name=values["given_name"],
                name_kana=values["name_kana"],
                birth_date=values.get("birth_date"),
                gender=values.get("gender", ""),
                corporate_number=values.get("corporate_number", ""),
                addresses=addresses,
                phones=phones,
                emails=emails,
            ),
        )
        for record in records:
            record.customer = customer
            save_customer_link(record, actor, "名寄せ: 新しい顧客を作成")
        lineage_write(actor=actor, customer=customer, choices=choices)
    return customer


def _same_address(a: AddressInput, b: AddressInput) -> bool:
    return _address_identity(a.postal_code, a.street, a.building) == _address_identity(
        b.postal_code, b.street, b.building
    )


def _address_identity(postal_code: str, street: str, building: str) -> tuple[str, str]:
    """A source record's address keeps the building in its street ("上高野6-30-9 北青山クレスト310"), a
    customer's address keeps it apart: compare them as one text, or every link adds the address again."""
    return postal_code, normalize.address_key(f"{street}{building}")


def _ordered(choices: dict[str, Choice], candidates: dict[str, list[Candidate]], group: str) -> list[Candidate]:
    """The winner first, then the other candidates (nothing a source gave is lost)."""
    winner = choices.get(group)
    rest = [c for c in candidates[group] if winner is None or c != winner.candidate]
    return ([winner.candidate] if winner else []) + sorted(rest, key=lambda c: -c.changed_at.timestamp())


def lineage_write(*, actor: User, customer: Customer, choices: dict[str, Choice]) -> None:
    """Changed rows are saved one by one; new rows (every row of a new golden customer) are
    inserted together with their history rows (values come from validated records and rules)."""
    existing = {row.field: row for row in FieldLineage.objects.filter(customer=customer)}
    created: list[FieldLineage] = []
    for group, choice in choices.items():
        value = lineage_value(group, choice.candidate.value)
        row = existing.get(group) or FieldLineage(customer=customer, field=group)
        new = (value, choice.candidate.record_id, choice.rule, choice.candidate.verified)
        if row.pk is not None and (row.value, row.source_record_id, row.rule, row.verified) == new:
            continue
        row.value, row.source_record_id, row.rule, row.verified = new
        if row.pk is None:
            created.append(row)
        else:
            writes.save(row, actor=actor)
    if created:
        writes.bulk_create(created, actor=actor)


def lineage_snapshot(customer: Customer) -> dict[str, dict[str, Any]]:
    return {row.field: row.as_dict() for row in FieldLineage.objects.filter(customer=customer)}


def lineage_restore(*, actor: User, customer: Customer, snapshot: dict[str, dict[str, Any]], fields: set[str]) -> None:
    rows = {row.field: row for row in FieldLineage.objects.filter(customer=customer)}
    for group in fields:
        old = snapshot.get(group)
        row = rows.get(group)
        if old is None:
            if row is not None:  # the field had no lineage before the merge
                writes.delete(row, actor=actor, reason="統合解除")
            continue
        row = row or FieldLineage(customer=customer, field=group)
        row.value, row.source_record_id, row.rule, row.verified = (
            old["value"],
            old["source_record"],
            old["rule"],
            old["verified"],
        )
        writes.save(row, actor=actor, reason="統合解除")


def identity_values(choices: dict[str, Choice], *, kind: str = CustomerKind.INDIVIDUAL) -> dict[str, Any]:
    """Customer field values from the identity groups' winners (a corporation's name has no
    family and given parts)."""
    values: dict[str, Any] = {}
    corporate = kind == CustomerKind.CORPORATE
    if "name" in choices:
        name = choices["name"].candidate.value
        values["name"] = name["name_kanji"]
        values["family_name"] = "" if corporate else name.get("family_name", "")
        values["given_name"] = "" if corporate else name.get("given_name", "")
    if "name_kana" in choices:
        values["name_kana"] = choices["name_kana"].candidate.value["name_kana"]
    if "birth_date" in choices:
        values["birth_date"] = dt.date.fromisoformat(choices["birth_date"].candidate.value["birth_date"])
    if "gender" in choices:
        values["gender"] = choices["gender"].candidate.value["gender"]
    if "corporate_number" in choices:
        values["corporate_number"] = choices["corporate_number"].candidate.value["corporate_number"]
    return values


def _refresh_kind(customer: Customer, records: list[SourceRecord]) -> str:
    """The kind survivorship fills the customer as: its own, except that an individual customer
    whose records are all corporations and who has no birth date and no gender becomes corporate
    (made from a company's records before 法人 was a kind of its own)."""
    if (
        customer.kind == CustomerKind.INDIVIDUAL
        and records
        and records_kind(records) == CustomerKind.CORPORATE
        and customer.birth_date is None
        and not customer.gender
    ):
        return CustomerKind.CORPORATE
    return str(customer.kind)


def golden_refresh(
    *,
    actor: User,
    customer: Customer,
    others: list[Customer] | None = None,
    add_contacts: bool = True,
    summary: str = "名寄せにより顧客情報を更新した",
) -> dict[str, list[str]]:
    """Re-run survivorship over the customer's records (and `others`' typed values, lower rank).
    Values staff typed are kept. Returns {field: [before, after]} for the identity fields changed."""
    records = list(SourceRecord.objects.filter(customer=customer).select_related("source").order_by("pk"))
    existing = [existing_candidates(customer, 0)] + [existing_candidates(o, 1) for o in others or []]
    kind = _refresh_kind(customer, records)
    choices = choices_for(records, existing, kind=kind)
    target = identity_values({g: c for g, c in choices.items() if g in IDENTITY_GROUPS}, kind=kind)
    if kind != customer.kind:
        target["kind"] = kind
    changes = {k: v for k, v in target.items() if getattr(customer, k) != v}
    before: dict[str, Any] = {}
    if changes:
        before = customer_apply_golden(actor=actor, customer=customer, values=changes, summary=summary)
    if add_contacts:
        _add_missing_contacts(actor, customer, records)
    lineage_write(actor=actor, customer=customer, choices=choices)
    return {k: [_text(before[k]), _text(getattr(customer, k))] for k in changes}


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


def _add_missing_contacts(actor: User, customer: Customer, records: list[SourceRecord]) -> None:
    phones = set(customer.phones.values_list("digits", flat=True))
    emails = {normalize.email_key(e) for e in customer.emails.values_list("address", flat=True)}
    addresses = [_address_identity(a.postal_code, a.street, a.building) for a in customer.addresses.all()]
    has_primary = {
        "address": customer.addresses.filter(is_primary=True).exists(),
        "phone": customer.phones.filter(is_primary=True).exists(),
        "email": customer.emails.filter(is_primary=True).exists(),
    }
    phone_kind, email_kind = _contact_kinds(customer.kind)
    for record in sorted(records, key=lambda r: (r.source.priority, -r.changed_at.timestamp())):
        f = record.features
        for group, kind in (("mobile", PhoneKind.MOBILE), ("phone", phone_kind)):
            if (digits := f.get(group)) and digits not in phones:
                phone_add(
                    actor=actor,
                    customer=customer,
                    number=normalize.format_phone(digits),
                    kind=kind,
                    primary=not has_primary["phone"],
                )
                phones.add(digits)
                has_primary["phone"] = True
        if (email := f.get("email")) and normalize.email_key(email) not in emails:
            email_add(actor=actor, customer=customer, address=email, kind=email_kind, primary=not has_primary["email"])
            emails.add(normalize.email_key(email))
            has_primary["email"] = True
        address = _address_input(
            {"postal_code": f.get("postal_code", ""), "address": f.get("address", "")},
            _address_kind(customer.kind, primary=not has_primary["address"]),
        )
        if address is None:
            continue
        identity = _address_identity(address.postal_code, address.street, address.building)
        if identity not in addresses:
            address_add(actor=actor, customer=customer, data=address, primary=not has_primary["address"])
            addresses.append(identity)
            has_primary["address"] = True
