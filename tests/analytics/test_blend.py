"""The blend of LightGBM and the logistic regression (modeling/linear.py, train._choose): chosen by
cross-validation on the training rows, stored in the model file as numbers, scored and explained as one
model (contributions of both add up to the blended log-odds)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, _user
from tsunagu.analytics.modeling import TrainOptions, train_binary
from tsunagu.analytics.modeling.artifact import blend, model_from_json
from tsunagu.analytics.modeling.linear import CLIP_SD, Linear
from tsunagu.analytics.modeling.preprocess import fit
from tsunagu.analytics.modeling.train import BLEND_WEIGHTS, CV_NOISE_AUC, SHAPES
from tsunagu.analytics.models import ModelVersion
from tsunagu.core.choices import Role


def _table(n: int, seed: int) -> pl.DataFrame:
    """A smooth truth (straight lines in the log-odds, which single splits only approximate in steps),
    a categorical driver with a missing level, a number with missing values and a noise column."""
    rng = np.random.default_rng(seed)
    a, b, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    region = rng.choice(["北", "南", "東", ""], size=n)
    income = np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))
    logit = -1.0 + 0.9 * a - 0.6 * b + 0.7 * (region == "北") + 0.4 * np.nan_to_num(income)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame({"a": a, "b": b, "region": region, "income": income, "noise": noise, "y": y})


@pytest.fixture(scope="module")
def blended():
    model = train_binary(_table(1500, 1), target="y", validation=_table(1500, 2))
    assert model.linear is not None
    assert model.blend_weight < 1, model.metadata["metrics"]["shape_choice"]
    return model


def test_the_weight_is_the_best_of_the_cross_validation_and_recorded(blended):
    metrics = blended.metadata["metrics"]
    choice = metrics["shape_choice"]
    assert choice["blend_weight"] == metrics["lightgbm"]["blend_weight"] == blended.blend_weight
    # The chosen blend is the first in the order of preference within the folds' noise of the best.
    blends = choice["cv_auc_blends"]
    assert choice["cv_auc_chosen"] >= max(blends.values()) - CV_NOISE_AUC
    order = [f"{shape}:{weight}" for weight in BLEND_WEIGHTS for shape in SHAPES]
    first = next(key for key in order if blends[key] >= max(blends.values()) - CV_NOISE_AUC)
    assert first == f"{choice['chosen']}:{choice['blend_weight']}"
    assert 0.5 < choice["cv_auc_logistic"] < 1
    assert metrics["lightgbm"]["auc"] > 0.7
    assert 0.5 < metrics["lightgbm"]["trees_alone_auc"] < 1


def test_a_blend_scores_and_explains_as_one_model_and_survives_its_file(blended):
    rows = _table(300, 3)
    matrix = blended.matrix(rows)
    scores, reasons = blended.explain(rows)
    assert np.allclose(scores, blended.predict(rows))
    # The reasons' contributions are the blend's: with the bias they add up to the blended log-odds.
    contributions = blend(blended._attribution.contributions(matrix), blended.linear, matrix, blended.blend_weight)
    trees = np.asarray(blended.booster.predict(matrix, raw_score=True))
    assert np.allclose(contributions.sum(axis=1), blend(trees, blended.linear, matrix, blended.blend_weight))
    assert all(reasons)  # every score carries a reason
    loaded = model_from_json(blended.to_json())
    assert loaded.blend_weight == blended.blend_weight
    assert np.allclose(loaded.predict(rows), blended.predict(rows))
    assert json.loads(blended.to_json())["linear"]["features"] == len(blended.features)
    shares = {row["feature"]: row["share"] for row in blended.importance()}
    assert abs(sum(shares.values()) - 1) < 0.01
    assert shares["a"] > shares["noise"]


def test_the_linear_part_adds_up_and_treats_missing_and_unseen_values():
    frame = _table(800, 4)
    pre = fit(frame, exclude=("y",))
    matrix = pre.transform(frame)
    linear = Linear.fit(pre, matrix, frame["y"].to_numpy())
    contributions = linear.contributions(matrix)
    assert np.allclose(contributions.sum(axis=1), linear.raw(matrix))
    assert np.allclose(contributions[:, -1], linear.intercept)
    # A level never seen in training and a missing number score without error, like the trees.
    odd = frame.head(2).with_columns(pl.Series("region", ["西", None]), pl.Series("income", [None, 1.0]))
    assert np.isfinite(linear.raw(pre.transform(odd))).all()
    again = Linear.from_json(json.loads(json.dumps(linear.to_json())))
    assert np.allclose(again.raw(matrix), linear.raw(matrix))


def test_without_blending_or_with_a_given_shape_the_trees_stand_alone():
    frame = _table(600, 5)
    plain = train_binary(frame, target="y", options=TrainOptions(blend=False))
    assert plain.linear is None
    assert plain.blend_weight == 1.0
    assert "blend_weight" not in plain.metadata["metrics"]["lightgbm"]
    assert "blend_weight" not in plain.metadata["metrics"]["shape_choice"]
    given = train_binary(frame, target="y", options=TrainOptions(shape="trees"))
    assert given.linear is None
    assert "baseline" in given.metadata["metrics"]
    assert json.loads(given.to_json())["linear"] is None


def _stored(model, trainer) -> ModelVersion:
    return ModelVersion.objects.create(
        kind="churn", version=1, artifact=model.to_json(), metrics=model.metadata["metrics"], trained_by=trainer,
        data_window={"train_as_of": "2024-12-06", "validation_as_of": "2025-12-06", "labels_until": "2026-12-06"},
    )  # fmt: skip


@pytest.mark.django_db
def test_the_model_page_says_the_model_is_a_blend(client, org, blended):
    analyst = _user("analyst_blend", [Role.ANALYST], department=org["compliance"])
    version = _stored(blended, analyst)
    client.login(username="analyst_blend", password=PASSWORD)
    page = client.get(reverse("analytics:model", args=[version.pk])).content.decode()
    assert "LightGBM とロジスティック回帰の組合せ" in page
    assert "LightGBM のみ(組合せる前)" in page
    assert "採点はこの木とロジスティック回帰の対数オッズの加重平均です" in page


def test_a_number_far_outside_training_pushes_no_further_than_the_clip():
    frame = _table(800, 6)
    pre = fit(frame, exclude=("y",))
    matrix = pre.transform(frame)
    linear = Linear.fit(pre, matrix, frame["y"].to_numpy())
    far = frame.head(1).with_columns(pl.Series("a", [1e6]))
    farther = frame.head(1).with_columns(pl.Series("a", [1e9]))
    a = frame["a"].to_numpy()
    edge = frame.head(1).with_columns(pl.Series("a", [float(a.mean() + CLIP_SD * a.std())]))
    pushes = [linear.contributions(pre.transform(f))[0, 0] for f in (far, farther, edge)]
    assert pushes[0] == pushes[1]  # bounded: a value a thousand times further adds nothing
    assert abs(pushes[0] - pushes[2]) < 0.05 * abs(pushes[0])  # the bound is CLIP_SD standard deviations


@pytest.mark.django_db
def test_activating_a_model_twice_says_it_is_already_in_use_and_records_once(client, org, blended):
    from tsunagu.core.choices import AuditAction
    from tsunagu.core.models import AuditEvent

    analyst = _user("analyst_activate", [Role.ANALYST], department=org["compliance"])
    version = _stored(blended, analyst)
    client.login(username="analyst_activate", password=PASSWORD)
    url = reverse("analytics:model_activate", args=[version.pk])
    first = client.post(url, follow=True).content.decode()
    second = client.post(url, follow=True).content.decode()
    assert "を使用中にしました" in first
    assert "はすでに使用中です(変更はありません)" in second
    assert AuditEvent.objects.filter(action=AuditAction.ANALYTICS_MODEL_ACTIVATE).count() == 1
