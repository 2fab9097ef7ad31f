"""How LightGBM's shape and number of trees are chosen on small tables (modeling/train.py), and what the
model page says about it: a 5-fold cross-validation on the training rows picks trees or an additive
model (stumps); out of time, the number of trees follows the AUC of the later rows (their share of
positives moves, so their log loss stopped the trees after one or two); when the logistic baseline
still wins, the page says so."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, _user
from tsunagu.analytics.modeling import TrainOptions, train_binary
from tsunagu.analytics.modeling.train import SHAPES
from tsunagu.analytics.models import ModelVersion
from tsunagu.core.choices import Role


def _table(n: int, seed: int, intercept: float) -> pl.DataFrame:
    """An additive (logistic) truth: three drivers and a noise column."""
    rng = np.random.default_rng(seed)
    a, b, c, noise = (rng.normal(size=n) for _ in range(4))
    logit = intercept + 1.2 * a - 0.8 * b + 0.5 * c
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame({"a": a, "b": b, "c": c, "noise": noise, "y": y})


def test_a_small_table_chooses_its_shape_by_cross_validation_on_the_training_rows():
    model = train_binary(_table(700, 1, -1.0), target="y", validation=_table(1300, 2, -1.0))
    metrics = model.metadata["metrics"]
    choice = metrics["shape_choice"]
    assert set(choice["cv_auc"]) == set(SHAPES)
    best = max(choice["cv_auc"], key=lambda k: (choice["cv_auc"][k], k == "trees"))
    assert choice["chosen"] == best == metrics["lightgbm"]["shape"]
    assert choice["chosen"] == "stumps"  # an additive truth: single splits generalise best
    assert metrics["lightgbm"]["auc"] > 0.75


def test_out_of_time_the_trees_follow_the_ranking_not_the_shifted_log_loss():
    # The later rows have far fewer positives (as the demo's 27% → 13%): the same drivers, a lower base.
    model = train_binary(_table(700, 3, 0.0), target="y", validation=_table(1300, 4, -2.0))
    lightgbm = model.metadata["metrics"]["lightgbm"]
    assert lightgbm["early_stopping"] == "auc"
    assert lightgbm["best_iteration"] >= 10
    assert lightgbm["auc"] > 0.75


def test_big_tables_and_a_given_shape_are_not_cross_validated():
    frame = _table(400, 5, 0.0)
    fixed = train_binary(frame, target="y", options=TrainOptions(shape="trees", baseline=False))
    assert "shape_choice" not in fixed.metadata["metrics"]
    assert fixed.metadata["metrics"]["lightgbm"]["shape"] == "trees"
    assert fixed.metadata["metrics"]["lightgbm"]["early_stopping"] == "binary_logloss"  # a random split
    leaves = train_binary(frame, target="y", options=TrainOptions(num_leaves=5, baseline=False))
    assert "shape_choice" not in leaves.metadata["metrics"]


@pytest.mark.django_db
def test_the_model_page_names_the_shape_and_says_when_the_baseline_wins(client, org):
    analyst = _user("analyst_choice", [Role.ANALYST], department=org["compliance"])
    model = train_binary(_table(700, 1, -1.0), target="y", validation=_table(1300, 2, -1.0))
    metrics = model.metadata["metrics"]
    metrics["baseline"]["auc"] = metrics["lightgbm"]["auc"] - 0.01
    version = ModelVersion.objects.create(
        kind="churn", version=1, artifact=model.to_json(), metrics=metrics, trained_by=analyst,
        data_window={"train_as_of": "2024-12-06", "validation_as_of": "2025-12-06", "labels_until": "2026-12-06"},
    )  # fmt: skip
    client.login(username="analyst_choice", password=PASSWORD)
    page = client.get(reverse("analytics:model", args=[version.pk])).content.decode()
    assert "加法モデル(分岐1回の木の和" in page
    assert "学習データ内の5分割交差検証で選びました" in page
    assert "木の本数は検証データの AUC で決めました" in page
    assert "ベースライン(ロジスティック回帰)の AUC が使用するモデルより" not in page
    metrics["baseline"]["auc"] = metrics["lightgbm"]["auc"] + 0.02
    ModelVersion.objects.filter(pk=version.pk).update(metrics=metrics)
    page = client.get(reverse("analytics:model", args=[version.pk])).content.decode()
    assert "ベースライン(ロジスティック回帰)の AUC が使用するモデルより 0.020 高い結果です" in page
