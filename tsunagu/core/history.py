"""Readable change history (who, when, field, old → new) from django-simple-history rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

HISTORY_TYPES = {"+": "登録", "~": "変更", "-": "削除"}


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class ChangeRow:
    at: dt.datetime
    user: Any
    kind: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _display(record: Any, name: str) -> str:
    """The value as staff read it: choice labels (男性, not male), はい/いいえ for flags."""
    try:
        value = getattr(record, name)
    except ObjectDoesNotExist:  # a foreign key to a row deleted since: show its id
        value = getattr(record, f"{name}_id")
    if value is None:
        return ""
    model_field = record.instance_type._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)


def change_rows(history: QuerySet[Any], limit: int = 20) -> list[ChangeRow]:
    """Newest first. Fetches limit+1 rows once and diffs neighbours in memory (no N+1)."""
    records = list(history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows: list[ChangeRow] = []
    for newer, older in pairwise([*records, None]):
        if len(rows) == limit:
            break
        row = ChangeRow(
            at=newer.history_date,
            user=newer.history_user,
            kind=HISTORY_TYPES.get(newer.history_type, newer.history_type),
            reason=newer.history_change_reason or "",
        )
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older)
            for change in delta.changes:
                label = str(newer.instance_type._meta.get_field(change.field).verbose_name)
                row.changes.append(FieldChange(label, _display(older, change.field), _display(newer, change.field)))
        rows.append(row)
    return rows
