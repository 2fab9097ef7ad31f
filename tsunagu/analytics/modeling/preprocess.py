"""Turn any table into a numeric matrix for LightGBM, and remember how (JSON, no pickle).

- Numeric and boolean columns stay numeric; missing values stay NaN (LightGBM learns their direction).
- Text columns are categorical: the most frequent levels (at most MAX_LEVELS, each seen at least
  `min_count` times) get codes 0..k-1, every rarer level shares the code k (「その他」), missing is NaN.
- Amounts in the same unit (positive numeric columns with many values whose medians are within a
  factor of 3 of each other, e.g. this year's and last year's premium) also enter as their ratio
  `a/b`: trees split on one column at a time and approximate a ratio only coarsely, and a change
  between two amounts is often what drives a decision. At most MAX_RATIOS pairs.
- A text column whose values are nearly all different (an identifier, a free-text note) carries no
  learnable pattern and is dropped, as are columns with one value only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from .errors import ModelingError

MAX_LEVELS = 100
IDENTIFIER_UNIQUE_SHARE = 0.9
OTHER_LEVEL = "その他"
MAX_RATIOS = 20
RATIO_MEDIAN_FACTOR = 3.0
RATIO_MIN_DISTINCT = 20


@dataclass(slots=True)
class Column:
    name: str
    kind: str  # "numeric" | "categorical"
    levels: list[str] = field(default_factory=list)  # categorical: code i is levels[i]; len(levels) is その他

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "levels": self.levels}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Column:
        return cls(name=data["name"], kind=data["kind"], levels=list(data.get("levels", [])))


@dataclass(slots=True)
class Preprocessor:
    columns: list[Column]
    dropped: dict[str, str] = field(default_factory=dict)  # column → why (Japanese)
    ratios: list[tuple[str, str]] = field(default_factory=list)  # derived columns "a/b", after `columns`

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns] + [f"{a}/{b}" for a, b in self.ratios]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "categorical"]

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [c.to_json() for c in self.columns],
            "dropped": self.dropped,
            "ratios": [list(pair) for pair in self.ratios],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preprocessor:
        return cls(
            columns=[Column.from_json(c) for c in data["columns"]],
            dropped=dict(data.get("dropped", {})),
            ratios=[(a, b) for a, b in data.get("ratios", [])],
        )

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """The matrix (rows × features, float64). Missing feature columns or numbers that do not parse
        are refused with a Japanese message naming the column (and the first bad row)."""
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise ModelingError(f"学習時の列がありません: {', '.join(missing)}")
        expressions = [_encode(c, frame.schema[c.name]) for c in self.columns]
        if not expressions:
            return np.empty((frame.height, 0))
        encoded = frame.select(expressions)
        if self.ratios:
            encoded = encoded.with_columns(
                (pl.col(a) / pl.col(b)).fill_nan(None).alias(f"{a}/{b}") for a, b in self.ratios
            )
        for column in self.columns:
            if column.kind != "numeric":
                continue
            bad = frame.select(pl.col(column.name).is_not_null() & pl.col(column.name).cast(pl.String).ne(""))
            unparsed = bad.to_series() & encoded[column.name].is_null()
            if unparsed.any():
                row = int(unparsed.arg_true()[0]) + 1
                raise ModelingError(
                    f"列「{column.name}」は数値である必要があります({row}行目: {frame[column.name][row - 1]!r})。"
                )
        return encoded.to_numpy().astype(np.float64)


def _encode(column: Column, dtype: pl.DataType) -> pl.Expr:
    source = pl.col(column.name)
    if column.kind == "numeric":
        if dtype == pl.String:
            source = source.str.strip_chars().replace("", None)
        return source.cast(pl.Float64, strict=False).alias(column.name)
    codes = {level: float(i) for i, level in enumerate(column.levels)}
    text = source.cast(pl.String)
    return (
        pl.when(text.is_null() | (text == ""))
        .then(None)
        .otherwise(text.replace_strict(codes, default=float(len(column.levels)), return_dtype=pl.Float64))
        .alias(column.name)
    )


def is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean


def fit(frame: pl.DataFrame, *, exclude: tuple[str, ...] = (), derive_ratios: bool = True) -> Preprocessor:
    """Decide each column's encoding (and the derived ratios) from the training table."""
    rows = frame.height
    min_count = max(5, rows // 1000)
    columns: list[Column] = []
    dropped: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        if name in exclude:
            continue
        series = frame[name]
        if is_numeric(dtype):
            if series.drop_nulls().n_unique() <= 1:
                dropped[name] = "値が1種類のみ"
                continue
            columns.append(Column(name, "numeric"))
            continue
        text = series.cast(pl.String).replace("", None).drop_nulls()
        distinct = text.n_unique()
        if distinct <= 1:
            dropped[name] = "値が1種類のみ"
            continue
        if distinct > IDENTIFIER_UNIQUE_SHARE * max(1, text.len()) and distinct > MAX_LEVELS:
            dropped[name] = "値がほぼすべて異なる(識別子・自由記述)"
            continue
        counts = text.value_counts(sort=True)
        counts = counts.filter(pl.col("count") >= min_count).head(MAX_LEVELS)
        levels = sorted(counts[name].to_list())
        if not levels:
            dropped[name] = "十分な件数の値がない"
            continue
        columns.append(Column(name, "categorical", levels))
    if not columns:
        raise ModelingError("学習に使える列がありません(目的変数とID以外に、値が2種類以上ある列が必要です)。")
    ratios = _same_unit_pairs(frame, columns) if derive_ratios else []
    return Preprocessor(columns=columns, dropped=dropped, ratios=ratios)


def _same_unit_pairs(frame: pl.DataFrame, columns: list[Column]) -> list[tuple[str, str]]:
    medians: dict[str, float] = {}
    for column in columns:
        if column.kind != "numeric" or frame.schema[column.name] == pl.Boolean:
            continue
        values = frame[column.name].cast(pl.Float64, strict=False).drop_nulls()
        if values.len() == 0 or values.n_unique() < RATIO_MIN_DISTINCT or float(values.min()) <= 0:  # type: ignore[arg-type]
            continue
        medians[column.name] = float(values.median())  # type: ignore[arg-type]
    names = list(medians)
    pairs = [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if 1 / RATIO_MEDIAN_FACTOR <= medians[a] / medians[b] <= RATIO_MEDIAN_FACTOR
    ]
    return pairs[:MAX_RATIOS]
