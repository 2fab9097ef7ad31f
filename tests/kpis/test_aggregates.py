"""The monthly counts (KpiMonthly) equal the live computation, for every KPI, agency and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tsunagu.kpis import aggregates, definitions, selectors, sources
from tsunagu.kpis.definitions import Counts, FiscalYear
from tsunagu.kpis.models import KpiMonthly

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)


def test_monthly_rows_sum_to_the_live_pack(book, claim_answers, hq_operator):
    written = aggregates.rebuild([FY.previous(), FY])
    assert written == KpiMonthly.objects.count() > 0
    live = {(r.agency, r.kpi): r for r in selectors.pack(FY)}
    for scope in (
        selectors.scope_for(hq_operator),
        selectors.scope_for(hq_operator, agency_code="A0001"),
        selectors.scope_for(hq_operator, agency_code="B0001"),
        selectors.scope_for(hq_operator, branch_code="B01"),
    ):
        code = scope.agency.code if scope.agency else None
        for line in selectors.dashboard(hq_operator, scope, FY):
            expected = live[(code, line.kpi.key)]
            assert (line.counts.numerator, line.counts.denominator) == (expected.numerator, expected.denominator), (
                scope.label,
                line.kpi.key,
            )
            assert line.value == expected.value
            # the months add up to the year
            assert definitions.total(c for _, _, c in line.months) == line.counts


def test_months_place_records_by_their_date(book):
    kpi = definitions.get("face_to_face_rate")
    months = sources.counts(kpi, FY.start, FY.end, by_month=True)
    a = book["policies"]["a1"].agency_id
    assert months[(a, dt.date(2025, 4, 1))] == Counts(1, 1)
    assert months[(a, dt.date(2025, 11, 1))] == Counts(0, 1)
    assert months[(a, dt.date(2026, 3, 1))] == Counts(1, 1)


def test_the_last_year_column_comes_from_the_previous_year(book, hq_operator):
    aggregates.rebuild([FY.previous(), FY])
    scope = selectors.scope_for(hq_operator, agency_code="A0001")
    line = next(x for x in selectors.dashboard(hq_operator, scope, FY) if x.kpi.key == "face_to_face_rate")
    # FY2024: a_old2 (2024/06/01) and a_old (2025/03/31), both face to face
    assert (line.last_counts, line.last_year) == (Counts(2, 2), 100.0)


def test_the_rebuild_command_replaces_a_years_rows(book):
    call_command("kpi_rebuild", "--fiscal-year", "2025", stdout=None)
    before = KpiMonthly.objects.count()
    call_command("kpi_rebuild", "--fiscal-year", "2025")
    assert KpiMonthly.objects.count() == before
