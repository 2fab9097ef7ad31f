"""Audit events: the business meaning of a write, recorded by the service that made it."""

from __future__ import annotations

from typing import Any

from django.db import models

from .choices import AuditAction
from .models import AuditEvent, User


def audit_action(action: AuditAction | str) -> AuditAction:
    """The action as a member of AuditAction; an unknown code is a programming error."""
    try:
        return AuditAction(action)
    except ValueError:
        raise ValueError(
            f"未登録の監査操作です: {action!r}。tsunagu.core.choices.AuditAction に追加してください。"
        ) from None


def action_label(code: str) -> str:
    """What screens show for an event's action: its Japanese label (the code for unknown old rows)."""
    try:
        return str(AuditAction(code).label)
    except ValueError:
        return code


def record_event(
    *,
    actor: User | None,
    action: AuditAction,
    target: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=audit_action(action),
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:300],
        data=data or {},
    )
