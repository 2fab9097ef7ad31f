"""The blocking-key index (BlockingKey): the one function that brings stored keys up to what the
engine derives (on import for the records it wrote, on a full run for every record)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from .. import engine
from ..models import BlockingKey, SourceRecord

logger = logging.getLogger(__name__)
CHUNK = 5000


def keys_refresh(records: Sequence[SourceRecord] | None = None, *, chunk: int = CHUNK) -> int:
    """Rewrite the blocking keys of `records` (their `source` loaded) where they differ from what
    the engine derives now; without `records`, of every record, `chunk` at a time (new records
    have none; a changed key scheme makes stored ones stale). Returns how many records changed."""
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
    ids = [r.pk for r in records]
    wanted = {(r.pk, key[:200]) for r, keys in zip(records, many, strict=True) for key in keys}
    stored = set(BlockingKey.objects.filter(record_id__in=ids).values_list("record_id", "key"))
    redo = {record_id for record_id, _ in stored ^ wanted}
    if not redo:
        return 0
    with transaction.atomic():
        BlockingKey.objects.filter(record_id__in=redo).delete()
        fresh = [BlockingKey(record_id=r, key=k) for r, k in sorted(wanted) if r in redo]
        BlockingKey.objects.bulk_create(fresh, batch_size=5000)
    return len(redo)
