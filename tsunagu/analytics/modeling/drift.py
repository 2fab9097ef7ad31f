"""Drift between the training data and the data being scored: the population stability index (PSI)
per feature over the training deciles (numeric) or codes (categorical), missing values as one more bin.

PSI = Σ (current − expected) · ln(current / expected); below 0.1 stable, 0.1–0.25 some shift, above
0.25 a real shift (the usual credit-scoring reading). Empty bins get a floor of 0.0001 so the log stays finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FLOOR = 1e-4
QUANTILES = np.linspace(0.1, 0.9, 9)


def reference(matrix: np.ndarray, codes: list[int | None]) -> list[dict[str, Any]]:
    """The training distribution of each column. `codes[j]` is the number of category codes of a
    categorical column (None for numeric ones, which are cut at the training deciles)."""
    out = []
    for j, code_count in enumerate(codes):
        column = matrix[:, j]
        edges: list[float] | None = None
        if code_count is None:
            present = column[~np.isnan(column)]
            edges = sorted(set(np.quantile(present, QUANTILES).tolist())) if len(present) else []
        spec = {"edges": edges, "codes": code_count}
        spec["shares"] = shares(column, spec).tolist()
        out.append(spec)
    return out


def shares(column: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    missing = np.isnan(column)
    present = column[~missing]
    if spec["edges"] is None:
        bins = int(spec["codes"]) + 1
        counts = np.bincount(np.clip(present.astype(np.int64), 0, bins - 1), minlength=bins)
    else:
        edges = spec["edges"]
        counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    counts = np.append(counts.astype(float), float(missing.sum()))
    return counts / max(1.0, float(len(column)))


def psi(matrix: np.ndarray, ref: list[dict[str, Any]]) -> list[float]:
    """PSI of each column of `matrix` against its training reference."""
    values = []
    for j, spec in enumerate(ref):
        expected = np.maximum(np.asarray(spec["shares"], dtype=float), FLOOR)
        current = np.maximum(shares(matrix[:, j], spec), FLOOR)
        values.append(float(np.sum((current - expected) * np.log(current / expected))))
    return values


def level(value: float) -> str:
    """The Japanese reading of a PSI value."""
    if value < 0.1:
        return "安定"
    if value < 0.25:
        return "やや変化"
    return "大きく変化"
