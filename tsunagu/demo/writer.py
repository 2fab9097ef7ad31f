"""Bulk inserts for demo data: executemany on SQLite, COPY on PostgreSQL.

Demo data is millions of rows; the ORM's per-object work (and bulk_create's per-field preparation)
would dominate the run time. The generator therefore produces plain tuples in a fixed column order
(`TableSpec.columns`), and this module writes them through the DB-API connection inside the
caller's transaction. Columns of the model that the generator does not produce (for example a field
another app adds later) are filled with the field's default, so a new column with a default never
breaks the loader; one without a default fails loudly, naming the column.

Row history: for models in `HISTORY_MODELS` the "+" rows of django-simple-history are written from
the same tuples (history_date, history_user and change reason supplied by the caller), which is what
`simple_history.utils.bulk_create_with_history` would write, without a second ORM pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

from tsunagu.core import crypto
from tsunagu.core.fields import encrypted_fields

Row = tuple[Any, ...]


@dataclass
class TableSpec:
    """The columns (attnames) the generator produces for one model, in tuple order."""

    model: type[models.Model]
    columns: tuple[str, ...]
    with_history: bool = False
    extra_columns: tuple[str, ...] = field(init=False)
    extra_values: tuple[Any, ...] = field(init=False)
    encrypted: tuple[int, ...] = field(init=False)  # tuple positions of sensitive (encrypted) columns

    def __post_init__(self) -> None:
        self.extra_columns, self.extra_values = _fill_in(self.model, self.columns)
        self.encrypted = tuple(
            self.columns.index(f.attname) for f in encrypted_fields(self.model) if f.attname in self.columns
        )

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.extra_columns

    @property
    def sql_columns(self) -> tuple[str, ...]:
        return _column_names(self.model, self.all_columns)


def _encrypt_columns(row: Row, positions: tuple[int, ...]) -> Row:
    values = list(row)
    for i in positions:
        if values[i]:
            values[i] = crypto.encrypt(values[i])
    return tuple(values)


def _column_names(model: type[models.Model], attnames: Sequence[str]) -> tuple[str, ...]:
    by_attname = {f.attname: f.column or f.attname for f in model._meta.concrete_fields}
    return tuple(by_attname[name] for name in attnames)


def _fill_in(model: type[models.Model], columns: Sequence[str]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Columns of `model` missing from `columns`, with one value for every row (their default)."""
    extra_columns: list[str] = []
    extra_values: list[Any] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for f in model._meta.concrete_fields:
        if f.attname in columns or f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.null:
            value = None
        elif f.db_default is not NOT_PROVIDED:
            continue  # the database fills it
        else:
            raise ValueError(
                f"デモデータ: {model._meta.label}.{f.attname} に入れる値がありません(既定値のない列です)。"
            )
        if isinstance(f, models.JSONField):
            value = f.get_db_prep_value(value, connection)
        extra_columns.append(f.attname)
        extra_values.append(value)
    return tuple(extra_columns), tuple(extra_values)


@dataclass
class HistorySpec:
    """How to turn a base row into a simple_history "+" row."""

    table: str
    columns: tuple[str, ...]
    pick: Callable[[Row], Row]
    constant_tail: tuple[Any, ...]  # values after the picked ones, before the per-row history fields


def _history_spec(spec: TableSpec) -> HistorySpec:
    history_model: type[models.Model] = spec.model.history.model  # type: ignore[attr-defined]
    base = spec.all_columns
    picked: list[str] = []
    indexes: list[int] = []
    constant_columns: list[str] = []
    constant_values: list[Any] = []
    per_row = ("history_date", "history_change_reason", "history_type", "history_user_id")
    for f in history_model._meta.concrete_fields:
        if f.attname == "history_id" or f.attname in per_row:
            continue
        if f.attname in base:
            picked.append(f.attname)
            indexes.append(base.index(f.attname))
        else:
            extra_cols, extra_vals = _fill_in_one(f)
            constant_columns += extra_cols
            constant_values += extra_vals
    getter = itemgetter(*indexes)
    return HistorySpec(
        table=history_model._meta.db_table,
        columns=_column_names(history_model, (*picked, *constant_columns, *per_row)),
        pick=(lambda row: (getter(row),)) if len(indexes) == 1 else getter,  # type: ignore[arg-type,return-value]
        constant_tail=tuple(constant_values),
    )


def _fill_in_one(f: models.Field[Any, Any]) -> tuple[list[str], list[Any]]:
    if f.has_default():
        return [f.attname], [f.get_default()]
    if f.null:
        return [f.attname], [None]
    raise ValueError(f"デモデータ: 履歴テーブルの列 {f.attname} に入れる値がありません。")


class BulkWriter:
    """Writes tuples into tables on the current connection, inside the caller's transaction."""

    def __init__(self, *, history_user_id: int | None, history_reason: str) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.history_user_id = history_user_id
        self.history_reason = history_reason
        self.rows_written = 0
        self._history: dict[str, HistorySpec] = {}

    def insert(self, spec: TableSpec, rows: Sequence[Row], *, history_dates: Sequence[dt.datetime] = ()) -> None:
        """Insert `rows`; with `history_dates` (one per row), also their "+" history rows."""
        if not rows:
            return
        if spec.encrypted:
            # Sensitive columns are written as the field would write them: ciphertext (core.fields).
            rows = [_encrypt_columns(row, spec.encrypted) for row in rows]
        if spec.extra_columns:
            extra = spec.extra_values
            rows = [row + extra for row in rows]
        self._write(spec.table, spec.sql_columns, rows)
        if spec.with_history and history_dates:
            hist = self._history.get(spec.table)
            if hist is None:
                hist = self._history[spec.table] = _history_spec(spec)
            tail = hist.constant_tail
            reason, user_id = self.history_reason, self.history_user_id
            pick = hist.pick
            history_rows = [
                (*pick(row), *tail, when, reason, "+", user_id) for row, when in zip(rows, history_dates, strict=True)
            ]
            self._write(hist.table, hist.columns, history_rows)

    def _write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        qn = connection.ops.quote_name
        column_sql = ", ".join(qn(c) for c in columns)
        raw: Any = connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {qn(table)} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" if self.vendor == "sqlite" else "%s" for _ in columns)
            sql = f"INSERT INTO {qn(table)} ({column_sql}) VALUES ({placeholders})"
            if self.vendor == "sqlite":
                raw.executemany(sql, rows)
            else:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, rows)
        self.rows_written += len(rows)


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def analyze(tables: Sequence[str]) -> None:
    """Refresh planner statistics after a bulk load (sampled on SQLite, so it stays quick)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
        elif connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
