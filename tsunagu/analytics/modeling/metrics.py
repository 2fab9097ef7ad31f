"""Model quality on held-out rows: AUC, gains/lift by decile, calibration by decile of score, Brier.

All inputs are numpy arrays of 0/1 outcomes and predicted probabilities; the output is plain JSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

DECILES = 10


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Area under the ROC curve; None when only one class is present (no ranking to judge)."""
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, p))


def gains(y: np.ndarray, p: np.ndarray, bins: int = DECILES) -> list[dict[str, float]]:
    """Rows sorted by score (highest first) cut into `bins` equal groups: for each cumulative top
    share, the share of all positives found there (gain) and the response rate over the base rate
    (lift). Ties are broken by row order, so equal scores cannot flatter the curve."""
    order = np.argsort(-p, kind="stable")
    y_sorted = y[order]
    total = max(1.0, float(y.sum()))
    base = float(y.mean()) if len(y) else 0.0
    table = []
    for k in range(1, bins + 1):
        n = round(len(y) * k / bins)
        found = float(y_sorted[:n].sum())
        rate = found / n if n else 0.0
        table.append(
            {
                "top_share": k / bins,
                "rows": n,
                "positives": found,
                "gain": found / total,
                "lift": rate / base if base else 0.0,
            }
        )
    return table


def calibration(y: np.ndarray, p: np.ndarray, bins: int = DECILES) -> list[dict[str, float]]:
    """Mean predicted probability against the observed rate in each decile of the score."""
    order = np.argsort(p, kind="stable")
    table = []
    for chunk in np.array_split(order, bins):
        if len(chunk) == 0:
            continue
        table.append(
            {
                "rows": len(chunk),
                "predicted": float(p[chunk].mean()),
                "observed": float(y[chunk].mean()),
            }
        )
    return table


def summary(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    return {
        "rows": len(y),
        "positives": int(y.sum()),
        "base_rate": float(y.mean()) if len(y) else 0.0,
        "auc": auc(y, p),
        "brier": float(brier_score_loss(y, p)) if len(y) else None,
        "gains": gains(y, p),
        "calibration": calibration(y, p),
    }
