"""Data-subject requests (開示等の請求): the clock, the identity check before anything is disclosed,
the export recorded on the request, answers that must give a reason, history and the access log;
the screens with their Japanese errors; the command without --user."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.conftest import make_customer, make_policy
from tsunagu.compliance import dsr
from tsunagu.compliance import dsr_services as services
from tsunagu.compliance.choices import DsrStatus
from tsunagu.compliance.dsr_selectors import open_request_counts, request_list
from tsunagu.compliance.models import DataSubjectRequest
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 4)


# --- the rules -------------------------------------------------------------------------------


def test_the_answer_clock_counts_calendar_days_and_warns_before_the_due_date():
    due = dsr.due_on(TODAY, 14)
    assert due == dt.date(2026, 12, 18)
    assert dsr.answer_clock(due=due, done_on=None, withdrawn=False, today=TODAY).state == "open"
    assert dsr.answer_clock(due=due, done_on=None, withdrawn=False, today=dt.date(2026, 12, 15)).state == "due_soon"
    assert dsr.answer_clock(due=due, done_on=None, withdrawn=False, today=dt.date(2026, 12, 19)).state == "overdue"
    assert dsr.answer_clock(due=due, done_on=TODAY, withdrawn=False, today=dt.date(2027, 1, 1)).state == "done"
    assert dsr.answer_clock(due=due, done_on=None, withdrawn=True, today=dt.date(2027, 1, 1)).state == "withdrawn"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"verified": False}, ""),
        ({"decision": "refuse", "reason": " "}, "decision_reason"),
        ({"decision": "partial", "reason": ""}, "decision_reason"),
        ({"kind": "disclosure", "exported": False}, ""),
        ({"completed_on": dt.date(2026, 11, 30)}, "completed_on"),
        ({"completed_on": dt.date(2026, 12, 5)}, "completed_on"),
    ],
)
def test_what_stops_an_answer(kwargs, field):
    values = {
        "kind": "correction",
        "verified": True,
        "decision": "comply",
        "reason": "",
        "exported": True,
        "received_on": dt.date(2026, 12, 1),
        "completed_on": TODAY,
        "today": TODAY,
    } | kwargs
    problems = dsr.completion_problems(**values)
    assert field in problems
    assert problems[field].endswith("。")
    assert dsr.completion_problems(**(values | {k: v for k, v in _fine().items() if k in kwargs})) == {}


def _fine() -> dict[str, object]:
    return {
        "kind": "correction",
        "verified": True,
        "decision": "comply",
        "reason": "理由",
        "exported": True,
        "completed_on": TODAY,
    }


# --- the services ----------------------------------------------------------------------------


@pytest.fixture
def person(hq_operator, org):
    customer = make_customer(hq_operator, name="請求 太郎", agency=org["agency_a"])
    make_policy(hq_operator, customer, agency=org["agency_a"], number="POL-DSR-9")
    return customer


def _receive(auditor, person, kind="disclosure", **extra):
    values = {
        "kind": kind,
        "channel": "post",
        "received_on": timezone.localdate() - dt.timedelta(days=2),
        "requester_name": "請求 太郎",
    } | extra
    return services.dsr_receive(actor=auditor, customer=person, **values)


def test_a_disclosure_request_from_receipt_to_answer(auditor, person, settings):
    settings.TSUNAGU_DSR_ANSWER_DAYS = 10
    request = _receive(auditor, person, scope="保有する個人データのすべて")
    assert request.number == f"D{request.received_on.year}-0001"
    assert request.due_on == request.received_on + dt.timedelta(days=10)
    assert request.status == DsrStatus.RECEIVED
    with pytest.raises(ValidationError, match="本人確認が済むまで"):
        services.dsr_disclosure(actor=auditor, request=request)
    with pytest.raises(ValidationError, match="本人確認が済んでいない"):
        services.dsr_complete(actor=auditor, request=request, decision="comply", completed_on=timezone.localdate())
    request = services.dsr_verify(
        actor=auditor, request=request, identity_document="drivers_license", verified_on=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="出力"):
        services.dsr_complete(actor=auditor, request=request, decision="comply", completed_on=timezone.localdate())
    before = AccessLog.objects.filter(user=auditor, customer_id=person.pk, purpose=AccessPurpose.EXPORT).count()
    disclosure = services.dsr_disclosure(actor=auditor, request=request)
    assert "請求 太郎" in disclosure.as_json()
    assert person.policies.get().number in disclosure.as_json()
    after = AccessLog.objects.filter(user=auditor, customer_id=person.pk, purpose=AccessPurpose.EXPORT).count()
    assert after == before + 1
    request.refresh_from_db()
    assert request.exported_at is not None
    assert request.export_rows == sum(len(s.rows) for s in disclosure.sections)
    request = services.dsr_complete(
        actor=auditor,
        request=request,
        decision="comply",
        completed_on=timezone.localdate(),
        completion_note="簡易書留で送付",
    )
    assert request.status == DsrStatus.COMPLETED
    reasons = list(request.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons[1:] == ["本人確認", "開示データの出力", "回答"]
    with pytest.raises(ValidationError, match="回答済の請求は変更できません"):
        services.dsr_withdraw(actor=auditor, request=request, reason="本人から連絡")


def test_a_refusal_needs_the_reason_told_to_the_person(auditor, person):
    request = _receive(auditor, person, kind="stop_use")
    services.dsr_verify(
        actor=auditor, request=request, identity_document="my_number_card", verified_on=timezone.localdate()
    )
    with pytest.raises(ValidationError) as raised:
        services.dsr_complete(actor=auditor, request=request, decision="refuse", completed_on=timezone.localdate())
    assert "decision_reason" in raised.value.message_dict
    done = services.dsr_complete(
        actor=auditor,
        request=request,
        decision="refuse",
        decision_reason="保険契約の継続中は、契約の管理に必要なため利用を停止できません。",
        completed_on=timezone.localdate(),
    )
    assert done.decision == "refuse"


def test_only_compliance_staff_handle_requests(hq_operator, person):
    with pytest.raises(PermissionDenied):
        services.dsr_receive(
            actor=hq_operator,
            customer=person,
            kind="disclosure",
            channel="post",
            received_on=timezone.localdate(),
            requester_name="請求 太郎",
        )


def test_bad_values_are_refused_in_japanese(auditor, person):
    with pytest.raises(ValidationError) as raised:
        _receive(auditor, person, received_on=timezone.localdate() + dt.timedelta(days=1))
    assert raised.value.message_dict["received_on"] == ["受付日に未来の日付は指定できません。"]
    with pytest.raises(ValidationError) as raised:
        _receive(auditor, person, kind="everything")
    assert "kind" in raised.value.message_dict
    assert DataSubjectRequest.objects.count() == 0


def test_the_list_logs_the_customers_it_shows_and_the_home_counts(auditor, person):
    late = _receive(auditor, person, received_on=timezone.localdate() - dt.timedelta(days=30))
    _receive(auditor, person, kind="correction")
    views = request_list(user=auditor)
    assert next(v.request.pk for v in views) == late.pk  # the most urgent first
    assert AccessLog.objects.filter(user=auditor, customer_id=person.pk, purpose=AccessPurpose.LIST).exists()
    assert open_request_counts(user=auditor) == {"open": 2, "overdue": 1, "due_soon": 0}


# --- the screens -----------------------------------------------------------------------------


def test_intake_and_answer_through_the_screens(client, auditor, person):
    client.force_login(auditor)
    page = client.get("/compliance/requests/")
    assert page.status_code == 200
    assert "開示等の請求" in page.content.decode()
    bad = client.post("/compliance/requests/new/", {"customer": "X1", "kind": "nope", "received_on": "2026-13-01"})
    text = bad.content.decode()
    assert bad.status_code == 200
    assert "顧客番号は K000000011 の形式で入力してください。" in text
    assert "請求の種類を一覧から選んでください。" in text
    assert "実在する日付" in text
    missing = client.post(
        "/compliance/requests/new/",
        {
            "customer": "K999999999",
            "kind": "disclosure",
            "channel": "post",
            "received_on": timezone.localdate().isoformat(),
            "requester_name": "請求 太郎",
            "response_channel": "post",
        },
    )
    assert "この顧客番号の顧客は見つかりません。" in missing.content.decode()
    created = client.post(
        "/compliance/requests/new/",
        {
            "customer": person.number,
            "kind": "disclosure",
            "channel": "counter",
            "received_on": timezone.localdate().isoformat(),
            "requester_name": "請求 太郎",
            "response_channel": "electronic",
        },
    )
    request = DataSubjectRequest.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/compliance/requests/{request.pk}/"
    refused = client.post(f"/compliance/requests/{request.pk}/disclosure.json")
    assert refused.status_code == 302  # not before the identity check: back to the page with the message
    follow = client.get(refused["Location"]).content.decode()
    assert "本人確認が済むまで" in follow
    client.post(
        f"/compliance/requests/{request.pk}/verify/",
        {"identity_document": "passport", "verified_on": timezone.localdate().isoformat()},
    )
    exported = client.post(f"/compliance/requests/{request.pk}/disclosure.json")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/json")
    assert json.loads(exported.content)["customer"] == person.number
    pdf = client.post(f"/compliance/requests/{request.pk}/disclosure.pdf")
    assert pdf.content[:5] == b"%PDF-"
    no_reason = client.post(
        f"/compliance/requests/{request.pk}/complete/",
        {"decision": "partial", "completed_on": timezone.localdate().isoformat()},
    )
    assert "本人に通知する理由を入力してください。" in no_reason.content.decode()
    done = client.post(
        f"/compliance/requests/{request.pk}/complete/",
        {"decision": "comply", "completed_on": timezone.localdate().isoformat(), "completion_note": "電子メールで送付"},
    )
    assert done.status_code == 302
    assert DataSubjectRequest.objects.get().status == DsrStatus.COMPLETED
    assert client.get("/compliance/requests/?status=completed").content.decode().count(request.number) == 1


def test_the_screens_are_closed_to_other_staff(client, hq_operator, person):
    client.force_login(hq_operator)
    assert client.get("/compliance/requests/").status_code == 403
    assert client.get("/compliance/requests/new/").status_code == 403


# --- the command -----------------------------------------------------------------------------


def test_the_command_runs_without_a_user_as_system_and_records_on_the_request(auditor, person, tmp_path):
    call_command("dsr_export", person.number, "--out", str(tmp_path))
    assert (tmp_path / f"{person.number}.json").exists()
    assert (tmp_path / f"{person.number}.pdf").exists()
    assert AccessLog.objects.filter(
        user__username="system", customer_id=person.pk, purpose=AccessPurpose.EXPORT
    ).exists()
    request = _receive(auditor, person)
    with pytest.raises(CommandError, match="本人確認が済むまで"):
        call_command("dsr_export", person.number, "--out", str(tmp_path), "--request", request.number)
    services.dsr_verify(actor=auditor, request=request, identity_document="passport", verified_on=timezone.localdate())
    call_command("dsr_export", person.number, "--out", str(tmp_path), "--request", request.number)
    request.refresh_from_db()
    assert request.exported_at is not None
    with pytest.raises(CommandError, match="開示等の請求「D1999-0001」は見つかりません"):
        call_command("dsr_export", person.number, "--out", str(tmp_path), "--request", "D1999-0001")


def test_an_untouched_form_records_no_legal_step(client, auditor, person):
    """No identity document and no decision is preselected: an empty submit records nothing."""
    request = _receive(auditor, person, kind="correction")
    client.force_login(auditor)
    page = client.post(f"/compliance/requests/{request.pk}/verify/", {"verified_on": timezone.localdate().isoformat()})
    assert "本人確認の方法を一覧から選んでください。" in page.content.decode()
    request.refresh_from_db()
    assert request.status == DsrStatus.RECEIVED
    services.dsr_verify(actor=auditor, request=request, identity_document="passport", verified_on=timezone.localdate())
    page = client.post(f"/compliance/requests/{request.pk}/complete/", {})
    text = page.content.decode()
    assert "対応の判断を一覧から選んでください。" in text
    assert "回答日を入力してください。" in text
    page = client.post(f"/compliance/requests/{request.pk}/complete/", {"decision": "refuse"})
    text = page.content.decode()
    assert "本人に通知する理由を入力してください。" in text  # with the date error, on the first try
    assert "回答日を入力してください。" in text
    request.refresh_from_db()
    assert request.status == DsrStatus.VERIFIED
