"""Readable change history (who, when, field, old → new) from django-simple-history rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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
    record: Any = field(default=None, repr=False, compare=False)  # the history row (object_change_rows)


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


def _record_changes(newer: Any, older: Any | None, summary: Callable[[Any], str]) -> list[FieldChange]:
    label = str(newer.instance_type._meta.verbose_name)
    if newer.history_type == "+":
        return [FieldChange(label, "", summary(newer))]
    if newer.history_type == "-":
        return [FieldChange(label, summary(newer), "")]
    if older is None:
        return []
    changes = []
    for change in newer.diff_against(older).changes:
        field_label = str(newer.instance_type._meta.get_field(change.field).verbose_name)
        changes.append(FieldChange(field_label, _display(older, change.field), _display(newer, change.field)))
    return changes


def object_change_rows(
    records: Iterable[Any],
    *,
    subject: Callable[[Any], str] = lambda record: str(record.instance_type._meta.verbose_name),
    summary: Callable[[Any], str] = lambda record: str(record.instance),
) -> list[ChangeRow]:
    """Rows for history records of several objects (of one or more models), newest first.

    Each "~" record is diffed against the previous record of the same object (which must be among
    `records` for its changes to show); a "+" row shows the new object (summary) as the after value,
    a "-" row the deleted one as the before value. `subject` names what changed ("住所"), giving the
    kind "住所の変更"."""
    by_object: dict[tuple[str, Any], list[Any]] = {}
    for record in records:
        by_object.setdefault((record.instance_type._meta.label, record.id), []).append(record)
    rows: list[ChangeRow] = []
    for object_records in by_object.values():
        object_records.sort(key=lambda r: (r.history_date, r.history_id))
        for older, newer in pairwise([None, *object_records]):
            row = ChangeRow(
                at=newer.history_date,
                user=newer.history_user,
                kind=f"{subject(newer)}の{HISTORY_TYPES.get(newer.history_type, newer.history_type)}",
                reason=newer.history_change_reason or "",
                changes=_record_changes(newer, older, summary),
                record=newer,
            )
            if newer.history_type != "~" or row.changes:  # an unchanged re-save says nothing
                rows.append(row)
    rows.sort(key=lambda row: (row.at, row.record.history_id), reverse=True)
    return rows
