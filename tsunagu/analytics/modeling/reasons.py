"""Reasons per prediction: the features that pushed this row's score up the most (the path
attributions of `attribution.py`, in log-odds), written in Japanese.

A label table maps a feature name to a template, e.g.
`{"premium_change": {"text": "更新時の保険料上昇 {value:+.0%}"}, "complaints_6m": {"text": "直近6か月に苦情あり",
"zero": ""}}`: `{value}` is the row's value (the level's name for a categorical feature), `zero` is the
text when the value is 0 ("" = do not give this feature as a reason then), `negative` the text for a
value below 0, `missing` the text when the value is unknown. A feature without a label
is written 「列名: 値」, so any CSV gets readable reasons. Templates are plain `str.format` strings kept in
the model file (no code).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import polars as pl

from .preprocess import OTHER_LEVEL, Preprocessor

MIN_CONTRIBUTION = 0.02  # log-odds: smaller pushes are noise, not a reason worth reading


def render(label: dict[str, str] | None, name: str, value: Any) -> str:
    if value is None:
        if label and "missing" in label:
            return label["missing"]
        return f"{label.get('name', name) if label else name}: 不明"
    if label is None:
        shown = f"{value:,.4g}" if isinstance(value, float) else str(value)
        return f"{name}: {shown}"
    if value == 0 and "zero" in label:
        return label["zero"]
    if isinstance(value, (int, float)) and value < 0 and "negative" in label:
        return _format(label["negative"], name, value)
    return _format(label["text"], name, value)


def _format(template: str, name: str, value: Any) -> str:
    try:
        return template.format(value=value)
    except (ValueError, TypeError, KeyError, IndexError):
        return template.split("{", 1)[0].strip() or name


def decode(pre: Preprocessor, j: int, raw: float) -> Any:
    if math.isnan(raw):
        return None
    if j < len(pre.columns) and pre.columns[j].kind == "categorical":
        column = pre.columns[j]
        code = int(raw)
        return column.levels[code] if code < len(column.levels) else OTHER_LEVEL
    return int(raw) if float(raw).is_integer() else float(raw)


def top_reasons(
    pre: Preprocessor,
    labels: dict[str, dict[str, str]],
    matrix: np.ndarray,
    contributions: np.ndarray,
    *,
    k: int = 3,
) -> list[list[dict[str, Any]]]:
    """For each row, up to k reasons (feature, text, contribution), strongest first."""
    chosen = _choose(pre, labels, matrix, contributions, k=k)
    names = pre.feature_names
    out: list[list[dict[str, Any]]] = [[] for _ in range(matrix.shape[0])]
    for rows, keys, weights in chosen.slots:
        for i, key, weight in zip(rows.tolist(), keys.tolist(), weights.tolist(), strict=True):
            feature = names[chosen.features[key]]
            out[i].append({"feature": feature, "text": chosen.texts[key], "contribution": round(weight, 4)})
    return out


def top_reasons_json(
    pre: Preprocessor,
    labels: dict[str, dict[str, str]],
    matrix: np.ndarray,
    contributions: np.ndarray,
    *,
    k: int = 3,
) -> pl.Series:
    """The same reasons as `top_reasons`, each row's list already written as JSON text: scoring a book
    writes hundreds of thousands of rows, and building dicts to serialise them one by one costs more
    than the model."""
    n = matrix.shape[0]
    chosen = _choose(pre, labels, matrix, contributions, k=k)
    names = pre.feature_names
    # encode_basestring: json.dumps(text, ensure_ascii=False) for one string, without its per-call setup.
    starts = ['{"feature": ' + encode_basestring(name) + ', "text": ' for name in names]
    heads = pl.Series(
        [
            starts[j] + encode_basestring(text) + ', "contribution": '
            for j, text in zip(chosen.features, chosen.texts, strict=True)
        ],
        dtype=pl.String,
    )
    slots = []
    for rows, keys, weights in chosen.slots:
        items = heads.gather(keys) + pl.Series(np.round(weights, 4)).cast(pl.String) + "}"
        slots.append(pl.Series([None] * n, dtype=pl.String).scatter(rows, items))
    if not slots:
        return pl.Series("reasons", ["[]"] * n, dtype=pl.String)
    joined = pl.concat_str([pl.lit(s) for s in slots], separator=", ", ignore_nulls=True)
    return pl.select(("[" + joined + "]").alias("reasons")).get_column("reasons")


def _render_values(
    pre: Preprocessor, label: dict[str, str] | None, name: str, j: int, values: list[float]
) -> list[str]:
    """`render(label, name, decode(pre, j, v))` for each distinct raw value of feature j (the same
    texts; a numeric feature's values are decoded inline, as there may be one per row)."""
    if j < len(pre.columns) and pre.columns[j].kind == "categorical":
        return [render(label, name, None if math.isnan(v) else decode(pre, j, v)) for v in values]
    return [render(label, name, None if v != v else int(v) if v.is_integer() else v) for v in values]


@dataclass
class _Chosen:
    features: list[int]  # per distinct (feature, value): the feature's index
    texts: list[str]  # per distinct (feature, value): the rendered text
    slots: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per position: rows, distinct keys, contributions


def _silent(pre: Preprocessor, labels: dict[str, dict[str, str]], features: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Where `render` gives "" and so no reason (a zero flag with zero="", an unknown value with
    missing=""), decided from the values without rendering them."""
    names = pre.feature_names
    numeric = np.array([j >= len(pre.columns) or pre.columns[j].kind != "categorical" for j in range(len(names))])
    zero_silent = np.array([labels.get(n, {}).get("zero") == "" for n in names]) & numeric
    missing_silent = np.array([labels.get(n, {}).get("missing") == "" for n in names])
    negative_silent = np.array([labels.get(n, {}).get("negative") == "" for n in names]) & numeric
    missing = np.isnan(raw)
    return (
        (missing & missing_silent[features])
        | (~missing & (raw == 0) & zero_silent[features])
        | (~missing & (raw < 0) & negative_silent[features])
    )


def _fall_back(
    pre: Preprocessor,
    labels: dict[str, dict[str, str]],
    matrix: np.ndarray,
    per_feature: np.ndarray,
    usable: np.ndarray,
    features: np.ndarray,
    weights: np.ndarray,
    raw: np.ndarray,
) -> None:
    """Every score carries a reason: a row with no usable one (small pushes only, or only silent
    texts among its strongest) gets its strongest contribution whose text is not silent, however
    small, in its first position (in place)."""
    empty = np.flatnonzero(~usable.any(axis=1))
    if not len(empty):
        return
    every = np.broadcast_to(np.arange(per_feature.shape[1]), (len(empty), per_feature.shape[1]))
    values = matrix[empty][:, : per_feature.shape[1]].astype(np.float64)
    pushes = np.where(_silent(pre, labels, every, values), -np.inf, per_feature[empty])
    best = np.argmax(pushes, axis=1)
    found = np.isfinite(pushes[np.arange(len(empty)), best])
    rows, best = empty[found], best[found]
    features[rows, 0] = best
    weights[rows, 0] = per_feature[rows, best]
    raw[rows, 0] = matrix[rows, best]
    usable[rows, 0] = True


def _choose(
    pre: Preprocessor, labels: dict[str, dict[str, str]], matrix: np.ndarray, contributions: np.ndarray, *, k: int
) -> _Chosen:
    """A row's reasons are its strongest positive contributions of at least MIN_CONTRIBUTION whose
    text is not empty (a zero flag with zero="" is never a reason), strongest first, at most k; a row
    without any gets its strongest non-silent contribution however small (`_fall_back`)."""
    names = pre.feature_names
    n = matrix.shape[0]
    if n == 0 or not names:
        return _Chosen([], [], [])
    per_feature = contributions[:, : len(names)]  # the last column is the bias (expected value)
    width = min(k * 2, len(names))
    top = np.argpartition(-per_feature, width - 1, axis=1)[:, :width] if width < len(names) else None
    if top is None:
        top = np.broadcast_to(np.arange(len(names)), (n, len(names)))
    candidate = np.take_along_axis(per_feature, top, axis=1)
    order = np.argsort(-candidate, axis=1)
    features = np.take_along_axis(top, order, axis=1)
    weights = np.take_along_axis(candidate, order, axis=1)
    raw = np.take_along_axis(matrix, features, axis=1).astype(np.float64)
    usable = (weights >= MIN_CONTRIBUTION) & ~_silent(pre, labels, features, raw)
    _fall_back(pre, labels, matrix, per_feature, usable, features, weights, raw)
    # Contributions are sorted, so the weak ones are all at the end; the k first usable positions are kept.
    chosen = usable & (np.cumsum(usable, axis=1) <= k)
    position = np.cumsum(chosen, axis=1) - 1
    # The text depends only on (feature, value), and values repeat (levels, counts, flags): render each
    # distinct pair of the chosen reasons once, feature by feature. NaN is "unknown", one value of its own.
    keys = np.full(features.shape, -1, dtype=np.int64)
    distinct_features: list[int] = []
    texts: list[str] = []
    for j in np.unique(features[chosen]).tolist():
        at = chosen & (features == j)
        values, inverse = np.unique(raw[at], return_inverse=True)  # NaN sorts last, once
        keys[at] = len(texts) + inverse.ravel()
        texts += _render_values(pre, labels.get(names[j]), names[j], j, values.tolist())
        distinct_features += [j] * len(values)
    slots = []
    for slot in range(k):
        r, c = np.nonzero(chosen & (position == slot))
        slots.append((r, keys[r, c], weights[r, c]))
    return _Chosen(distinct_features, texts, slots)
