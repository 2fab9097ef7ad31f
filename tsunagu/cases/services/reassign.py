"""Moving cases to another customer (identity merge and unmerge), with history and timeline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tsunagu.core.events import customer_changed
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from ..choices import EventKind
from ..models import Case
from .common import bump, event


def cases_move_to_customer(*, actor: User, to_customer: Customer, case_ids: list[int], reason: str) -> list[int]:
    """Each moved case gets a history row and a timeline entry. Returns the ids moved."""
    moved: list[int] = []
    with transaction.atomic():
        if not Customer.objects.visible_to(actor).filter(pk=to_customer.pk).exists():
            raise PermissionDenied("この顧客を更新する権限がありません。")
        touched = {to_customer.pk}
        for case in Case.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk__in=case_ids):
            touched.add(case.customer_id)
            old = case.customer_id
            case.customer = to_customer
            case._change_reason = reason  # type: ignore[attr-defined]
            bump(case, actor)
            event(
                case, actor, EventKind.DETAIL, f"顧客を付け替えた({reason})", data={"from": old, "to": to_customer.pk}
            )
            moved.append(case.pk)
        if len(moved) != len(set(case_ids)):
            raise PermissionDenied("この案件を更新する権限がありません。")
        customer_changed(touched)
    return moved
