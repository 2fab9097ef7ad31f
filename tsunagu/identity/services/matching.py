"""Training and loading the matcher, and the full match run (a background task with progress)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from .. import engine
from ..choices import PairStatus, RunKind, RunStatus
from ..models import BlockingKey, CandidatePair, MatchModel, MatchRun, SourceRecord, SourceSystem
from .common import ensure_steward

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
_cache: dict[int, Any] = {}


def all_records_frame() -> Any:
    rows = SourceRecord.objects.select_related("source").order_by("pk").only("pk", "features", "source__code")
    return engine.frame(engine.record_for(r.pk, r.source.code, r.features) for r in rows.iterator(chunk_size=5000))


def model_train(*, actor: User, frame: Any | None = None) -> MatchModel:
    """Train on every source record (no labels) and make the new model the active one."""
    ensure_steward(actor)
    frame = all_records_frame() if frame is None else frame
    if len(frame) < 2:
        from django.core.exceptions import ValidationError

        raise ValidationError("学習には2件以上のソースレコードが必要です。先にファイルを取り込んでください。")
    deduplicated = list(SourceSystem.objects.filter(deduplicated=True).values_list("code", flat=True))
    matcher = engine.matching().Matcher.train(frame, deduplicated_sources=deduplicated)
    with transaction.atomic():
        version = (MatchModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        # MatchModel keeps no row history (each version is immutable but for this flag); the
        # activation of the new version is the audit event below.
        MatchModel.objects.filter(is_active=True).update(is_active=False)
        model = MatchModel.objects.create(
            version=version,
            model_json=matcher.to_json(),
            auto_link=matcher.thresholds.auto_link,
            review=matcher.thresholds.review,
            trained_on=len(frame),
            trained_by=actor,
            is_active=True,
        )
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_MODEL_TRAIN,
            target=model,
            summary=f"名寄せモデル v{version} を学習した(自動統合 {model.auto_link:.4f}・要確認 {model.review:.4f})",
            data={"records": len(frame), "deduplicated_sources": sorted(deduplicated)},
        )
    _cache[model.pk] = matcher
    return model


def matcher_load() -> tuple[MatchModel, Any] | None:
    model = MatchModel.objects.filter(is_active=True).first()
    if model is None:
        return None
    if model.pk not in _cache:
        _cache.clear()
        _cache[model.pk] = engine.matching().Matcher.from_json(model.model_json)
    return model, _cache[model.pk]


def match_run_start(*, actor: User, retrain: bool = False) -> MatchRun:
    """Queue a full run (the task runs it; `manage.py match_records` runs it in the foreground)."""
    ensure_steward(actor)
    run = MatchRun.objects.create(kind=RunKind.TRAIN if retrain else RunKind.FULL, started_by=actor)
    record_event(
        actor=actor, action=AuditAction.IDENTITY_RUN_START, target=run, summary=f"名寄せの全件照合 #{run.pk} を開始した"
    )
    from ..tasks import match_run_task

    transaction.on_commit(lambda: match_run_task.enqueue(run.pk))
    return run


def _set(run: MatchRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))


def keys_refresh(chunk: int = 5000) -> int:
    """Bring every record's stored blocking keys up to what the engine derives now (new records
    have none; a changed key scheme makes stored ones stale); returns how many records changed."""
    changed, after = 0, 0
    while True:
        records = list(SourceRecord.objects.filter(pk__gt=after).select_related("source").order_by("pk")[:chunk])
        if not records:
            return changed
        after = records[-1].pk
        many = engine.blocking_keys_many([engine.record_for(r.pk, r.source.code, r.features) for r in records])
        wanted = {(r.pk, key[:200]) for r, keys in zip(records, many, strict=True) for key in keys}
        stored = set(
            BlockingKey.objects.filter(record_id__gte=records[0].pk, record_id__lte=after).values_list(
                "record_id", "key"
            )
        )
        redo = {record_id for record_id, _ in stored ^ wanted}
        if not redo:
            continue
        with transaction.atomic():
            BlockingKey.objects.filter(record_id__in=redo).delete()
            fresh = [BlockingKey(record_id=r, key=k) for r, k in wanted if r in redo]
            BlockingKey.objects.bulk_create(fresh, batch_size=5000)
        changed += len(redo)


def match_run_execute(*, run_id: int, progress: Progress | None = None) -> MatchRun:
    """Predict all pairs, store them (decided pairs keep their decision), then resolve clusters."""
    from .resolution import resolve_all

    run = MatchRun.objects.get(pk=run_id)
    _set(run, status=RunStatus.RUNNING, started_at=timezone.now())
    try:
        started = time.perf_counter()
        keys_refresh()
        frame = all_records_frame()
        loaded = None if run.kind == RunKind.TRAIN else matcher_load()
        if loaded is None:
            if progress:
                progress("学習", 0, 1)
            model = model_train(actor=run.started_by, frame=frame)
            loaded = (model, _cache[model.pk])
        model, matcher = loaded
        _set(run, model=model)
        if progress:
            progress("照合", 0, 1)
        pairs = matcher.predict(frame) if len(frame) >= 2 else None
        found, auto, review = pairs_store(actor=run.started_by, run=run, model=model, pairs=pairs)
        _set(run, pairs_found=found, auto_linked=auto, queued_for_review=review)

        def step(done: int, total: int) -> None:
            if done % 200 == 0 or done == total:
                _set(run, processed=done, total=total)
            if progress:
                progress("統合", done, total)

        resolve_all(actor=run.started_by, progress=step, run=run)
        message = f"{time.perf_counter() - started:.1f}秒で完了しました。"
        _set(run, status=RunStatus.DONE, finished_at=timezone.now(), message=message)
    except Exception as exc:
        logger.exception("match run %s failed", run_id)
        _set(run, status=RunStatus.FAILED, finished_at=timezone.now(), message=f"失敗しました: {exc}")
        raise
    return run


def pairs_store(*, actor: User, run: MatchRun | None, model: MatchModel, pairs: Any) -> tuple[int, int, int]:
    """Write predicted pairs. ≥ auto_link: auto-linked; review band: review; decided pairs keep
    their decision (a not-link pair never auto-links again). Returns (pairs, auto, review)."""
    if pairs is None or len(pairs) == 0:
        return 0, 0, 0
    existing = {(p.record_l_id, p.record_r_id): p for p in CandidatePair.objects.all().iterator(chunk_size=5000)}
    new: list[CandidatePair] = []
    changed: list[CandidatePair] = []
    auto = review = 0
    for row in pairs.itertuples(index=False):
        left, right = sorted((int(row.record_id_l), int(row.record_id_r)))
        probability, weight = float(row.match_probability), float(row.match_weight)
        if probability < model.review:
            continue
        status = PairStatus.AUTO_LINKED if probability >= model.auto_link else PairStatus.REVIEW
        evidence = getattr(row, "evidence", None) or {}
        pair = existing.get((left, right))
        if pair is None:
            new.append(
                CandidatePair(
                    record_l_id=left,
                    record_r_id=right,
                    match_probability=probability,
                    match_weight=weight,
                    evidence=evidence,
                    status=status,
                    model_version=model.version,
                    run=run,
                )
            )
        else:
            if not pair.is_decided:
                pair.status = status
            pair.match_probability, pair.match_weight, pair.evidence = probability, weight, evidence
            pair.model_version, pair.run = model.version, run
            changed.append(pair)
        final = pair.status if pair is not None else status
        auto += final == PairStatus.AUTO_LINKED
        review += final == PairStatus.REVIEW
    reason = f"名寄せの全件照合 #{run.pk}" if run is not None else "名寄せの照合"
    writes.bulk_create(new, actor=actor, reason=reason, batch_size=2000)
    fields = ["status", "match_probability", "match_weight", "evidence", "model_version", "run"]
    writes.bulk_update(changed, fields, actor=actor, reason=reason, batch_size=2000)
    return len(new) + len(changed), auto, review
