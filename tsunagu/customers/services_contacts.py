"""Editing a customer's phones, e-mails, relatives and consent flags (the customer page's edit screens).

Every function: the named permission (customers.edit_contacts), the actor's scope re-checked inside
the transaction, a merged customer refused (it is kept read-only for history), rows written through
core.writes (row history with the actor) and one audit event for the business meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.events import customer_changed
from tsunagu.core.models import User

from .models import Customer, Email, Phone, Relative
from .services import _clear_primary, _ensure_can_write, customer_update, email_add, phone_add, relative_add

MERGED_READ_ONLY = "この顧客は別の顧客に統合されているため変更できません。統合先の顧客で変更してください。"


def _guard(actor: User, customer: Customer) -> None:
    permissions.require(actor, permissions.CUSTOMERS_EDIT_CONTACTS)
    _ensure_can_write(actor, customer)
    merged = Customer.objects.filter(pk=customer.pk).values_list("merged_into_id", flat=True).first()
    if merged is not None:
        raise ValidationError(MERGED_READ_ONLY)


def _own(row: Phone | Email | Relative, customer: Customer) -> None:
    if row.customer_id != customer.pk:
        raise ValidationError("この顧客の連絡先ではありません。")


def _event(actor: User, customer: Customer, summary: str) -> None:
    record_event(actor=actor, action=AuditAction.CUSTOMER_UPDATE, target=customer, summary=summary)


Point = TypeVar("Point", Phone, Email)


def _point_save(
    *,
    actor: User,
    customer: Customer,
    row: Point | None,
    add: Callable[[], Point],
    label: str,
    field: str,
    value: str,
    kind: str,
    primary: bool,
) -> Point:
    """Add a phone or e-mail address (row=None, through customers.services) or change one; `primary`
    makes it the customer's main one."""
    with transaction.atomic():
        _guard(actor, customer)
        if row is None:
            added = add()
            _event(actor, customer, f"{label}({added.get_kind_display()})を追加した")
            return added
        _own(row, customer)
        if primary and not row.is_primary:
            _clear_primary(type(row), customer, actor)
        setattr(row, field, value.strip())
        row.kind, row.is_primary = kind, primary
        writes.save(row, actor=actor)
        _event(actor, customer, f"{label}({row.get_kind_display()})を変更した")
        customer_changed([customer.pk])
    return row


def phone_save(
    *, actor: User, customer: Customer, number: str, kind: str, primary: bool, phone: Phone | None = None
) -> Phone:
    return _point_save(
        actor=actor,
        customer=customer,
        row=phone,
        add=lambda: phone_add(actor=actor, customer=customer, number=number, kind=kind, primary=primary),
        label="電話番号",
        field="number",
        value=number,
        kind=kind,
        primary=primary,
    )


def email_save(
    *, actor: User, customer: Customer, address: str, kind: str, primary: bool, email: Email | None = None
) -> Email:
    return _point_save(
        actor=actor,
        customer=customer,
        row=email,
        add=lambda: email_add(actor=actor, customer=customer, address=address, kind=kind, primary=primary),
        label="メールアドレス",
        field="address",
        value=address,
        kind=kind,
        primary=primary,
    )


def relative_save(
    *,
    actor: User,
    customer: Customer,
    name: str,
    relation: str,
    phone: str,
    consent_date: dt.date,
    name_kana: str = "",
    relative: Relative | None = None,
) -> Relative:
    with transaction.atomic():
        _guard(actor, customer)
        if relative is None:
            return relative_add(
                actor=actor,
                customer=customer,
                name=name,
                relation=relation,
                phone=phone,
                consent_date=consent_date,
                name_kana=name_kana,
            )
        _own(relative, customer)
        relative.name, relative.name_kana, relative.relation = name.strip(), name_kana, relation
        relative.phone, relative.consent_date = phone.strip(), consent_date
        writes.save(relative, actor=actor)
        _event(actor, customer, f"登録親族「{relative.name}」を変更した")
    return relative


def contact_remove(*, actor: User, customer: Customer, row: Phone | Email | Relative) -> None:
    """Remove a phone, an e-mail address or a registered relative (the row history keeps it)."""
    labels = {Phone: "電話番号", Email: "メールアドレス", Relative: "登録親族"}
    with transaction.atomic():
        _guard(actor, customer)
        _own(row, customer)
        label = labels[type(row)]
        writes.delete(row, actor=actor)
        detail = f"「{row.name}」" if isinstance(row, Relative) else f"({row.get_kind_display()})"
        _event(actor, customer, f"{label}{detail}を削除した")
        if not isinstance(row, Relative):
            customer_changed([customer.pk])


def customer_consent_update(
    *, actor: User, customer: Customer, contact_consent: bool, dm_consent: bool, preferred_channel: str
) -> Customer:
    """The consent flags and the preferred channel (customer_update records the change)."""
    with transaction.atomic():
        _guard(actor, customer)
        return customer_update(
            actor=actor,
            customer=customer,
            contact_consent=contact_consent,
            dm_consent=dm_consent,
            preferred_channel=preferred_channel,
        )
