"""Writes to the search index: the per-write update (subscribed to customer_changed) and the rebuild.

The update runs inside the caller's transaction (events.py), so the index never disagrees with
committed data. Every update gives the customer a new, higher `seq`: ranking ties go to the most
recently changed customer. The rebuild assigns `seq` in order of last activity (the later of the
customer's last update and last contact) and loads rows in bulk with secondary indexes dropped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tsunagu.customers.models import Customer
from tsunagu.interactions.models import Interaction

from .backends import DOC, TERM, IndexedDoc, backend_for
from .documents import build
from .facts import load_facts

_suspended: ContextVar[bool] = ContextVar("tsunagu_search_index_suspended", default=False)


@contextmanager
def indexing_suspended() -> Iterator[None]:
    """For bulk loaders: skip per-write updates, then call search_index_rebuild() once."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def search_index_update(customer_ids: Sequence[int]) -> None:
    """Re-index these customers now (deleted customers leave the index)."""
    if _suspended.get() or not customer_ids:
        return
    ids = sorted(set(customer_ids))
    backend = backend_for(connection)
    with transaction.atomic():
        facts = load_facts(ids=ids)
        with connection.cursor() as cursor:
            backend.delete(cursor, ids)
            present = [facts[i] for i in ids if i in facts]
            seqs = backend.next_seqs(cursor, len(present))
            now = timezone.now()
            backend.insert(cursor, [IndexedDoc(build(f), seq, now) for f, seq in zip(present, seqs, strict=True)])


def on_customer_changed(customer_ids: list[int]) -> None:
    search_index_update(customer_ids)


@dataclass(frozen=True)
class RebuildResult:
    customers: int
    seconds: float
    size_bytes: int | None


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        return timezone.now()
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def _order_by_activity(cursor: Any, greatest: Callable[[str, str], str]) -> int:
    """A temp table: customer → seq, numbered in order of last activity (oldest first)."""
    customers, interactions = Customer._meta.db_table, Interaction._meta.db_table
    cursor.execute("DROP TABLE IF EXISTS search_rebuild_order")
    cursor.execute(
        "CREATE TEMP TABLE search_rebuild_order (customer_id bigint PRIMARY KEY, seq bigint NOT NULL, activity_at "
        + ("timestamptz" if connection.vendor == "postgresql" else "text")
        + " NOT NULL)"
    )
    activity = greatest("c.updated_at", "COALESCE(i.last_at, c.updated_at)")
    cursor.execute(
        "INSERT INTO search_rebuild_order (customer_id, seq, activity_at) "
        "SELECT id, ROW_NUMBER() OVER (ORDER BY act, id), act FROM ("
        f"  SELECT c.id AS id, {activity} AS act FROM {customers} c LEFT JOIN ("
        f"    SELECT customer_id, MAX(occurred_at) AS last_at FROM {interactions} GROUP BY customer_id"
        "  ) i ON i.customer_id = c.id"
        "  WHERE c.merged_into_id IS NULL"  # merged-away customers are not indexed (facts.py)
        ") x"
    )
    cursor.execute("SELECT COUNT(*) FROM search_rebuild_order")
    return int(cursor.fetchone()[0])


def search_index_rebuild(
    *, chunk_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> RebuildResult:
    """Rebuild the whole index in one transaction (writers wait; readers see the old index until commit)."""
    started = time.perf_counter()
    backend = backend_for(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        backend.truncate(cursor)
        dropped: list[str] = []
        for table in (TERM, DOC):
            for name, create_sql in backend.secondary_indexes(cursor, table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(create_sql)
        total = _order_by_activity(cursor, backend.greatest)
        cursor.execute("SELECT MIN(customer_id), MAX(customer_id) FROM search_rebuild_order")
        low, high = cursor.fetchone()
        done = 0
        if progress:
            progress(0, total)
        if low is not None:
            for start in range(int(low), int(high) + 1, chunk_size):
                end = start + chunk_size
                facts = load_facts(id_range=(start, end))
                cursor.execute(
                    "SELECT customer_id, seq, activity_at FROM search_rebuild_order "
                    "WHERE customer_id >= %s AND customer_id < %s",
                    [start, end],
                )
                order = {int(cid): (int(seq), _as_datetime(at)) for cid, seq, at in cursor.fetchall()}
                rows = [IndexedDoc(build(f), *order[cid]) for cid, f in facts.items() if cid in order]
                backend.insert(cursor, rows, bulk=True)
                done += len(rows)
                if progress:
                    progress(done, total)
        backend.before_index_create(cursor)
        for create_sql in dropped:
            cursor.execute(create_sql)
        backend.after_rebuild(cursor, total)
        cursor.execute("DROP TABLE IF EXISTS search_rebuild_order")
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            backend.after_commit(cursor)
        size = backend.index_size_bytes(cursor)
    return RebuildResult(customers=done, seconds=time.perf_counter() - started, size_bytes=size)


def search_index_size_bytes() -> int | None:
    with connection.cursor() as cursor:
        return backend_for(connection).index_size_bytes(cursor)
