"""The monitoring rule over sensitive reads (業務に関係のない機微情報の閲覧, issue 15): a user who was shown
the 機微情報 of customers they had no task for (no case of the customer assigned to them or owned by
their department or agency in the window, no contact they recorded) is alerted; their own work is not."""

# ruff: noqa: F811 (the case fixtures are imported from tests.cases.conftest and requested by name)
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import claims_handler, departments, holder, open_case  # noqa: F401
from tests.compliance.conftest import DAY, TZ, at, reads
from tests.conftest import make_customer
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case
from tsunagu.compliance import detection, rules
from tsunagu.compliance.models import Alert, RuleSetting
from tsunagu.compliance.services import rules_run
from tsunagu.core import writes
from tsunagu.core.choices import AccessPurpose, Role
from tsunagu.core.models import AccessLog
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import ClaimStatus, ReportChannel
from tsunagu.policies.models import Claim

pytestmark = pytest.mark.django_db

RULE = rules.SENSITIVE_WITHOUT_TASK
INJURIES = {
    "via": "view",
    "fields": ["accident.injuries"],
    "labels": ["けが人の状況"],
    "basis": ["cases.accident_sensitive"],
}


def sensitive(user, customers, when) -> int:  # type: ignore[no-untyped-def]
    """The rows the case page writes when it shows the injuries (core.access_log_sensitive)."""
    return reads(user, customers, when, AccessPurpose.SENSITIVE, screen="/cases/1/", detail=INJURIES)


@pytest.fixture
def accident(hq_operator, holder, case_reference_data):  # type: ignore[no-untyped-def]
    """An open accident case of `holder`, routed to the claims department (損害サービス部)."""
    customer, policy = holder
    return open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=dt.datetime(2026, 5, 30, 14, tzinfo=TZ),
        place="東京都千代田区 交差点",
        accident_type="対人",
        description="交差点で歩行者と接触",
        injuries="歩行者が右足を骨折",
    )


@pytest.fixture
def strangers(hq_operator):  # type: ignore[no-untyped-def]
    return [
        make_customer(hq_operator, name=f"鈴木 {given}", name_kana=f"スズキ {kana}")
        for given, kana in (("一郎", "イチロウ"), ("次郎", "ジロウ"), ("三郎", "サブロウ"))
    ]


def _set(case: Case, **values) -> None:  # type: ignore[no-untyped-def]
    """Setup only: the case's state as the case services would leave it (with history)."""
    writes.update_rows(Case.objects.filter(pk=case.pk), actor=None, reason="テストの前提", **values)


def test_reads_of_customers_without_a_task_are_alerted(claims_handler, accident, strangers, hq_operator):
    sensitive(claims_handler, [accident.customer_id], at(DAY, 10))  # the department's case: work
    sensitive(claims_handler, [s.pk for s in strangers[:2]], at(DAY, 15))  # no case, no contact
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.user, a.day, a.customers, a.rows) for a in result.alerts] == [(RULE, claims_handler, DAY, 2, 2)]
    alert = result.alerts[0]
    assert alert.key == f"{RULE}:{claims_handler.pk}:{DAY.isoformat()}"
    assert alert.get_rule_display() == "業務に関係のない機微情報の閲覧"
    assert "担当する業務のない顧客2人の機微情報" in alert.explanation
    assert "閾値 1人" in alert.explanation
    assert "過去30日" in alert.explanation
    assert alert.score == Decimal("2.00")
    # Evidence frozen: the sensitive rows of the two customers only (not the accident customer's).
    rows = AccessLog.objects.filter(purpose=AccessPurpose.SENSITIVE, customer_id__in=[s.pk for s in strangers[:2]])
    assert alert.evidence["log_ids"] == sorted(rows.values_list("id", flat=True))
    assert alert.evidence["customer_ids"] == sorted(s.pk for s in strangers[:2])
    assert alert.evidence["rows"] == 2
    assert alert.evidence["fields"] == {"けが人の状況": 2}
    assert alert.evidence["screens"] == {"/cases/1/": 2}
    assert alert.evidence["first_at"] == at(DAY, 15).astimezone(dt.UTC).isoformat()


def test_a_second_run_raises_nothing_new(claims_handler, strangers, hq_operator, case_reference_data):
    sensitive(claims_handler, [strangers[0].pk], at(DAY, 10))
    first = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    again = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [a.pk for a in again.alerts] == [a.pk for a in first.created]
    assert again.created == []
    assert Alert.objects.filter(rule=RULE).count() == 1


def test_silent_for_a_case_of_the_users_department(claims_handler, accident, hq_operator):
    assert accident.department.kind == "claims"
    assert accident.assignee_id is None
    sensitive(claims_handler, [accident.customer_id] * 3, at(DAY, 10))
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []


def test_silent_for_a_case_assigned_to_the_user(auditor, accident, hq_operator):
    """A compliance auditor (another department) is silent only for the case assigned to them."""
    sensitive(auditor, [accident.customer_id], at(DAY, 10))
    assert [(a.rule, a.user) for a in rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts] == [
        (RULE, auditor)
    ]
    Alert.objects.all().delete()
    _set(accident, assignee=auditor)
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []


def test_silent_for_a_contact_the_user_recorded(claims_handler, strangers, hq_operator, case_reference_data):
    interaction_log(actor=claims_handler, customer=strangers[0], channel="phone", subject="通院状況の確認")
    sensitive(claims_handler, [strangers[0].pk], at(DAY, 10))
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []
    # Another user's contact is not this user's task.
    interaction_log(actor=hq_operator, customer=strangers[1], channel="phone", subject="ご相談")
    sensitive(claims_handler, [strangers[1].pk], at(DAY, 11))
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.rule, a.evidence["customer_ids"]) for a in result.alerts] == [(RULE, [strangers[1].pk])]


def test_silent_for_a_claim_the_user_handles_until_the_window_after_it_closed(
    claims_handler, holder, hq_operator, case_reference_data
):
    """The accident case closes when the claims department takes the claim over: the claim's handler
    keeps reading the policyholder's injuries while the claim runs, and that is their task."""
    customer, policy = holder
    claim = Claim.objects.create(
        number="J2026000001",
        policy=policy,
        accident_date=DAY - dt.timedelta(days=90),
        accident_place="東京都千代田区",
        accident_type="対人",
        reported_on=DAY - dt.timedelta(days=89),
        reported_via=ReportChannel.CALL_CENTER,
        status=ClaimStatus.INVESTIGATING,
        handler=claims_handler,
    )
    sensitive(claims_handler, [customer.pk], at(DAY, 10))
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []
    # Closed 40 days before the day (outside the 30-day window): no longer a task.
    writes.update_rows(
        Claim.objects.filter(pk=claim.pk),
        actor=None,
        reason="テストの前提",
        status=ClaimStatus.PAID,
        closed_on=DAY - dt.timedelta(days=40),
    )
    alerts = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts
    assert [(a.rule, a.evidence["customer_ids"]) for a in alerts] == [(RULE, [customer.pk])]
    # The pure rule: not before the claim was reported; still a task within the window after it closed.
    assert not rules.claim_is_task(DAY, None, day=DAY - dt.timedelta(days=1), since=at(DAY, 0))
    assert rules.claim_is_task(
        DAY - dt.timedelta(days=9), DAY - dt.timedelta(days=5), day=DAY, since=at(DAY, 0) - dt.timedelta(days=30)
    )


def test_a_case_closed_before_the_window_or_opened_later_is_no_task(claims_handler, accident, hq_operator):
    _set(accident, is_open=False, closed_at=dt.datetime.combine(DAY - dt.timedelta(days=31), dt.time(12), tzinfo=TZ))
    sensitive(claims_handler, [accident.customer_id], at(DAY, 10))
    assert [a.customers for a in rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts] == [1]
    Alert.objects.all().delete()
    # Closed 29 days before: inside the 30-day window, still the department's task.
    _set(accident, closed_at=dt.datetime.combine(DAY - dt.timedelta(days=29), dt.time(12), tzinfo=TZ))
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []
    # Opened after the day: not a task yet on that day.
    _set(accident, is_open=True, closed_at=None, opened_on=DAY + dt.timedelta(days=1))
    assert [a.customers for a in rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts] == [1]


def test_threshold_and_switch_off_through_rule_settings(claims_handler, strangers, hq_operator, departments):
    sensitive(claims_handler, [s.pk for s in strangers[:2]], at(DAY, 10))
    setting = RuleSetting.objects.create(rule=RULE, role=Role.CLAIMS_HANDLER, threshold=3, factor=1, window_days=30)
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []
    sensitive(claims_handler, [strangers[2].pk], at(DAY, 11))  # a third customer: 3 ≥ 3
    result = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY)
    assert [(a.customers, a.score) for a in result.alerts] == [(3, Decimal("1.00"))]
    assert "閾値 3人" in result.alerts[0].explanation
    Alert.objects.all().delete()
    setting.enabled = False
    setting.save()
    assert rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts == []
    # A more specific row (the department and the role) switches it on again for that department.
    RuleSetting.objects.create(
        rule=RULE,
        role=Role.CLAIMS_HANDLER,
        department=departments["claims"],
        threshold=1,
        factor=1,
        window_days=30,
    )
    assert [a.customers for a in rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts] == [3]


def test_view_rows_of_the_same_customers_are_not_sensitive_reads(claims_handler, strangers, hq_operator):
    reads(claims_handler, [s.pk for s in strangers], at(DAY, 10))  # purpose view only
    assert not [a for a in rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts if a.rule == RULE]


def test_the_task_check_is_set_based(claims_handler, hq_operator, case_reference_data):
    """The rule's queries do not grow with the customers read: one grouped query per day, then the task
    check of all customers together."""
    many = [make_customer(hq_operator, name=f"田中 {i}", name_kana="タナカ") for i in range(12)]
    ctx = detection.load_context(DAY, DAY)
    sensitive(claims_handler, [many[0].pk], at(DAY, 10))
    with CaptureQueriesContext(connection) as one:
        assert len(detection.sensitive_without_task(ctx)) == 1
    sensitive(claims_handler, [c.pk for c in many[1:]], at(DAY, 11))
    with CaptureQueriesContext(connection) as twelve:
        found = detection.sensitive_without_task(ctx)
    assert [f.explanation.count("12人") for f in found] == [1]
    assert len(twelve.captured_queries) == len(one.captured_queries) == 4  # grouped + cases + contacts + claims


def test_the_rules_query_reads_only_sensitive_rows_through_the_monitoring_index():
    label, sql, params = next(q for q in detection.sample_queries(DAY) if q[0] == RULE)
    assert params[0] == AccessPurpose.SENSITIVE.value
    if connection.vendor != "sqlite":
        pytest.skip("the plan of an empty PostgreSQL table is not the plan at scale (docs/benchmarks.md)")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(c) for row in cursor.fetchall() for c in row)
    assert "COVERING INDEX core_accesslog_monitoring (purpose=? AND at>? AND at<?)" in plan, (label, plan)


SINCE = dt.datetime(2026, 10, 11, 5, tzinfo=TZ)


@pytest.mark.parametrize(
    ("case", "task"),
    [
        (rules.CaseFact(1, 7, None, None, dt.date(2026, 11, 1), None), True),  # assigned to the user
        (rules.CaseFact(1, None, 3, None, dt.date(2026, 11, 1), None), True),  # the user's department
        (rules.CaseFact(1, None, None, 5, dt.date(2026, 11, 1), None), True),  # the user's agency
        (rules.CaseFact(1, 8, 4, 6, dt.date(2026, 11, 1), None), False),  # someone else's
        (rules.CaseFact(1, 7, None, None, dt.date(2026, 11, 11), None), False),  # opened after the day
        (rules.CaseFact(1, 7, None, None, dt.date(2026, 1, 5), SINCE), True),  # closed at the window's start
        (rules.CaseFact(1, 7, None, None, dt.date(2026, 1, 5), SINCE - dt.timedelta(seconds=1)), False),
    ],
)
def test_case_is_task(case, task):
    assert rules.case_is_task(case, user_id=7, department_id=3, agency_id=5, day=DAY, since=SINCE) is task


def test_no_organisation_matches_no_case_of_unknown_organisation():
    case = rules.CaseFact(1, None, None, None, dt.date(2026, 11, 1), None)
    assert rules.case_is_task(case, user_id=7, department_id=None, agency_id=None, day=DAY, since=SINCE) is False
    assert rules.contact_is_task(SINCE, since=SINCE) is True
    assert rules.contact_is_task(SINCE - dt.timedelta(seconds=1), since=SINCE) is False


def test_on_the_auditors_screens_and_in_the_monthly_report(auditor, claims_handler, strangers, hq_operator):
    from django.test import Client

    from tsunagu.compliance import reports

    sensitive(claims_handler, [strangers[0].pk], at(DAY, 10))
    (alert,) = rules_run(actor=hq_operator, date_from=DAY, date_to=DAY).alerts
    client = Client()
    client.force_login(auditor)
    queue = client.get("/compliance/alerts/", {"rule": RULE}).content.decode()
    assert "業務に関係のない機微情報の閲覧" in queue
    assert f"/compliance/alerts/{alert.pk}/" in queue
    page = client.get(f"/compliance/alerts/{alert.pk}/").content.decode()
    assert "機微情報の項目" in page
    assert "けが人の状況(1行)" in page
    settings_page = client.get("/compliance/settings/").content.decode()
    assert rules.DESCRIPTIONS[RULE] in settings_page
    monthly = reports.monthly(user=auditor, month=DAY)
    assert ["アラート: 業務に関係のない機微情報の閲覧", 1] in monthly.rows
