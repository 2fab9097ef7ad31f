"""Helpers shared by the case services: locking with scope, numbering, timeline and audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from ..choices import EventKind
from ..models import Case, CaseEvent, CaseNumberSequence


def save(instance: models.Model, actor: User | None) -> None:
    writes.save(instance, actor=actor)


CONFLICT_MESSAGE = "他の担当者がこの案件を更新しました。最新の内容を確認してから、もう一度操作してください。"


class CaseConflict(Exception):
    """The case changed after the user loaded it (their `expected_version` is stale).

    Screens show `message`; the API answers 409. Nothing was written."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(CONFLICT_MESSAGE)
        self.message = CONFLICT_MESSAGE
        self.expected = expected
        self.current = current


def lock_case(actor: User, case: Case, expected_version: int | None = None) -> Case:
    """Re-check scope inside the transaction and lock the row; returns the fresh row.

    With `expected_version` (what the user saw), a case changed since then is a CaseConflict. The
    compare happens on the locked row, so it holds under real concurrency: on PostgreSQL the
    second writer waits for the first's lock and then reads the committed, bumped version; on
    SQLite (IMMEDIATE transactions) the writers are serialised and the second reads it too."""
    locked = Case.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=case.pk).first()
    if locked is None:
        raise PermissionDenied("この案件を更新する権限がありません。")
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(expected=expected_version, current=locked.version)
    return locked


def bump(locked: Case, actor: User | None) -> None:
    """Record a change to the locked case (its row, panel, documents or tasks): version + 1."""
    locked.version += 1
    save(locked, actor)


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
    audit_action: AuditAction | None = None,
) -> CaseEvent:
    """Append to the timeline and, for business actions, write the audit event too."""
    entry = CaseEvent.objects.create(
        case=case, actor=actor, kind=kind, summary=summary[:300], body=body, data=data or {}
    )
    if audit_action:
        record_event(actor=actor, action=audit_action, target=case, summary=f"{case.number}: {summary}", data=data)
    return entry
