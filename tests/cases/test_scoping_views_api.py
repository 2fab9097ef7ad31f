"""Scoping with the personas, the screens and the REST API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.conftest import PASSWORD, make_customer, make_policy, read
from tsunagu.cases import selectors
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.cases.services import case_add_note, case_transition
from tsunagu.core.models import AccessLog

from .conftest import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(hq_operator, holder, org):
    """One case on agency A's policy, one on a direct policy of a customer of agency A."""
    customer, policy = holder
    a_case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="switch")
    direct = make_policy(hq_operator, customer, agency=None)
    direct_case = open_case(hq_operator, customer, direct, CaseType.POLICY_REISSUE)
    return a_case, direct_case


def test_agency_staff_see_only_their_agency_cases(agency_a_staff, agency_b_staff, hq_operator, cases):
    a_case, direct_case = cases
    assert set(Case.objects.visible_to(hq_operator)) == {a_case, direct_case}
    assert list(Case.objects.visible_to(agency_a_staff)) == [a_case]
    assert not Case.objects.visible_to(agency_b_staff).exists()
    with pytest.raises(Http404):
        selectors.case_get(user=agency_b_staff, pk=a_case.pk)
    with pytest.raises(PermissionDenied):
        case_add_note(actor=agency_b_staff, case=a_case, text="見えないはず")
    with pytest.raises(PermissionDenied):
        case_transition(actor=agency_b_staff, case=a_case, to=CaseStatus.IN_PROGRESS)
    a_case.refresh_from_db()
    assert a_case.status == CaseStatus.RECEIVED
    assert a_case.events.count() == 1


def test_agency_staff_can_open_and_work_their_cases(agency_a_staff, holder, client):
    customer, policy = holder
    case = open_case(agency_a_staff, customer, policy, CaseType.INQUIRY, "contract", question="満期は？")
    assert case.agency == policy.agency
    client.login(username="agency_a_staff", password=PASSWORD)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_agency_b_gets_404_on_screens_and_api(agency_b_staff, cases, client):
    a_case, _ = cases
    client.login(username="agency_b_staff", password=PASSWORD)
    assert client.get(f"/cases/{a_case.pk}/").status_code == 404
    assert client.post(f"/cases/{a_case.pk}/note/", {"text": "x"}).status_code == 404
    assert client.get(f"/api/cases/{a_case.pk}/").status_code == 404
    assert client.get("/api/cases/").json()["total"] == 0
    assert client.get(f"/cases/new/?customer={a_case.customer_id}&type=inquiry").status_code == 404


def test_complaint_sensitive_notes_only_for_officers_and_compliance(
    hq_operator, complaints_officer, auditor, holder, client
):
    from tsunagu.cases.services import complaint_update

    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C1-01").pk,
        customer_request="説明が足りなかった",
    )
    complaint_update(actor=complaints_officer, case=case, fact_finding="募集人の説明記録なし")
    for username, visible in (("hq_operator", False), ("complaints_officer", True), ("auditor", True)):
        client.login(username=username, password=PASSWORD)
        body = client.get(f"/cases/{case.pk}/").content.decode()
        assert ("募集人の説明記録なし" in body) is visible, username


def test_screens_render_and_log_access(hq_operator, holder, departments, client):
    customer, policy = holder
    client.login(username="hq_operator", password=PASSWORD)
    assert "事故受付" in client.get(f"/cases/new/?customer={customer.pk}").content.decode()
    for case_type in CaseType.values:
        assert client.get(f"/cases/new/?customer={customer.pk}&type={case_type}").status_code == 200
    response = client.post(
        f"/cases/new/?customer={customer.pk}&type=accident",
        {
            "channel": "phone",
            "policy": policy.pk,
            "sub_type": "auto",
            "subject": "追突事故",
            "priority": "high",
            "occurred_at": "2026-05-30T10:00",
            "place": "交差点",
            "accident_type": "対物",
            "accident_description": "後方から追突",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    before = AccessLog.objects.count()
    queue = client.get(f"/cases/queue/?department={departments['claims'].pk}").content.decode()
    assert case.number in queue
    assert AccessLog.objects.count() == before + 1
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "損害サービス部" in detail
    assert case.claim.number in detail
    for url in ("/cases/mine/", "/cases/overdue/", "/cases/faq/?q=控除証明書"):
        assert client.get(url).status_code == 200
    assert "地震保険料控除証明書の再発行" in client.get("/cases/faq/?q=控除証明書").content.decode()


def test_refused_transition_on_screen_shows_message(hq_operator, holder, client):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    client.login(username="hq_operator", password=PASSWORD)
    response = client.post(
        f"/cases/{case.pk}/transition/",
        {"to": "completed", "resolution_summary": "x", "version": case.version},
        follow=True,
    )
    assert "「受付」から「完了」に変更できません" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_api_create_list_read_transition(hq_operator, holder, departments, client):
    customer, policy = holder
    client.login(username="hq_operator", password=PASSWORD)
    response = client.post(
        "/api/cases/",
        {
            "case_type": "accident",
            "sub_type": "auto",
            "channel": "phone",
            "customer_id": customer.pk,
            "policy_id": policy.pk,
            "subject": "API事故受付",
            "extra": {
                "occurred_at": timezone.now().replace(microsecond=0).isoformat(),
                "place": "駐車場",
                "accident_type": "対物",
                "description": "接触",
            },
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department"] == "損害サービス部"
    assert body["claim_id"]
    listed = client.get("/api/cases/", {"department_id": departments["claims"].pk}).json()
    assert [c["number"] for c in listed["results"]] == [body["number"]]
    assert client.get(f"/api/cases/{body['id']}/").json()["status"] == "received"
    assert body["version"] == 1
    refused = client.post(
        f"/api/cases/{body['id']}/transition/", {"to": "completed", "expected_version": 1}, "application/json"
    )
    assert refused.status_code == 400
    assert "変更できません" in refused.json()["errors"]["status"][0]
    moved = client.post(
        f"/api/cases/{body['id']}/transition/", {"to": "in_progress", "expected_version": 1}, "application/json"
    )
    assert moved.json()["status_label"] == "対応中"
    bad = client.post(
        "/api/cases/",
        {"case_type": "accident", "channel": "phone", "customer_id": customer.pk, "subject": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "契約を指定" in bad.json()["errors"]["policy"][0]


def test_overdue_summary_and_customer_selectors(hq_operator, holder, departments):
    customer, _policy = holder
    old = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?", opened_on=dt.date(2026, 1, 5))
    from tsunagu.cases.services import case_assign

    case_assign(actor=hq_operator, case=old, assignee=hq_operator)
    summary = selectors.overdue_summary_for_user(user=hq_operator, today=dt.date(2026, 6, 1))
    assert summary["mine"] == 1
    assert summary["team"] == 1
    customer = read(hq_operator, customer)
    assert selectors.open_case_count_for_customer(user=hq_operator, customer=customer) == 1
    assert selectors.case_list_for_customer(user=hq_operator, customer=customer) == [old]
    assert selectors.case_events_for_customer(user=hq_operator, customer=customer)[0].case == old
    breakdown = selectors.overdue_breakdown(user=hq_operator, today=dt.date(2026, 6, 1))
    assert breakdown["person"][0]["n"] == 1
    other = make_customer(hq_operator, name="別 顧客", name_kana="ベツ コキャク")
    assert selectors.open_case_count_for_customer(user=hq_operator, customer=read(hq_operator, other)) == 0
