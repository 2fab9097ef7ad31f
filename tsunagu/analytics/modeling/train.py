"""Train the binary propensity model: LightGBM with early stopping on a validation split, and a
calibrated logistic regression beside it as the baseline every LightGBM result is compared with. On
small tables the model may be a blend of the two (`linear.py`), chosen by cross-validation on the
training rows.

The validation rows are either given (out-of-time: train on an earlier as-of date, validate on a later
one) or a stratified random 20% of the table. The metrics stored with the model are the validation
rows' (never the training rows').
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

from . import drift, metrics
from .artifact import Model, blend
from .errors import ModelingError
from .linear import Linear
from .preprocess import Preprocessor, fit

MIN_ROWS = 50
MIN_PER_CLASS = 5
BASELINE_MAX_ROWS = 200_000  # the baseline is a yardstick: a sample of this size measures it well
# Below this many training rows one LightGBM thread is faster than two: the threads' synchronisation
# per tree costs more than the histogram work it splits (the motor lapse data, 17,295 rows: 2.3 s on
# one thread, 5.2 s on two, with another process busy on the second core).
ONE_THREAD_BELOW_ROWS = 100_000
# Small tables choose LightGBM's shape by 5-fold cross-validation on the training rows (never on the
# validation rows, whose AUC is the one reported): the trees sized by the table, or an additive model of
# single splits (stumps: no interactions, like the logistic baseline but with steps instead of lines).
# On a few hundred renewals the deeper trees learn interactions that do not hold a year later. The same
# folds choose LightGBM's weight in a blend with the logistic regression (1.0: the trees alone): on tens
# of thousands of noisy rows the two rank about equally well and their errors differ (the motor lapse
# data, 18,448 rows: trees 0.628, logistic 0.628, the blend 0.631). Above this size the trees alone.
CHOOSE_BELOW_ROWS = 50_000
SHAPES = {"trees": "木(葉の数は学習データの量に応じて)", "stumps": "加法モデル(分岐1回の木の和)"}
# LightGBM's share of the log-odds, in order of preference: the first (with the shapes in SHAPES order)
# whose cross-validated AUC is within CV_NOISE_AUC of the best is taken. The equal blend comes first:
# averaging two models whose errors differ is the robust choice, and a weight the folds favour by less
# than that is noise (the lapse data, 12 random 80/20 splits: the best-in-folds weight gave a mean
# held-out AUC of 0.6265, the first within 0.001 — the equal blend in all 12 — 0.6284; the logistic
# regression 0.6239). The trees alone come last, but win when they are clearly better.
BLEND_WEIGHTS = (0.5, 0.75, 0.25, 1.0)
CV_NOISE_AUC = 0.001


@dataclass
class TrainOptions:
    seed: int = 1
    validation_share: float = 0.2
    learning_rate: float = 0.03
    num_leaves: int | None = None  # None: by size, 7 leaves up to ~20,000 rows, up to 31 beyond
    shape: str | None = None  # "trees" / "stumps"; None: chosen by cross-validation below CHOOSE_BELOW_ROWS
    blend: bool = True  # below CHOOSE_BELOW_ROWS, the cross-validation may blend in the logistic regression
    derive_ratios: bool = True
    max_rounds: int = 3000
    early_stopping_rounds: int = 150
    baseline: bool = True
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def check_target(frame: pl.DataFrame, target: str) -> np.ndarray:
    """The 0/1 target as an int array, or a Japanese error (missing column, other values, too few rows)."""
    if target not in frame.columns:
        raise ModelingError(f"目的変数の列「{target}」がありません(列: {', '.join(frame.columns)})。")
    column = frame[target]
    if column.dtype == pl.Boolean:
        column = column.cast(pl.Int8)
    values = column.cast(pl.String, strict=False).str.strip_chars()
    allowed = values.is_in(["0", "1", "0.0", "1.0"])
    if not allowed.all():
        row = int((~allowed.fill_null(False)).arg_true()[0]) + 1
        shown = column[row - 1]
        raise ModelingError(f"目的変数「{target}」は 0 か 1 である必要があります({row}行目: {shown!r})。")
    y = values.is_in(["1", "1.0"]).cast(pl.Int8).to_numpy().astype(np.int64)
    if len(y) < MIN_ROWS:
        raise ModelingError(f"学習には {MIN_ROWS} 行以上必要です({len(y)}行)。")
    positives = int(y.sum())
    if min(positives, len(y) - positives) < MIN_PER_CLASS:
        counts = f"1: {positives}行、0: {len(y) - positives}行"
        raise ModelingError(f"目的変数の 0 と 1 がそれぞれ {MIN_PER_CLASS} 行以上必要です({counts})。")
    return y


def train_binary(
    frame: pl.DataFrame,
    *,
    target: str,
    exclude: tuple[str, ...] = (),
    validation: pl.DataFrame | None = None,
    options: TrainOptions | None = None,
) -> Model:
    options = options or TrainOptions()
    started = time.perf_counter()
    y_all = check_target(frame, target)
    if validation is None:
        train_idx, valid_idx = train_test_split(
            np.arange(frame.height), test_size=options.validation_share, random_state=options.seed, stratify=y_all
        )
        train_frame, valid_frame = frame[np.sort(train_idx)], frame[np.sort(valid_idx)]
        y_train, y_valid = y_all[np.sort(train_idx)], y_all[np.sort(valid_idx)]
        split = "ランダム(層化)"
    else:
        train_frame, y_train = frame, y_all
        valid_frame, y_valid = validation, check_target(validation, target)
        split = "期間外(後の基準日)"
    pre = fit(train_frame, exclude=(target, *exclude), derive_ratios=options.derive_ratios)
    x_train, x_valid = pre.transform(train_frame), pre.transform(valid_frame)
    shape, weight, choice = _choose(pre, x_train, y_train, options)
    # Out of time the share of positives moves (the demo: 27% of the earlier customers lapsed, 13% of the
    # later ones), so the log loss of the later rows stops the trees after one or two; the number of
    # trees is chosen by the ranking (AUC) there, which is what the scores are used for.
    by_auc = validation is not None
    booster = _lightgbm(pre, x_train, y_train, x_valid, y_valid, options, shape=shape, by_auc=by_auc)
    linear = _linear(pre, x_train, y_train, options.seed) if options.baseline or weight < 1 else None
    trees_valid = np.asarray(booster.predict(x_valid, raw_score=True), dtype=np.float64)
    p_valid = _sigmoid(blend(trees_valid, linear, x_valid, weight))
    # The scores are shown as 見込み: Platt scaling fitted on the validation rows maps the trees' output
    # to their observed rates (out of time the base rate moves). Monotone, so the AUC is unchanged;
    # the uncalibrated figures are kept beside the calibrated ones.
    calibration = platt(p_valid, y_valid)
    uncalibrated = metrics.summary(y_valid, p_valid)
    p_valid = calibrate(p_valid, calibration)
    result: dict[str, Any] = {"validation": split, "lightgbm": metrics.summary(y_valid, p_valid)}
    result["lightgbm"]["uncalibrated"] = {k: uncalibrated[k] for k in ("brier", "calibration")}
    result["lightgbm"]["best_iteration"] = booster.best_iteration
    result["lightgbm"]["shape"] = shape
    result["lightgbm"]["early_stopping"] = "auc" if by_auc else "binary_logloss"
    if weight < 1:
        result["lightgbm"]["blend_weight"] = weight
        result["lightgbm"]["trees_alone_auc"] = metrics.auc(y_valid, trees_valid)
    if choice:
        result["shape_choice"] = choice
    if options.baseline and linear is not None:
        # The yardstick, calibrated like the product's model (Platt on the validation rows).
        p_linear = _sigmoid(linear.raw(x_valid))
        result["baseline"] = metrics.summary(y_valid, calibrate(p_linear, platt(p_linear, y_valid)))
    if validation is None:
        # The validation rows chose the number of trees; the final model learns from every row with
        # that number (a fifth more data matters on small tables). Metrics stay the held-out ones.
        x_all = pre.transform(frame)
        booster = _lightgbm(pre, x_all, y_all, None, None, options, rounds=booster.best_iteration, shape=shape)
        if weight < 1:
            linear = Linear.fit(pre, x_all, y_all)
    codes = [len(c.levels) if c.kind == "categorical" else None for c in pre.columns] + [None] * len(pre.ratios)
    metadata = {
        **options.metadata,
        "target": target,
        "features": pre.feature_names,
        "dropped_columns": pre.dropped,
        "train_rows": len(y_train),
        "train_positives": int(y_train.sum()),
        "metrics": result,
        "calibration": calibration,
        "train_seconds": round(time.perf_counter() - started, 2),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Model(
        booster=booster,
        preprocessor=pre,
        linear=linear if weight < 1 else None,
        blend_weight=weight,
        labels=options.labels,
        drift_reference=drift.reference(x_train, codes),
        metadata=metadata,
    )


def platt(p: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Platt scaling: calibrated = logistic(a · logit(p) + b), fitted on (p, y)."""
    z = _logit(p).reshape(-1, 1)
    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(z, y)
    return {"method": "platt", "a": float(fitted.coef_[0][0]), "b": float(fitted.intercept_[0])}


def calibrate(p: np.ndarray, calibration: dict[str, Any] | None) -> np.ndarray:
    """The calibrated probabilities (`calibration` None or empty: unchanged, as old stored models)."""
    if not calibration:
        return p
    return 1.0 / (1.0 + np.exp(-(calibration["a"] * _logit(p) + calibration["b"])))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def _sigmoid(raw: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-raw))


def _linear(pre: Preprocessor, x_train: np.ndarray, y_train: np.ndarray, seed: int) -> Linear:
    """The logistic regression on the training rows (a sample of BASELINE_MAX_ROWS of a bigger table)."""
    if len(y_train) > BASELINE_MAX_ROWS:
        pick = np.sort(np.random.default_rng(seed).choice(len(y_train), BASELINE_MAX_ROWS, replace=False))
        x_train, y_train = x_train[pick], y_train[pick]
    return Linear.fit(pre, x_train, y_train)


def _choose(
    pre: Preprocessor, x_train: np.ndarray, y_train: np.ndarray, options: TrainOptions
) -> tuple[str, float, dict[str, Any]]:
    """LightGBM's shape and its weight in the blend with the logistic regression: as given, the trees
    alone for big tables, else by the mean AUC of a stratified 5-fold cross-validation on the training
    rows over every BLEND_WEIGHTS × shape: the first in that order within CV_NOISE_AUC of the best."""
    if options.shape is not None:
        return options.shape, 1.0, {}
    if options.num_leaves is not None or len(y_train) >= CHOOSE_BELOW_ROWS:
        return "trees", 1.0, {}
    weights = BLEND_WEIGHTS if options.blend else (1.0,)
    candidates = [(shape, weight) for weight in weights for shape in SHAPES]  # the order of preference
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=options.seed)
    aucs: dict[tuple[str, float], list[float]] = {}
    linear_aucs = []
    for fit_idx, held_idx in folds.split(x_train, y_train):
        x_fit, y_fit, x_held, y_held = x_train[fit_idx], y_train[fit_idx], x_train[held_idx], y_train[held_idx]
        linear = Linear.fit(pre, x_fit, y_fit) if options.blend else None
        if linear is not None:
            linear_aucs.append(metrics.auc(y_held, linear.raw(x_held)) or 0.5)
        for shape in SHAPES:
            booster = _lightgbm(pre, x_fit, y_fit, x_held, y_held, options, shape=shape)
            trees = np.asarray(booster.predict(x_held, raw_score=True), dtype=np.float64)
            for weight in weights:
                auc = metrics.auc(y_held, blend(trees, linear, x_held, weight)) or 0.5
                aucs.setdefault((shape, weight), []).append(auc)
    means = {key: float(np.mean(aucs[key])) for key in candidates}
    best = max(means.values())
    shape, weight = next(key for key in candidates if means[key] >= best - CV_NOISE_AUC)
    choice: dict[str, Any] = {
        "method": "5分割交差検証(学習データ内)",
        "cv_auc": {name: round(means[(name, 1.0)], 4) for name in SHAPES},
        "chosen": shape,
    }
    if options.blend:
        choice["cv_auc_logistic"] = round(float(np.mean(linear_aucs)), 4)
        choice["blend_weight"] = weight
        choice["cv_auc_chosen"] = round(means[(shape, weight)], 4)
        choice["cv_auc_blends"] = {f"{name}:{w}": round(v, 4) for (name, w), v in means.items()}
    return shape, weight, choice


def _lightgbm(
    pre: Preprocessor,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray | None,
    y_valid: np.ndarray | None,
    options: TrainOptions,
    *,
    rounds: int | None = None,
    shape: str = "trees",
    by_auc: bool = False,
) -> lgb.Booster:
    """Early stopping on (x_valid, y_valid) — by log loss, or by AUC when `by_auc`; or, without them,
    exactly `rounds` trees."""
    params = {
        "objective": "binary",
        "learning_rate": options.learning_rate,
        # Small, noisy tables (a few thousand renewals) overfit with deep trees; big books carry more.
        # Stumps: one split per tree, an additive model (chosen by cross-validation on small tables).
        "num_leaves": 2 if shape == "stumps" else options.num_leaves or min(31, max(7, len(y_train) // 3000)),
        "min_data_in_leaf": max(20, len(y_train) // 2000),
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 5.0,
        "cat_smooth": 20.0,
        "cat_l2": 10.0,
        "max_cat_to_onehot": 8,
        "seed": options.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1 if len(y_train) < ONE_THREAD_BELOW_ROWS else 0,  # 0: OpenMP's default, one per core
        "verbose": -1,
    }
    if by_auc:
        params["metric"] = "auc"
    categorical = pre.categorical_indices
    train_set = lgb.Dataset(
        x_train, label=y_train, feature_name=pre.feature_names, categorical_feature=categorical, free_raw_data=True
    )
    if x_valid is None:
        return lgb.train(params, train_set, num_boost_round=max(1, rounds or 1))
    valid_set = lgb.Dataset(x_valid, label=y_valid, reference=train_set)
    return lgb.train(
        params,
        train_set,
        num_boost_round=options.max_rounds,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(options.early_stopping_rounds, verbose=False)],
    )
