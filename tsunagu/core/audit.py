"""Audit events: the business meaning of a write, recorded by the service that made it."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, User


def record_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:300],
        data=data or {},
    )
