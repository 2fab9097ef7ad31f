"""The dashboard and the report read the monthly counts (and targets) only: a fixed number of queries,
the same with more records, and no query of the records themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_policy
from tsunagu.kpis import aggregates, selectors
from tsunagu.kpis.definitions import FiscalYear

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)
RECORD_TABLES = ("policies_policy", "policies_claim", "surveys_response", "practice_", "cases_case", "voice_voice")


def _kpi_queries(hq_operator) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        for scope in (
            selectors.scope_for(hq_operator),
            selectors.scope_for(hq_operator, agency_code="A0001"),
            selectors.scope_for(hq_operator, branch_code="B01"),
        ):
            selectors.dashboard(hq_operator, scope, FY)
            selectors.yearly_table(scope, selectors.report_years(FY))
    return [q["sql"] for q in ctx.captured_queries]


def test_the_dashboard_reads_a_fixed_number_of_queries_of_the_monthly_counts(book, training, hq_operator):
    aggregates.rebuild([FY.previous(), FY])
    before = _kpi_queries(hq_operator)
    # the scope lookups (agency, branch and its agencies) + two queries per screen
    assert len(before) == 3 + 2 * 2 * 3
    assert not [q for q in before if any(table in q for table in RECORD_TABLES)]
    holder = book["holder"]
    for n in range(30):
        day = dt.date(2025, 4, 1) + dt.timedelta(days=10 * n)
        make_policy(hq_operator, holder, agency=book["policies"]["a1"].agency, contract_date=day, inception=day)
    aggregates.rebuild([FY])
    assert len(_kpi_queries(hq_operator)) == len(before)
