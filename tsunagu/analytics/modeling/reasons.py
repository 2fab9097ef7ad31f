"""Reasons per prediction: the features that pushed this row's score up the most (LightGBM's
`pred_contrib`, the exact TreeSHAP contributions in log-odds), written in Japanese.

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
from typing import Any

import numpy as np

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
    names = pre.feature_names
    per_feature = contributions[:, : len(names)]  # the last column is the bias (expected value)
    order = np.argsort(-per_feature, axis=1)[:, : k * 2]
    # The text depends only on (feature, value), and values repeat (levels, counts, flags): render
    # each pair once instead of decoding and formatting every reason of every row.
    texts: dict[tuple[int, float], str] = {}
    out = []
    for i in range(matrix.shape[0]):
        reasons: list[dict[str, Any]] = []
        for j in order[i]:
            weight = float(per_feature[i, j])
            if weight < MIN_CONTRIBUTION or len(reasons) == k:
                break
            raw = float(matrix[i, j])
            if math.isnan(raw):  # unknown: rendered each time (NaN keys never match)
                text = render(labels.get(names[j]), names[j], None)
            else:
                key = (int(j), raw)
                cached = texts.get(key)
                if cached is None:
                    cached = texts[key] = render(labels.get(names[j]), names[j], decode(pre, j, raw))
                text = cached
            if text:
                reasons.append({"feature": names[j], "text": text, "contribution": round(weight, 4)})
        out.append(reasons)
    return out
