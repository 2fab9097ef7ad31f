"""Compliance registers: contractors (委託先) supervised through agreements with the required clauses,
periodic audits and follow-up; internal audits of branches and agencies from plan to completion.
The rules, the services' refusals, history and audit events, and the screens with Japanese errors."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tsunagu.compliance import registers
from tsunagu.compliance import registers_selectors as selectors
from tsunagu.compliance import registers_services as services
from tsunagu.compliance.choices import FindingStatus, InternalAuditStatus
from tsunagu.compliance.models import AuditChecklistItem, Contractor
from tsunagu.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 4)
ALL_CLAUSES = {field: True for field, _ in registers.REQUIRED_CLAUSES}


@pytest.fixture
def checklist(db):
    """The seeded checklist (a transactional test's flush may have removed the migration's rows)."""
    importlib.import_module("tsunagu.compliance.migrations.0005_seed_audit_checklist").seed(apps, None)
    return list(AuditChecklistItem.objects.all())


def _contractor(auditor, **extra) -> Contractor:
    values = {
        "name": "株式会社ダイレクトメール印刷",
        "service": "満期案内DMの印刷・封入・発送",
        "data_items": "氏名、住所、証券番号、満期日",
        "persons": 12000,
        "started_on": dt.date(2024, 4, 1),
    }
    values.update(extra)
    return services.contractor_save(actor=auditor, **values)


# --- the rules -------------------------------------------------------------------------------------


def test_months_are_added_with_the_end_of_month_clamped():
    assert registers.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert registers.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert registers.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)


def test_contractor_flags_name_each_problem():
    agreement = registers.AgreementFacts(dt.date(2024, 4, 1), None, dict(ALL_CLAUSES))
    audit = registers.AuditFacts(dt.date(2026, 3, 1), None, None)
    clean = registers.contractor_flags(
        active=True, started_on=dt.date(2024, 4, 1), interval_months=12, agreements=[agreement], audits=[audit],
        today=TODAY,
    )  # fmt: skip
    assert clean == []

    no_audit_clause = registers.AgreementFacts(
        dt.date(2024, 4, 1), dt.date(2027, 1, 31), {**ALL_CLAUSES, "audit_clause": False, "return_clause": False}
    )
    late = registers.AuditFacts(dt.date(2025, 10, 1), dt.date(2025, 12, 1), None)
    flags = registers.contractor_flags(
        active=True, started_on=dt.date(2024, 4, 1), interval_months=12, agreements=[no_audit_clause],
        audits=[late], today=TODAY,
    )  # fmt: skip
    texts = [f.text for f in flags]
    assert texts == [
        "契約に必要な条項がありません: 監査・報告を求める権利・終了時の返却・消去",
        "契約の有効期間が 2027-01-31 に終わります",
        "定期監査の期限 2026-10-01 を過ぎています",
        "2025-10-01 の監査の是正期限 2025-12-01 を過ぎています",
    ]
    assert [f.overdue for f in flags] == [True, False, True, True]

    expired = registers.AgreementFacts(dt.date(2024, 4, 1), dt.date(2026, 3, 31), dict(ALL_CLAUSES))
    assert registers.contractor_flags(
        active=True, started_on=dt.date(2026, 6, 1), interval_months=12, agreements=[expired], audits=[], today=TODAY
    ) == [registers.Flag("有効な委託契約がありません", overdue=True)]
    assert (
        registers.contractor_flags(
            active=False, started_on=dt.date(2020, 1, 1), interval_months=12, agreements=[], audits=[], today=TODAY
        )
        == []
    )


def test_an_audit_is_due_a_month_ahead_and_overdue_after_its_day():
    def flags(last: dt.date) -> list[registers.Flag]:
        agreement = registers.AgreementFacts(dt.date(2020, 1, 1), None, dict(ALL_CLAUSES))
        return registers.contractor_flags(
            active=True, started_on=dt.date(2020, 1, 1), interval_months=12, agreements=[agreement],
            audits=[registers.AuditFacts(last, None, None)], today=TODAY,
        )  # fmt: skip

    assert flags(dt.date(2025, 12, 4)) == [registers.Flag("定期監査の期限が近づいています(2026-12-04)", overdue=False)]
    assert flags(dt.date(2025, 12, 3))[0].overdue
    assert flags(dt.date(2026, 1, 4)) == []


def test_report_problems_need_every_answer_and_a_finding_for_each_nonconformity():
    answers = [("O-01", "conforms"), ("O-02", "nonconforms"), ("P-01", ""), ("T-01", "partial")]
    assert registers.report_problems(answers=answers, findings_for={"O-02"}) == [
        "未回答のチェック項目が 1 件あります。",
        "不適合・一部不適合の項目に指摘事項がありません: T-01",
    ]
    done = [("O-01", "conforms"), ("O-02", "nonconforms"), ("T-01", "na")]
    assert registers.report_problems(answers=done, findings_for={"O-02"}) == []


# --- contractors -----------------------------------------------------------------------------------


def test_a_contractor_is_registered_changed_and_audited_with_history_and_events(auditor):
    contractor = _contractor(auditor)
    assert contractor.history.count() == 1
    services.contractor_save(actor=auditor, contractor=contractor, persons=15000)
    contractor.refresh_from_db()
    assert contractor.persons == 15000
    assert [h.persons for h in contractor.history.order_by("history_date")] == [12000, 15000]

    services.contractor_agreement_add(
        actor=auditor, contractor=contractor, title="業務委託契約書", signed_on=dt.date(2024, 3, 15),
        valid_from=dt.date(2024, 4, 1), valid_to=None, **{**ALL_CLAUSES, "breach_clause": False},
    )  # fmt: skip
    view = selectors.contractor_get(user=auditor, pk=contractor.pk, today=TODAY)
    assert view.agreement is not None
    assert "契約に必要な条項がありません: 漏えい等の報告義務" in [f.text for f in view.flags]
    assert "定期監査の期限 2025-04-01 を過ぎています" in [f.text for f in view.flags]

    audit = services.contractor_audit_record(
        actor=auditor, contractor=contractor, audited_on=dt.date(2026, 11, 20), method="on_site", rating="C",
        findings="廃棄記録が残っていない", follow_up="廃棄記録簿の整備", follow_up_due=dt.date(2026, 12, 1),
    )  # fmt: skip
    view = selectors.contractor_get(user=auditor, pk=contractor.pk, today=TODAY)
    assert "2026-11-20 の監査の是正期限 2026-12-01 を過ぎています" in [f.text for f in view.flags]
    assert view.next_audit_due == dt.date(2027, 11, 20)

    services.contractor_follow_up_done(actor=auditor, audit=audit, done_on=dt.date(2026, 12, 3), note="記録簿を確認")
    view = selectors.contractor_get(user=auditor, pk=contractor.pk, today=TODAY)
    assert not any("是正期限" in f.text for f in view.flags)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "compliance.contractor_save", "compliance.contractor_agreement", "compliance.contractor_audit",
        "compliance.contractor_follow_up",
    } <= actions  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"location": "foreign", "country": ""}, "country", "国名を入力してください"),
        ({"subcontracting": True, "subcontractors": " "}, "subcontractors", "再委託先と業務を入力"),
        ({"status": "ended", "ended_on": None}, "ended_on", "委託終了日を入力"),
        ({"status": "ended", "ended_on": dt.date(2026, 3, 31)}, "data_disposal", "返却・消去の記録"),
        ({"ended_on": dt.date(2024, 3, 31)}, "ended_on", "委託開始日以降"),
        ({"corporate_number": "12345"}, "corporate_number", "13桁の数字"),
    ],
)
def test_contractor_refusals(auditor, extra, field, message):
    with pytest.raises(ValidationError) as caught:
        _contractor(auditor, **extra)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Contractor.objects.exists()


def test_a_low_rating_needs_the_follow_up_and_only_compliance_staff_may_write(auditor, hq_operator):
    contractor = _contractor(auditor)
    with pytest.raises(ValidationError) as caught:
        services.contractor_audit_record(
            actor=auditor, contractor=contractor, audited_on=TODAY, method="document", rating="D"
        )
    assert "是正の要請と期限" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        services.contractor_audit_record(
            actor=auditor, contractor=contractor, audited_on=timezone.localdate() + dt.timedelta(days=1),
            method="document", rating="A",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        _contractor(hq_operator, name="別の委託先")
    with pytest.raises(PermissionDenied):
        selectors.contractor_list(user=hq_operator)


# --- internal audits -------------------------------------------------------------------------------


def test_an_internal_audit_from_plan_to_completion(auditor, org, checklist):
    audit = services.internal_audit_plan(
        actor=auditor, planned_on=dt.date(2026, 11, 1), auditor=auditor, agency=org["agency_a"]
    )
    assert audit.number == "IA2026-0001"
    assert audit.answers.count() == len(checklist) == 16
    answers = {a.pk: ("conforms", "") for a in audit.answers.all()}
    t01 = audit.answers.get(item__code="T-01")
    answers[t01.pk] = ("nonconforms", "IDを2名で共有")
    services.internal_audit_answer(actor=auditor, audit=audit, performed_on=dt.date(2026, 11, 5), answers=answers)
    audit.refresh_from_db()
    assert audit.status == InternalAuditStatus.IN_PROGRESS

    with pytest.raises(ValidationError) as caught:
        services.internal_audit_report(
            actor=auditor, audit=audit, summary="概ね良好", reported_on=dt.date(2026, 11, 10)
        )
    assert caught.value.messages == ["不適合・一部不適合の項目に指摘事項がありません: T-01"]

    finding = services.internal_audit_finding_add(
        actor=auditor, audit=audit, item=t01.item, severity="high", description="IDの共有",
        corrective_action="個人別IDの発行と共有禁止の周知", owner="代理店主", due_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    services.internal_audit_report(actor=auditor, audit=audit, summary="概ね良好", reported_on=dt.date(2026, 11, 10))
    audit.refresh_from_db()
    assert audit.status == InternalAuditStatus.REPORTED
    rows = selectors.internal_audit_list(user=auditor, today=TODAY)
    assert [(r.findings_open, r.findings_overdue) for r in rows] == [(1, 1)]
    with pytest.raises(ValidationError):
        services.internal_audit_close(actor=auditor, audit=audit, closed_on=TODAY)

    with pytest.raises(ValidationError) as caught:
        services.audit_finding_progress(actor=auditor, finding=finding, status="done", done_on=None, note="")
    assert "是正完了日" in " ".join(caught.value.messages)
    services.audit_finding_progress(
        actor=auditor, finding=finding, status=FindingStatus.DONE, done_on=dt.date(2026, 12, 2), note="ID台帳で確認"
    )
    audit.refresh_from_db()
    assert audit.status == InternalAuditStatus.CLOSED
    assert audit.closed_on == dt.date(2026, 12, 2)
    assert selectors.internal_audit_list(user=auditor, today=TODAY) == []
    assert [h.status for h in audit.history.order_by("history_date")] == [
        "planned", "in_progress", "reported", "closed",
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        services.internal_audit_answer(actor=auditor, audit=audit, performed_on=TODAY, answers={})


def test_an_audit_names_exactly_one_organisation(auditor, org, checklist):
    with pytest.raises(ValidationError):
        services.internal_audit_plan(actor=auditor, planned_on=TODAY, auditor=auditor)
    with pytest.raises(ValidationError):
        services.internal_audit_plan(
            actor=auditor, planned_on=TODAY, auditor=auditor, branch=org["branch"], agency=org["agency_a"]
        )


# --- screens ---------------------------------------------------------------------------------------


def test_the_screens_walk_and_show_japanese_errors(client, auditor, org, checklist, hq_operator):
    client.force_login(auditor)
    response = client.post(reverse("compliance:contractor_new"), {"name": "", "location": "foreign"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "委託先名を入力してください。" in page
    assert "提供する個人データの項目を入力してください。" in page
    assert not Contractor.objects.exists()

    response = client.post(
        reverse("compliance:contractor_new"),
        {
            "name": "海外コールセンター株式会社", "service": "問合せ受付の一次対応", "data_items": "氏名、電話番号",
            "location": "foreign", "country": "フィリピン", "audit_interval_months": "6", "status": "active",
            "started_on": "2025-04-01",
        },
    )  # fmt: skip
    contractor = Contractor.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("compliance:contractors")).content.decode()
    assert "海外コールセンター株式会社" in page
    assert "有効な委託契約がありません" in page

    response = client.post(
        reverse("compliance:contractor_audit_add", args=[contractor.pk]),
        {"audited_on": "2026-11-01", "method": "remote", "rating": "C"},
    )
    assert "評価がC・Dの場合は是正の要請と期限を入力してください。" in response.content.decode()
    response = client.post(
        reverse("compliance:contractor_follow_up_done", args=[contractor.pk]),
        {"audit": "999", "done_on": "2026-12-01", "note": "x"},
    )
    assert "対象の監査を一覧から選んでください。" in response.content.decode()

    response = client.post(reverse("compliance:internal_audit_new"), {"planned_on": "2026-12-10"})
    assert "営業拠点か代理店のどちらか一方を選んでください。" in response.content.decode()
    response = client.post(
        reverse("compliance:internal_audit_new"),
        {"branch": org["branch"].pk, "planned_on": "2026-12-10", "auditor": auditor.pk},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "T-05" in detail
    assert "チェック結果を保存" in detail
    menu = client.get(reverse("compliance:alerts")).content.decode()
    assert "委託先管理" in menu
    assert "内部監査" in menu

    client.force_login(hq_operator)
    assert client.get(reverse("compliance:contractors")).status_code == 403
    assert client.get(reverse("compliance:internal_audits")).status_code == 403
