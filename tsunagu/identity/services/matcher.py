"""The trained matcher: training it on the stored records, storing it as the active MatchModel,
and loading it (cached per process). Below the run, resolution and import services, which all
import it; it imports none of them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from .. import engine
from ..models import MatchModel, SourceRecord, SourceSystem
from .common import ensure_steward

_cache: dict[int, Any] = {}


def all_records_frame() -> Any:
    rows = SourceRecord.objects.select_related("source").order_by("pk").only("pk", "features", "source__code")
    return engine.frame(engine.record_for(r.pk, r.source.code, r.features) for r in rows.iterator(chunk_size=5000))


def model_train(*, actor: User, frame: Any | None = None) -> MatchModel:
    """Train on every source record (no labels) and make the new model the active one."""
    ensure_steward(actor)
    frame = all_records_frame() if frame is None else frame
    if len(frame) < 2:
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
            data={
                "records": len(frame),
                "deduplicated_sources": sorted(deduplicated),
                "skipped_sessions": matcher.training.get("skipped_sessions", []),
            },
        )
    _cache.clear()
    _cache[model.pk] = matcher
    return model


def matcher_load() -> tuple[MatchModel, Any] | None:
    """The active model and its matcher (loaded once per process), or None before any training."""
    model = MatchModel.objects.filter(is_active=True).first()
    if model is None:
        return None
    if model.pk not in _cache:
        _cache.clear()
        _cache[model.pk] = engine.matching().Matcher.from_json(model.model_json)
    return model, _cache[model.pk]


def matcher_of(model: MatchModel) -> Any:
    """The matcher of a model just trained or loaded in this process."""
    return _cache.get(model.pk) or engine.matching().Matcher.from_json(model.model_json)
