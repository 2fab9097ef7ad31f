"""A trained model as one JSON document: the LightGBM text model (and, for a blend, the logistic
regression's numbers), the preprocessing, the reason labels, the drift reference and the metadata
(data window, features, metrics, trainer, created_at). Nothing is pickled, so a model file can be read,
diffed and loaded without running foreign code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from . import attribution, drift, reasons
from .errors import ModelingError
from .linear import Linear
from .preprocess import Preprocessor

FORMAT = "tsunagu-propensity/1"


def blend(trees: np.ndarray, linear: Linear | None, matrix: np.ndarray, weight: float) -> np.ndarray:
    """The model's log-odds: `weight` of the trees' and the rest of the logistic regression's (the
    same for contributions: both add up to the log-odds, so their blend adds up to the blend's)."""
    if linear is None or weight >= 1:
        return trees
    other = linear.raw(matrix) if trees.ndim == 1 else linear.contributions(matrix)
    return weight * trees + (1 - weight) * other


@dataclass
class Model:
    booster: lgb.Booster
    preprocessor: Preprocessor
    linear: Linear | None = None  # a blend: the logistic regression beside the trees
    blend_weight: float = 1.0  # the trees' share of the log-odds (1.0: the trees alone)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    drift_reference: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    _attribution: attribution.PathAttribution | None = field(default=None, repr=False, compare=False)

    @property
    def features(self) -> list[str]:
        return self.preprocessor.feature_names

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        return self.preprocessor.transform(frame)

    def predict(self, frame: pl.DataFrame, *, matrix: np.ndarray | None = None) -> np.ndarray:
        """The probability of the positive class for every row (`matrix`: the frame's, already built)."""
        if matrix is None:
            matrix = self.matrix(frame)
        trees = np.asarray(self.booster.predict(matrix, raw_score=True), dtype=np.float64)
        raw = blend(trees, self.linear, matrix, self.blend_weight)
        return self.calibrated(1.0 / (1.0 + np.exp(-raw)))

    def calibrated(self, p: np.ndarray) -> np.ndarray:
        """The model's probabilities through the stored calibration (none in older model files: as is)."""
        calibration = self.metadata.get("calibration")
        if not calibration:
            return p
        z = np.log(np.clip(p, 1e-9, 1 - 1e-9) / (1 - np.clip(p, 1e-9, 1 - 1e-9)))
        return 1.0 / (1.0 + np.exp(-(calibration["a"] * z + calibration["b"])))

    def explain(self, frame: pl.DataFrame, *, k: int = 3) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Probabilities and, for each row, up to k Japanese reasons (strongest first)."""
        matrix, scores, contributions = self._attributed(frame)
        return scores, reasons.top_reasons(self.preprocessor, self.labels, matrix, contributions, k=k)

    def explain_json(
        self, frame: pl.DataFrame, *, k: int = 3, matrix: np.ndarray | None = None
    ) -> tuple[np.ndarray, pl.Series]:
        """`explain` for bulk scoring: each row's reasons already written as JSON text."""
        matrix, scores, contributions = self._attributed(frame, matrix)
        return scores, reasons.top_reasons_json(self.preprocessor, self.labels, matrix, contributions, k=k)

    def _attributed(
        self, frame: pl.DataFrame, matrix: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if matrix is None:
            matrix = self.matrix(frame)
        if self._attribution is None:
            self._attribution = attribution.PathAttribution(self.booster)
        contributions = blend(self._attribution.contributions(matrix), self.linear, matrix, self.blend_weight)
        # The contributions (bias last) add up to the raw score: its logistic is the probability, so
        # the trees are walked once instead of twice.
        scores = self.calibrated(1.0 / (1.0 + np.exp(-contributions.sum(axis=1, dtype=np.float64))))
        return matrix, scores, contributions

    def drift(self, frame: pl.DataFrame, *, matrix: np.ndarray | None = None) -> list[dict[str, Any]]:
        """PSI per feature between the training data and `frame`, largest first."""
        values = drift.psi(self.matrix(frame) if matrix is None else matrix, self.drift_reference)
        rows = [
            {"feature": name, "label": self.feature_label(name), "psi": round(v, 4), "level": drift.level(v)}
            for name, v in zip(self.features, values, strict=True)
        ]
        return sorted(rows, key=lambda row: -row["psi"])

    def feature_label(self, name: str) -> str:
        label = self.labels.get(name)
        return label.get("name", name) if label else name

    def importance(self) -> list[dict[str, Any]]:
        """Each feature's share: of the trees' gain, and in a blend the weighted mean of that and of the
        logistic regression's absolute coefficients."""
        gains = self.booster.feature_importance(importance_type="gain").astype(np.float64)
        shares = gains / (float(gains.sum()) or 1.0)
        if self.linear is not None and self.blend_weight < 1:
            pushes = self.linear.importance()
            shares = self.blend_weight * shares + (1 - self.blend_weight) * pushes / (float(pushes.sum()) or 1.0)
        rows = [
            {"feature": n, "label": self.feature_label(n), "share": round(float(share), 4)}
            for n, share in zip(self.features, shares, strict=True)
            if share > 0  # a feature the model does not use has no importance to show
        ]
        return sorted(rows, key=lambda row: -row["share"])

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "metadata": self.metadata,
                "preprocessing": self.preprocessor.to_json(),
                "labels": self.labels,
                "drift_reference": self.drift_reference,
                "lightgbm": self.booster.model_to_string(),
                "linear": self.linear.to_json() if self.linear is not None else None,
                "blend_weight": self.blend_weight,
            },
            ensure_ascii=False,
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")


def model_from_json(text: str) -> Model:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelingError("モデルファイルを読み込めません(形式が正しくありません)。") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelingError("モデルファイルの形式が違います(propensity_train で作成したファイルを指定してください)。")
    return Model(
        booster=lgb.Booster(model_str=data["lightgbm"]),
        preprocessor=Preprocessor.from_json(data["preprocessing"]),
        linear=Linear.from_json(data["linear"]) if data.get("linear") else None,
        blend_weight=float(data.get("blend_weight", 1.0)),
        labels=data.get("labels", {}),
        drift_reference=data.get("drift_reference", []),
        metadata=data.get("metadata", {}),
    )


def load_model(path: str | Path) -> Model:
    file = Path(path)
    if not file.is_file():
        raise ModelingError(f"モデルファイルが見つかりません: {file}")
    return model_from_json(file.read_text(encoding="utf-8"))
