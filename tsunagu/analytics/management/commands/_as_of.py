from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone


def parse_as_of(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError as error:
        raise CommandError(f"--as-of には YYYY-MM-DD 形式の日付を指定してください(指定: {raw!r})。") from error


def validation_message(error: Exception) -> str:
    messages = getattr(error, "messages", None)
    return " ".join(messages) if messages else str(error)
