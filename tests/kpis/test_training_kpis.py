"""研修・資格 KPIs from the practice app's training records (sessions, attendance, role-play, qualifications)."""

from __future__ import annotations

import pytest

from tsunagu.kpis import aggregates, selectors
from tsunagu.kpis.definitions import FiscalYear

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)


def test_training_kpis_count_the_years_records(training):
    rows = {(r.agency, r.kpi): (r.numerator, r.denominator, r.value) for r in selectors.pack(FY)}
    assert rows[("A0001", "training_sessions")] == (2, 2, 2)
    # attended by staff in post: 2 + 3 of 2 sessions × 3 in post
    assert rows[("A0001", "training_attendance_rate")] == (5, 6, 83.3)
    assert rows[("B0001", "training_attendance_rate")] == (0, 1, 0.0)
    assert rows[(None, "training_attendance_rate")] == (5, 7, 71.4)
    assert rows[("A0001", "roleplay_pass_rate")] == (1, 2, 50.0)
    assert rows[("A0001", "roleplay_score_rate")] == (50, 72, 69.4)
    assert rows[("A0001", "qualifications_acquired")][0] == 2
    assert rows[("B0001", "roleplay_pass_rate")] == (0, 0, None)


def test_training_kpis_on_the_dashboard_match_the_live_pack(training, hq_operator):
    aggregates.rebuild([FY])
    live = {(r.agency, r.kpi): r for r in selectors.pack(FY)}
    scope = selectors.scope_for(hq_operator, agency_code="A0001")
    lines = {x.kpi.key: x for x in selectors.dashboard(hq_operator, scope, FY)}
    for key in ("training_sessions", "training_attendance_rate", "roleplay_score_rate", "qualifications_acquired"):
        row = live[("A0001", key)]
        assert (lines[key].counts.numerator, lines[key].counts.denominator) == (row.numerator, row.denominator)
    assert lines["training_sessions"].display == "2回"


def test_the_drill_down_lists_the_sessions_with_their_attendance(training, agency_a_staff):
    from tsunagu.kpis import definitions

    scope = selectors.scope_for(agency_a_staff)
    found = selectors.drill_down(
        user=agency_a_staff,
        kpi=definitions.get("training_attendance_rate"),
        scope=scope,
        start=FY.start,
        end=FY.end,
    )
    assert found is not None
    _page, rows = found
    assert [(r.label, r.counted) for r in rows] == [("品質向上会議", "3/3"), ("勉強会", "2/3")]
