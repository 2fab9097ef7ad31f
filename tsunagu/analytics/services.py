"""Every analytics write: training a model version, activating one, scoring the customers.

Training and scoring read the whole book set-based (analytics.features) and are for analysts (or the
system actor of the commands and the scheduled task). Scores are derived rows: each run replaces the
kind's scores in bulk (core.bulk, no per-row ORM) and records one audit event with the counts.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.core import bulk, permissions
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.core.services import SYSTEM_USERNAME

from . import conversion, training
from . import features as F
from .choices import ModelKind
from .modeling import Model, ModelingError
from .modeling.artifact import model_from_json
from .models import ModelVersion, Score

SCORE_COLUMNS = (
    "customer_id", "kind", "model_id", "score", "product_line", "reasons", "marketing_allowed", "as_of", "scored_at",
)  # fmt: skip


def _ensure_analyst(actor: User) -> None:
    """Analysts and administrators; the system actor runs the commands and the scheduled task."""
    if actor.username == SYSTEM_USERNAME:
        return
    if not permissions.has(actor, permissions.ANALYTICS_MODELS):
        raise PermissionDenied(permissions.REGISTRY[permissions.ANALYTICS_MODELS].denied)


def model_train(
    *, actor: User, kind: str, as_of: dt.date, activate: bool | None = None, book: F.Book | None = None
) -> ModelVersion:
    """Train `kind` with out-of-time validation ending at `as_of` (training.Window) and store it as
    the next version; it becomes the active one when `activate`, or when the kind has none yet."""
    _ensure_analyst(actor)
    if kind not in training.KINDS:
        raise ValidationError({"kind": f"学習できるモデルは解約・失効予測・次の商品予測・成約予測です(指定: {kind})。"})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": "基準日に未来の日付は指定できません(12か月後までの結果が必要です)。"})
    try:
        model = training.train(book or F.load_book(), kind, as_of, trainer=actor.username)
    except ModelingError as error:
        raise ValidationError(f"学習できません: {error}") from error
    with transaction.atomic():
        version = (ModelVersion.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
        make_active = (
            activate if activate is not None else not ModelVersion.objects.filter(kind=kind, is_active=True).exists()
        )
        row = ModelVersion.objects.create(
            kind=kind,
            version=version,
            artifact=model.to_json(),
            data_window=model.metadata["window"],
            features=model.features,
            metrics={**model.metadata["metrics"], "train_rows": model.metadata["train_rows"]},
            trained_by=actor,
        )
        auc = row.auc
        record_event(
            actor=actor,
            action=AuditAction.ANALYTICS_MODEL_TRAIN,
            target=row,
            summary=f"{row} を学習した(期間外AUC {auc:.3f})" if auc is not None else f"{row} を学習した",
            data={"window": row.data_window, "auc": auc, "baseline_auc": row.baseline_auc},
        )
        if make_active:
            _activate(actor, row)
    return row


def model_activate(*, actor: User, version: ModelVersion) -> ModelVersion:
    _ensure_analyst(actor)
    with transaction.atomic():
        row = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if not row.is_active:
            _activate(actor, row)
    return row


def _activate(actor: User, row: ModelVersion) -> None:
    # ModelVersion keeps no row history (immutable but for this flag); the activation is the audit event.
    ModelVersion.objects.filter(kind=row.kind, is_active=True).exclude(pk=row.pk).update(is_active=False)
    row.is_active = True
    row.save(update_fields=["is_active"])
    record_event(actor=actor, action=AuditAction.ANALYTICS_MODEL_ACTIVATE, target=row, summary=f"{row} を使用中にした")


def active_model(kind: str) -> tuple[ModelVersion, Model] | None:
    row = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    return (row, model_from_json(row.artifact)) if row else None


def scores_refresh(*, actor: User, kind: str, as_of: dt.date, book: F.Book | None = None) -> int:
    """Score every customer holding a policy in force on `as_of` with the kind's active model (next
    product: consenting customers only, each with the best missing line), replace the kind's scores,
    and keep the model's drift report. Returns the number of scores written."""
    _ensure_analyst(actor)
    found = active_model(kind)
    if found is None:
        raise ValidationError(f"使用中の{ModelKind(kind).label}モデルがありません。先に学習してください。")
    row, model = found
    rows = training.scoring_rows(book or F.load_book(), kind, as_of)
    if kind == training.CONVERSION:
        every = scored_rows(model, rows)
        scored = per_customer(every, kind=kind)
        texts = [json.dumps(r, ensure_ascii=False) for r in scored["reasons"].to_list()]
        scored = scored.with_columns(pl.Series("reasons", texts, dtype=pl.String))
        drift = model.drift(rows) if rows.height else []
    else:
        # One feature matrix for the scores, the reasons and the drift report.
        matrix = model.matrix(rows) if rows.height else None
        scored = customer_scores(model, rows, kind=kind, matrix=matrix)
        drift = model.drift(rows, matrix=matrix) if rows.height else []
    # The reasons are JSON text already: what JSONField sends on SQLite, and what COPY reads into jsonb.
    frame = scored.select(
        "customer_id",
        pl.lit(kind).alias("kind"),
        pl.lit(row.pk, dtype=pl.Int64).alias("model_id"),
        "score",
        pl.col("product_line").fill_null(""),
        "reasons",
        pl.col("marketing_allowed").fill_null(False),
        pl.lit(as_of).alias("as_of"),
        pl.lit(timezone.now()).alias("scored_at"),
    )
    with transaction.atomic():
        if kind == training.CONVERSION:  # each open worklist entry keeps its own score and reasons
            conversion.entry_scores_write(every, model_id=row.pk, as_of=as_of)
        _scores_replace(kind, frame)
        row.drift = drift
        row.drift_as_of = as_of
        row.save(update_fields=["drift", "drift_as_of"])
        record_event(
            actor=actor,
            action=AuditAction.ANALYTICS_SCORE,
            target=row,
            summary=f"{row} で {frame.height:,}人を採点した(基準日 {as_of:%Y/%m/%d})",
            data={"scores": frame.height, "as_of": as_of.isoformat()},
        )
    return frame.height


SQLITE_WRITE_CACHE_KIB = 256 * 1024  # page cache while a kind's scores are replaced (the default is 2 MiB)


def _scores_replace(kind: str, frame: pl.DataFrame) -> None:
    """Replace the kind's scores by `frame` (rows in customer order) inside the caller's transaction.

    SQLite: with its default 2 MiB page cache, every insert into the (kind, -score) index and every
    delete from it read and wrote pages at random; the run's statements get a page cache that holds the
    indexes (set back after), and the old rows are deleted in the order they were written (a scan in
    rowid order, `+kind` keeps the planner off the rank index)."""
    table = connection.ops.quote_name(Score._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute(f"DELETE FROM {table} WHERE kind = %s", [kind])
            bulk.copy_frame(Score, frame)
            return
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
        try:
            cursor.execute(f"DELETE FROM {table} WHERE +kind = %s", [kind])
            bulk.copy_frame(Score, frame)
        finally:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def customer_scores(model: Model, rows: pl.DataFrame, *, kind: str, matrix: np.ndarray | None = None) -> pl.DataFrame:
    """customer_id, score, product_line, reasons (JSON text), marketing_allowed — one row per customer.
    Next product: every candidate line is scored, and only each customer's best line is explained.
    `matrix`: the rows' feature matrix when the caller has built it."""
    columns = ["customer_id", "score", "product_line", "reasons", "marketing_allowed"]
    if rows.height == 0:
        return pl.DataFrame(schema={"customer_id": pl.Int64, "score": pl.Float64, "product_line": pl.String,
                                    "reasons": pl.String, "marketing_allowed": pl.Boolean})  # fmt: skip
    if matrix is None:
        matrix = model.matrix(rows)
    if kind == training.NEXT_PRODUCT:
        order = np.lexsort((-model.predict(rows, matrix=matrix), rows["customer_id"].to_numpy()))
        # Each customer's first row in that order: the best line (rows are grouped by customer after the sort).
        ids = rows["customer_id"].to_numpy()[order]
        best = order[np.r_[True, ids[1:] != ids[:-1]]]
        rows, matrix = rows[best], matrix[best]
    scores, reasons = model.explain_json(rows, matrix=matrix)
    return rows.select(
        "customer_id",
        pl.Series("score", scores),
        (pl.col("line").fill_null("") if "line" in rows.columns else pl.lit("")).alias("product_line"),
        reasons.alias("reasons"),
        pl.col("contact_consent").fill_null(False).alias("marketing_allowed"),
    ).select(columns)


def scored_rows(model: Model, rows: pl.DataFrame) -> pl.DataFrame:
    """Every input row's score and reasons: customer_id, score, product_line, reasons,
    marketing_allowed (and entry_id for the conversion model's entries)."""
    columns = ["customer_id", "score", "product_line", "reasons", "marketing_allowed"]
    extra = ["entry_id"] if "entry_id" in rows.columns else []
    if rows.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns + extra, pl.Object))
    scores, reasons = model.explain(rows)
    return rows.select(
        "customer_id",
        pl.Series("score", scores),
        (pl.col("line").fill_null("") if "line" in rows.columns else pl.lit("")).alias("product_line"),
        pl.Series("reasons", [_json_safe(r) for r in reasons], dtype=pl.Object),
        pl.col("contact_consent").fill_null(False).alias("marketing_allowed"),
        *extra,
    )


def per_customer(frame: pl.DataFrame, *, kind: str) -> pl.DataFrame:
    columns = ["customer_id", "score", "product_line", "reasons", "marketing_allowed"]
    if frame.height and kind in (training.NEXT_PRODUCT, training.CONVERSION):
        order = np.lexsort((-frame["score"].to_numpy(), frame["customer_id"].to_numpy()))
        frame = frame[order].unique(subset="customer_id", keep="first", maintain_order=True)
    return frame.select(columns)


def _json_safe(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"feature": r["feature"], "text": r["text"], "contribution": r["contribution"]} for r in reasons]


def scores_refresh_queue(*, actor: User, as_of: dt.date) -> None:
    """Queue the scoring of every active model as a background task (after this transaction commits)."""
    from .tasks import scores_refresh_task

    _ensure_analyst(actor)
    transaction.on_commit(lambda: scores_refresh_task.enqueue(actor.pk, as_of.isoformat()))


def model_train_queue(*, actor: User, kind: str, as_of: dt.date) -> None:
    """Queue the training of `kind` as a background task (after this transaction commits); checked
    here first so that a wrong kind or date is refused on the screen, not in the worker's log."""
    from .tasks import model_train_task

    _ensure_analyst(actor)
    if kind not in training.KINDS:
        raise ValidationError(f"学習できるモデルは解約・失効予測・次の商品予測・成約予測です(指定: {kind})。")
    if as_of > timezone.localdate():
        raise ValidationError("基準日に未来の日付は指定できません(12か月後までの結果が必要です)。")
    if kind in trainings_in_progress():
        label = ModelKind(kind).label
        raise ValidationError(f"{label}の学習はすでに待機中か実行中です。終わってから学習してください。")
    transaction.on_commit(lambda: model_train_task.enqueue(actor.pk, kind, as_of.isoformat()))


def trainings_in_progress() -> set[str]:
    """The kinds whose training task is waiting or running (the database task queue)."""
    from django_tasks_db.models import DBTaskResult

    from .tasks import model_train_task

    rows = DBTaskResult.objects.filter(
        task_path=model_train_task.module_path, status__in=["READY", "RUNNING"]
    ).values_list("args_kwargs", flat=True)
    kinds = set()
    for args_kwargs in rows:
        args = (args_kwargs or {}).get("args") or []
        if len(args) >= 2:
            kinds.add(str(args[1]))
    return kinds
