"""Each rule fires on a planted case and not on normal behaviour; runs are idempotent and incremental."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from tests.compliance.conftest import DAY, at, one_read, reads
from tests.conftest import _user, make_customer
from tsunagu.compliance import rules
from tsunagu.compliance.choices import RunKind
from tsunagu.compliance.models import Alert, RuleRun, RuleSetting
from tsunagu.compliance.rules import Thresholds
from tsunagu.compliance.services import rules_run
from tsunagu.core.choices import AccessPurpose, EmploymentStatus, Role
from tsunagu.core.models import AuditEvent
from tsunagu.interactions.services import interaction_log

pytestmark = pytest.mark.django_db


def _normal_days(user, per_day: int, days: int = 20, base: int = 10_000) -> None:
    for offset in range(days, 0, -1):
        day = DAY - dt.timedelta(days=offset)
        reads(user, range(base + offset * 100, base + offset * 100 + per_day), at(day, 10))


def _rules(user=None) -> dict[str, Alert]:
    qs = Alert.objects.all() if user is None else Alert.objects.filter(user=user)
    return {a.rule: a for a in qs}


def test_bulk_viewing_far_above_the_users_and_roles_norm(hq_operator, case_reference_data):
    _normal_days(hq_operator, 30)
    reads(hq_operator, range(50_000, 50_200), at(DAY, 10), step_seconds=10)
    result = rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=20), date_to=DAY)
    found = [a for a in result.alerts if a.rule == rules.BULK_VIEWING]
    assert [(a.user, a.day, a.customers) for a in found] == [(hq_operator, DAY, 200)]
    alert = found[0]
    assert "200人" in alert.explanation
    assert "最多は1日30人" in alert.explanation
    assert alert.evidence["rows"] == 200
    assert len(alert.evidence["log_ids"]) == 200
    assert alert.score > 1


def test_a_busy_day_within_the_norm_is_not_bulk_viewing(hq_operator, case_reference_data):
    _normal_days(hq_operator, 90)  # a user whose days are busy: 90 a day
    reads(hq_operator, range(50_000, 50_150), at(DAY, 10), step_seconds=10)  # 150 < 3 × 90
    result = rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=20), date_to=DAY)
    assert not [a for a in result.alerts if a.rule == rules.BULK_VIEWING]


def test_outside_business_hours_fires_at_night_not_in_the_evening(hq_operator, org, case_reference_data):
    evening = _user("evening", [Role.OPERATOR], department=org["call_center"])
    reads(hq_operator, range(1, 16), at(DAY, 23, 5))  # 15 reads from 23:05
    reads(evening, range(1, 16), at(DAY, 19, 0), step_seconds=60)  # 19:00–19:14: inside 8–20
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.user.username, a.customers) for a in result.alerts] == [(rules.OUTSIDE_HOURS, "hq_operator", 15)]


def test_a_night_after_midnight_belongs_to_the_evening_it_started(hq_operator, case_reference_data):
    reads(hq_operator, range(1, 41), at(DAY, 23, 50), step_seconds=60)  # 23:50 → 00:29
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY + dt.timedelta(days=1))
    assert [(a.day, a.rows) for a in result.alerts if a.rule == rules.OUTSIDE_HOURS] == [(DAY, 40)]


def test_out_of_portfolio_for_agency_staff(agency_a_staff, org, hq_operator, case_reference_data):
    own = make_customer(hq_operator, agency=org["agency_a"])
    reads(agency_a_staff, [own.pk] * 3, at(DAY, 10))
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert not result.alerts
    reads(agency_a_staff, range(90_001, 90_007), at(DAY, 11))  # six customers not of agency A
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.customers) for a in result.alerts] == [(rules.OUT_OF_PORTFOLIO, 6)]
    assert own.pk not in result.alerts[0].evidence["customer_ids"]


def test_repeated_viewing_without_a_task(hq_operator, customer_a, case_reference_data):
    other = make_customer(hq_operator, name="佐藤 花子", name_kana="サトウ ハナコ")
    interaction_log(actor=hq_operator, customer=other, channel="phone", subject="ご相談")
    reads(hq_operator, [customer_a.pk] * 12, at(DAY, 10))
    reads(hq_operator, [other.pk] * 12, at(DAY, 11))  # a contact the user recorded: a task
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    found = [a for a in result.alerts if a.rule == rules.REPEATED_VIEWING]
    assert [(a.customers, a.rows) for a in found] == [(1, 12)]
    assert found[0].evidence["customer_ids"] == [customer_a.pk]


def test_exports_above_norm(agency_a_staff, hq_operator, case_reference_data):
    one_read(agency_a_staff, range(1, 51), at(DAY - dt.timedelta(days=7), 9), AccessPurpose.EXPORT)
    one_read(hq_operator, range(1, 301), at(DAY, 18, 41), AccessPurpose.EXPORT)
    result = rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=7), date_to=DAY)
    assert [(a.rule, a.user, a.customers) for a in result.alerts] == [(rules.EXPORTS, hq_operator, 300)]


def test_searches_that_find_no_customer_of_the_organisation(agency_a_staff, hq_operator, case_reference_data):
    reads(agency_a_staff, [None] * 12, at(DAY, 10), AccessPurpose.SEARCH, detail={"q": "鈴木 一郎 1980/1/1"})
    reads(hq_operator, [None] * 3, at(DAY, 10), AccessPurpose.SEARCH, detail={"q": "田中"})
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.user, a.rows) for a in result.alerts] == [(rules.SEARCH_NON_CUSTOMERS, agency_a_staff, 12)]
    assert result.alerts[0].evidence["queries"][0] == "鈴木 一郎 1980/1/1"


def test_viewing_the_staff_members_own_family(org, hq_operator, customer_a, case_reference_data):
    staff = _user("yamada", [Role.OPERATOR], department=org["call_center"])
    staff.last_name, staff.home_postal_code = "山田", "1000001"
    staff.save()
    stranger = make_customer(hq_operator, name="山田 次郎", addresses=[])
    reads(staff, [stranger.pk], at(DAY, 10))
    assert not rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts  # same name, other address
    reads(staff, [customer_a.pk], at(DAY, 11))  # 山田 太郎, 〒100-0001
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.user, a.customers) for a in result.alerts] == [(rules.FAMILY_VIEWING, staff, 1)]


def test_dormant_accounts(org, hq_operator, case_reference_data):
    left = _user("left", [Role.OPERATOR], department=org["call_center"])
    reads(left, [1, 2], at(DAY - dt.timedelta(days=2), 10))  # before leaving: fine
    left.employment_status, left.status_since = EmploymentStatus.LEFT, DAY - dt.timedelta(days=1)
    left.save()
    reads(left, [3, 4, 5], at(DAY, 10))
    result = rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=2), date_to=DAY)
    assert [(a.rule, a.day, a.customers) for a in result.alerts] == [(rules.DORMANT_ACCOUNT, DAY, 3)]
    assert "退職" in result.alerts[0].explanation


def test_a_setting_for_the_role_changes_the_threshold(hq_operator, auditor, case_reference_data):
    reads(hq_operator, range(1, 16), at(DAY, 23))
    RuleSetting.objects.create(
        rule=rules.OUTSIDE_HOURS, role=Role.OPERATOR, threshold=20, factor=1, window_days=0, business_end=24
    )
    assert not rules_run(actor=auditor, date_from=DAY, date_to=DAY).alerts


def test_period_runs_are_idempotent_and_scheduled_runs_incremental(hq_operator, case_reference_data):
    reads(hq_operator, range(1, 16), at(DAY, 23))
    first = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    again = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert len(first.created) == 1
    assert again.created == []
    assert again.alerts == first.created
    assert Alert.objects.count() == 1
    scheduled = rules_run(actor=hq_operator)
    assert scheduled.run.kind == RunKind.SCHEDULED
    assert scheduled.created == []
    assert scheduled.run.last_log_id > 0
    assert scheduled.run.total == 15
    nothing_new = rules_run(actor=hq_operator)
    assert nothing_new.run.total == 0
    assert nothing_new.created == []
    next_day = DAY + dt.timedelta(days=1)
    reads(hq_operator, range(1, 16), at(next_day, 22))
    later = rules_run(actor=hq_operator)
    assert [(a.day, a.rule) for a in later.created] == [(next_day, rules.OUTSIDE_HOURS)]
    assert later.run.first_log_id == scheduled.run.last_log_id + 1
    assert Alert.objects.count() == 2
    assert RuleRun.objects.filter(status="completed").count() == 5
    assert AuditEvent.objects.filter(action="compliance.rule_run").count() == 5


def test_access_alerts_command_prints_json(hq_operator, case_reference_data):
    reads(hq_operator, range(1, 16), at(DAY, 23))
    out = StringIO()
    call_command("access_alerts", "--from", DAY.isoformat(), "--to", DAY.isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [(d["user"], d["rule"], d["customers"], d["new"]) for d in data] == [
        ("hq_operator", "outside_hours", 15, True)
    ]
    out = StringIO()
    call_command("access_alerts", "--from", DAY.isoformat(), "--to", DAY.isoformat(), "--json", stdout=out)
    assert [d["new"] for d in json.loads(out.getvalue())] == [False]


def test_access_alerts_command_refuses_bad_dates(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("access_alerts", "--from", "2026-13-01", "--to", "2026-12-01")
    with pytest.raises(CommandError, match="終了日"):
        call_command("access_alerts", "--from", "2026-12-02", "--to", "2026-12-01")


# --- the shape of the work at scale (docs/compliance.md, "Speed") ----------------------------------------


def test_evidence_of_many_alerts_is_read_with_one_query_per_rule(org, hq_operator, case_reference_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    night = [_user(f"night{i}", [Role.OPERATOR], department=org["call_center"]) for i in range(5)]
    for i, user in enumerate(night):
        reads(user, range(100 * i + 1, 100 * i + 13), at(DAY, 23, 5))  # 12 night reads each
        reads(user, range(100 * i + 1, 100 * i + 3), at(DAY, 10))  # and two by day (not evidence)
    with CaptureQueriesContext(connection) as queries:
        result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert sorted((a.user.username, a.rule, a.rows) for a in result.created) == [
        (u.username, rules.OUTSIDE_HOURS, 12) for u in night
    ]
    evidence_reads = [q for q in queries.captured_queries if '"screen"' in q["sql"] and "core_accesslog" in q["sql"]]
    assert len(evidence_reads) == 1  # the five alerts' rows: one query, not five
    first = next(a for a in result.created if a.user == night[0])
    assert first.evidence["customer_ids"] == list(range(1, 13))
    assert len(first.evidence["log_ids"]) == 12


def test_the_monitoring_index_serves_the_rules_and_who_saw_uses_the_customer_index(db):
    from django.db import connection

    from tsunagu.compliance import reports

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "core_accesslog")
    assert indexes["core_accesslog_monitoring"]["columns"] == ["purpose", "at", "user_id", "customer_id"]
    assert indexes["core_accesslog_customer_at"]["columns"] == ["customer_id", "at"]
    sql, params = reports.who_saw_rows(1, DAY, DAY).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # an empty table: ask whether the index can serve
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(str(c) for row in cursor.fetchall() for c in row)
            cursor.execute("RESET enable_seqscan")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(c) for row in cursor.fetchall() for c in row)
    assert "core_accesslog_customer_at" in plan


def test_the_scheduled_run_reads_the_norms_window_from_stored_daily_figures(
    hq_operator, case_reference_data, monkeypatch
):
    from tsunagu.compliance import detection
    from tsunagu.compliance.models import DailyFigure

    _normal_days(hq_operator, 30)
    rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=20), date_to=DAY - dt.timedelta(days=1))
    stored = DailyFigure.objects.filter(rule=rules.BULK_VIEWING, user_id=hq_operator.pk)
    assert stored.count() == 20
    assert {f.value for f in stored} == {30}
    rules_run(actor=hq_operator)  # the scheduled run's starting point: every row so far
    reads(hq_operator, range(50_000, 50_200), at(DAY, 10), step_seconds=10)
    starts = []
    original = detection._per_user_day

    def recorded(ctx, start, *args, **kwargs):
        starts.append(start)
        return original(ctx, start, *args, **kwargs)

    monkeypatch.setattr(detection, "_per_user_day", recorded)
    result = rules_run(actor=hq_operator)
    assert [(a.rule, a.day, a.customers) for a in result.created] == [(rules.BULK_VIEWING, DAY, 200)]
    assert "最多は1日30人" in result.created[0].explanation  # the norm, from the stored figures
    # The log was read from the run's day on only, not from the 28 / 35 days before it.
    assert starts
    assert set(starts) == {detection.day_start(DAY)}
    assert DailyFigure.objects.get(rule=rules.BULK_VIEWING, user_id=hq_operator.pk, day=DAY).value == 200


def test_reads_on_a_closed_day_are_outside_hours_all_day(hq_operator, case_reference_data):
    saturday = DAY + dt.timedelta(days=4)  # 2026-11-14
    reads(hq_operator, range(1, 13), at(saturday, 14), step_seconds=60)  # 14:00 on a Saturday
    reads(hq_operator, range(1, 13), at(DAY, 14), step_seconds=60)  # 14:00 on a Tuesday: business hours
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=saturday)
    found = [(a.rule, a.day, a.rows, a.customers) for a in result.alerts]
    assert found == [(rules.OUTSIDE_HOURS, saturday, 12, 12)]
    assert "休業日に顧客情報を12回(12人)" in result.alerts[0].explanation
    assert result.alerts[0].evidence["business_day"] is False


def test_outside_hour_spans_follow_the_calendar_and_each_threshold():
    friday = dt.date(2026, 11, 13)
    default, late = rules.DEFAULTS[rules.OUTSIDE_HOURS], Thresholds(True, 10, Decimal(1), 0, 8, 24)

    def is_business_day(day: dt.date) -> bool:
        return day.weekday() < 5

    # One threshold: the morning before 8:00, then 20:00 → 05:00 as one span (Saturday is closed all day).
    spans = rules.outside_hour_spans([friday], [default], is_business_day)
    clock = [(s.start.strftime("%a %H"), s.end.strftime("%a %H"), s.day, s.flagged) for s in spans]
    assert clock == [
        ("Fri 05", "Fri 08", friday, frozenset({0})),
        ("Fri 20", "Sat 05", friday, frozenset({0})),
    ]
    # Two thresholds: 20:00–24:00 on Friday is outside for the default only; Saturday's hours for both.
    spans = rules.outside_hour_spans([friday], [default, late], is_business_day)
    clock = [(s.start.strftime("%a %H"), s.end.strftime("%a %H"), s.flagged) for s in spans]
    assert clock == [
        ("Fri 05", "Fri 08", frozenset({0, 1})),
        ("Fri 20", "Sat 00", frozenset({0})),
        ("Sat 00", "Sat 05", frozenset({0, 1})),
    ]
    # A closed monitoring day is one span of 24 hours; no threshold, no span.
    saturday = friday + dt.timedelta(days=1)
    assert [
        (s.start.hour, (s.end - s.start).total_seconds() / 3600)
        for s in rules.outside_hour_spans([saturday], [default], is_business_day)
    ] == [(5, 24)]
    assert rules.outside_hour_spans([friday], [], is_business_day) == []


def test_own_norms_is_the_peak_of_the_window_before_each_day():
    rng = random.Random(15)
    base = dt.date(2026, 9, 1)
    days = [base + dt.timedelta(days=k) for k in range(20, 70)]
    for _ in range(300):
        daily = {base + dt.timedelta(days=rng.randrange(80)): rng.randrange(500) for _ in range(rng.randrange(40))}
        window = rng.randrange(41)
        expected = {
            day: max((v for d, v in daily.items() if day - dt.timedelta(days=window) <= d < day), default=0)
            for day in days
        }
        assert rules.own_norms(daily, days, window) == expected


def test_the_rules_compute_no_date_per_row_and_read_the_monitoring_index(org, hq_operator, case_reference_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tsunagu.compliance import detection

    reads(hq_operator, range(1, 16), at(DAY, 23, 5))
    with CaptureQueriesContext(connection) as queries:
        rules_run(actor=hq_operator, date_from=DAY - dt.timedelta(days=2), date_to=DAY)
    grouped = [q["sql"] for q in queries.captured_queries if "core_accesslog" in q["sql"] and "GROUP BY" in q["sql"]]
    assert grouped
    for sql in grouped:
        assert not re.search(r"strftime|extract\(|::date|\bdate\(", sql, re.IGNORECASE), sql
    if connection.vendor != "sqlite":
        # PostgreSQL plans an empty table with the `at` index whatever is disabled; its plan at scale
        # (Index Only Scan using core_accesslog_monitoring, Heap Fetches: 0) is checked with
        # `bench/compliance.py --explain` (docs/benchmarks.md).
        return
    for label, sql, params in detection.sample_queries(DAY):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(c) for row in cursor.fetchall() for c in row)
        assert "COVERING INDEX core_accesslog_monitoring" in plan, (label, plan)
