"""Helpers shared by the case services: locking with scope, numbering, timeline and audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from tsunagu.core.audit import record_event
from tsunagu.core.context import history_user
from tsunagu.core.models import User

from ..choices import EventKind
from ..models import Case, CaseEvent, CaseNumberSequence


def save(instance: models.Model, actor: User | None) -> None:
    instance.full_clean()
    history_user(instance, actor)
    instance.save()


def lock_case(actor: User, case: Case) -> Case:
    """Re-check scope inside the transaction and lock the row; returns the fresh row."""
    locked = Case.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=case.pk).first()
    if locked is None:
        raise PermissionDenied("この案件を更新する権限がありません。")
    return locked


def next_number(year: int) -> str:
    sequence, _ = CaseNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"C-{year}-{sequence.last:06d}"


def event(
    case: Case,
    actor: User | None,
    kind: EventKind,
    summary: str,
    *,
    body: str = "",
    data: dict[str, Any] | None = None,
    audit_action: str | None = None,
) -> CaseEvent:
    """Append to the timeline and, for business actions, write the audit event too."""
    entry = CaseEvent.objects.create(
        case=case, actor=actor, kind=kind, summary=summary[:300], body=body, data=data or {}
    )
    if audit_action:
        record_event(actor=actor, action=audit_action, target=case, summary=f"{case.number}: {summary}", data=data)
    return entry
