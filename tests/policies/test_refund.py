"""The refund basis on cancellation (短期率 / 月割): a pure function, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.policies.refund import (
    DEFAULT_SHORT_RATE_TABLE,
    PRO_RATA_MONTHLY,
    SHORT_RATE,
    add_months,
    refund_basis,
    started_months,
)

START = dt.date(2026, 4, 1)
END = dt.date(2027, 4, 1)


def basis(on: dt.date, method: str, *, frequency: str = "annual", premium: int = 120_000, **kw):
    return refund_basis(
        annual_premium=premium,
        inception=kw.pop("inception", START),
        expiry=kw.pop("expiry", END),
        cancellation_date=on,
        method=method,
        payment_frequency=frequency,
        **kw,
    )


def test_add_months_clamps_to_the_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_started_months_counts_a_started_month_as_whole():
    assert started_months(START, START) == 0
    assert started_months(START, dt.date(2026, 4, 2)) == 1
    assert started_months(START, dt.date(2026, 5, 1)) == 1
    assert started_months(START, dt.date(2026, 5, 2)) == 2


@pytest.mark.parametrize("method", [SHORT_RATE, PRO_RATA_MONTHLY])
def test_cancellation_on_the_start_date_returns_everything(method):
    result = basis(START, method)
    assert result.refund == 120_000
    assert "始期日" in result.explanation


@pytest.mark.parametrize("method", [SHORT_RATE, PRO_RATA_MONTHLY])
@pytest.mark.parametrize("on", [END, dt.date(2027, 6, 1)])
def test_cancellation_at_or_after_the_end_returns_nothing(method, on):
    result = basis(on, method)
    assert result.refund == 0
    assert "満了" in result.explanation


def test_monthly_mid_month_counts_the_started_month():
    # 2026/04/01 → 2026/12/20: 8 months and 19 days elapsed = 9 started months; 3 months unexpired.
    result = basis(dt.date(2026, 12, 20), PRO_RATA_MONTHLY)
    assert (result.elapsed_months, result.refund) == (9, 30_000)
    assert result.method_label == "月割"
    assert "3/12" in result.explanation


def test_monthly_on_a_month_boundary():
    result = basis(dt.date(2026, 10, 1), PRO_RATA_MONTHLY)  # exactly 6 months elapsed
    assert (result.elapsed_months, result.refund) == (6, 60_000)


def test_short_rate_mid_month_uses_the_next_step():
    # 8 months 19 days: within "9か月まで" → 85 % kept, 15 % returned.
    result = basis(dt.date(2026, 12, 20), SHORT_RATE)
    assert (result.rate_kept, result.refund) == (85, 18_000)
    assert result.elapsed_days == 263
    assert "短期率 85%" in result.explanation


def test_short_rate_first_days_and_boundaries():
    assert basis(dt.date(2026, 4, 2), SHORT_RATE).rate_kept == 10  # 1 day
    assert basis(dt.date(2026, 4, 8), SHORT_RATE).rate_kept == 10  # 7 days
    assert basis(dt.date(2026, 4, 9), SHORT_RATE).rate_kept == 15  # 8 days
    assert basis(dt.date(2026, 5, 1), SHORT_RATE).rate_kept == 25  # exactly one month
    assert basis(dt.date(2026, 5, 2), SHORT_RATE).rate_kept == 35  # one month and a day
    assert basis(dt.date(2027, 3, 31), SHORT_RATE).rate_kept == 100  # the last day: nothing back
    assert basis(dt.date(2027, 3, 31), SHORT_RATE).refund == 0


def test_short_rate_keeps_more_than_monthly_for_a_short_time():
    on = dt.date(2026, 5, 10)
    assert basis(on, SHORT_RATE).refund < basis(on, PRO_RATA_MONTHLY).refund


def test_fractions_of_a_yen_are_rounded_down():
    assert basis(dt.date(2026, 12, 20), PRO_RATA_MONTHLY, premium=10_001).refund == 2_500  # 10,001 × 3/12
    assert basis(dt.date(2026, 12, 20), SHORT_RATE, premium=10_001).refund == 1_500  # 10,001 × 15 %


def test_monthly_payments_return_nothing():
    result = basis(dt.date(2026, 12, 20), SHORT_RATE, frequency="monthly")
    assert result.refund == 0
    assert "月払" in result.explanation


def test_multi_year_lump_sum_returns_the_later_years_in_full():
    # 3-year lump sum, cancelled in the second policy year, 月割: 2 months into year 2 → 10/12 of
    # that year, plus the whole third year.
    result = basis(
        dt.date(2027, 5, 15),
        PRO_RATA_MONTHLY,
        frequency="lump_sum",
        expiry=dt.date(2029, 4, 1),
        term_years=3,
    )
    assert result.year_start == dt.date(2027, 4, 1)
    assert result.refund == 100_000 + 120_000


def test_custom_table_and_unknown_method():
    table = DEFAULT_SHORT_RATE_TABLE[2:]  # no day steps: the first month keeps 25 %
    assert (
        refund_basis(
            annual_premium=1000,
            inception=START,
            expiry=END,
            cancellation_date=dt.date(2026, 4, 3),
            method=SHORT_RATE,
            payment_frequency="annual",
            table=table,
        ).rate_kept
        == 25
    )
    with pytest.raises(ValueError, match="unknown refund method"):
        basis(dt.date(2026, 5, 1), "daily")
