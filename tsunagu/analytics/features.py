"""Customer features as of a date, and the churn / next-product labels, built with polars from a few
set-based SQL reads (one query per table, no per-row ORM).

Reproducible for an as-of date T: every feature uses only facts dated on or before T (contract and
inception dates, claim report dates, contact times, case opening dates, name-change dates, survey answer
and voice dates); a policy's current `status` is never read for features, because it may have changed
after T; a cancellation counts only from its date. Labels look at (T, T + 12 months].

機微情報 are never read: the queries select dates, codes and amounts only — no free text, nothing
of `ComplaintDetail.SENSITIVE_FIELDS`, no accident injury details (AccidentReport is not read at all)
(tests/analytics/test_features.py checks the SQL and the output columns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection

from tsunagu.cases.choices import CaseType, ChangeKind
from tsunagu.cases.models import Case
from tsunagu.core import bulk
from tsunagu.customers.choices import CustomerKind, Gender
from tsunagu.customers.models import Customer, FormerName
from tsunagu.interactions.models import Interaction
from tsunagu.policies.choices import LineOfBusiness, PaymentFrequency, PaymentMethod, PolicyStatus, SalesChannel
from tsunagu.policies.models import Claim, Coverage, Policy, Vehicle
from tsunagu.surveys.models import Response
from tsunagu.voice.choices import VoiceKind
from tsunagu.voice.models import Voice

HORIZON_DAYS = 365
ENDED_STATUSES = (PolicyStatus.CANCELLED, PolicyStatus.LAPSED, PolicyStatus.VOIDED)

# Next product: the missing line offered to a holder of another (火災 without 地震, 自動車 without 個人賠償…).
CROSS_SELL: tuple[tuple[str, tuple[str, ...]], ...] = (
    (LineOfBusiness.EARTHQUAKE, (LineOfBusiness.FIRE,)),
    (LineOfBusiness.LIABILITY, (LineOfBusiness.AUTO, LineOfBusiness.FIRE)),
    (LineOfBusiness.PERSONAL_ACCIDENT, (LineOfBusiness.AUTO,)),
    (LineOfBusiness.FIRE, (LineOfBusiness.AUTO,)),
)
LINE_FLAGS: dict[str, str] = {
    LineOfBusiness.AUTO: "has_auto",
    LineOfBusiness.FIRE: "has_fire",
    LineOfBusiness.EARTHQUAKE: "has_earthquake",
    LineOfBusiness.PERSONAL_ACCIDENT: "has_personal_accident",
    LineOfBusiness.LIABILITY: "has_liability",
}


@dataclass
class Book:
    """The raw facts the features are built from, read once (many as-of dates can share them)."""

    customers: pl.DataFrame
    policies: pl.DataFrame
    claims: pl.DataFrame
    contacts: pl.DataFrame
    cases: pl.DataFrame
    name_changes: pl.DataFrame
    # The customer's voice, where the survey and VOC modules hold any: NPS answers and voices by kind.
    responses: pl.DataFrame = field(default_factory=lambda: _empty(RESPONSE_COLUMNS))
    voices: pl.DataFrame = field(default_factory=lambda: _empty(VOICE_COLUMNS))
    # customer_features per as-of date: a scoring run builds them once for its three models (churn,
    # next product and conversion all read the features as of the run's date), training once per
    # window date for churn and next product. Frames are immutable; a few dates are kept.
    features_cache: dict[dt.date, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)


Columns = dict[str, tuple[str, Any]]  # output name → (SQL expression, polars type)

# Survey answers and voices: dates, the 0–10 recommendation score and the voice's kind only (no comment,
# no words of the voice).
RESPONSE_COLUMNS: Columns = {
    "customer_id": ("customer_id", pl.Int64), "answered_on": ("answered_on", pl.Date), "nps": ("nps", pl.Int64),
}  # fmt: skip
VOICE_COLUMNS: Columns = {
    "customer_id": ("customer_id", pl.Int64), "received_on": ("received_on", pl.Date), "kind": ("kind", pl.String),
}  # fmt: skip
DETRACTOR_MAX = 6  # NPS: 0–6 detractors, 7–8 passives, 9–10 promoters


def _empty(columns: Columns) -> pl.DataFrame:
    return pl.DataFrame(schema={name: kind for name, (_, kind) in columns.items()})


def _read(columns: Columns, tail: str) -> pl.DataFrame:
    """`SELECT <columns> <tail>` as a frame; dates travel as ISO text, times as UTC text, booleans as 1/0,
    and polars parses them (a driver converter per value was a third of the read time).

    PostgreSQL writes the rows as CSV itself (COPY … TO STDOUT on Django's connection, so in the same
    transaction) and polars parses the text: no Python object per value. SQLite's driver has no such
    path (text built in SQL with quote() and || was 2–5× slower than its tuples; measured on 321,736
    policies), so its rows come as tuples."""
    exprs = [_as_text(expr, kind) for expr, kind in columns.values()]
    sql = f"SELECT {', '.join(exprs)} {tail}"
    names = list(columns)
    if connection.vendor == "postgresql":
        data = bulk.copy_out_csv(sql)
        # An empty field is a missing value; a quoted empty one ("") an empty string.
        raw = (
            pl.read_csv(data, has_header=False, new_columns=names, infer_schema=False)
            if data
            else pl.DataFrame(schema=dict.fromkeys(names, pl.String))
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        text = {
            name: pl.String for name, (_, kind) in columns.items() if kind == pl.Date or isinstance(kind, pl.Datetime)
        }
        raw_schema = {
            name: text.get(name, pl.Int64 if kind == pl.Boolean else kind) for name, (_, kind) in columns.items()
        }
        raw = pl.DataFrame(rows, schema=raw_schema, orient="row", strict=False)
    return raw.select(_parse(name, kind) for name, (_, kind) in columns.items())


def _as_text(expr: str, kind: Any) -> str:
    """The SQL that writes one column for `_parse`."""
    if kind == pl.Date:
        # PostgreSQL: COPY writes a date as ISO text itself (bulk.copy_out_csv sets DateStyle ISO);
        # TO_CHAR cost 1.6 of 6.6 server seconds on 3.2 million policies.
        return f"CAST({expr} AS TEXT)" if connection.vendor == "sqlite" else expr
    if isinstance(kind, pl.Datetime):
        if connection.vendor == "sqlite":  # Django stores UTC text
            return f"strftime('%Y-%m-%d %H:%M:%S', {expr})"
        return f"TO_CHAR({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
    if kind == pl.Boolean:
        return f"(CASE WHEN {expr} THEN 1 WHEN NOT {expr} THEN 0 END)"
    return expr


def _parse(name: str, kind: Any) -> pl.Expr:
    column = pl.col(name)
    if kind == pl.Date:
        return column.str.to_date("%Y-%m-%d", strict=False)
    if isinstance(kind, pl.Datetime):
        return column.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.replace_time_zone("UTC")
    if kind == pl.Boolean:
        return column.cast(pl.Int8).cast(pl.Boolean)
    return column.cast(kind)


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def load_book() -> Book:
    """Read every table once (dates, codes and amounts only)."""
    tokyo = "Asia/Tokyo"
    customers = _read(
        {"customer_id": ("id", pl.Int64), "kind": ("kind", pl.String), "birth_date": ("birth_date", pl.Date),
         "gender": ("gender", pl.String), "contact_consent": ("contact_consent", pl.Boolean)},
        f"FROM {_table(Customer)} WHERE merged_into_id IS NULL",
    )  # fmt: skip
    earthquake = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {_table(Coverage)} c WHERE c.policy_id = p.id AND c.is_earthquake)"
        " THEN 1 ELSE 0 END"
    )
    policies = _read(
        {"policy_id": ("p.id", pl.Int64), "customer_id": ("p.policyholder_id", pl.Int64),
         "line": ("p.line", pl.String), "status": ("p.status", pl.String),
         "contract_date": ("p.contract_date", pl.Date), "inception": ("p.inception", pl.Date),
         "expiry": ("p.expiry", pl.Date), "annual_premium": ("p.annual_premium", pl.Int64),
         "payment_method": ("p.payment_method", pl.String), "payment_frequency": ("p.payment_frequency", pl.String),
         "sales_channel": ("p.sales_channel", pl.String), "face_to_face": ("p.face_to_face", pl.Boolean),
         "previous_policy_id": ("p.previous_policy_id", pl.Int64),
         "cancellation_date": ("p.cancellation_date", pl.Date), "last_changed_on": ("p.last_changed_on", pl.Date),
         "nonfleet_grade": ("v.nonfleet_grade", pl.Int64),
         "accident_coefficient_years": ("v.accident_coefficient_years", pl.Int64),
         "earthquake_cover": (earthquake, pl.Int8)},
        f"FROM {_table(Policy)} p LEFT JOIN {_table(Vehicle)} v ON v.policy_id = p.id",
    )  # fmt: skip
    # The day cover ended early: the recorded 解約日, else (bulk-loaded history) the last change of an
    # ended policy. Only its date is used, so a later cancellation never reaches an earlier as-of date.
    ended = pl.col("status").is_in([s.value for s in ENDED_STATUSES])
    policies = policies.with_columns(
        pl.coalesce(pl.col("cancellation_date"), pl.when(ended).then(pl.col("last_changed_on"))).alias("ended_on"),
        pl.col("policy_id").is_in(policies["previous_policy_id"].drop_nulls().implode()).alias("renewed"),
    )
    claims = _read(
        {"customer_id": ("p.policyholder_id", pl.Int64), "reported_on": ("c.reported_on", pl.Date),
         "closed_on": ("c.closed_on", pl.Date)},
        f"FROM {_table(Claim)} c JOIN {_table(Policy)} p ON p.id = c.policy_id",
    )  # fmt: skip
    contacts = _read(
        {"customer_id": ("customer_id", pl.Int64), "occurred_at": ("occurred_at", pl.Datetime("us", "UTC")),
         "direction": ("direction", pl.String)},
        f"FROM {_table(Interaction)}",
    )  # fmt: skip
    contacts = contacts.with_columns(pl.col("occurred_at").dt.convert_time_zone(tokyo).dt.date().alias("on")).drop(
        "occurred_at"
    )
    cases = _read(
        {"customer_id": ("customer_id", pl.Int64), "case_type": ("case_type", pl.String),
         "sub_type": ("sub_type", pl.String), "opened_on": ("opened_on", pl.Date)},
        f"FROM {_table(Case)}",
    )  # fmt: skip
    name_changes = _read(
        {"customer_id": ("customer_id", pl.Int64), "changed_on": ("changed_on", pl.Date)},
        f"FROM {_table(FormerName)}",
    )
    responses = _read(RESPONSE_COLUMNS, f"FROM {_table(Response)} WHERE nps IS NOT NULL")
    voices = _read(VOICE_COLUMNS, f"FROM {_table(Voice)} WHERE customer_id IS NOT NULL")
    return Book(customers, policies, claims, contacts, cases, name_changes, responses, voices)


def _days(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


def _labels(choices: Any) -> dict[str, str]:
    return {str(member.value): str(member.label) for member in choices}


def in_force(book: Book, as_of: dt.date) -> pl.DataFrame:
    """Policies covering `as_of`, judged from dates only."""
    end = pl.min_horizontal(pl.col("expiry"), pl.col("ended_on").fill_null(pl.col("expiry")))
    return book.policies.filter((pl.col("contract_date") <= as_of) & (pl.col("inception") <= as_of) & (end > as_of))


FEATURES_CACHED = 4  # as-of dates kept per book (a run uses one, training two, conversion one per list date)


def customer_features(book: Book, as_of: dt.date) -> pl.DataFrame:
    """One row per customer holding a policy in force on `as_of`: `customer_id`, `contact_consent`
    (for the marketing rule, not a feature) and the features named in FEATURE_LABELS. Built once per
    book and date (`Book.features_cache`)."""
    cached = book.features_cache.get(as_of)
    if cached is None:
        cached = _customer_features(book, as_of)
        while len(book.features_cache) >= FEATURES_CACHED:
            book.features_cache.pop(next(iter(book.features_cache)))
        book.features_cache[as_of] = cached
    return cached


def _customer_features(book: Book, as_of: dt.date) -> pl.DataFrame:
    current = in_force(book, as_of)
    previous = book.policies.select(
        pl.col("policy_id").alias("previous_policy_id"), pl.col("annual_premium").alias("previous_premium")
    )
    current = current.join(previous, on="previous_policy_id", how="left").with_columns(
        (pl.col("annual_premium") / pl.col("previous_premium") - 1).alias("premium_change")
    )
    main = (
        current.sort(["customer_id", "annual_premium", "policy_id"], descending=[False, True, False])
        .group_by("customer_id", maintain_order=True)
        .first()
        .select(
            "customer_id",
            pl.col("payment_method").replace_strict(_labels(PaymentMethod), default=None),
            pl.col("payment_frequency").replace_strict(_labels(PaymentFrequency), default=None),
            pl.col("sales_channel").replace_strict(_labels(SalesChannel), default=None),
            pl.col("face_to_face").cast(pl.Int8),
        )
    )
    line_flags = [(pl.col("line") == line).any().cast(pl.Int8).alias(flag) for line, flag in LINE_FLAGS.items()]
    holdings = (
        current.group_by("customer_id")
        .agg(
            pl.len().alias("policies_in_force"),
            pl.col("line").n_unique().alias("lines_in_force"),
            *line_flags,
            ((pl.col("line") == LineOfBusiness.FIRE) & (pl.col("earthquake_cover") == 1))
            .any()
            .cast(pl.Int8)
            .alias("fire_with_quake"),
            pl.col("annual_premium").sum().alias("annual_premium"),
            pl.col("premium_change").max().alias("premium_change"),
            (pl.col("expiry") - pl.lit(as_of)).dt.total_days().min().alias("days_to_expiry"),
            pl.col("nonfleet_grade").min().alias("nonfleet_grade"),
            pl.col("accident_coefficient_years").max().alias("accident_coefficient_years"),
        )
        .with_columns(pl.max_horizontal("has_earthquake", "fire_with_quake").alias("has_earthquake"))
        .drop("fire_with_quake")
    )
    known = book.policies.filter(pl.col("contract_date") <= as_of)
    history = known.group_by("customer_id").agg(
        ((pl.lit(as_of) - pl.col("contract_date").min()).dt.total_days() / 365.25).alias("tenure_years"),
        pl.col("previous_policy_id").is_not_null().sum().alias("renewals"),
        (
            pl.col("ended_on").is_between(as_of - _days(HORIZON_DAYS), as_of, closed="right")
            & (pl.col("ended_on") < pl.col("expiry"))
        )
        .sum()
        .alias("ended_policies_12m"),
    )
    claims = (
        book.claims.filter(pl.col("reported_on") <= as_of)
        .group_by("customer_id")
        .agg(
            (pl.col("reported_on") > as_of - _days(365)).sum().alias("claims_12m"),
            (pl.col("reported_on") > as_of - _days(3 * 365)).sum().alias("claims_36m"),
            (pl.col("closed_on").is_null() | (pl.col("closed_on") > as_of)).sum().alias("open_claims"),
        )
    )
    contacts = (
        book.contacts.filter(pl.col("on") <= as_of)
        .group_by("customer_id")
        .agg(
            (pl.col("on") > as_of - _days(183)).sum().alias("contacts_6m"),
            ((pl.col("on") > as_of - _days(183)) & (pl.col("direction") == "inbound"))
            .sum()
            .alias("inbound_contacts_6m"),
            (pl.lit(as_of) - pl.col("on").max()).dt.total_days().alias("days_since_contact"),
        )
    )
    recent = pl.col("opened_on") > as_of - _days(365)
    change = pl.col("case_type") == CaseType.CHANGE
    cases = (
        book.cases.filter(pl.col("opened_on") <= as_of)
        .group_by("customer_id")
        .agg(
            ((pl.col("case_type") == CaseType.COMPLAINT) & (pl.col("opened_on") > as_of - _days(183)))
            .sum()
            .alias("complaints_6m"),
            ((pl.col("case_type") == CaseType.COMPLAINT) & (pl.col("opened_on") > as_of - _days(730)))
            .sum()
            .alias("complaints_24m"),
            ((pl.col("case_type") == CaseType.CANCELLATION) & recent).sum().alias("cancellation_requests_12m"),
            ((pl.col("case_type") == CaseType.INQUIRY) & recent).sum().alias("inquiries_12m"),
            (change & recent & (pl.col("sub_type") == ChangeKind.ADDRESS)).any().cast(pl.Int8).alias("moved_12m"),
            (change & recent & (pl.col("sub_type") == ChangeKind.NAME)).any().cast(pl.Int8).alias("name_case_12m"),
            (change & recent & (pl.col("sub_type") == ChangeKind.VEHICLE))
            .any()
            .cast(pl.Int8)
            .alias("vehicle_change_12m"),
        )
    )
    answers = (
        book.responses.filter(pl.col("answered_on") <= as_of)
        .sort(["customer_id", "answered_on"])
        .group_by("customer_id", maintain_order=True)
        .agg(
            pl.col("nps").last().alias("nps_last"),
            ((pl.col("answered_on") > as_of - _days(365)) & (pl.col("nps") <= DETRACTOR_MAX))
            .any()
            .cast(pl.Int8)
            .alias("detractor_12m"),
        )
    )
    voices = (
        book.voices.filter(pl.col("received_on").is_between(as_of - _days(365), as_of, closed="right"))
        .group_by("customer_id")
        .agg(
            (pl.col("kind") == VoiceKind.DISSATISFACTION).sum().alias("dissatisfied_voices_12m"),
            (pl.col("kind") == VoiceKind.PRAISE).sum().alias("praise_voices_12m"),
        )
    )
    names = book.name_changes.filter(pl.col("changed_on").is_between(as_of - _days(365), as_of, closed="right"))
    renamed = names.select("customer_id").unique().with_columns(pl.lit(1, pl.Int8).alias("former_name_12m"))
    people = book.customers.select(
        "customer_id",
        "contact_consent",
        pl.when(pl.col("birth_date") <= as_of)
        .then((pl.lit(as_of) - pl.col("birth_date")).dt.total_days() // 365.25)
        .cast(pl.Int64)
        .alias("age"),
        pl.col("kind").replace_strict(_labels(CustomerKind), default=None).alias("customer_kind"),
        pl.col("gender").replace_strict(_labels(Gender), default=None).alias("gender"),
    )
    frame = holdings.join(people, on="customer_id", how="inner")
    for part in (main, history, claims, contacts, cases, answers, voices, renamed):
        frame = frame.join(part, on="customer_id", how="left")
    counts = [
        "ended_policies_12m", "claims_12m", "claims_36m", "open_claims", "contacts_6m", "inbound_contacts_6m",
        "complaints_6m", "complaints_24m", "cancellation_requests_12m", "inquiries_12m", "moved_12m",
        "vehicle_change_12m", "renewals", "detractor_12m", "dissatisfied_voices_12m", "praise_voices_12m",
    ]  # fmt: skip
    frame = frame.with_columns(
        *(pl.col(c).fill_null(0) for c in counts),
        pl.max_horizontal(pl.col("name_case_12m").fill_null(0), pl.col("former_name_12m").fill_null(0)).alias(
            "name_change_12m"
        ),
    ).drop("name_case_12m", "former_name_12m")
    return frame.sort("customer_id").select("customer_id", "contact_consent", *FEATURES)


FEATURES = (
    "age", "customer_kind", "gender", "tenure_years", "policies_in_force", "lines_in_force",
    *LINE_FLAGS.values(), "annual_premium", "premium_change", "renewals", "days_to_expiry", "payment_method",
    "payment_frequency", "sales_channel", "face_to_face", "nonfleet_grade", "accident_coefficient_years",
    "ended_policies_12m", "claims_12m", "claims_36m", "open_claims", "contacts_6m", "inbound_contacts_6m",
    "days_since_contact", "complaints_6m", "complaints_24m", "cancellation_requests_12m", "inquiries_12m",
    "moved_12m", "name_change_12m", "vehicle_change_12m", "nps_last", "detractor_12m", "dissatisfied_voices_12m",
    "praise_voices_12m",
)  # fmt: skip


def churn_labels(book: Book, as_of: dt.date) -> pl.DataFrame:
    """`churn` = 1 when a policy in force on `as_of` ends early (解約・失効) or reaches its expiry without
    a renewal within the next 12 months. Needs data up to as_of + 12 months."""
    horizon = as_of + _days(HORIZON_DAYS)
    current = in_force(book, as_of)
    early = pl.col("ended_on").is_between(as_of, horizon, closed="right") & (pl.col("ended_on") < pl.col("expiry"))
    not_renewed = pl.col("expiry").is_between(as_of, horizon, closed="right") & ~pl.col("renewed")
    return current.group_by("customer_id").agg((early | not_renewed).any().cast(pl.Int8).alias("churn"))


def contracted_lines(book: Book, as_of: dt.date) -> pl.DataFrame:
    """(customer_id, line) of every policy contracted on or before `as_of` whose cover has not ended
    by then — in force, or starting later — and 地震 for a fire policy with earthquake cover."""
    end = pl.min_horizontal(pl.col("expiry"), pl.col("ended_on").fill_null(pl.col("expiry")))
    known = book.policies.filter((pl.col("contract_date") <= as_of) & (end > as_of))
    quake = known.filter((pl.col("line") == LineOfBusiness.FIRE) & (pl.col("earthquake_cover") == 1)).select(
        "customer_id", pl.lit(str(LineOfBusiness.EARTHQUAKE)).alias("line")
    )
    return pl.concat([known.select("customer_id", "line"), quake]).unique()


def next_product_rows(book: Book, features: pl.DataFrame, as_of: dt.date, *, labels: bool) -> pl.DataFrame:
    """One row per (consenting customer, missing line worth offering): the customer's features plus
    `candidate_line` (its Japanese name) and, with `labels`, `added` = 1 when a new contract (not a
    renewal) of that line starts within 12 months."""
    consenting = features.filter(pl.col("contact_consent"))
    line_names = _labels(LineOfBusiness)
    parts = []
    for line, holders_of in CROSS_SELL:
        held = pl.any_horizontal(*(pl.col(LINE_FLAGS[h]) == 1 for h in holders_of))
        rows = consenting.filter(held & (pl.col(LINE_FLAGS[line]) == 0))
        parts.append(rows.with_columns(pl.lit(line).alias("line"), pl.lit(line_names[line]).alias("candidate_line")))
    rows = pl.concat(parts) if parts else consenting.clear()
    # A line already contracted but not yet started on `as_of` (a new policy or a renewal beginning
    # later) is bought: never proposed, and never a training row either (its label could only be 0).
    rows = rows.join(contracted_lines(book, as_of), on=["customer_id", "line"], how="anti")
    if labels:
        horizon = as_of + _days(HORIZON_DAYS)
        added = (
            book.policies.filter(
                pl.col("contract_date").is_between(as_of, horizon, closed="right")
                & pl.col("previous_policy_id").is_null()
            )
            .select("customer_id", "line")
            .unique()
            .with_columns(pl.lit(1, pl.Int8).alias("added"))
        )
        rows = rows.join(added, on=["customer_id", "line"], how="left").with_columns(pl.col("added").fill_null(0))
    # A defined row order (joins do not keep one): the same book always trains the same model.
    return rows.sort(["customer_id", "line"])
