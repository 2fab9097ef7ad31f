"""Return premium on cancellation (解約返戻保険料): the refund basis, as a pure function.

The domain notes (shared/domain/insurance.md §e.2) say the unexpired premium is refunded with the
insurer's short-period table (短期率) or month by month (月割), as configured; the method is set per
product (`Product.refund_method`). This module has no Django import (an import-linter contract):
everything it needs is passed in.

Rules implemented (documented in docs/policies.md):

- The basis is the premium of the policy year (保険年度) that contains the cancellation date.
  Multi-year lump-sum contracts (長期一括払) also get the premium of the following full years back
  in full.
- Cancellation on or before the policy's start date (始期日解約): the whole year's premium is
  returned, whatever the method.
- Cancellation on or after the end (保険期間満了後): nothing is returned.
- 月払 (monthly payments): each month's premium covers that month only; nothing is returned.
- 月割: months elapsed in the policy year are counted with a started month as a whole month
  (1 day into a month is that month); refund = premium × (12 − months elapsed) / 12.
- 短期率: the table gives the share of the annual premium the insurer keeps for the elapsed period
  (7 days → 10 %, 15 days → 15 %, 1 month → 25 % … 12 months → 100 %); refund = premium × (100 − rate) %.
- Yen fractions are rounded down (the refund never exceeds the exact figure).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

SHORT_RATE = "short_rate"
PRO_RATA_MONTHLY = "monthly"
METHOD_LABELS = {SHORT_RATE: "短期率", PRO_RATA_MONTHLY: "月割"}


@dataclass(frozen=True)
class ShortRateStep:
    """Elapsed period up to `days` days, or up to `months` months, keeps `rate` percent."""

    rate: int
    days: int = 0
    months: int = 0

    @property
    def label(self) -> str:
        return f"{self.days}日まで" if self.days else f"{self.months}か月まで"


# 短期率表 (the short-period table in general use for one-year non-life contracts): the percentage of
# the annual premium the insurer keeps for the elapsed period. Passed in as configuration; this is
# the default used when a product configures none.
DEFAULT_SHORT_RATE_TABLE: tuple[ShortRateStep, ...] = (
    ShortRateStep(10, days=7),
    ShortRateStep(15, days=15),
    ShortRateStep(25, months=1),
    ShortRateStep(35, months=2),
    ShortRateStep(45, months=3),
    ShortRateStep(55, months=4),
    ShortRateStep(65, months=5),
    ShortRateStep(70, months=6),
    ShortRateStep(75, months=7),
    ShortRateStep(80, months=8),
    ShortRateStep(85, months=9),
    ShortRateStep(90, months=10),
    ShortRateStep(95, months=11),
    ShortRateStep(100, months=12),
)


@dataclass(frozen=True)
class RefundBasis:
    """What is returned and why; `explanation` is the Japanese sentence shown to staff."""

    method: str  # SHORT_RATE or PRO_RATA_MONTHLY
    base_premium: int  # premium of the policy year the basis applies to
    refund: int  # yen returned
    elapsed_days: int  # days elapsed in the policy year at the cancellation date
    elapsed_months: int  # started months elapsed (月割) / months of the table step (短期率)
    rate_kept: int | None  # 短期率: percent kept by the insurer; None for 月割
    year_start: dt.date | None  # start of the policy year containing the cancellation date
    explanation: str

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it has no such day (1/31 → 2/28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def started_months(start: dt.date, end: dt.date) -> int:
    """Months from `start` to `end`, a started month counting as a whole one (0 when end <= start)."""
    if end <= start:
        return 0
    months = 0
    while add_months(start, months) < end:
        months += 1
    return months


def _policy_year_start(inception: dt.date, on: dt.date) -> tuple[dt.date, int]:
    """(start of the policy year containing `on`, number of whole policy years before it)."""
    years = 0
    while add_months(inception, 12 * (years + 1)) <= on:
        years += 1
    return add_months(inception, 12 * years), years


def short_rate_step(year_start: dt.date, on: dt.date, table: Sequence[ShortRateStep]) -> ShortRateStep:
    """The table step the elapsed period from `year_start` to `on` falls in (the last one beyond)."""
    elapsed_days = (on - year_start).days
    for step in table:
        if (elapsed_days <= step.days) if step.days else (on <= add_months(year_start, step.months)):
            return step
    return table[-1]


def refund_basis(
    *,
    annual_premium: int,
    inception: dt.date,
    expiry: dt.date,
    cancellation_date: dt.date,
    method: str,
    payment_frequency: str,
    term_years: int = 1,
    table: Sequence[ShortRateStep] = DEFAULT_SHORT_RATE_TABLE,
) -> RefundBasis:
    """The refund for cancelling a policy on `cancellation_date` (see the module docstring)."""
    if method not in METHOD_LABELS:
        raise ValueError(f"unknown refund method {method!r}")
    if annual_premium < 0:
        raise ValueError("annual_premium must not be negative")
    label = METHOD_LABELS[method]

    def whole(refund: int, explanation: str) -> RefundBasis:
        return RefundBasis(method, annual_premium, refund, 0, 0, None, None, explanation)

    if cancellation_date >= expiry:
        return whole(0, "保険期間の満了日以降の解約のため、返戻保険料はありません。")
    if cancellation_date <= inception:
        return whole(
            annual_premium * max(1, term_years if payment_frequency == "lump_sum" else 1),
            "保険始期日以前の解約(始期日解約)のため、払い込まれた保険料を全額返戻します。",
        )
    if payment_frequency == "monthly":
        return whole(0, "月払の契約のため、解約日の属する月までの保険料で精算し、返戻保険料はありません。")

    year_start, years_before = _policy_year_start(inception, cancellation_date)
    elapsed_days = (cancellation_date - year_start).days
    # Later full years of a multi-year lump-sum contract are returned in full.
    remaining_years = max(0, term_years - years_before - 1) if payment_frequency == "lump_sum" else 0
    later_years = annual_premium * remaining_years
    later_text = f"、以降の保険年度分 {later_years:,}円({remaining_years}年分)は全額返戻" if later_years else ""
    if method == PRO_RATA_MONTHLY:
        months = min(12, started_months(year_start, cancellation_date))
        refund = annual_premium * (12 - months) // 12
        return RefundBasis(
            method,
            annual_premium,
            refund + later_years,
            elapsed_days,
            months,
            None,
            year_start,
            f"{label}: 保険年度の始め({year_start:%Y/%m/%d})から{months}か月経過(1か月未満は1か月)、"
            f"未経過 {12 - months}か月分 {annual_premium:,}円 × {12 - months}/12 = {refund:,}円{later_text}。",
        )
    step = short_rate_step(year_start, cancellation_date, table)
    refund = annual_premium * (100 - step.rate) // 100
    return RefundBasis(
        method,
        annual_premium,
        refund + later_years,
        elapsed_days,
        step.months,
        step.rate,
        year_start,
        f"{label}: 保険年度の始め({year_start:%Y/%m/%d})から{elapsed_days}日経過({step.label})、"
        f"短期率 {step.rate}% を差し引き {annual_premium:,}円 × {100 - step.rate}% = {refund:,}円{later_text}。",
    )
