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

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from .documents import Document, encode_gram, encoded_grams

DOC = "search_customerdoc"
TERM = "search_term"
TRIGRAM_MIN = 3


@dataclass(frozen=True)
class Source:
    """FROM/WHERE yielding candidates; `sd` is the CustomerDoc alias unless `lean` (terms only)."""

    from_sql: str
    where_sql: str
    params: tuple[Any, ...]
    order_sql: str  # newest first: lets the database stop after LIMIT rows
    id_sql: str = "sd.customer_id"
    seq_sql: str = "sd.seq"
    lean: bool = False  # no CustomerDoc row joined: no checks, scope or tier CASE possible


@dataclass(frozen=True)
class IndexedDoc:
    doc: Document
    seq: int
    activity_at: dt.datetime


def _in_list(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def term_source(kind: str, key: str, *, prefix: bool, lean: bool = False) -> Source:
    params: tuple[str, ...]
    if prefix:
        # A B-tree range, not LIKE: Django's startswith emits LIKE ... ESCAPE, which SQLite
        # cannot serve from the index (shared/notes/search-measurements.md).
        where, params = "st.kind = %s AND st.key >= %s AND st.key < %s", (kind, key, key + "\U0010ffff")
    else:
        where, params = "st.kind = %s AND st.key = %s", (kind, key)
    if lean:  # index-only: (kind, key, seq, customer_id) covers the whole query
        return Source(f"{TERM} st", where, params, "st.seq DESC", "st.customer_id", "st.seq", lean=True)
    return Source(f"{TERM} st JOIN {DOC} sd ON sd.customer_id = st.customer_id", where, params, "st.seq DESC")


def dense_source(check_sql: str, params: tuple[Any, ...], *, min_seq: int) -> Source:
    """Walk CustomerDocs newest first down to `min_seq`, testing each: for keys so common that the
    next matches are found after a few hundred rows, while collecting and sorting them all would
    not. The caller falls back to the key's own source when the walk finds too few."""
    return Source(f"{DOC} sd", f"sd.seq >= %s AND {check_sql}", (min_seq, *params), "sd.seq DESC")


class Backend:
    vendor = ""
    contains_fn = ""
    # Whether name_source yields rows newest first from the index itself (then LIMIT stops early
    # even for very common names, and no dense fallback is needed).
    ordered_name_index = False

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def contains(self, column: str) -> str:
        """SQL that is true when `column` contains the (bound) string."""
        return f"{self.contains_fn}({column}, %s) > 0"

    def name_source(self, key: str) -> Source:
        raise NotImplementedError

    def name_count_sql(self, key: str) -> tuple[str, tuple[Any, ...]]:
        """`SELECT 1 …` over the rows that contain `key` (for a capped count, no join)."""
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

    def after_commit(self, cursor: CursorWrapper) -> None:
        """Maintenance that cannot run inside a transaction (after a rebuild outside any atomic block)."""

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
    ordered_name_index = True

    @staticmethod
    def _fts(key: str) -> tuple[str, str]:
        if len(key) >= TRIGRAM_MIN:
            return "search_name_tri", '"' + key.replace('"', '""') + '"'
        return "search_name_gram", '"' + encode_gram(key) + '"'

    def name_source(self, key: str) -> Source:
        table, match = self._fts(key)
        # CROSS JOIN keeps the FTS table outermost (SQLite may otherwise scan the base table), and
        # FTS5 returns rowids (= seq) newest first, so LIMIT stops early however common the name.
        return Source(
            f"{table} f CROSS JOIN {DOC} sd ON sd.seq = f.rowid", f"{table} MATCH %s", (match,), "f.rowid DESC"
        )

    def name_count_sql(self, key: str) -> tuple[str, tuple[Any, ...]]:
        table, match = self._fts(key)
        return f"SELECT 1 FROM {table} WHERE {table} MATCH %s", (match,)

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

    @staticmethod
    def _condition(key: str) -> tuple[str, str]:
        if len(key) >= TRIGRAM_MIN:
            pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            return "names LIKE %s", pattern
        return "grams @> ARRAY[%s]::text[]", key

    def name_source(self, key: str) -> Source:
        condition, param = self._condition(key)
        # MATERIALIZED: always read the GIN index; the planner must not walk the seq index hoping
        # for an early match (a full scan when the name is rare). Common names use dense_source.
        return Source(
            f"(WITH m AS MATERIALIZED (SELECT customer_id FROM {DOC} WHERE {condition}) SELECT customer_id FROM m) mm "
            f"JOIN {DOC} sd ON sd.customer_id = mm.customer_id",
            "TRUE",
            (param,),
            "sd.seq DESC",
        )

    def name_count_sql(self, key: str) -> tuple[str, tuple[Any, ...]]:
        condition, param = self._condition(key)
        return f"SELECT 1 FROM {DOC} WHERE {condition}", (param,)

    def next_seqs(self, cursor: CursorWrapper, count: int) -> list[int]:
        cursor.execute("SELECT nextval('search_doc_seq') FROM generate_series(1, %s)", [count])
        return sorted(int(row[0]) for row in cursor.fetchall())

    def delete(self, cursor: CursorWrapper, customer_ids: Sequence[int]) -> None:
        if not customer_ids:
            return
        # Two transactions re-indexing one customer (two operators logging calls at once) must not
        # both insert its row: the second waits here, and its DELETEs (new statements, new snapshot
        # under READ COMMITTED) then remove what the first one wrote.
        cursor.execute(
            f"SELECT customer_id FROM {DOC} WHERE customer_id = ANY(%s) ORDER BY customer_id FOR UPDATE",
            [list(customer_ids)],
        )
        cursor.execute(f"DELETE FROM {TERM} WHERE customer_id = ANY(%s)", [list(customer_ids)])
        cursor.execute(f"DELETE FROM {DOC} WHERE customer_id = ANY(%s)", [list(customer_ids)])

    def insert(self, cursor: CursorWrapper, rows: Sequence[IndexedDoc], *, bulk: bool = False) -> None:
        if not rows:
            return
        if bulk:
            raw = cursor.cursor
            with raw.copy(f"COPY {DOC} (customer_id, seq, names, keys, activity_at, grams) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(
                        (r.doc.customer_id, r.seq, r.doc.names, r.doc.keys, r.activity_at, list(r.doc.grams))
                    )
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
        self.before_index_create(cursor)  # TRUNCATE, too, refuses to run with pending FK checks
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

    def after_commit(self, cursor: CursorWrapper) -> None:
        # Sets the visibility map, so that term lookups are index-only scans.
        cursor.execute(f"VACUUM (ANALYZE) {TERM}, {DOC}")

    def secondary_indexes(self, cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
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
