"""KPI values on hand-built records (tests/kpis/conftest.py) with known numerators and denominators."""

from __future__ import annotations

import pytest

from tsunagu.kpis import definitions, selectors
from tsunagu.kpis.definitions import FiscalYear

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)


def _pack(**kw):
    return {(r.agency, r.kpi): r for r in selectors.pack(FY, **kw)}


def _nd(row):
    return (row.numerator, row.denominator, row.value)


def test_face_to_face_rate_counts_new_policies_of_the_year(book):
    rows = _pack()
    assert _nd(rows[("A0001", "face_to_face_rate")]) == (3, 4, 75.0)
    assert _nd(rows[("B0001", "face_to_face_rate")]) == (0, 2, 0.0)
    # the company: the agencies' sum; the direct policy is no agency's
    assert _nd(rows[(None, "face_to_face_rate")]) == (3, 6, 50.0)


def test_early_renewal_rate_uses_the_previous_policys_expiry(book):
    rows = _pack()
    assert _nd(rows[("A0001", "early_renewal_rate")]) == (1, 2, 50.0)
    assert _nd(rows[("B0001", "early_renewal_rate")]) == (0, 0, None)


def test_early_renewal_days_are_configurable(book, settings):
    settings.TSUNAGU_KPIS = {"early_renewal_rate": {"days": 5}}
    assert _nd(_pack()[("A0001", "early_renewal_rate")]) == (2, 2, 100.0)


def test_agency_accident_window_rate_overall_and_by_line(book):
    rows = _pack()
    assert _nd(rows[("A0001", "agency_accident_window_rate")]) == (2, 3, 66.7)
    assert _nd(rows[("A0001", "agency_accident_window_rate_auto")]) == (1, 2, 50.0)
    assert _nd(rows[("A0001", "agency_accident_window_rate_fire")]) == (1, 1, 100.0)
    assert _nd(rows[("B0001", "agency_accident_window_rate")]) == (0, 1, 0.0)
    assert _nd(rows[(None, "agency_accident_window_rate")]) == (2, 4, 50.0)


def test_claim_nps_and_survey_means(claim_answers, settings):
    settings.TSUNAGU_KPIS = {"claim_nps_auto": {"min_n": 1}, "claim_nps_fire": {"min_n": 1}}
    rows = _pack()
    # auto: 10, 9, 7, 3 → promoters 2, detractors 1, n 4: NPS = round(100 × 1/4) = 25
    assert _nd(rows[("A0001", "claim_nps_auto")]) == (1, 4, 25)
    assert _nd(rows[("A0001", "claim_nps_fire")]) == (0, 1, 0)
    assert rows[("B0001", "claim_nps_auto")].value is None
    assert _nd(rows[("A0001", "survey_score")]) == (6, 1, 6.0)
    # satisfaction answered 9, 8, 2, 5 in the year → 24 / 4
    assert _nd(rows[("A0001", "overall_satisfaction")]) == (24, 4, 6.0)


def test_claim_nps_is_suppressed_below_the_minimum_answers(claim_answers, settings):
    settings.TSUNAGU_KPIS = {"claim_nps_auto": {"min_n": 5}}
    row = _pack()[("A0001", "claim_nps_auto")]
    assert (row.numerator, row.denominator, row.value) == (1, 4, None)


def test_one_agency_only_and_targets(book, hq_operator, org):
    from decimal import Decimal

    from tsunagu.kpis.models import KpiTarget

    KpiTarget.objects.create(
        kpi="face_to_face_rate",
        agency=None,
        fiscal_year=2025,
        value=Decimal("60"),
        starts_on=FY.start,
        ends_on=FY.end,
        updated_by=hq_operator,
    )
    KpiTarget.objects.create(
        kpi="face_to_face_rate",
        agency=org["agency_a"],
        fiscal_year=2025,
        value=Decimal("80.5"),
        starts_on=FY.start,
        ends_on=FY.end,
        updated_by=hq_operator,
    )
    rows = selectors.pack(FY, agency=org["agency_a"])
    assert {r.agency for r in rows} == {"A0001"}
    assert {r.kpi for r in rows} >= set(definitions.REQUIRED_KEYS)
    ftf = next(r for r in rows if r.kpi == "face_to_face_rate")
    assert (ftf.value, ftf.target) == (75.0, 80.5)
    every = _pack()
    assert every[("B0001", "face_to_face_rate")].target == 60.0  # B adopts the company's target
    assert every[(None, "face_to_face_rate")].target == 60.0


def test_a_year_without_records_gives_zero_counts_and_no_values(book):
    rows = {(r.agency, r.kpi): r for r in selectors.pack(FiscalYear(2019))}
    assert _nd(rows[(None, "face_to_face_rate")]) == (0, 0, None)
    assert _nd(rows[(None, "overdue_cases")]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "counts", "expected"),
    [
        (definitions.RATE, definitions.Counts(1, 3), 33.3),
        (definitions.RATE, definitions.Counts(0, 0), None),
        (definitions.COUNT, definitions.Counts(7, 0), 7),
        (definitions.MEAN, definitions.Counts(17, 2), 8.5),
        (definitions.NPS, definitions.Counts(1, 8, 3), 13),  # P4 D3 n8 → 12.5 → 13 (half up)
        (definitions.NPS, definitions.Counts(-2, 2, 2), -100),
    ],
)
def test_value_of(kind, counts, expected):
    kpi = definitions.Kpi("x", "x", kind, "", "")
    assert definitions.value_of(kpi, counts) == expected


@pytest.mark.parametrize("text", ["", "25", "abcd", "１９９９", "1999", "2101", "2025-04"])
def test_bad_fiscal_years_are_refused_in_japanese(text):
    with pytest.raises(ValueError, match="年度"):
        definitions.parse_fiscal_year(text)


def test_fiscal_year_months_run_april_to_march():
    months = FY.months()
    assert (months[0].isoformat(), months[-1].isoformat(), len(months)) == ("2025-04-01", "2026-03-01", 12)
    assert definitions.fiscal_year_of(months[-1]) == FY
