"""A complaint stays open while its そんぽADR procedure is pending (rule, service, screen, API), and the
ADR path through the API (read, refer, advance, conclude, Japanese errors, scope, sensitivity)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import PASSWORD
from tsunagu.cases import adr
from tsunagu.cases.choices import AdrResult, AdrStage, CaseStatus, CaseType
from tsunagu.cases.models import ComplaintCategory, ComplaintDetail
from tsunagu.cases.services import adr_advance, adr_conclude, adr_refer, case_transition, complaint_update

from .conftest import open_case

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


# --- the pure rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("referral", "blocked"),
    [
        (adr.Referral(), False),
        (adr.Referral(stage=adr.COMPLAINT, lodged_on=dt.date(2026, 1, 5)), True),
        (adr.Referral(stage=adr.DISPUTE, dispute_filed_on=dt.date(2026, 3, 1)), True),
        (adr.Referral(stage=adr.COMPLAINT, result="resolved", concluded_on=dt.date(2026, 2, 1)), False),
        (adr.Referral(stage=adr.DISPUTE, result="settled", concluded_on=dt.date(2026, 6, 1)), False),
    ],
)
def test_closing_problems(referral, blocked):
    problems = adr.closing_problems(referral)
    assert bool(problems) is blocked
    assert adr.is_open(referral) is blocked
    if blocked:
        assert adr.STAGE_LABELS[referral.stage] in problems[0]
        assert "完了・取下げにできません" in problems[0]


# --- the service, the screen and the API ----------------------------------------------------------


@pytest.fixture
def complaint(hq_operator, holder, complaints_officer):
    """A complaint in progress with cause and countermeasure recorded (so completion would pass)."""
    customer, policy = holder
    category = ComplaintCategory.objects.get(code="C3-03")
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=category.pk,
        customer_request="早く支払ってほしい",
        opened_on=days_ago(90),
    )
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)
    complaint_update(actor=complaints_officer, case=case, cause="連絡の遅れ", countermeasure="進捗連絡の徹底")
    case.refresh_from_db()
    return case


pytestmark = pytest.mark.django_db


def test_open_adr_blocks_completion_and_withdrawal_until_concluded(complaints_officer, complaint):
    adr_refer(
        actor=complaints_officer, case=complaint, notified_on=days_ago(20), lodged_on=days_ago(25), reference="A-1"
    )
    for status in (CaseStatus.COMPLETED, CaseStatus.WITHDRAWN):
        with pytest.raises(ValidationError) as refused:
            case_transition(actor=complaints_officer, case=complaint, to=status, resolution_summary="解決")
        assert "苦情解決手続が終了していない" in str(refused.value.message_dict["status"])
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.IN_PROGRESS
    assert complaint.is_open
    adr_conclude(actor=complaints_officer, case=complaint, result=AdrResult.RESOLVED, concluded_on=days_ago(1))
    case_transition(actor=complaints_officer, case=complaint, to=CaseStatus.COMPLETED, resolution_summary="解決")
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.COMPLETED
    assert not complaint.is_open


def test_complaint_without_adr_completes(complaints_officer, complaint):
    case_transition(actor=complaints_officer, case=complaint, to=CaseStatus.COMPLETED, resolution_summary="説明済み")
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.COMPLETED


def test_screen_shows_the_block(complaints_officer, complaint, client):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(3), lodged_on=days_ago(4), reference="B-2")
    complaint.refresh_from_db()
    client.login(username="complaints_officer", password=PASSWORD)
    response = client.post(
        f"/cases/{complaint.pk}/transition/",
        {"to": "completed", "resolution_summary": "解決", "version": complaint.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "そんぽADRの苦情解決手続が終了していないため" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.IN_PROGRESS


def test_api_walks_the_adr_path_and_blocks_completion(complaints_officer, complaint, client):
    client.login(username="complaints_officer", password=PASSWORD)
    base = f"/api/cases/{complaint.pk}/adr/"
    body = client.get(base).json()
    assert (body["stage"], body["is_open"], body["version"]) == ("", False, complaint.version)

    bad = client.post(
        base + "refer/",
        {"expected_version": body["version"], "notified_on": days_ago(5).isoformat(), "reference": ""},
        "application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["lodged_on"] == ["お客さまがADRセンターに申し出た日を入力してください。"]
    assert "ADR受付番号を入力してください。" in bad.json()["errors"]["reference"]
    assert ComplaintDetail.objects.get(case=complaint).adr_stage == ""

    not_a_date = client.post(base + "refer/", {"expected_version": 1, "lodged_on": "2026-13-40"}, "application/json")
    assert not_a_date.status_code == 422

    stale = client.post(
        base + "refer/",
        {
            "expected_version": body["version"] - 1,
            "notified_on": days_ago(5).isoformat(),
            "lodged_on": days_ago(6).isoformat(),
            "reference": "ADR-9",
        },
        "application/json",
    )
    assert stale.status_code == 409

    referred = client.post(
        base + "refer/",
        {
            "expected_version": body["version"],
            "notified_on": days_ago(5).isoformat(),
            "lodged_on": days_ago(6).isoformat(),
            "reference": "ADR-9",
        },
        "application/json",
    )
    assert referred.status_code == 200, referred.content
    body = referred.json()
    assert body["stage"] == AdrStage.COMPLAINT
    assert body["stage_label"] == "苦情解決手続"
    assert body["day60_mark"] == (days_ago(6) + dt.timedelta(days=60)).isoformat()
    assert body["reference"] == "ADR-9"
    assert body["is_open"] is True

    case_version = client.get(f"/api/cases/{complaint.pk}/").json()["version"]
    assert case_version == body["version"]
    blocked = client.post(
        f"/api/cases/{complaint.pk}/transition/",
        {"to": "completed", "expected_version": case_version, "resolution_summary": "解決"},
        "application/json",
    )
    assert blocked.status_code == 400
    assert "苦情解決手続が終了していない" in blocked.json()["errors"]["status"][0]

    advanced = client.post(
        base + "advance/",
        {"expected_version": body["version"], "dispute_filed_on": days_ago(2).isoformat()},
        "application/json",
    )
    assert advanced.status_code == 200, advanced.content
    body = advanced.json()
    assert body["proposal_target"] == adr.proposal_target(days_ago(2)).isoformat()

    wrong_result = client.post(
        base + "conclude/",
        {"expected_version": body["version"], "result": "resolved", "concluded_on": days_ago(1).isoformat()},
        "application/json",
    )
    assert wrong_result.status_code == 400
    assert wrong_result.json()["errors"]["result"] == ["紛争解決手続の結果として選べない値です。"]
    concluded = client.post(
        base + "conclude/",
        {
            "expected_version": body["version"],
            "result": "settled",
            "concluded_on": days_ago(1).isoformat(),
            "outcome_note": "和解",
        },
        "application/json",
    )
    assert concluded.status_code == 200, concluded.content
    body = concluded.json()
    assert (body["result_label"], body["is_open"], body["outcome"]) == ("和解", False, "和解")
    done = client.post(
        f"/api/cases/{complaint.pk}/transition/",
        {"to": "completed", "expected_version": body["version"], "resolution_summary": "和解成立"},
        "application/json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"


def test_api_scope_permission_and_sensitivity(complaints_officer, complaint, hq_operator, agency_b_staff, client):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(3), lodged_on=days_ago(4), reference="S-1")
    client.login(username="hq_operator", password=PASSWORD)
    body = client.get(f"/api/cases/{complaint.pk}/adr/").json()
    assert body["stage"] == "complaint"
    assert body["reference"] is None
    assert body["outcome"] is None
    refused = client.post(
        f"/api/cases/{complaint.pk}/adr/advance/",
        {"expected_version": body["version"], "dispute_filed_on": days_ago(1).isoformat()},
        "application/json",
    )
    assert refused.status_code == 403
    assert not refused.json()["detail"].isascii()
    client.logout()
    client.login(username="agency_b_staff", password=PASSWORD)
    assert client.get(f"/api/cases/{complaint.pk}/adr/").status_code == 404


def test_api_adr_of_a_non_complaint_is_404(hq_operator, holder, client):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    client.login(username="hq_operator", password=PASSWORD)
    assert client.get(f"/api/cases/{case.pk}/adr/").status_code == 404


def test_the_conclude_form_offers_only_the_results_of_the_current_stage(complaints_officer, complaint, client):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(20), lodged_on=days_ago(25), reference="C")
    client.login(username="complaints_officer", password=PASSWORD)

    def offered() -> set[str]:
        page = client.get(f"/cases/{complaint.pk}/").content.decode()
        start = page.index('name="result"')
        return set(re.findall(r'<option value="([a-z_]+)"', page[start : page.index("</select>", start)]))

    assert offered() == {"resolved", "withdrawn", "not_accepted", "failed"}
    adr_advance(actor=complaints_officer, case=complaint, dispute_filed_on=days_ago(2))
    assert offered() == {"settled", "special_conciliation", "failed", "withdrawn"}
