"""Fast multi-row inserts for batch hot paths (documents, certificate rows, their history, access log).

Django's bulk_create compiles every value through the field machinery (~25-50 µs per value,
measured: 2/3 of the certificate batch's time). The batches insert plain values, so this helper
adapts them directly and uses one `executemany` per table. It writes the same rows as bulk_create
plus simple_history's bulk_history_create (history type "+", the actor as history user), on
SQLite and PostgreSQL alike. Primary keys are read back by a unique column in one query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone


def _adapt(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(field, models.JSONField):
        return field.get_db_prep_save(value, connection)
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """`_adapt` specialised for one field, decided once per insert (the hot path calls it per value).

    Datetimes are memoised: a batch writes the same `now` into thousands of rows."""
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateTimeField):
        seen: dict[dt.datetime, Any] = {}

        def datetime_value(value: Any) -> Any:
            if value is None:
                return None
            if value not in seen:
                seen[value] = connection.ops.adapt_datetimefield_value(value)
            return seen[value]

        return datetime_value
    if isinstance(field, models.DateField):
        adapt_date = connection.ops.adapt_datefield_value  # looked up once: `connection` is a proxy
        return lambda value: None if value is None else adapt_date(value)
    return lambda value: value.value if isinstance(value, enum.Enum) else value


def _insertable(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]


def _execute(model: type[models.Model], fields: list[models.Field[Any, Any]], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def insert_tuples(model: type[models.Model], attnames: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows whose values the caller already adapted for the database, columns named by attname."""
    _execute(model, [model._meta.get_field(name) for name in attnames], rows)  # type: ignore[misc]


def _column(model: type[models.Model], attname: str) -> str:
    """The database column of a concrete field named by its name or attname (`customer_id`)."""
    field = model._meta.get_field(attname)
    return str(field.column)  # type: ignore[union-attr]


@contextlib.contextmanager
def _logged(sql: str) -> Iterator[None]:
    """Record a statement run on the raw psycopg cursor (COPY) in Django's query log, as Django's debug
    cursor does, so that DEBUG pages and the tests' query captures see it."""
    start = time.monotonic()
    try:
        yield
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})


def copy_out_csv(sql: str) -> bytes:
    """The rows of `sql` as CSV written by PostgreSQL (COPY … TO STDOUT on Django's connection, so in
    the same transaction): a million rows without a Python object per value."""
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    with transaction.atomic(), _logged(statement), connection.cursor() as cursor:
        # Dates and times as ISO text (YYYY-MM-DD) whatever the server's DateStyle, for this transaction.
        cursor.execute("SET LOCAL datestyle = 'ISO, YMD'")
        with cursor.cursor.copy(statement) as copy:
            return b"".join(bytes(block) for block in copy)


def copy_tuples(model: type[models.Model], attnames: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """`insert_tuples` for very many rows (a scoring run's million): COPY … FROM STDIN on PostgreSQL,
    on Django's connection and so in the same transaction; executemany on SQLite. JSON columns take
    JSON text. COPY statements are not in `connection.queries`."""
    if connection.vendor != "postgresql":
        insert_tuples(model, attnames, list(rows))
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in attnames)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with _logged(statement), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def copy_frame(model: type[models.Model], frame: Any) -> None:
    """Insert a polars frame whose columns are `model`'s attnames (JSON columns as JSON text): on
    PostgreSQL the frame is written as CSV by polars and sent with COPY … FROM STDIN (no Python object
    per value: 858,000 scores took 7 s in `write_row` alone); on SQLite, executemany of its rows."""
    if frame.height == 0:
        return
    import polars as pl

    if connection.vendor != "postgresql":
        # The text Django's SQLite backend writes: dates ISO, datetimes naive UTC.
        text = [
            pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.f")
            if isinstance(kind, pl.Datetime)
            else pl.col(name).dt.strftime("%Y-%m-%d")
            if kind == pl.Date
            else pl.col(name)
            for name, kind in frame.schema.items()
        ]
        insert_tuples(model, frame.columns, list(frame.select(text).iter_rows()))
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in frame.columns)
    data = frame.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z").encode()
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with _logged(statement), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


def insert(objs: Sequence[models.Model], *, key: str | None = None) -> None:
    """Insert unsaved instances of one model; with `key` (a unique field) their pks are set."""
    if not objs:
        return
    model = type(objs[0])
    fields = _insertable(model)
    now = timezone.now()
    rows = []
    for obj in objs:
        values = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
            values.append(_adapt(f, getattr(obj, f.attname)))
        rows.append(tuple(values))
    _execute(model, fields, rows)
    if key is not None:
        wanted = [getattr(obj, key) for obj in objs]
        found: dict[Any, int] = {}
        for start in range(0, len(wanted), 900):
            found.update(
                model._default_manager.filter(**{f"{key}__in": wanted[start : start + 900]}).values_list(key, "pk")
            )
        for obj in objs:
            obj.pk = found[getattr(obj, key)]
            obj._state.adding = False


def insert_history(
    objs: Sequence[Any], *, user_id: int | None, model: type[models.Model] | None = None, history_type: str = "+"
) -> None:
    """The history rows of saved instances (or of inserted records of `model`), as simple_history
    would write them: "+" for created rows, "~" for changed ones (pass their new state)."""
    if not objs:
        return
    history_model = (model or type(objs[0])).history.model  # type: ignore[attr-defined,union-attr]
    fields = _insertable(history_model)
    now = timezone.now()
    special = {
        "history_date": now,
        "history_change_reason": None,
        "history_type": history_type,
        "history_user_id": user_id,
    }
    fixed = {name: _adapter(history_model._meta.get_field(name))(value) for name, value in special.items()}
    plan = [(f.attname, _adapter(f), f.attname in fixed) for f in fields]
    rows = []
    for obj in objs:
        rows.append(tuple(fixed[name] if is_fixed else adapt(getattr(obj, name)) for name, adapt, is_fixed in plan))
    _execute(history_model, fields, rows)


def copy_to_history(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    user_id: int | None,
    history_type: str = "+",
    reason: str | None = None,
) -> None:
    """History rows for rows of `model` by id, copied by the database (INSERT ... SELECT): the same
    rows simple_history writes, without passing every value through Python."""
    if not ids:
        return
    history_model = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    tracked = [f for f in history_model._meta.concrete_fields if not f.attname.startswith("history_")]
    columns = [quote(str(f.column)) for f in tracked]
    special = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    target = ", ".join([*columns, *(quote(name) for name in special)])
    when = _adapter(history_model._meta.get_field("history_date"))(timezone.now())
    pk = quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    select = (
        f"INSERT INTO {quote(history_model._meta.db_table)} ({target}) "
        f"SELECT {', '.join(columns)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
    )
    if connection.vendor == "postgresql":
        with array_cursor() as cursor:
            for start in range(0, len(ids), UNNEST_ROWS):
                part = list(ids[start : start + UNNEST_ROWS])
                cursor.execute(select + f"WHERE {pk} = ANY(%b::bigint[])", [when, reason, history_type, user_id, part])
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            part = list(ids[start : start + 900])
            cursor.execute(
                f"INSERT INTO {quote(history_model._meta.db_table)} ({target}) "
                f"SELECT {', '.join(columns)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {pk} IN ({', '.join(['%s'] * len(part))})",
                [when, reason, history_type, user_id, *part],
            )


_MISSING = object()
UNNEST_ROWS = 10_000  # rows per INSERT … SELECT FROM UNNEST (PostgreSQL)


def array_cursor() -> Any:
    """A psycopg cursor with server-side binding on Django's PostgreSQL connection (so in the same
    transaction), for statements that pass one array per column as binary parameters (`%b`).

    Django's cursors bind client-side: every array element is quoted and escaped into the SQL text in
    Python (a regex per string), and the server parses the text back. A profiled 100,000-row survey
    import spent a fifth of its time there. Binary arrays skip both (measured: 5× less client CPU,
    4× less wall for 50,000 rows × 7 columns). Statements through it are not in `connection.queries`."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def pg_array_types(fields: Sequence[models.Field[Any, Any]]) -> list[str]:
    """The PostgreSQL array type of each field (`integer[]`, `varchar[]`, …) for `%b::type[]` casts."""
    return [f"{f.db_type(connection).split('(')[0]}[]" for f in fields]  # type: ignore[union-attr]


def insert_records(model: type[models.Model], records: Sequence[Any], *, returning: Sequence[str] = ()) -> None:
    """Insert plain records (objects with the model's attnames, e.g. slots dataclasses) as rows of `model`.

    Attributes a record lacks take the field's default; auto_now(_add) fields left None get now. With
    `returning` (a key unique within `records`, e.g. ("number",)), each record's `id` is set from a
    multi-row INSERT ... RETURNING (SQLite >= 3.35, PostgreSQL) matched by that key, not by position.
    """
    if not records:
        return
    fields = _insertable(model)
    now = timezone.now()
    defaults = {f.attname: (f.get_default() if f.has_default() else None) for f in fields}
    auto = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    plan = [(f.attname, _adapter(f), defaults[f.attname], f.attname in auto) for f in fields]
    rows = []
    for record in records:
        values = []
        for attname, adapt, default, is_auto in plan:
            value = getattr(record, attname, _MISSING)
            if value is _MISSING:
                value = default
            if value is None and is_auto:
                value = now
                if hasattr(record, attname):
                    setattr(record, attname, now)
            values.append(adapt(value))
        rows.append(tuple(values))
    if not returning:
        _execute(model, fields, rows)
        return
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite < 3.35
        raise RuntimeError("このデータベースは INSERT ... RETURNING に対応していません。")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    pk_column = quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    key_fields = [model._meta.get_field(name) for name in returning]
    back = ", ".join([pk_column, *(quote(str(f.column)) for f in key_fields)])  # type: ignore[union-attr]
    by_key = {tuple(getattr(r, name) for name in returning): r for r in records}
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One binary array per column (see array_cursor): a statement of 500 rows × 25 values
            # costs more to bind client-side than to insert.
            arrays = ", ".join(f"%b::{kind}" for kind in pg_array_types(fields))
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {back}"
            with array_cursor() as arrays_cursor:
                for start in range(0, len(rows), UNNEST_ROWS):
                    part = rows[start : start + UNNEST_ROWS]
                    arrays_cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
                    for pk, *key in arrays_cursor.fetchall():
                        by_key[tuple(key)].id = pk
            return
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, min(500, 30_000 // len(fields)))
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))} RETURNING {back}"
            cursor.execute(sql, [value for row in part for value in row])
            for pk, *key in cursor.fetchall():
                by_key[tuple(key)].id = pk
