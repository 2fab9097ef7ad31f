"""The conversion model: how likely an open target-list entry (a proposal on a worklist) converts,
learnt from the entries whose results have come back.

- Rows: worklist entries (control entries are never proposed to, so they are not learnt from) whose
  outcome window has closed — the list was drawn at least CONVERSION_DAYS before the training date.
- Label `converted`: the uplift definition (target_selectors._converted) bounded to the window — a 成約
  result whose policy was contracted within CONVERSION_DAYS of the list's date, or any new (non-renewal)
  contract of the customer in that window (of the proposed line when the entry has one). Bounding it
  keeps old and recent lists comparable.
- Features: the customer features as of the list's date (features.customer_features: nothing from
  after it), plus the entry's list basis, proposed line, contact channel, working agency and the
  score it was listed with. Results (接触済み・辞退…) are never features: they are the outcome.
- Out-of-time validation: train on the lists drawn earlier, validate on the lists drawn later (about
  a quarter of the rows or more); with one list date only, or too few rows of a class in either part,
  a stratified random split (recorded as such in the data window).
- Scoring (`scoring_rows`): open entries (未着手・接触済み・提案済み) with features as of the scoring date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db import connection

from tsunagu.customers.choices import ContactChannel
from tsunagu.policies.choices import LineOfBusiness

from . import features as F
from .choices import EntryResult, ListBasis
from .feature_labels import FEATURE_LABELS
from .modeling import Model, TrainOptions, train_binary
from .modeling.errors import ModelingError
from .modeling.train import MIN_PER_CLASS, MIN_ROWS
from .models import TargetEntry

CONVERSION = "conversion"
TARGET = "converted"
CONVERSION_DAYS = 90  # an entry converts when it converts within 90 days of its list's date
VALIDATION_SHARE = 0.25  # the later lists holding at least this share of the rows validate
OPEN_RESULTS = (EntryResult.PENDING, EntryResult.CONTACTED, EntryResult.PROPOSED)
HEAD_OFFICE = "本社"
NOT_FEATURES = ("customer_id", "contact_consent", "entry_id", "list_as_of", "line")
ENTRY_FEATURES = ("list_basis", "proposed_line", "entry_channel", "entry_agency", "list_score")
CONVERSION_LABELS: dict[str, dict[str, str]] = {
    **FEATURE_LABELS,
    "list_basis": {"name": "提案の根拠", "text": "提案の根拠: {value}"},
    "proposed_line": {"name": "提案する種目", "text": "提案する種目: {value}"},
    "entry_channel": {"name": "連絡方法", "text": "連絡方法: {value}"},
    "entry_agency": {"name": "担当代理店", "text": "担当: {value}"},
    "list_score": {"name": "リスト作成時のスコア", "text": "リスト作成時のスコア {value:.2f}"},
    # An entry's customer may hold nothing in force on the date: their features are missing, not 0.
    "annual_premium": {**FEATURE_LABELS["annual_premium"], "missing": "有効な契約なし"},
    "tenure_years": {**FEATURE_LABELS["tenure_years"], "missing": "契約履歴なし"},
    "policies_in_force": {**FEATURE_LABELS["policies_in_force"], "missing": "有効な契約なし"},
}


def _labels(choices: Any) -> dict[str, str]:
    return {str(member.value): str(member.label) for member in choices}


def entries_frame(*, open_only: bool = False) -> pl.DataFrame:
    """The worklist entries (one set-based read): ids, customer, the list's date, the entry's
    attributes as Japanese labels, the result and the won policy's contract date."""
    rows = TargetEntry.objects.filter(is_control=False)
    if open_only:
        rows = rows.filter(result__in=[r.value for r in OPEN_RESULTS])
    columns = ("pk", "customer_id", "target_list__as_of", "target_list__basis", "product_line", "channel",
               "agency__name", "score", "result", "won_policy__contract_date")  # fmt: skip
    schema = {"entry_id": pl.Int64, "customer_id": pl.Int64, "list_as_of": pl.Date, "list_basis": pl.String,
              "line": pl.String, "entry_channel": pl.String, "entry_agency": pl.String, "list_score": pl.Float64,
              "result": pl.String, "won_on": pl.Date}  # fmt: skip
    data = list(rows.order_by("pk").values_list(*columns))
    frame = pl.DataFrame(data, schema=schema, orient="row", strict=False)
    return frame.with_columns(
        pl.col("list_basis").replace_strict(_labels(ListBasis), default=None),
        pl.col("line").replace_strict(_labels(LineOfBusiness), default=None).fill_null("なし").alias("proposed_line"),
        pl.col("entry_channel").replace_strict(_labels(ContactChannel), default=None),
        pl.col("entry_agency").fill_null(HEAD_OFFICE),
    )


def labels(book: F.Book, entries: pl.DataFrame, until: dt.date) -> pl.DataFrame:
    """The entries whose window closed by `until`, with `converted` (0/1)."""
    window = pl.duration(days=CONVERSION_DAYS)
    closed = entries.filter(pl.col("list_as_of") + window <= pl.lit(until))
    # An entry with a proposed line (next-product lists) converts by a new contract of that line only,
    # as a 成約 result must be (target_services._check_result); others by any new contract. (Frames
    # without the lines — a book or entries built by hand — count any new contract.)
    no_line = pl.lit(None, pl.String)
    new_contracts = book.policies.filter(pl.col("previous_policy_id").is_null()).select(
        "customer_id",
        pl.col("contract_date"),
        (pl.col("line") if "line" in book.policies.columns else no_line).alias("policy_line"),
    )
    any_line = pl.col("line").is_null() | (pl.col("line") == "")
    found = (
        closed.select(
            "entry_id",
            "customer_id",
            "list_as_of",
            pl.col("line") if "line" in closed.columns else no_line.alias("line"),
        )
        .join(new_contracts, on="customer_id", how="inner")
        .filter(pl.col("contract_date").is_between(pl.col("list_as_of"), pl.col("list_as_of") + window))
        .filter(any_line | (pl.col("policy_line") == pl.col("line")))
        .select("entry_id")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias("new_contract"))
    )
    won = pl.col("won_on").is_not_null() & pl.col("won_on").is_between(
        pl.col("list_as_of"), pl.col("list_as_of") + window
    )
    return (
        closed.join(found, on="entry_id", how="left")
        .with_columns((won | (pl.col("new_contract") == 1)).fill_null(False).cast(pl.Int8).alias(TARGET))
        .drop("new_contract")
        .sort("entry_id")
    )


def with_features(book: F.Book, entries: pl.DataFrame, *, as_of: dt.date | None = None) -> pl.DataFrame:
    """The entries with the customer features as of each list's date (or all as of `as_of`)."""
    dates = [as_of] if as_of is not None else sorted(set(entries["list_as_of"].to_list()))
    consent = book.customers.select("customer_id", "contact_consent")
    parts = []
    for date in dates:
        part = entries if as_of is not None else entries.filter(pl.col("list_as_of") == date)
        # A customer with nothing in force on the date keeps the entry (features missing, not dropped).
        customer = F.customer_features(book, date).drop("contact_consent")
        parts.append(part.join(customer, on="customer_id", how="left").join(consent, on="customer_id", how="left"))
    if not parts:
        return entries.clear()
    # Sorted by entry: joins keep no defined row order, and the order reaches the model (bagging, folds).
    frame = pl.concat(parts, how="vertical_relaxed").sort("entry_id")
    return frame.select("entry_id", "customer_id", "contact_consent", "list_as_of", "line",
                        *ENTRY_FEATURES, *F.FEATURES, *([TARGET] if TARGET in frame.columns else []))  # fmt: skip


def split_by_date(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, dt.date] | None:
    """(earlier lists, later lists, first later date): the later lists hold ≥ VALIDATION_SHARE of the
    rows; None when there is one date only or either part lacks rows of a class."""
    counts = rows.group_by("list_as_of").len().sort("list_as_of", descending=True)
    total, later, cutoff = rows.height, 0, None
    for date, n in counts.iter_rows():
        if cutoff is not None and later >= total * VALIDATION_SHARE:
            break
        later += n
        cutoff = date
    if cutoff is None or later >= total:
        return None
    train, valid = rows.filter(pl.col("list_as_of") < cutoff), rows.filter(pl.col("list_as_of") >= cutoff)
    for part in (train, valid):
        positives = int(part[TARGET].sum())
        if part.height < MIN_ROWS or min(positives, part.height - positives) < MIN_PER_CLASS:
            return None
    return train, valid, cutoff


def train(book: F.Book, as_of: dt.date, *, trainer: str, seed: int = 1) -> Model:
    rows = with_features(book, labels(book, entries_frame(), as_of))
    if rows.height == 0:
        raise ModelingError(
            f"結果の出たターゲットリストの顧客がいません(リストの基準日から{CONVERSION_DAYS}日たった顧客で学習します)。"
        )
    split = split_by_date(rows)
    dates = rows["list_as_of"]
    window: dict[str, Any] = {"train_as_of": dates.min().isoformat(), "labels_until": as_of.isoformat()}  # type: ignore[union-attr]
    if split is not None:
        train_rows, validation, cutoff = split
        window.update(validation_as_of=cutoff.isoformat(), split="期間外(後に作成したリスト)")
    else:
        train_rows, validation = rows, None
        window.update(validation_as_of=dates.max().isoformat(), split="ランダム(層化): リストの基準日が足りません")  # type: ignore[union-attr]
    return train_binary(
        train_rows,
        target=TARGET,
        exclude=NOT_FEATURES,
        validation=validation,
        options=TrainOptions(
            seed=seed,
            derive_ratios=False,
            labels=CONVERSION_LABELS,
            metadata={"kind": CONVERSION, "window": window, "trainer": trainer, "lists_until": as_of.isoformat()},
        ),
    )


def scoring_rows(book: F.Book, as_of: dt.date) -> pl.DataFrame:
    """The open worklist entries with the features as of `as_of`."""
    return with_features(book, entries_frame(open_only=True), as_of=as_of)


def entry_scores_write(scored: pl.DataFrame, *, model_id: int, as_of: dt.date, batch: int = 1000) -> int:
    """Store each open entry's score and reasons on the entry: one parameterised UPDATE by primary key,
    executed for every entry. These fields are derived and excluded from the row history, which is why
    they are written without a history row; the scoring run's audit event records the run.

    (An ORM update with CASE WHEN per batch spent 8.8 s for 7,400 entries building the expressions.)"""
    quote = connection.ops.quote_name
    meta = TargetEntry._meta
    columns = [str(meta.get_field(name).column) for name in ("conversion_score", "conversion_reasons",  # type: ignore[union-attr]
                                                            "conversion_model", "conversion_as_of")]  # fmt: skip
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # type: ignore[union-attr]
    adapt_json = connection.ops.adapt_json_value
    day = connection.ops.adapt_datefield_value(as_of)
    rows = [
        (float(score), adapt_json(reasons, None), model_id, day, pk)
        for pk, score, reasons in scored.select("entry_id", "score", "reasons").iter_rows()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])
    return len(rows)
