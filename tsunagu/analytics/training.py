"""Train the in-product models with out-of-time validation, on the same modelling core as the
propensity commands: for `as_of` D, learn from the customers as of D − 24 months (what happened in the
12 months after), validate on the customers as of D − 12 months (what happened up to D). The metrics
saved with the model are those of the later, unseen period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from . import conversion
from . import features as F
from .feature_labels import FEATURE_LABELS
from .modeling import Model, TrainOptions, train_binary
from .modeling.errors import ModelingError

CHURN = "churn"
NEXT_PRODUCT = "next_product"
CONVERSION = "conversion"  # trained on target-list results: analytics.conversion
KINDS = (CHURN, NEXT_PRODUCT, CONVERSION)
TARGETS = {CHURN: "churn", NEXT_PRODUCT: "added"}
NOT_FEATURES = ("customer_id", "contact_consent", "line")


@dataclass(frozen=True)
class Window:
    train_as_of: dt.date
    validation_as_of: dt.date
    labels_until: dt.date

    @classmethod
    def ending(cls, as_of: dt.date) -> Window:
        validation = as_of - dt.timedelta(days=F.HORIZON_DAYS)
        return cls(validation - dt.timedelta(days=F.HORIZON_DAYS), validation, as_of)

    def to_json(self) -> dict[str, str]:
        return {k: getattr(self, k).isoformat() for k in ("train_as_of", "validation_as_of", "labels_until")}


def labelled(book: F.Book, kind: str, as_of: dt.date) -> pl.DataFrame:
    """The rows one model learns from as of `as_of`: features and the 0/1 target."""
    features = F.customer_features(book, as_of)
    if kind == CHURN:
        # Sorted: a join's (and a group_by's) row order is not defined, and the rows' order reaches the
        # model (bagging, the cross-validation folds), so an unsorted frame trains a different model.
        return features.join(F.churn_labels(book, as_of), on="customer_id", how="inner").sort("customer_id")
    if kind == NEXT_PRODUCT:
        return F.next_product_rows(book, features, as_of, labels=True)
    raise ModelingError(f"モデルの種類「{kind}」はありません(churn / next_product / conversion)。")


def scoring_rows(book: F.Book, kind: str, as_of: dt.date) -> pl.DataFrame:
    if kind == CONVERSION:
        return conversion.scoring_rows(book, as_of)
    features = F.customer_features(book, as_of)
    if kind == NEXT_PRODUCT:
        return F.next_product_rows(book, features, as_of, labels=False)
    return features


def train(book: F.Book, kind: str, as_of: dt.date, *, trainer: str, seed: int = 1) -> Model:
    if kind == CONVERSION:
        return conversion.train(book, as_of, trainer=trainer, seed=seed)
    window = Window.ending(as_of)
    train_rows = labelled(book, kind, window.train_as_of)
    validation_rows = labelled(book, kind, window.validation_as_of)
    return train_binary(
        train_rows,
        target=TARGETS[kind],
        exclude=NOT_FEATURES,
        validation=validation_rows,
        options=TrainOptions(
            seed=seed,
            derive_ratios=False,  # the features already hold the ratios that matter (premium_change)
            labels=FEATURE_LABELS,
            metadata={"kind": kind, "window": window.to_json(), "trainer": trainer},
        ),
    )
