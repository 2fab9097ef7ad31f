"""Re-encrypting stored sensitive values (機微情報) with the current key, set-based in chunks.

Used by the cases migration that encrypts rows written before encryption existed and by
`manage.py rotate_field_keys`. It works on the raw column values (never through the model field),
reads a chunk of rows not yet on the current key in primary-key order with one query, and writes
the chunk back with one executemany, each chunk in its own transaction. Rows already on the
current key are skipped by the query itself (`NOT LIKE 'enc:<current id>:%'`), so a run can be
interrupted and started again, and a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.db import connection, transaction

from . import crypto

CHUNK = 2_000


@dataclass
class TableResult:
    table: str
    updated: int = 0
    failed: list[tuple[Any, str]] = field(default_factory=list)  # (primary key, Japanese reason)


def encrypted_tables(apps: Any = global_apps) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(table, primary-key column, encrypted columns) of every model with an EncryptedTextField,
    history models included (they carry a copy of the field)."""
    from .fields import EncryptedTextField

    seen: set[str] = set()
    for model in apps.get_models():
        columns = tuple(
            f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField) or _is_encrypted(f)
        )
        table = model._meta.db_table
        if columns and table not in seen and model._meta.managed:
            seen.add(table)
            yield table, model._meta.pk.column, columns


def _is_encrypted(f: Any) -> bool:
    # Migration states rebuild fields from their deconstructed path; compare by path as well.
    return type(f).__module__ == "tsunagu.core.fields" and type(f).__name__ == "EncryptedTextField"


def _pending_condition(columns: Sequence[str], key_id: str, qn: Callable[[str], str]) -> tuple[str, list[str]]:
    pattern = f"{crypto.PREFIX}{key_id}:%"
    parts = [f"({qn(c)} <> '' AND {qn(c)} NOT LIKE %s)" for c in columns]
    return " OR ".join(parts), [pattern] * len(columns)


def reencrypt_table(
    table: str,
    pk: str,
    columns: Sequence[str],
    *,
    transform: Callable[[str], str] = crypto.reencrypt,
    chunk: int = CHUNK,
    key_id: str | None = None,
) -> TableResult:
    """Write every non-empty value of `columns` as `transform(value)` (default: under the current key).

    `key_id` limits the scan to values not already under that key id (default: the current key's);
    pass "" to scan every non-empty value (decrypting back to plaintext, for instance)."""
    qn = connection.ops.quote_name
    result = TableResult(table)
    if key_id is None:
        key_id = crypto.current_key().id
    if key_id:
        condition, params = _pending_condition(columns, key_id, qn)
    else:
        condition, params = " OR ".join(f"{qn(c)} <> ''" for c in columns), []
    select = (
        f"SELECT {qn(pk)}, {', '.join(qn(c) for c in columns)} FROM {qn(table)} "
        f"WHERE {qn(pk)} > %s AND ({condition}) ORDER BY {qn(pk)} LIMIT {int(chunk)}"
    )
    update = f"UPDATE {qn(table)} SET {', '.join(f'{qn(c)} = %s' for c in columns)} WHERE {qn(pk)} = %s"
    last: Any = -1
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last, *params])
            rows = cursor.fetchall()
            if not rows:
                break
            changes = []
            for row in rows:
                try:
                    values = [transform(v) if v else v for v in row[1:]]
                except crypto.FieldKeyError as error:
                    result.failed.append((row[0], str(error)))
                    continue
                if values != list(row[1:]):
                    changes.append([*values, row[0]])
            if changes:
                cursor.executemany(update, changes)
            result.updated += len(changes)
            last = rows[-1][0]
        if len(rows) < chunk:
            break
    return result


def key_ids_in_use(table: str, columns: Sequence[str]) -> dict[str, int]:
    """How many stored values each key id encrypts ("平文" for values not yet encrypted)."""
    qn = connection.ops.quote_name
    counts: dict[str, int] = {}
    start, length = len(crypto.PREFIX) + 1, crypto.KEY_ID_LENGTH
    with connection.cursor() as cursor:
        for c in columns:
            cursor.execute(
                f"SELECT CASE WHEN {qn(c)} LIKE %s THEN SUBSTR({qn(c)}, {start}, {length}) ELSE '平文' END AS k, "
                f"COUNT(*) FROM {qn(table)} WHERE {qn(c)} <> '' GROUP BY k",
                [f"{crypto.PREFIX}%"],
            )
            for key, n in cursor.fetchall():
                counts[key] = counts.get(key, 0) + n
    return counts
