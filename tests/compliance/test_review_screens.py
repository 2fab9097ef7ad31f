"""The review queue and alert page, the manager's answer, thresholds, reports and access-right reviews."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from openpyxl import load_workbook

from tests.compliance.conftest import DAY, at, reads
from tests.conftest import _user
from tsunagu.compliance.choices import AlertStatus, ReviewDecision
from tsunagu.compliance.models import Alert, ReasonRequest, ReviewCampaign, RuleSetting
from tsunagu.compliance.services import review_open, rules_run
from tsunagu.core.choices import AccessPurpose, AuditAction, Role
from tsunagu.core.models import AccessLog, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, auditor, hq_operator, agency_a_staff):
    manager = _user("cc_manager", [Role.OPERATOR], department=org["call_center"])
    other_manager = _user("other_manager", [Role.OPERATOR], department=org["call_center"])
    hq_operator.manager = manager
    hq_operator.save()
    bystander = _user(
        "bystander",
        [Role.OPERATOR],
        department=org["call_center"],
    )
    bystander.manager = other_manager
    bystander.save()
    return {"auditor": auditor, "operator": hq_operator, "manager": manager, "other_manager": other_manager}


@pytest.fixture
def alert(people, case_reference_data):
    reads(people["operator"], range(1, 16), at(DAY, 23))
    (found,) = rules_run(actor=people["auditor"], date_from=DAY, date_to=DAY).created
    return found


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_alerts_for_auditors_only(alert, people, agency_a_staff):
    page = client_for(people["auditor"]).get("/compliance/alerts/")
    assert page.status_code == 200
    assert "業務時間外の閲覧" in page.content.decode()
    for other in (people["operator"], people["manager"], agency_a_staff):
        assert client_for(other).get("/compliance/alerts/").status_code == 403
        assert client_for(other).get(f"/compliance/alerts/{alert.pk}/").status_code == 403


def test_assign_ask_the_manager_who_answers_then_conclude(alert, people):
    auditor = client_for(people["auditor"])
    page = auditor.get(f"/compliance/alerts/{alert.pk}/")
    assert alert.explanation in page.content.decode()
    response = auditor.post(f"/compliance/alerts/{alert.pk}/assign/", {"assignee": people["auditor"].pk})
    assert response.status_code == 302
    # An empty question: the same page, the bound form, a Japanese error.
    response = auditor.post(f"/compliance/alerts/{alert.pk}/ask/", {"question": ""})
    assert response.status_code == 200
    assert "照会内容を入力してください。" in response.content.decode()
    response = auditor.post(
        f"/compliance/alerts/{alert.pk}/ask/", {"question": "23時以降の閲覧の理由を教えてください。"}
    )
    assert response.status_code == 302
    request = ReasonRequest.objects.get(alert=alert)
    assert request.manager == people["manager"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.WAITING_REASON
    # The manager sees it on their page (and in the menu); another manager does not, and cannot open it.
    manager = client_for(people["manager"])
    page = manager.get("/compliance/manager/").content.decode()
    assert "回答する" in page
    assert "上長の確認" in page
    other = client_for(people["other_manager"])
    assert "回答する" not in other.get("/compliance/manager/").content.decode()
    assert other.get(f"/compliance/manager/requests/{request.pk}/").status_code == 404
    assert other.post(f"/compliance/manager/requests/{request.pk}/", {"answer": "x"}).status_code == 404
    assert client_for(people["operator"]).get("/compliance/manager/").status_code == 403  # has no staff
    response = manager.post(f"/compliance/manager/requests/{request.pk}/", {"answer": ""})
    assert response.status_code == 200
    assert "業務上の理由を入力してください。" in response.content.decode()
    response = manager.post(
        f"/compliance/manager/requests/{request.pk}/", {"answer": "夜間の障害対応で顧客に連絡しました。"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.IN_REVIEW
    assert "夜間の障害対応" in auditor.get(f"/compliance/alerts/{alert.pk}/").content.decode()
    response = auditor.post(f"/compliance/alerts/{alert.pk}/conclude/", {"conclusion": "justified", "comment": ""})
    assert response.status_code == 200
    response = auditor.post(
        f"/compliance/alerts/{alert.pk}/conclude/", {"conclusion": "justified", "comment": "障害対応記録と一致"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.conclusion) == (AlertStatus.CLOSED, "justified")
    assert alert.history.count() >= 4
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.COMPLIANCE_ALERT_ASSIGN,
        AuditAction.COMPLIANCE_ALERT_ASK_REASON,
        AuditAction.COMPLIANCE_REASON_ANSWER,
        AuditAction.COMPLIANCE_ALERT_CONCLUDE,
    } <= actions


def test_asking_without_a_manager_explains_what_to_do(people, org, case_reference_data):
    lone = _user("lone", [Role.OPERATOR], department=org["call_center"])
    reads(lone, range(1, 16), at(DAY, 23))
    (alert,) = rules_run(actor=people["auditor"], date_from=DAY, date_to=DAY).created
    response = client_for(people["auditor"]).post(f"/compliance/alerts/{alert.pk}/ask/", {"question": "理由は?"})
    assert response.status_code == 200
    assert "上長が登録されていません" in response.content.decode()


def test_thresholds_are_edited_with_history(people):
    auditor = client_for(people["auditor"])
    assert auditor.get("/compliance/settings/").status_code == 200
    data = {
        "rule": "outside_hours",
        "role": "operator",
        "enabled": "on",
        "threshold": "20",
        "factor": "1",
        "window_days": "1",
        "business_start": "20",
        "business_end": "8",
    }
    response = auditor.post("/compliance/settings/new/", data)
    assert response.status_code == 200
    assert "業務終了は業務開始より後" in response.content.decode()
    response = auditor.post("/compliance/settings/new/", {**data, "business_start": "7", "business_end": "22"})
    assert response.status_code == 302
    setting = RuleSetting.objects.get()
    assert setting.history.first().history_user == people["auditor"]
    assert client_for(people["operator"]).get("/compliance/settings/").status_code == 403


def test_who_saw_this_customer_report_screen_xlsx_and_pdf(people, customer_a, agency_a_staff):
    reads(agency_a_staff, [customer_a.pk] * 3, at(DAY, 10))
    auditor = client_for(people["auditor"])
    query = {"kind": "who_saw", "customer": customer_a.number, "date_from": "2026-11-01", "date_to": "2026-11-30"}
    page = auditor.get("/compliance/reports/", query)
    assert page.status_code == 200
    assert "agency_a_staff" in page.content.decode()
    assert AccessLog.objects.filter(user=people["auditor"], customer_id=customer_a.pk).exists()
    workbook = auditor.get("/compliance/reports/", {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "agency_a_staff" in values
    assert AccessLog.objects.filter(user=people["auditor"], purpose=AccessPurpose.EXPORT).exists()
    pdf = auditor.get("/compliance/reports/", {**query, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.COMPLIANCE_REPORT_EXPORT).count() == 2
    missing = auditor.get("/compliance/reports/", {**query, "customer": ""})
    assert "顧客番号を入力してください" in missing.content.decode()


@pytest.mark.parametrize("kind", ["by_user", "by_screen", "exports", "changes", "monthly"])
def test_period_reports_render(people, kind, agency_a_staff):
    reads(agency_a_staff, [1, 2], at(DAY, 10))
    response = client_for(people["auditor"]).get(
        "/compliance/reports/", {"kind": kind, "date_from": "2026-11-01", "date_to": "2026-11-30"}
    )
    assert response.status_code == 200
    assert "data-report" in response.content.decode()


def test_access_right_review_confirm_revoke_and_flag(people):
    auditor = client_for(people["auditor"])
    deadline = dt.date.today() + dt.timedelta(days=14)
    response = auditor.post("/compliance/reviews/", {"title": "2026年度下期", "deadline": deadline.isoformat()})
    assert response.status_code == 302
    campaign = ReviewCampaign.objects.get()
    operator_item = campaign.items.get(staff=people["operator"])
    assert operator_item.reviewer == people["manager"]
    manager = client_for(people["manager"])
    page = manager.get("/compliance/manager/").content.decode()
    assert "hq_operator" in page
    assert "bystander" not in page
    response = manager.post(f"/compliance/manager/reviews/{operator_item.pk}/", {"decision": "revoke", "comment": ""})
    assert response.status_code == 200
    assert "取消の理由を入力してください。" in response.content.decode()
    response = manager.post(
        f"/compliance/manager/reviews/{operator_item.pk}/", {"decision": "revoke", "comment": "異動予定のため"}
    )
    assert response.status_code == 302
    people["operator"].refresh_from_db()
    assert Role.OPERATOR.value not in set(people["operator"].groups.values_list("name", flat=True))
    other_item = campaign.items.exclude(staff=people["operator"]).filter(reviewer=people["other_manager"]).get()
    assert manager.post(f"/compliance/manager/reviews/{other_item.pk}/", {"decision": "keep"}).status_code == 404
    response = auditor.post(f"/compliance/reviews/{campaign.pk}/close/", {"confirm": "1"})
    assert response.status_code == 302
    other_item.refresh_from_db()
    assert other_item.decision == ReviewDecision.FLAGGED
    assert "期限までに未確認" in auditor.get(f"/compliance/reviews/{campaign.pk}/").content.decode()


def test_a_campaign_needs_a_future_deadline(people):
    response = client_for(people["auditor"]).post("/compliance/reviews/", {"title": "x", "deadline": "2020-01-01"})
    assert response.status_code == 200
    assert "期限は明日以降の日付にしてください。" in response.content.decode()
    with pytest.raises(PermissionDenied):
        review_open(actor=people["operator"], title="x", deadline=dt.date.today() + dt.timedelta(days=3))
    assert not Alert.objects.exists()
