"""The full match run (a background task with progress, or `manage.py match_records`) and storing
predicted pairs. Imports downward only: the matcher, the key index, the ledger, resolution and the
related candidates (owner and company, stored after resolution, never linked)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_tasks import task

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.jobs import Job, JobError
from tsunagu.core.models import User

from .. import engine
from ..choices import PairKind, PairStatus, RunKind
from ..models import CandidatePair, MatchModel, MatchRun, with_model_probability
from .common import ensure_steward
from .keys import keys_refresh
from .ledger import ledger_sync
from .matcher import all_records_frame, matcher_load, matcher_of, model_train
from .related import related_store
from .resolution import resolve_all

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
# Processes that prepare a large book's features (below features.PARALLEL_MIN_ROWS: none); each
# holds a part and the postal data (~0.45 GiB at most), so more cores than this buy little.
PREPARE_WORKERS = max(1, min(os.cpu_count() or 1, 4))

__all__ = [  # the model services live in .matcher; named here too for callers of the run service
    "keys_refresh",
    "match_run_execute",
    "match_run_start",
    "match_run_task",
    "matcher_load",
    "model_train",
    "pairs_store",
    "run_failure_reason",
]


def match_run_start(*, actor: User, retrain: bool = False) -> MatchRun:
    """Queue a full run (the task runs it; `manage.py match_records` runs it in the foreground)."""
    ensure_steward(actor)
    run = MatchRun.objects.create(kind=RunKind.TRAIN if retrain else RunKind.FULL, started_by=actor)
    record_event(
        actor=actor, action=AuditAction.IDENTITY_RUN_START, target=run, summary=f"名寄せの全件照合 #{run.pk} を開始した"
    )
    transaction.on_commit(lambda: match_run_task.enqueue(run.pk))
    return run


@task()
def match_run_task(run_id: int) -> int:
    """The background task (django-tasks) of a queued run."""
    return match_run_execute(run_id=run_id).pk


def run_failure_reason(exc: BaseException) -> str:
    """Why a run failed, in Japanese for the run page (the engine's own messages are English and
    go to the log, with the traceback)."""
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, JobError):
        return text
    if isinstance(exc, ValidationError):
        return "照合できませんでした: " + " ".join(exc.messages)
    if name == "EMTrainingException" or "resulted in no record pairs" in text:
        return (
            "照合モデルの学習に失敗しました: 学習に使える似たレコードの組み合わせが見つかりませんでした。"
            "レコードが少なすぎるか、氏名・生年月日・電話番号などの列が空の可能性があります。"
            "列マッピングと取り込んだファイルを確かめてから、もう一度実行してください。"
        )
    if isinstance(exc, MemoryError):
        return "メモリが不足したため照合を中断しました。件数を減らすか、管理者に連絡してください。"
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return "照合が中断されました。もう一度実行すると最初からやり直します(判定済みの候補はそのまま残ります)。"
    return (
        f"照合中に予期しないエラーが発生したため中断しました(エラーの種類: {name})。"
        "もう一度実行しても失敗する場合は、実行番号を添えてシステム管理者に連絡してください。"
    )


def match_run_execute(*, run_id: int, progress: Progress | None = None) -> MatchRun:
    """Predict all pairs, store them (decided pairs keep their decision), then resolve clusters.
    A failure is recorded on the run with a Japanese reason (core.jobs) and re-raised."""
    run = MatchRun.objects.get(pk=run_id)
    job = Job.start(run)
    started = time.perf_counter()
    try:
        ledger_sync(actor=run.started_by)
        frame = all_records_frame()
        matching = engine.matching()
        loaded = None if run.kind == RunKind.TRAIN else matcher_load()
        # The features are prepared once per run, on every core of a large book (features.prepare),
        # and read by training, prediction and the related finder alike; on a stored model, with its
        # surnames (what predict would do on the raw records).
        if loaded is None and progress:
            progress("学習", 0, 1)
        surnames = None if loaded is None else loaded[1].surnames
        prepared = matching.prepare(frame, surnames=surnames, workers=PREPARE_WORKERS) if len(frame) >= 2 else None
        if loaded is None:
            model = model_train(actor=run.started_by, frame=frame if prepared is None else prepared)
            loaded = (model, matcher_of(model))
        del frame
        # The key index from the same features (a book of one record: from the record).
        keys_refresh(prepared=prepared)
        model, matcher = loaded
        job.set(model=model)
        if progress:
            progress("照合", 0, 1)
        pairs = matcher.predict(prepared) if prepared is not None else None
        related = _related_candidates(prepared)
        del prepared
        found, auto, review = pairs_store(actor=run.started_by, run=run, model=model, pairs=pairs)
        job.set(pairs_found=found, auto_linked=auto, queued_for_review=review)

        def step(done: int, total: int) -> None:
            if done % 200 == 0 or done == total:
                job.set(processed=done, total=total)
            if progress:
                progress("統合", done, total)

        resolve_all(actor=run.started_by, progress=step, run=run)
        # After resolution: one related pair per person customer and corporate customer.
        job.set(related_found=related_store(actor=run.started_by, run=run, found=related))
    except BaseException as exc:
        logger.exception("match run %s failed", run_id)
        job.fail(run_failure_reason(exc))
        raise
    job.complete(message=f"{time.perf_counter() - started:.1f}秒で完了しました。")
    run.refresh_from_db()
    return run


def _related_candidates(prepared: Any) -> Any:
    """Person × corporation candidates (matching/related.py) of the prepared records."""
    if prepared is None:
        return None
    from tsunagu.identity.matching.related import related_pairs

    return related_pairs(prepared)


def pairs_store(*, actor: User, run: MatchRun | None, model: MatchModel, pairs: Any) -> tuple[int, int, int]:
    """Write predicted pairs. ≥ auto_link: auto-linked; review band: review; decided pairs keep
    their decision (a not-link pair never auto-links again). Returns (pairs, auto, review)."""
    if pairs is None or len(pairs) == 0:
        return 0, 0, 0
    # Related pairs (a person and a corporation) are never predicted here: only the merge kind.
    matches = CandidatePair.objects.filter(kind=PairKind.MATCH)
    existing = {(p.record_l_id, p.record_r_id): p for p in matches.iterator(chunk_size=5000)}
    new: list[CandidatePair] = []
    changed: list[CandidatePair] = []
    auto = review = 0
    for row in pairs.itertuples(index=False):
        left, right = sorted((int(row.record_id_l), int(row.record_id_r)))
        probability, weight = float(row.match_probability), float(row.match_weight)
        if probability < model.review:
            continue
        status = PairStatus.AUTO_LINKED if probability >= model.auto_link else PairStatus.REVIEW
        evidence = with_model_probability(getattr(row, "evidence", None), getattr(row, "model_probability", None))
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
