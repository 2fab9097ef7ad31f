"""The home page per role, and what it logs (defect 13: one row per customer listed, every time)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import open_case
from tests.conftest import _user, make_customer, make_policy
from tsunagu.cases.choices import CaseType
from tsunagu.core import writes
from tsunagu.core.access_log import LIST_REPEAT_WINDOW, PastRead, log_access_backfill, log_list, verify_chain
from tsunagu.core.choices import AccessPurpose, DepartmentKind, Role
from tsunagu.core.models import AccessLog, Department
from tsunagu.interactions.services import interaction_log

HOME = "ホーム"
# An operator's home: counts, panels, menu badges, session (18 measured 2026-12-05); +2 for the unread
# 回覧 panel and menu badge of お客様の声, +1 for the survey follow-ups.
HOME_QUERY_BUDGET = 23


@pytest.fixture
def people(org, hq_operator, agency_a_staff, auditor):
    claims = Department.objects.create(code="CL", name="損害サービス部", kind=DepartmentKind.CLAIMS)
    policy_admin = Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN)
    relations = Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS)
    crm = Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM)
    return {
        "operator": hq_operator,
        "agency": agency_a_staff,
        "auditor": auditor,
        "claims": _user("claims", [Role.CLAIMS_HANDLER], department=claims),
        "policy_admin": _user("policy_admin", [Role.OPERATOR], department=policy_admin),
        "complaints": _user("complaints", [Role.COMPLAINTS_OFFICER], department=relations),
        "steward": _user("steward", [Role.DATA_STEWARD], department=crm),
        "analyst": _user("analyst", [Role.ANALYST], department=crm),
    }


def _overdue_case_for(user, customer, policy, case_type=CaseType.INQUIRY, sub_type="contract", days=3, **extra):
    case = open_case(user, customer, policy, case_type, sub_type, **extra)
    case.assignee = user
    case.due_date = timezone.localdate() - dt.timedelta(days=days)
    writes.save(case, actor=user, clean=False)
    return case


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_the_panels_it_acts_on(client, people, org, case_reference_data):
    expected = {
        "operator": ["home-my-cases", "home-department", "home-contacts"],
        "agency": ["home-my-cases", "home-contacts"],
        "claims": ["home-my-cases", "home-department", "home-claims", "home-contacts"],
        "policy_admin": ["home-my-cases", "home-department", "home-policy-admin", "home-contacts"],
        "complaints": ["home-my-cases", "home-department", "home-complaints", "home-contacts"],
        "steward": ["home-steward"],
        "analyst": ["home-analyst"],
        "auditor": ["home-auditor"],
    }
    every = {panel for panels in expected.values() for panel in panels}
    for persona, panels in expected.items():
        body = _home(client, people[persona])
        for panel in every:
            assert (f'id="{panel}"' in body) == (panel in panels), (persona, panel)


def test_my_cases_show_the_deadline_and_days_overdue_in_red(client, people, org, case_reference_data):
    operator = people["operator"]
    customer = make_customer(operator, name="期限 超子")
    policy = make_policy(operator, customer, agency=org["agency_a"])
    case = _overdue_case_for(operator, customer, policy, days=4, question="補償は？")
    body = _home(client, operator)
    assert case.number in body
    assert '<span class="badge danger">期限超過 4日</span>' in body
    assert "期限 超子" in body


def test_the_policy_admin_sees_pending_changes_and_cancellations(client, people, org, case_reference_data):
    operator = people["operator"]
    customer = make_customer(operator, name="解約 申子")
    policy = make_policy(operator, customer, agency=org["agency_a"])
    open_case(operator, customer, policy, CaseType.CANCELLATION, reason="sold")
    body = _home(client, people["policy_admin"])
    assert "処理待ちの異動・解約" in body
    assert "解約申出 <strong>1件</strong>" in body
    assert "解約 申子" in body


def test_the_analyst_sees_counts_and_no_personal_data(client, people, org, case_reference_data):
    operator = people["operator"]
    customer = make_customer(operator, name="集計 対象子")
    make_policy(operator, customer, agency=org["agency_a"])
    before = AccessLog.objects.count()
    body = _home(client, people["analyst"])
    assert "有効契約(商品別)" in body
    assert "自動車保険" in body
    assert "集計 対象子" not in body
    assert AccessLog.objects.count() == before  # nothing personal shown, nothing logged


def test_the_auditor_sees_todays_log_and_reads_outside_business_hours(client, people, org):
    operator = people["operator"]
    customer = make_customer(operator, name="監査 対象")
    now = timezone.localtime()
    night = (now - dt.timedelta(days=1)).replace(hour=23, minute=30)
    log_access_backfill([PastRead(at=night, user=operator, customer_ids=(customer.pk,), purpose=AccessPurpose.VIEW)])
    body = _home(client, people["auditor"])
    assert 'id="home-auditor"' in body
    assert "時間外" in body
    assert "hq_operator" in body


# --- Defect 13: what a list view logs ---------------------------------------------------------------


def test_the_home_page_logs_the_customers_it_lists_once_within_the_window(client, people, org, case_reference_data):
    """Before: every load of the home page wrote a row per customer in 最近のコンタクト (15 rows a
    load, for contacts of the whole company). Now the page lists the user's own contacts and cases,
    logs each customer shown once, and a reload within the window writes nothing new."""
    operator, other = people["operator"], people["policy_admin"]
    mine = [make_customer(operator, name=f"自分 {i}号") for i in range(3)]
    theirs = make_customer(operator, name="他人 対応")
    for customer in mine:
        interaction_log(actor=operator, customer=customer, channel="phone", subject="ご相談")
    interaction_log(actor=other, customer=theirs, channel="phone", subject="ご相談")

    def home_rows():
        return list(AccessLog.objects.filter(user=operator, screen=HOME).values_list("customer_id", "purpose"))

    body = _home(client, operator)
    assert "他人 対応" not in body  # someone else's contact is not on my home page
    assert sorted(home_rows()) == sorted((c.pk, AccessPurpose.LIST) for c in mine)
    _home(client, operator)
    _home(client, operator)
    assert len(home_rows()) == 3  # reloads within the window log nothing new
    rows, problem = verify_chain()
    assert problem is None
    assert rows >= 3


def test_log_list_writes_again_after_the_window_and_per_screen(people):
    operator = people["operator"]
    a, b = make_customer(operator, name="窓 一"), make_customer(operator, name="窓 二")
    assert log_list(user=operator, customer_ids=[a.pk, b.pk, None], screen="一覧") == 2
    assert log_list(user=operator, customer_ids=[a.pk, b.pk], screen="一覧") == 0
    assert log_list(user=operator, customer_ids=[a.pk], screen="別の一覧") == 1  # another screen is another read
    assert log_list(user=operator, customer_ids=[a.pk], screen="一覧", window=dt.timedelta(0)) == 1
    old = AccessLog.objects.filter(user=operator, screen="一覧").order_by("id").first()
    assert old is not None
    assert timezone.now() - old.at < LIST_REPEAT_WINDOW
    assert log_list(user=operator, customer_ids=[], screen="一覧") == 0


@pytest.mark.parametrize("rows", [1, 8])
def test_the_home_page_query_count_does_not_grow_with_what_it_lists(client, people, org, case_reference_data, rows):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operator = people["operator"]
    for i in range(rows):
        customer = make_customer(operator, name=f"件数 {i}")
        policy = make_policy(operator, customer, agency=org["agency_a"])
        _overdue_case_for(operator, customer, policy, days=i + 1, question="補償は？")
        interaction_log(actor=operator, customer=customer, channel="phone", subject="ご相談")
    client.force_login(operator)
    client.get(reverse("desk:home"))  # the session's first page
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("desk:home")).status_code == 200
    assert len(queries) <= HOME_QUERY_BUDGET, [q["sql"][:120] for q in queries.captured_queries]
