"""Reads of customers: always scoped to the user; reads of personal data are access-logged."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.history import ChangeRow, FieldChange, object_change_rows
from tsunagu.core.models import User

from .models import Address, Customer, Email, Phone, Relative


def customer_get(*, user: User, pk: int, purpose: AccessPurpose, screen: str = "") -> Customer:
    """Fetch one customer with contact points, or 404 when it is outside the user's scope.

    The read is logged before the data is returned, so there is no unlogged path to it.
    """
    customer = (
        Customer.objects.visible_to(user)
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id")),
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            "relatives",
            "former_names",
            "agency_links__agency",
        )
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise Http404("顧客が見つかりません。")
    log_access(user=user, customer_ids=[customer.pk], purpose=purpose, screen=screen)
    setattr(customer, _READ_BY, user.pk)
    return customer


# customer_get marks the instance it returns with the reader; sub-data selectors (policies, cases,
# documents, contacts of one customer) refuse any other instance, so their data can only be read
# after the scoped, logged read that authorizes it.
_READ_BY = "_tsunagu_read_by"


class UnloggedRead(RuntimeError):
    """A programming error: customer data read without going through customer_get."""


def require_logged_read(*, user: User, customer: Customer) -> None:
    if getattr(customer, _READ_BY, None) != user.pk:
        raise UnloggedRead(
            f"customer {customer.pk} was not read through customers.selectors.customer_get for user {user.pk}"
        )


def customer_list(*, user: User, limit: int = 50, screen: str = "") -> list[Customer]:
    """Most recently updated customers the user may see (logged as a list read)."""
    customers = list(
        Customer.objects.visible_to(user).prefetch_related("addresses", "phones").order_by("-updated_at")[:limit]
    )
    log_access(user=user, customer_ids=[c.pk for c in customers], purpose=AccessPurpose.LIST, screen=screen)
    return customers


# --- Change history (変更履歴) -------------------------------------------------------------------

# History rows read per model for one customer's panel (a customer has a handful of contact points;
# this bounds the read for a pathological one).
HISTORY_WINDOW = 200
# A primary address replaced by a new one (異動 住所変更, address_add(primary=True)) is written as
# "old address: 主 はい → いいえ" and "new address registered" in one transaction, moments apart.
_MOVE_WINDOW = dt.timedelta(seconds=5)


def _recent(history: QuerySet[Any]) -> list[Any]:
    return list(history.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_WINDOW])


def _demotions(records: list[Any]) -> list[Any]:
    """Address history records that took a primary address out of use (主 はい → いいえ; a move
    also makes it 旧住所). A record with no earlier one in the window counts too: addresses loaded
    in bulk (demo data, imports) have no "+" record, so the diff alone cannot show the demotion."""
    by_object: dict[Any, list[Any]] = {}
    for record in records:
        if record.instance_type is Address:
            by_object.setdefault(record.id, []).append(record)
    found = []
    for object_records in by_object.values():
        object_records.sort(key=lambda r: (r.history_date, r.history_id))
        for older, newer in pairwise([None, *object_records]):
            if newer.history_type == "~" and not newer.is_primary and (older is None or older.is_primary):
                found.append(newer)
    return found


def _primary_moves(rows: list[ChangeRow], records: list[Any]) -> list[ChangeRow]:
    """Fold each "new primary address + old one no longer primary" pair into one row that reads
    住所: old → new (the before → after of a move)."""
    demoted = _demotions(records)
    used: set[int] = set()  # history_id of the demotions folded into a move
    folded: list[ChangeRow] = []
    for row in rows:
        record = row.record
        if record.instance_type is Address and record.history_type == "+" and record.is_primary:
            old = next(
                (
                    d
                    for d in demoted
                    if d.history_id not in used
                    and d.id != record.id
                    and d.history_user_id == record.history_user_id
                    and abs(d.history_date - row.at) <= _MOVE_WINDOW
                ),
                None,
            )
            if old is not None:
                used.add(old.history_id)
                row = ChangeRow(
                    at=row.at,
                    user=row.user,
                    kind="住所の変更",
                    reason=row.reason or old.history_change_reason or "",
                    changes=[FieldChange("住所", str(old.instance), str(record.instance))],
                    record=record,
                )
        folded.append(row)
    return [row for row in folded if not (row.record.instance_type is Address and row.record.history_id in used)]


def customer_change_history(*, user: User, customer: Customer, limit: int = 20) -> list[ChangeRow]:
    """変更履歴 of one customer, newest first: the customer's own fields and its addresses, phones,
    e-mails and relatives (added, changed, removed), each with before → after. Changes applied by
    a case (異動) write these rows through the customers services, so they all appear here.

    Only after the scoped, logged read of the customer (customer_get)."""
    require_logged_read(user=user, customer=customer)
    records = _recent(customer.history.all())
    for model in (Address, Phone, Email, Relative):
        records += _recent(model.history.filter(customer_id=customer.pk))  # type: ignore[attr-defined]
    rows = object_change_rows(records, subject=_subject)
    return _primary_moves(rows, records)[:limit]


def _subject(record: Any) -> str:
    return "顧客情報" if record.instance_type is Customer else str(record.instance_type._meta.verbose_name)
