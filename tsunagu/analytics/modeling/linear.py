"""The logistic regression of the propensity model, on the same matrix as LightGBM, kept as numbers
(JSON, no pickle) so that it can be stored in the model file beside the trees.

It is the yardstick every LightGBM result is compared with, and on small tables it can be part of the
product's model: a blend of the two log-odds, `w · trees + (1 − w) · linear`, where the weight `w` is
chosen by cross-validation on the training rows (`train._choose`). On a few thousand noisy rows an
additive, smooth model ranks about as well as the trees and their errors differ, so the blend ranks
better than either (the motor lapse data: trees 0.628, logistic 0.628, blend 0.631 in the same folds).

Design matrix: a numeric column is its value (missing: the training median) plus a missing-value flag
when the training rows had missing values; a categorical column is one 0/1 column per code seen in
training (levels, その他, missing). Every design column is standardised, so a feature's contribution
`Σ coef · standardised value` is its push relative to the average training row, like the trees' path
attributions, and the contributions and the intercept add up to the log-odds exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from .preprocess import Preprocessor

MISSING_CODE = -1.0  # a categorical's missing value as a code of its own in the design matrix
CLIP_SD = 4.0
ROWS_PER_CHUNK = 100_000  # bounds the standardised design block held at once


@dataclass
class Design:
    """How the matrix's columns become the standardised design columns."""

    owner: np.ndarray  # design column → the matrix column (feature) it comes from
    code: np.ndarray  # categorical: the code the 0/1 column stands for; numeric: NaN (value), or 1 (missing flag)
    categorical: np.ndarray  # per design column: a categorical indicator
    medians: np.ndarray  # per matrix column: the training median (numeric columns; NaN otherwise)
    mean: np.ndarray
    scale: np.ndarray

    def columns(self, matrix: np.ndarray) -> np.ndarray:
        """The raw (unstandardised) design columns of `matrix`."""
        values = matrix[:, self.owner]
        missing = np.isnan(values)
        is_flag = ~self.categorical & (self.code == 1)
        filled = np.where(missing, self.medians[self.owner], values)
        numeric = np.where(is_flag, missing, filled)
        indicator = np.where(missing, MISSING_CODE, values) == self.code
        return np.where(self.categorical, indicator, numeric).astype(np.float64)

    def standardised(self, matrix: np.ndarray) -> np.ndarray:
        """Standardised design columns; a number more than CLIP_SD standard deviations from the training
        mean counts as CLIP_SD (in fitting too), so that a value far outside what training saw — out of
        time, the drift of a later book — cannot push the log-odds without bound, as the trees cannot."""
        z = (self.columns(matrix) - self.mean) / self.scale
        return np.where(self.categorical, z, np.clip(z, -CLIP_SD, CLIP_SD))

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner.tolist(),
            "code": [None if np.isnan(c) else float(c) for c in self.code],
            "categorical": self.categorical.tolist(),
            "medians": [None if np.isnan(m) else float(m) for m in self.medians],
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Design:
        def floats(values: list[float | None]) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        return cls(
            owner=np.array(data["owner"], dtype=np.int64),
            code=floats(data["code"]),
            categorical=np.array(data["categorical"], dtype=bool),
            medians=floats(data["medians"]),
            mean=np.array(data["mean"], dtype=np.float64),
            scale=np.array(data["scale"], dtype=np.float64),
        )


def _design(pre: Preprocessor, matrix: np.ndarray) -> Design:
    categorical = set(pre.categorical_indices)
    owner: list[int] = []
    code: list[float] = []
    kind: list[bool] = []
    medians = np.full(matrix.shape[1], np.nan)
    for j in range(matrix.shape[1]):
        values = matrix[:, j]
        missing = np.isnan(values)
        if j in categorical:
            seen = np.unique(np.where(missing, MISSING_CODE, values))
            owner += [j] * len(seen)
            code += seen.tolist()
            kind += [True] * len(seen)
            continue
        medians[j] = float(np.median(values[~missing])) if (~missing).any() else 0.0
        owner.append(j)
        code.append(np.nan)
        kind.append(False)
        if missing.any():
            owner.append(j)
            code.append(1.0)
            kind.append(False)
    design = Design(
        owner=np.array(owner, dtype=np.int64),
        code=np.array(code, dtype=np.float64),
        categorical=np.array(kind, dtype=bool),
        medians=medians,
        mean=np.zeros(len(owner)),
        scale=np.ones(len(owner)),
    )
    raw = design.columns(matrix)
    design.mean = raw.mean(axis=0)
    spread = raw.std(axis=0)
    design.scale = np.where(spread > 0, spread, 1.0)
    return design


@dataclass
class Linear:
    design: Design
    coef: np.ndarray
    intercept: float
    features: int  # the matrix's width (contributions have one more column: the intercept)

    @classmethod
    def fit(cls, pre: Preprocessor, matrix: np.ndarray, y: np.ndarray, *, c: float = 1.0) -> Linear:
        design = _design(pre, matrix)
        # One BLAS thread: the design is narrow and threads only add synchronisation (the motor lapse
        # data: 0.5 s on one thread, 3 s on two with another process busy on the second core).
        with threadpool_limits(limits=1):
            fitted = LogisticRegression(C=c, max_iter=1000).fit(design.standardised(matrix), y)
        return cls(design, fitted.coef_[0].astype(np.float64), float(fitted.intercept_[0]), matrix.shape[1])

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """The log-odds of every row."""
        out = np.empty(matrix.shape[0], dtype=np.float64)
        for start in range(0, matrix.shape[0], ROWS_PER_CHUNK):
            block = matrix[start : start + ROWS_PER_CHUNK]
            out[start : start + len(block)] = self.design.standardised(block) @ self.coef + self.intercept
        return out

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """rows × (features + 1): each feature's push (the sum over its design columns), the intercept
        last; a row's contributions add up to its log-odds."""
        to_features = np.zeros((len(self.coef), self.features + 1))
        to_features[np.arange(len(self.coef)), self.design.owner] = self.coef
        out = np.empty((matrix.shape[0], self.features + 1), dtype=np.float64)
        for start in range(0, matrix.shape[0], ROWS_PER_CHUNK):
            block = matrix[start : start + ROWS_PER_CHUNK]
            out[start : start + len(block)] = self.design.standardised(block) @ to_features
        out[:, -1] = self.intercept
        return out

    def importance(self) -> np.ndarray:
        """Per feature: the sum of its design columns' absolute coefficients (each column is
        standardised, so a coefficient is the push of one standard deviation)."""
        out = np.zeros(self.features)
        np.add.at(out, self.design.owner, np.abs(self.coef))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design.to_json(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "features": self.features,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Linear:
        return cls(
            design=Design.from_json(data["design"]),
            coef=np.array(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            features=int(data["features"]),
        )
