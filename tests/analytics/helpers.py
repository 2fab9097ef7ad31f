"""A small trained model version for tests that need one (screens, route walk, admin pages)."""

from __future__ import annotations

import datetime as dt

from tsunagu.analytics.feature_labels import FEATURE_LABELS
from tsunagu.analytics.modeling import TrainOptions, train_binary
from tsunagu.analytics.models import ModelVersion
from tsunagu.core.models import User


def model_version_for_tests(*, trained_by: User, is_active: bool, kind: str = "churn") -> ModelVersion:
    from .test_modeling import book

    window = {"train_as_of": "2024-12-01", "validation_as_of": "2025-12-01", "labels_until": "2026-12-01"}
    model = train_binary(
        book(300),
        target="lapsed",
        exclude=("customer_no",),
        options=TrainOptions(labels=FEATURE_LABELS, baseline=False, metadata={"kind": kind, "window": window}),
    )
    version = (ModelVersion.objects.filter(kind=kind).count() or 0) + 1
    return ModelVersion.objects.create(
        kind=kind,
        version=version,
        artifact=model.to_json(),
        data_window=window,
        features=model.features,
        metrics={**model.metadata["metrics"], "train_rows": model.metadata["train_rows"]},
        trained_by=trained_by,
        is_active=is_active,
        drift=[{"feature": "age", "label": "年齢", "psi": 0.02, "level": "安定"}],
        drift_as_of=dt.date(2026, 12, 1),
    )
