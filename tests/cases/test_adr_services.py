"""The ADR path on complaint cases: services, the case page's ADR panel, scoping and the reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tsunagu.cases.choices import AdrResult, AdrStage, CaseType
from tsunagu.cases.models import CaseTask, ComplaintCategory, ComplaintDetail
from tsunagu.cases.services import (
    adr_advance,
    adr_conclude,
    adr_refer,
    adr_reminders_create,
    complaint_report_to_insurer,
)
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent

from .conftest import open_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def complaint(hq_operator, holder):
    """A complaint on agency A's policy (so agency-origin), received 90 days ago."""
    customer, policy = holder
    category = ComplaintCategory.objects.get(code="C3-03")
    return open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=category.pk,
        customer_request="早く支払ってほしい",
        opened_on=days_ago(90),
    )


def test_refer_advance_conclude_with_history_audit_and_timeline(complaints_officer, complaint):
    detail = adr_refer(
        actor=complaints_officer, case=complaint, notified_on=days_ago(70), lodged_on=days_ago(75), reference="ADR-77"
    )
    assert detail.adr_stage == AdrStage.COMPLAINT
    assert detail.history.first().history_user == complaints_officer
    adr_advance(actor=complaints_officer, case=complaint, dispute_filed_on=days_ago(10))
    detail = adr_conclude(
        actor=complaints_officer,
        case=complaint,
        result=AdrResult.SETTLED,
        concluded_on=days_ago(1),
        outcome_note="謝罪のうえ和解",
    )
    detail.refresh_from_db()
    assert (detail.adr_stage, detail.adr_result, detail.adr_outcome) == ("dispute", "settled", "謝罪のうえ和解")
    actions = list(
        AuditEvent.objects.filter(target_id=str(complaint.pk)).values_list("action", flat=True).order_by("id")
    )
    assert actions[-3:] == [AuditAction.CASE_ADR_REFER, AuditAction.CASE_ADR_ADVANCE, AuditAction.CASE_ADR_CONCLUDE]
    timeline = " ".join(complaint.events.values_list("summary", flat=True))
    assert "紛争解決手続に移行した" in timeline
    assert "ADR-77" not in timeline  # the case number is sensitive
    assert "謝罪のうえ和解" not in timeline
    assert detail.history.count() >= 4


def test_stage_cannot_go_back_and_nothing_changes(complaints_officer, complaint):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(5), lodged_on=days_ago(8), reference="X")
    adr_advance(actor=complaints_officer, case=complaint, dispute_filed_on=days_ago(2))
    with pytest.raises(ValidationError) as refused:
        adr_advance(actor=complaints_officer, case=complaint, dispute_filed_on=days_ago(1))
    assert "戻せません" in str(refused.value)
    with pytest.raises(ValidationError, match="既に"):
        adr_refer(
            actor=complaints_officer, case=complaint, notified_on=days_ago(1), lodged_on=days_ago(1), reference="Y"
        )
    with pytest.raises(ValidationError) as refused:
        adr_conclude(actor=complaints_officer, case=complaint, result=AdrResult.RESOLVED, concluded_on=days_ago(1))
    assert "選べない" in str(refused.value)
    detail = ComplaintDetail.objects.get(case=complaint)
    assert (detail.adr_stage, detail.adr_dispute_filed_on, detail.adr_reference, detail.adr_result) == (
        "dispute",
        days_ago(2),
        "X",
        "",
    )


def test_future_dates_are_refused_in_japanese(complaints_officer, complaint):
    with pytest.raises(ValidationError) as refused:
        adr_refer(
            actor=complaints_officer,
            case=complaint,
            notified_on=TODAY + dt.timedelta(days=1),
            lodged_on=days_ago(1),
            reference="X",
        )
    assert refused.value.message_dict["notified_on"] == ["通知日に未来の日付は入力できません。"]
    assert ComplaintDetail.objects.get(case=complaint).adr_stage == ""


def test_only_the_complaints_desk_records_adr_and_outsiders_are_refused(
    hq_operator, agency_a_staff, agency_b_staff, complaints_officer, complaint
):
    for actor in (hq_operator, agency_a_staff):
        with pytest.raises(PermissionDenied, match="苦情対応担当"):
            adr_refer(actor=actor, case=complaint, notified_on=days_ago(1), lodged_on=days_ago(2), reference="X")
    with pytest.raises(PermissionDenied):
        complaint_report_to_insurer(actor=agency_b_staff, case=complaint, reported_on=days_ago(1))
    assert ComplaintDetail.objects.get(case=complaint).reported_to_insurer_on is None


def test_agency_reports_its_complaint_to_the_insurer_once(agency_a_staff, complaint):
    with pytest.raises(ValidationError) as refused:
        complaint_report_to_insurer(actor=agency_a_staff, case=complaint, reported_on=days_ago(100))
    assert "受付日" in str(refused.value)
    complaint_report_to_insurer(actor=agency_a_staff, case=complaint, reported_on=days_ago(80))
    with pytest.raises(ValidationError, match="報告済み"):
        complaint_report_to_insurer(actor=agency_a_staff, case=complaint, reported_on=days_ago(1))
    assert AuditEvent.objects.filter(action=AuditAction.CASE_INSURER_REPORT, target_id=str(complaint.pk)).count() == 1


def test_reminders_are_created_once_and_the_command_reports_them(complaints_officer, agency_a_staff, complaint):
    # lodged 58 days ago: the 60-day mark is 2 days away, inside the 5-business-day reminder period
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(50), lodged_on=days_ago(58), reference="X")
    created = adr_reminders_create(actor=complaints_officer, on=TODAY)
    # also the insurer report: an agency-origin complaint received 90 days ago and not reported
    assert dict(created) == {"adr_day60": 1, "insurer_report": 1}
    task = CaseTask.objects.get(case=complaint, reminder_key="adr_day60")
    assert task.due_date == days_ago(58) + dt.timedelta(days=60)
    assert "60日経過" in task.title
    assert adr_reminders_create(actor=complaints_officer, on=TODAY) == {}
    assert CaseTask.objects.filter(case=complaint).exclude(reminder_key="").count() == 2
    call_command("adr_reminders", "--date", TODAY.isoformat())
    assert CaseTask.objects.filter(case=complaint).exclude(reminder_key="").count() == 2


def test_reminder_waits_until_the_reminder_period(complaints_officer, complaint):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(5), lodged_on=days_ago(10), reference="X")
    assert "adr_day60" not in adr_reminders_create(actor=complaints_officer, on=TODAY)
    assert "adr_day60" in adr_reminders_create(actor=complaints_officer, on=TODAY + dt.timedelta(days=50))


def test_reminder_command_date_error_is_japanese():
    with pytest.raises(CommandError, match="YYYY-MM-DD 形式"):
        call_command("adr_reminders", "--date", "2026/13/01")


def test_case_page_shows_the_adr_panel_to_the_desk(client, complaints_officer, agency_b_staff, complaint):
    adr_refer(
        actor=complaints_officer, case=complaint, notified_on=days_ago(50), lodged_on=days_ago(58), reference="ADR-9"
    )
    client.force_login(complaints_officer)
    page = client.get(f"/cases/{complaint.pk}/").content.decode()
    mark = days_ago(58) + dt.timedelta(days=60)
    assert "苦情解決手続" in page
    assert f"{mark:%Y/%m/%d}" in page
    assert "あと2日" in page
    assert "ADR-9" in page
    assert "紛争解決手続に移行" in page  # the advance form
    client.force_login(agency_b_staff)
    assert client.get(f"/cases/{complaint.pk}/").status_code == 404
    response = client.post(f"/cases/{complaint.pk}/adr/advance/", {"dispute_filed_on": TODAY.isoformat()})
    assert response.status_code == 404


def test_agency_staff_see_the_stage_but_not_the_adr_number(client, complaints_officer, agency_a_staff, complaint):
    adr_refer(
        actor=complaints_officer, case=complaint, notified_on=days_ago(5), lodged_on=days_ago(8), reference="ADR-9"
    )
    client.force_login(agency_a_staff)
    page = client.get(f"/cases/{complaint.pk}/").content.decode()
    assert "苦情解決手続" in page
    assert "ADR-9" not in page
    assert "ADR手続の終了を記録" not in page  # the desk's forms
    assert "報告日を記録" in page  # the agency reports its complaint to the insurer


def test_invalid_post_rerenders_with_errors(client, complaints_officer, complaint):
    client.force_login(complaints_officer)
    response = client.post(
        f"/cases/{complaint.pk}/adr/refer/",
        {
            "notified_on": (TODAY + dt.timedelta(days=3)).isoformat(),
            "lodged_on": days_ago(3).isoformat(),
            "reference": "A",
            "version": complaint.version,
        },
    )
    assert response.status_code == 200
    assert "通知日に未来の日付は入力できません。" in response.content.decode()
    response = client.post(
        f"/cases/{complaint.pk}/adr/refer/",
        {
            "notified_on": days_ago(1).isoformat(),
            "lodged_on": days_ago(3).isoformat(),
            "reference": "A-1",
            "version": complaint.version,
        },
    )
    assert response.status_code == 302
    assert ComplaintDetail.objects.get(case=complaint).adr_stage == AdrStage.COMPLAINT


def test_home_panel_lists_adr_cases_near_their_mark(client, complaints_officer, complaint):
    adr_refer(actor=complaints_officer, case=complaint, notified_on=days_ago(50), lodged_on=days_ago(58), reference="X")
    client.force_login(complaints_officer)
    page = client.get("/").content.decode()
    section = page[page.index('id="home-complaints"') :]
    assert complaint.number in section
    assert "あと2日" in section
    assert "報告期限を過ぎた代理店受付の苦情" in section
