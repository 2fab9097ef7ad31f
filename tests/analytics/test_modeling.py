"""The pure modelling core on synthetic data with a known signal (no database)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tsunagu.analytics.modeling import ModelingError, drift, load_model, metrics, train_binary
from tsunagu.analytics.modeling.artifact import model_from_json
from tsunagu.analytics.modeling.reasons import render

LABELS = {
    "premium_change": {"name": "更新時の保険料変化", "text": "更新時の保険料上昇 {value:+.0%}"},
    "complaints_6m": {"name": "直近6か月の苦情", "text": "直近6か月に苦情あり", "zero": ""},
}


def book(rows: int, seed: int = 0, *, shuffle_target: bool = False) -> pl.DataFrame:
    """Renewals where a premium increase, a recent complaint and paying by slip raise the lapse odds."""
    rng = np.random.default_rng(seed)
    premium_change = rng.normal(0.02, 0.08, rows)
    complaints = rng.binomial(1, 0.1, rows)
    method = rng.choice(["口座振替", "クレジットカード", "払込票"], rows, p=[0.5, 0.35, 0.15])
    age = rng.integers(20, 85, rows).astype(float)
    age[rng.random(rows) < 0.05] = np.nan  # missing values are allowed
    logit = -2.2 + 9 * premium_change + 1.6 * complaints + 0.9 * (method == "払込票") - 0.01 * (age - 50)
    y = (rng.random(rows) < 1 / (1 + np.exp(-np.nan_to_num(logit)))).astype(int)
    if shuffle_target:
        y = rng.permutation(y)
    return pl.DataFrame(
        {
            "customer_no": [f"C{i:07d}" for i in range(rows)],
            "premium_change": premium_change,
            "complaints_6m": complaints,
            "payment_method": method,
            "age": age,
            "noise": rng.normal(size=rows),
            "lapsed": y,
        }
    )


def test_a_known_signal_is_learned_and_beats_chance_on_new_rows():
    from tsunagu.analytics.modeling import TrainOptions

    model = train_binary(book(4000), target="lapsed", exclude=("customer_no",), options=TrainOptions(labels=LABELS))
    fresh = book(3000, seed=7)
    auc = metrics.auc(fresh["lapsed"].to_numpy(), model.predict(fresh))
    assert auc is not None
    assert auc > 0.7
    assert model.metadata["metrics"]["lightgbm"]["auc"] > 0.7
    assert model.metadata["metrics"]["baseline"]["auc"] > 0.7  # the logistic yardstick sees it too
    assert "customer_no" not in model.features  # excluded: an identifier is no feature
    gains = model.metadata["metrics"]["lightgbm"]["gains"]
    assert gains[0]["lift"] > 1.5
    assert gains[-1]["gain"] == pytest.approx(1.0)


def test_a_shuffled_target_stays_near_chance():
    model = train_binary(book(4000, shuffle_target=True), target="lapsed", exclude=("customer_no",))
    fresh = book(4000, seed=7, shuffle_target=True)
    auc = metrics.auc(fresh["lapsed"].to_numpy(), model.predict(fresh))
    assert auc is not None
    assert abs(auc - 0.5) < 0.05
    assert abs(model.metadata["metrics"]["lightgbm"]["auc"] - 0.5) < 0.07


def test_reasons_are_japanese_and_name_the_drivers():
    from tsunagu.analytics.modeling import TrainOptions

    model = train_binary(book(4000), target="lapsed", exclude=("customer_no",), options=TrainOptions(labels=LABELS))
    risky = pl.DataFrame(
        {
            "customer_no": ["C1"],
            "premium_change": [0.18],
            "complaints_6m": [1],
            "payment_method": ["払込票"],
            "age": [40.0],
            "noise": [0.0],
        }
    )
    scores, reasons = model.explain(risky)
    texts = [r["text"] for r in reasons[0]]
    assert scores[0] > 0.5
    assert "更新時の保険料上昇 +18%" in texts
    assert "直近6か月に苦情あり" in texts
    assert all(r["contribution"] > 0 for r in reasons[0])
    # a label-less feature is written 「列名: 値」; a zero flag with zero="" is never a reason
    assert render(None, "payment_method", "払込票") == "payment_method: 払込票"
    assert render(LABELS["complaints_6m"], "complaints_6m", 0) == ""


def test_the_artifact_is_one_json_file_that_scores_the_same(tmp_path):
    model = train_binary(book(1000), target="lapsed", exclude=("customer_no",))
    path = tmp_path / "model.json"
    model.save(path)
    again = load_model(path)
    frame = book(200, seed=3)
    assert np.allclose(model.predict(frame), again.predict(frame))
    assert again.metadata["target"] == "lapsed"
    assert again.metadata["created_at"]
    with pytest.raises(ModelingError, match="形式"):
        model_from_json('{"format": "something-else"}')


def test_high_cardinality_text_and_unseen_levels():
    frame = book(2000).with_columns(pl.Series("memo", [f"自由記述{i}" for i in range(2000)]))
    model = train_binary(frame, target="lapsed", exclude=("customer_no",))
    assert "memo" not in model.features
    assert "memo" in model.preprocessor.dropped
    unseen = book(10, seed=5).with_columns(pl.lit("コンビニ払").alias("payment_method"), pl.lit("x").alias("memo"))
    assert len(model.predict(unseen)) == 10  # an unseen level falls into その他, no error


def test_scoring_refuses_missing_columns_and_unparseable_numbers():
    model = train_binary(book(1000), target="lapsed", exclude=("customer_no",))
    with pytest.raises(ModelingError, match="学習時の列がありません: premium_change"):
        model.predict(book(10).drop("premium_change"))
    bad = book(10).with_columns(pl.col("age").cast(pl.String).fill_null("").str.replace(r"^$", "abc"))
    bad = bad.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("abc")).otherwise(pl.col("age")).alias("age")
    )
    with pytest.raises(ModelingError, match="列「age」は数値である必要があります\\(3行目"):
        model.predict(bad)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (book(30), "50 行以上"),
        (book(200).with_columns(pl.lit(0).alias("lapsed")), "0 と 1 がそれぞれ"),
        (book(200).with_columns(pl.lit(2).alias("lapsed")), "0 か 1 である必要があります\\(1行目"),
        (book(200).drop("lapsed"), "目的変数の列「lapsed」がありません"),
    ],
)
def test_bad_targets_get_japanese_errors(frame, message):
    with pytest.raises(ModelingError, match=message):
        train_binary(frame, target="lapsed")


def test_psi_is_zero_for_the_same_data_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(5000, 1))
    ref = drift.reference(base, [None])
    assert drift.psi(rng.normal(size=(5000, 1)), ref)[0] < 0.02
    assert drift.psi(rng.normal(1.0, 1.0, size=(5000, 1)), ref)[0] > 0.25
    assert drift.level(0.3) == "大きく変化"


def test_metrics_tables():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    p = np.linspace(1, 0, 10)
    assert metrics.auc(y, p) == 1.0
    gains = metrics.gains(y, p)
    assert gains[1]["gain"] == 1.0
    assert gains[0]["lift"] == pytest.approx(5.0)
    assert metrics.auc(np.zeros(5), np.zeros(5)) is None
    assert sum(row["rows"] for row in metrics.calibration(y, p)) == 10
