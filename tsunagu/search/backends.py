"""The two places where SQLite and PostgreSQL differ: finding names by substring, and writing rows.

Everything else (B-tree term lookups, checks on the document row, ranking) is shared SQL in
engine.py. Both backends implement exactly the same matching rules, so results are equal:
- substring of 3+ characters: FTS5 trigram phrase / `LIKE` served by a pg_trgm GIN index;
- substring of 1–2 characters: an FTS5 unicode61 table over encoded grams / `grams @> ARRAY[..]`
  on a GIN-indexed text[] (trigram indexes cannot serve them: shared notes, measured).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.utils import CursorWrapper
from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import Document, encode_gram, encoded_grams

DOC = "search_customerdoc"
TERM = "search_term"
TRIGRAM_MIN = 3


@dataclass(frozen=True)
class Source:
    """A FROM/WHERE that yields candidate rows, with `sd` the CustomerDoc alias."""

    from_sql: str
    where_sql: str
    params: tuple[Any, ...]
    order_sql: str  # newest first: lets the database stop after LIMIT rows


@dataclass(frozen=True)
class IndexedDoc:
    doc: Document
    seq: int
    activity_at: dt.datetime


def _in_list(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def term_source(kind: str, key: str, *, prefix: bool) -> Source:
    join = f"{TERM} st JOIN {DOC} sd ON sd.customer_id = st.customer_id"
    if prefix:
        # A B-tree range, not LIKE: Django's startswith emits LIKE ... ESCAPE, which SQLite
        # cannot serve from the index (shared/notes/search-measurements.md).
        return Source(join, "st.kind = %s AND st.key >= %s AND st.key < %s", (kind, key, key + "\U0010ffff"), "st.seq DESC")
    return Source(join, "st.kind = %s AND st.key = %s", (kind, key), "st.seq DESC")


class Backend:
    vendor = ""
    contains_fn = ""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def contains(self, column: str) -> str:
        """SQL that is true when `column` contains the (bound) string."""
        return f"{self.contains_fn}({column}, %s) > 0"

    def name_source(self, key: str) -> Source:
        raise NotImplementedError

    def next_seqs(self, cursor: CursorWrapper, count: int) -> list[int]:
        raise NotImplementedError

    def delete(self, cursor: CursorWrapper, customer_ids: Sequence[int]) -> None:
        raise NotImplementedError

    def insert(self, cursor: CursorWrapper, rows: Sequence[IndexedDoc], *, bulk: bool = False) -> None:
        raise NotImplementedError

    def truncate(self, cursor: CursorWrapper) -> None:
        raise NotImplementedError

    def before_index_create(self, cursor: CursorWrapper) -> None:
        """Called after the bulk load, before dropped indexes are created again."""

    def after_rebuild(self, cursor: CursorWrapper, last_seq: int) -> None:
        """Bring sequences and statistics up to date after a bulk load."""

    def secondary_indexes(self, cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
        """(name, CREATE statement) of indexes that can be dropped during a bulk load."""
        raise NotImplementedError

    def index_size_bytes(self, cursor: CursorWrapper) -> int | None:
        raise NotImplementedError

    def greatest(self, a: str, b: str) -> str:
        raise NotImplementedError

    def _adapt(self, value: dt.datetime) -> Any:
        return self.connection.ops.adapt_datetimefield_value(value)


class SQLiteBackend(Backend):
    vendor = "sqlite"
    contains_fn = "instr"

    def name_source(self, key: str) -> Source:
        if len(key) >= TRIGRAM_MIN:
            table, match = "search_name_tri", '"' + key.replace('"', '""') + '"'
        else:
            table, match = "search_name_gram", '"' + encode_gram(key) + '"'
        # CROSS JOIN keeps the FTS table outermost: SQLite may otherwise scan the base table.
        return Source(f"{table} f CROSS JOIN {DOC} sd ON sd.seq = f.rowid", f"{table} MATCH %s", (match,), "f.rowid DESC")

    def next_seqs(self, cursor: CursorWrapper, count: int) -> list[int]:
        # SQLite has one writer at a time (IMMEDIATE transactions), so MAX + 1 cannot race.
        cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {DOC}")
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))

    def delete(self, cursor: CursorWrapper, customer_ids: Sequence[int]) -> None:
        if not customer_ids:
            return
        marks = _in_list(customer_ids)
        cursor.execute(f"SELECT seq FROM {DOC} WHERE customer_id IN ({marks})", list(customer_ids))
        seqs = [row[0] for row in cursor.fetchall()]
        if seqs:
            seq_marks = _in_list(seqs)
            cursor.execute(f"DELETE FROM search_name_tri WHERE rowid IN ({seq_marks})", seqs)
            cursor.execute(f"DELETE FROM search_name_gram WHERE rowid IN ({seq_marks})", seqs)
        cursor.execute(f"DELETE FROM {TERM} WHERE customer_id IN ({marks})", list(customer_ids))
        cursor.execute(f"DELETE FROM {DOC} WHERE customer_id IN ({marks})", list(customer_ids))

    def insert(self, cursor: CursorWrapper, rows: Sequence[IndexedDoc], *, bulk: bool = False) -> None:
        if not rows:
            return
        cursor.executemany(
            f"INSERT INTO {DOC} (customer_id, seq, names, keys, activity_at) VALUES (%s, %s, %s, %s, %s)",
            [(r.doc.customer_id, r.seq, r.doc.names, r.doc.keys, self._adapt(r.activity_at)) for r in rows],
        )
        cursor.executemany(
            f"INSERT INTO {TERM} (customer_id, kind, key, seq) VALUES (%s, %s, %s, %s)",
            [(r.doc.customer_id, kind, key, r.seq) for r in rows for kind, key in r.doc.terms],
        )
        cursor.executemany(
            "INSERT INTO search_name_tri (rowid, names) VALUES (%s, %s)", [(r.seq, r.doc.names) for r in rows]
        )
        cursor.executemany(
            "INSERT INTO search_name_gram (rowid, grams) VALUES (%s, %s)",
            [(r.seq, encoded_grams(r.doc.grams)) for r in rows],
        )

    def truncate(self, cursor: CursorWrapper) -> None:
        for table in ("search_name_tri", "search_name_gram", TERM, DOC):
            cursor.execute(f"DELETE FROM {table}")

    def after_rebuild(self, cursor: CursorWrapper, last_seq: int) -> None:
        for table in ("search_name_tri", "search_name_gram"):
            cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")

    def secondary_indexes(self, cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
        )
        return [(name, sql) for name, sql in cursor.fetchall()]

    def index_size_bytes(self, cursor: CursorWrapper) -> int | None:
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search%%' OR name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name LIKE 'search%%')"
            )
        except Exception:  # dbstat is an optional SQLite module
            return None
        value = cursor.fetchone()[0]
        return int(value) if value is not None else 0

    def greatest(self, a: str, b: str) -> str:
        return f"MAX({a}, {b})"


class PostgreSQLBackend(Backend):
    vendor = "postgresql"
    contains_fn = "strpos"

    def name_source(self, key: str) -> Source:
        if len(key) >= TRIGRAM_MIN:
            pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            condition, param = "names LIKE %s", pattern
        else:
            condition, param = "grams @> ARRAY[%s]::text[]", key  # type: ignore[assignment]
        # MATERIALIZED: always read the GIN index; the planner must not walk the seq index
        # hoping for an early match (a full scan when the name is rare).
        return Source(
            f"(WITH m AS MATERIALIZED (SELECT customer_id FROM {DOC} WHERE {condition}) SELECT customer_id FROM m) mm "
            f"JOIN {DOC} sd ON sd.customer_id = mm.customer_id",
            "TRUE",
            (param,),
            "sd.seq DESC",
        )

    def next_seqs(self, cursor: CursorWrapper, count: int) -> list[int]:
        cursor.execute("SELECT nextval('search_doc_seq') FROM generate_series(1, %s)", [count])
        return sorted(int(row[0]) for row in cursor.fetchall())

    def delete(self, cursor: CursorWrapper, customer_ids: Sequence[int]) -> None:
        if not customer_ids:
            return
        cursor.execute(f"DELETE FROM {TERM} WHERE customer_id = ANY(%s)", [list(customer_ids)])
        cursor.execute(f"DELETE FROM {DOC} WHERE customer_id = ANY(%s)", [list(customer_ids)])

    def insert(self, cursor: CursorWrapper, rows: Sequence[IndexedDoc], *, bulk: bool = False) -> None:
        if not rows:
            return
        if bulk:
            raw = cursor.cursor
            with raw.copy(f"COPY {DOC} (customer_id, seq, names, keys, activity_at, grams) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((r.doc.customer_id, r.seq, r.doc.names, r.doc.keys, r.activity_at, list(r.doc.grams)))
            with raw.copy(f"COPY {TERM} (customer_id, kind, key, seq) FROM STDIN") as copy:
                for r in rows:
                    for kind, key in r.doc.terms:
                        copy.write_row((r.doc.customer_id, kind, key, r.seq))
            return
        cursor.executemany(
            f"INSERT INTO {DOC} (customer_id, seq, names, keys, activity_at, grams) VALUES (%s, %s, %s, %s, %s, %s)",
            [(r.doc.customer_id, r.seq, r.doc.names, r.doc.keys, r.activity_at, list(r.doc.grams)) for r in rows],
        )
        cursor.executemany(
            f"INSERT INTO {TERM} (customer_id, kind, key, seq) VALUES (%s, %s, %s, %s)",
            [(r.doc.customer_id, kind, key, r.seq) for r in rows for kind, key in r.doc.terms],
        )

    def truncate(self, cursor: CursorWrapper) -> None:
        cursor.execute(f"TRUNCATE {TERM}, {DOC}")

    def before_index_create(self, cursor: CursorWrapper) -> None:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED; CREATE INDEX refuses to run while
        # their checks are pending, so run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def after_rebuild(self, cursor: CursorWrapper, last_seq: int) -> None:
        cursor.execute("SELECT setval('search_doc_seq', %s)", [max(last_seq, 1)])
        cursor.execute(f"ANALYZE {DOC}")
        cursor.execute(f"ANALYZE {TERM}")

    def secondary_indexes(self, cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        return [(name, sql) for name, sql in cursor.fetchall()]

    def index_size_bytes(self, cursor: CursorWrapper) -> int | None:
        cursor.execute(f"SELECT pg_total_relation_size('{DOC}') + pg_total_relation_size('{TERM}')")
        return int(cursor.fetchone()[0])

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"


def backend_for(connection: BaseDatabaseWrapper) -> Backend:
    if connection.vendor == "postgresql":
        return PostgreSQLBackend(connection)
    if connection.vendor == "sqlite":
        return SQLiteBackend(connection)
    raise NotImplementedError(f"顧客検索は {connection.vendor} に対応していません(SQLite / PostgreSQL のみ)。")
