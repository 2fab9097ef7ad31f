"""The blocking-key index (BlockingKey): the one function that brings stored keys up to what the
engine derives (on import for the records it wrote, on a full run for every record)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from .. import engine
from ..models import BlockingKey, SourceRecord

logger = logging.getLogger(__name__)
CHUNK = 5000


def keys_refresh(records: Sequence[SourceRecord] | None = None, *, chunk: int = CHUNK, prepared: Any = None) -> int:
    """Rewrite the blocking keys of `records` (their `source` loaded) where they differ from what
    the engine derives now; without `records`, of every record, `chunk` at a time (new records
    have none; a changed key scheme makes stored ones stale). `prepared`: every record's features,
    prepared already by the full run (the keys are read from them instead of preparing the records
    again, chunk by chunk). Returns how many records changed."""
    if prepared is not None and len(prepared):
        return sum(_refresh_prepared(prepared.iloc[i : i + chunk]) for i in range(0, len(prepared), chunk))
    if records is not None:
        return sum(_refresh(list(records[i : i + chunk])) for i in range(0, len(records), chunk))
    changed, after = 0, 0
    while True:
        batch = list(SourceRecord.objects.filter(pk__gt=after).select_related("source").order_by("pk")[:chunk])
        if not batch:
            return changed
        after = batch[-1].pk
        changed += _refresh(batch)


def _refresh(records: list[SourceRecord]) -> int:
    if not records:
        return 0
    try:
        many = engine.blocking_keys_many([engine.record_for(r.pk, r.source.code, r.features) for r in records])
    except ImportError:  # pragma: no cover - only before the engine is installed
        logger.warning("matching engine not available; blocking keys are built by the next full run")
        return 0
    return _store([r.pk for r in records], many)


def _refresh_prepared(prepared: Any) -> int:
    ids = [int(record_id) for record_id in prepared["record_id"]]
    return _store(ids, engine.blocking_keys_of_prepared(prepared))


def _store(ids: list[int], many: list[list[str]]) -> int:
    """Bring the stored keys of the records `ids` to `many` (their keys, in the same order)."""
    wanted = {(record_id, key[:200]) for record_id, keys in zip(ids, many, strict=True) for key in keys}
    stored = set(BlockingKey.objects.filter(record_id__in=ids).values_list("record_id", "key"))
    redo = {record_id for record_id, _ in stored ^ wanted}
    if not redo:
        return 0
    with transaction.atomic():
        BlockingKey.objects.filter(record_id__in=redo).delete()
        fresh = [BlockingKey(record_id=r, key=k) for r, k in sorted(wanted) if r in redo]
        BlockingKey.objects.bulk_create(fresh, batch_size=5000)
    return len(redo)
