"""Path attributions (the reasons' contributions) add up to the model's raw score, name the same
leading features as TreeSHAP on a table with clear drivers, and the bulk JSON reasons are the same
reasons as the per-row lists."""

import json

import numpy as np
import polars as pl
import pytest

from tsunagu.analytics.modeling import TrainOptions, train_binary
from tsunagu.analytics.modeling.attribution import PathAttribution
from tsunagu.analytics.modeling.reasons import top_reasons, top_reasons_json

LABELS = {
    "premium_change": {"text": "更新時の保険料上昇 {value:+.0%}"},
    "complaints_6m": {"text": "直近6か月に苦情あり", "zero": ""},
}


def table(rows: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    premium_change = rng.normal(0.0, 0.1, rows).round(2)
    complaints = (rng.random(rows) < 0.15).astype(int)
    payment = rng.choice(["口座振替", "払込票", "クレジットカード"], rows)
    noise = rng.normal(size=rows)
    risk = -1.5 + 9.0 * premium_change + 1.5 * complaints + 0.8 * (payment == "払込票")
    lapsed = (rng.random(rows) < 1 / (1 + np.exp(-risk))).astype(int)
    age = rng.integers(20, 80, rows).astype(float)
    age[rng.random(rows) < 0.05] = np.nan  # unknown ages are rendered as 不明
    return pl.DataFrame(
        {"premium_change": premium_change, "complaints_6m": complaints, "payment_method": payment, "age": age,
         "noise": noise, "lapsed": lapsed}
    )  # fmt: skip


@pytest.fixture(scope="module")
def model():
    return train_binary(table(6000), target="lapsed", options=TrainOptions(labels=LABELS, baseline=False))


def test_contributions_add_up_to_the_raw_score(model):
    matrix = model.matrix(table(2000, seed=5))
    contributions = PathAttribution(model.booster).contributions(matrix)
    raw = model.booster.predict(matrix, raw_score=True)
    assert contributions.shape == (2000, len(model.features) + 1)
    assert np.allclose(contributions.sum(axis=1), raw, atol=1e-9)
    scores, _ = model.explain(table(2000, seed=5))
    assert np.allclose(scores, model.predict(table(2000, seed=5)), atol=1e-9)


def test_leading_feature_agrees_with_treeshap(model):
    matrix = model.matrix(table(2000, seed=7))
    path = PathAttribution(model.booster).contributions(matrix)
    shap = np.asarray(model.booster.predict(matrix, pred_contrib=True))
    width = len(model.features)
    assert np.allclose(path[:, -1].mean() + path[:, :width].sum(axis=1).mean(), shap.sum(axis=1).mean())
    # Rows that have a reason (a push of at least 0.02 log-odds): the strongest one is mostly the same.
    has_reason = (shap[:, :width].max(axis=1) >= 0.02) & (path[:, :width].max(axis=1) >= 0.02)
    leading_path = path[has_reason, :width].argmax(axis=1)
    leading_shap = shap[has_reason, :width].argmax(axis=1)
    assert (leading_path == leading_shap).mean() > 0.85
    # a pure-noise column leads no more often than it does under TreeSHAP
    noise = model.features.index("noise")
    assert (leading_path == noise).mean() <= (leading_shap == noise).mean() + 0.03


def test_json_reasons_are_the_listed_reasons(model):
    frame = table(3000, seed=9)
    matrix = model.matrix(frame)
    contributions = PathAttribution(model.booster).contributions(matrix)
    listed = top_reasons(model.preprocessor, model.labels, matrix, contributions)
    written = top_reasons_json(model.preprocessor, model.labels, matrix, contributions)
    assert len(written) == 3000
    assert [json.loads(text) for text in written] == listed
    assert any(reasons for reasons in listed)
    assert all(reasons for reasons in listed)  # every score carries a reason (the fallback: its strongest)
    texts = {r["text"] for reasons in listed for r in reasons}
    assert "直近6か月に苦情あり" in texts
    # Reasons below the threshold are only a row's single fallback reason.
    assert all(len(reasons) == 1 for reasons in listed if any(r["contribution"] < 0.02 for r in reasons))
    assert all(len(reasons) <= 3 for reasons in listed)


def test_no_rows_and_no_reasons():
    frame = table(500)
    model = train_binary(frame, target="lapsed", options=TrainOptions(baseline=False))
    empty = model.matrix(frame.head(0))
    contributions = PathAttribution(model.booster).contributions(empty)
    assert contributions.shape == (0, len(model.features) + 1)
    assert top_reasons_json(model.preprocessor, {}, empty, contributions).to_list() == []
