"""Helpers shared by the foundation's tests (core, customers, policies, interactions, contracts)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.db import connection

from tsunagu.core.models import AccessLog, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def years_ago(years: int, *, today: dt.date, days: int = 0) -> dt.date:
    """The date `years` years before `today` (28 Feb for a 29 Feb that does not exist), minus `days`."""
    try:
        date = today.replace(year=today.year - years)
    except ValueError:
        date = today.replace(year=today.year - years, day=28)
    return date - dt.timedelta(days=days)


def grant_admin_view(user: User, *models: type) -> User:
    """Make `user` a staff member who may view `models` in the admin (and nothing else)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for model in models:
        opts = model._meta
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}")
        )
    return User.objects.get(pk=user.pk)  # a fresh instance: no cached permissions


def access_rows(**filters) -> list[AccessLog]:
    return list(AccessLog.objects.filter(**filters).order_by("id"))


def execute_sql(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def error_messages(error) -> dict[str, list[str]]:
    """`ValidationError.message_dict`, or {"__all__": messages} for an error without fields."""
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
