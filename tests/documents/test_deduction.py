"""Table-driven tests of the deduction rules, with worked examples from shared/domain/insurance.md §a.

Each id states the arithmetic. Halves are rounded up (the default rule) unless the id says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tsunagu.documents import deduction as d
from tsunagu.documents.deduction import Category, ContractPremiums, Payment, Rounding

D = dt.date


@pytest.mark.parametrize(
    ("e", "expected"),
    [
        pytest.param(0, 0, id="E=0 -> 0"),
        pytest.param(30_000, 30_000, id="E=30000 -> full 30000"),
        pytest.param(50_000, 50_000, id="E=50000 -> full 50000 (at cap)"),
        pytest.param(50_001, 50_000, id="E=50001 -> cap 50000"),
        pytest.param(80_000, 50_000, id="E=80000 -> cap 50000"),
    ],
)
def test_income_tax_earthquake(e, expected):
    assert d.income_tax_earthquake(e) == expected


@pytest.mark.parametrize(
    ("l_", "expected"),
    [
        pytest.param(0, 0, id="L=0 -> 0"),
        pytest.param(10_000, 10_000, id="L=10000 -> full 10000"),
        pytest.param(10_001, 10_001, id="L=10001 -> 10001/2+5000=10000.5 -> up 10001"),
        pytest.param(15_000, 12_500, id="L=15000 -> 7500+5000=12500"),
        pytest.param(20_000, 15_000, id="L=20000 -> 10000+5000=15000"),
        pytest.param(20_001, 15_000, id="L=20001 -> cap 15000"),
    ],
)
def test_income_tax_old_long_term(l_, expected):
    assert d.income_tax_old_long_term(l_) == expected


@pytest.mark.parametrize(
    ("e", "expected"),
    [
        pytest.param(0, 0, id="E=0 -> 0"),
        pytest.param(1, 1, id="E=1 -> 1/2=0.5 -> up 1"),
        pytest.param(30_001, 15_001, id="E=30001 -> 15000.5 -> up 15001"),
        pytest.param(50_000, 25_000, id="E=50000 -> 50000/2=25000"),
        pytest.param(50_001, 25_000, id="E=50001 -> cap 25000"),
    ],
)
def test_resident_tax_earthquake(e, expected):
    assert d.resident_tax_earthquake(e) == expected


@pytest.mark.parametrize(
    ("l_", "expected"),
    [
        pytest.param(5_000, 5_000, id="L=5000 -> full 5000"),
        pytest.param(5_001, 5_001, id="L=5001 -> 2500.5+2500=5000.5 -> up 5001"),
        pytest.param(10_000, 7_500, id="L=10000 -> 5000+2500=7500"),
        pytest.param(15_000, 10_000, id="L=15000 -> 7500+2500=10000"),
        pytest.param(15_001, 10_000, id="L=15001 -> cap 10000"),
    ],
)
def test_resident_tax_old_long_term(l_, expected):
    assert d.resident_tax_old_long_term(l_) == expected


@pytest.mark.parametrize(
    ("e", "l_", "income", "resident"),
    [
        pytest.param(0, 0, 0, 0, id="nothing paid -> 0/0"),
        pytest.param(20_000, 8_000, 28_000, 16_500, id="E20000 L8000 -> it 20000+8000; rt 10000+(4000+2500)"),
        pytest.param(10_000, 12_000, 21_000, 13_500, id="E10000 L12000 -> it 10000+11000; rt 5000+8500"),
        pytest.param(0, 25_000, 15_000, 10_000, id="L25000 only -> it cap 15000; rt cap 10000"),
        pytest.param(
            40_000, 20_000, 50_000, 25_000, id="E40000 L20000 -> it 55000 capped 50000; rt 30000 capped 25000"
        ),
        pytest.param(60_000, 12_000, 50_000, 25_000, id="E60000 L12000 -> both combined caps"),
        pytest.param(45_000, 3_000, 48_000, 25_000, id="E45000 L3000 -> it 48000; rt 22500+3000=25500 capped 25000"),
    ],
)
def test_combined(e, l_, income, resident):
    assert d.deduction(e, l_) == d.Deduction(income, resident)


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        pytest.param(Rounding.UP, (10_001, 5_001), id="up: 10000.5->10001, 5000.5->5001"),
        pytest.param(Rounding.DOWN, (10_000, 5_000), id="down: 10000.5->10000, 5000.5->5000"),
        pytest.param(Rounding.HALF_UP, (10_001, 5_001), id="half_up: .5 -> up"),
    ],
)
def test_rounding_is_configurable(rounding, expected):
    rules = replace(d.DEFAULT_RULES, rounding=rounding)
    assert (d.income_tax_old_long_term(10_001, rules), d.resident_tax_old_long_term(5_001, rules)) == expected


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100"])
def test_bad_premiums_are_refused_in_japanese(bad):
    with pytest.raises(d.DeductionInputError, match="保険料"):
        d.deduction(bad, 0)


def test_rules_are_effective_dated():
    assert d.rules_for(2026) is d.DEFAULT_RULES
    with pytest.raises(d.DeductionInputError, match="2006年分"):
        d.rules_for(2006)


@pytest.mark.parametrize(
    ("contracts", "income", "resident", "choices"),
    [
        pytest.param(
            [ContractPremiums("A", earthquake=20_000), ContractPremiums("B", earthquake=40_000)],
            50_000,
            25_000,
            {},
            id="sum E first: 20000+40000=60000 -> it 50000, rt 25000 (not 20000+40000 capped separately)",
        ),
        pytest.param(
            [ContractPremiums("A", earthquake=30_000, old_long_term=30_000), ContractPremiums("B", earthquake=10_000)],
            40_000,
            20_000,
            {"A": Category.EARTHQUAKE},
            id="mixed A: E -> E40000 it 40000 vs L -> it 10000+15000=25000; choose E",
        ),
        pytest.param(
            [ContractPremiums("A", earthquake=16_000, old_long_term=30_000)],
            16_000,
            8_000,
            {"A": Category.EARTHQUAKE},
            id="larger figure is not better: L30000 -> it 15000, E16000 -> it 16000; choose E",
        ),
        pytest.param(
            [ContractPremiums("A", earthquake=12_000, old_long_term=20_000)],
            15_000,
            10_000,
            {"A": Category.OLD_LONG_TERM},
            id="mixed A: E12000 -> it 12000 vs L20000 -> it 15000; choose L",
        ),
        pytest.param(
            [ContractPremiums("A", earthquake=30_000), ContractPremiums("B", old_long_term=12_000)],
            41_000,
            23_500,
            {},
            id="separate contracts both count: it 30000+11000; rt 15000+8500",
        ),
    ],
)
def test_best_deduction_aggregates_then_chooses(contracts, income, resident, choices):
    plan = d.best_deduction(contracts)
    assert plan.deduction == d.Deduction(income, resident)
    assert plan.choices == choices


@pytest.mark.parametrize(
    ("paid_on", "inception", "tax_year", "expected"),
    [
        pytest.param(
            D(2025, 12, 20), D(2026, 1, 1), 2026, 12_000, id="paid 2025-12-20 before inception 2026-01-01 -> 2026"
        ),
        pytest.param(D(2025, 12, 20), D(2026, 1, 1), 2025, 0, id="... and not 2025"),
        pytest.param(D(2026, 3, 1), D(2025, 4, 1), 2026, 12_000, id="paid after inception -> year paid"),
    ],
)
def test_payment_before_inception_counts_on_inception(paid_on, inception, tax_year, expected):
    payments = [Payment(paid_on, 12_000)]
    assert d.amount_in_year(payments, tax_year=tax_year, inception=inception) == expected


@pytest.mark.parametrize(
    ("lump", "years", "tax_year", "expected"),
    [
        pytest.param(37_500, 5, 2024, 7_500, id="37500/5=7500 in first year 2024"),
        pytest.param(37_500, 5, 2028, 7_500, id="... and in the fifth year 2028"),
        pytest.param(37_500, 5, 2029, 0, id="... nothing in 2029"),
        pytest.param(37_500, 5, 2023, 0, id="... nothing before the payment year"),
        pytest.param(10_001, 3, 2025, 3_334, id="10001/3=3333.67 -> up 3334"),
    ],
)
def test_lump_sum_spread(lump, years, tax_year, expected):
    # Paid 2024-03-20 before inception 2024-04-01: deemed paid 2024-04-01.
    payments = [Payment(D(2024, 3, 20), lump)]
    got = d.amount_in_year(payments, tax_year=tax_year, inception=D(2024, 4, 1), lump_sum_years=years)
    assert got == expected


def test_payments_after_issue_date_are_not_certified():
    payments = [Payment(D(2026, m, 1), 1_000) for m in range(1, 13)]
    assert d.amount_in_year(payments, tax_year=2026, inception=D(2025, 1, 1), up_to=D(2026, 10, 15)) == 10_000


@pytest.mark.parametrize(
    ("anchor", "after", "until", "expected"),
    [
        pytest.param(
            D(2026, 4, 1), D(2026, 10, 15), D(2027, 4, 1), [D(2026, 11, 1), D(2026, 12, 1)], id="1st: Nov, Dec"
        ),
        pytest.param(
            D(2026, 1, 31),
            D(2026, 10, 15),
            D(2027, 1, 31),
            [D(2026, 10, 31), D(2026, 11, 30), D(2026, 12, 31)],
            id="31st clamps to Nov 30",
        ),
        pytest.param(
            D(2026, 1, 31), D(2026, 10, 15), D(2026, 12, 31), [D(2026, 10, 31), D(2026, 11, 30)], id="stops at expiry"
        ),
        pytest.param(
            D(2026, 12, 10), D(2026, 10, 15), D(2027, 12, 10), [D(2026, 12, 10)], id="not before first due date"
        ),
    ],
)
def test_monthly_due_dates(anchor, after, until, expected):
    got = list(d.monthly_due_dates(anchor=anchor, after=after, through=D(2026, 12, 31), until=until))
    assert got == expected


def test_declared_amount_adds_scheduled_instalments():
    # Monthly 1,000 yen paid Jan–Oct (10,000), two instalments due Nov and Dec -> 12,000.
    assert d.declared_amount(certified=10_000, instalment=1_000, remaining_instalments=2) == 12_000


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({}, True, id="concluded 2005, 10y, refund, unchanged -> eligible"),
        pytest.param(
            {"concluded_on": D(2006, 12, 31), "period_start": D(2006, 12, 31)}, True, id="2006-12-31 boundary"
        ),
        pytest.param({"period_start": D(2007, 1, 1)}, False, id="period starts 2007-01-01 -> no"),
        pytest.param({"period_years": 9}, False, id="9 years -> no"),
        pytest.param({"has_maturity_refund": False}, False, id="no maturity refund -> no"),
        pytest.param({"last_change_on": D(2007, 1, 1)}, False, id="changed 2007-01-01 -> no"),
        pytest.param({"last_change_on": D(2006, 6, 1)}, True, id="changed 2006-06-01 -> still eligible"),
    ],
)
def test_old_long_term_eligibility(kw, expected):
    facts = {
        "concluded_on": D(2005, 4, 1),
        "period_start": D(2005, 4, 1),
        "period_years": 10,
        "has_maturity_refund": True,
        "last_change_on": None,
    } | kw
    assert d.old_long_term_eligible(**facts) is expected


@pytest.mark.parametrize(
    ("individual", "payroll", "expected"),
    [
        pytest.param(True, False, None, id="individual -> certificate"),
        pytest.param(False, False, d.Exclusion.CORPORATE_HOLDER, id="corporate -> excluded"),
        pytest.param(True, True, d.Exclusion.GROUP_PAYROLL, id="group payroll -> excluded"),
    ],
)
def test_exclusions(individual, payroll, expected):
    assert d.exclusion_for(holder_is_individual=individual, group_payroll=payroll) == expected
