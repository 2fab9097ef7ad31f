"""Helpers shared by the identity services: who may act, saving with history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from tsunagu.core.choices import Role
from tsunagu.core.context import history_user
from tsunagu.core.models import User
from tsunagu.core.services import SYSTEM_USERNAME

STEWARD_ONLY = "名寄せの操作はデータスチュワードだけが行えます。"


def is_steward(user: User | Any) -> bool:
    """Data stewards are HQ staff (a department, never an agency) with the data_steward role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.department_id is not None and user.agency_id is None and user.has_role(Role.DATA_STEWARD)


def ensure_steward(actor: User) -> None:
    """Services accept data stewards and the batch actor (commands and tasks run as `system`)."""
    if getattr(actor, "username", None) == SYSTEM_USERNAME and actor.pk is not None:
        return
    if not is_steward(actor):
        raise PermissionDenied(STEWARD_ONLY)


def save(instance: Any, actor: User | None, reason: str = "") -> None:
    instance.full_clean()
    history_user(instance, actor)
    if reason:
        instance._change_reason = reason
    instance.save()
