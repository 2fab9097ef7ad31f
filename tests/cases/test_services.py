"""Every case type's happy path and its refusals; a refused action changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases.choices import CancellationOutcome, CaseStatus, CaseType, ChangeKind, EventKind
from tsunagu.cases.models import Case, CaseEvent, CasePause, CaseTask, ComplaintCategory
from tsunagu.cases.services import (
    cancellation_record,
    case_add_note,
    case_handoff,
    case_log_call,
    case_transition,
    complaint_update,
    document_receive,
    document_report_deficiency,
    document_resolve_deficiency,
    identity_verify,
    inquiry_answer,
    overdue_snapshot_record,
)
from tsunagu.core.models import AuditEvent
from tsunagu.interactions.models import Interaction
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Claim

from .conftest import open_case

S = CaseStatus
pytestmark = pytest.mark.django_db


def _snapshot(case):
    case.refresh_from_db()
    return (case.status, case.is_open, case.due_date, CaseEvent.objects.filter(case=case).count())


def receive_all(actor, case):
    for document in case.documents.all():
        document_receive(actor=actor, document=document, received_on=dt.date(2026, 6, 2))


def test_case_number_sla_queue_and_documents(hq_operator, holder, departments):
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.NAME,
        new_values={"name": "鈴木 一郎", "name_kana": "スズキ イチロウ"},
    )
    assert case.number == "C-2026-000001"
    assert case.department == departments["policy_admin"]
    assert case.due_date == dt.date(2026, 6, 8)  # 5 business days after Mon 6/1
    assert [d.name for d in case.documents.all()] == ["異動届", "戸籍抄本等(氏名変更の確認書類)"]
    assert case.agency == policy.agency
    assert CaseEvent.objects.get(case=case).kind == EventKind.CREATED
    assert AuditEvent.objects.filter(action="case.create", target_id=str(case.pk)).exists()
    assert case.history.first().history_user == hq_operator
    second = open_case(hq_operator, customer, policy, CaseType.INQUIRY, "product", question="補償内容は？")
    assert second.number == "C-2026-000002"


def test_name_change_applied_on_completion(hq_operator, holder):
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.NAME,
        new_values={"name": "鈴木 一郎", "name_kana": "スズキ イチロウ", "reason": "marriage"},
        premium_difference=0,
    )
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    before = _snapshot(case)
    with pytest.raises(ValidationError, match="必要書類が未着です: 異動届、戸籍抄本等"):
        case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="変更した")
    assert _snapshot(case) == before
    customer.refresh_from_db()
    assert customer.name == "佐藤 一郎"
    receive_all(hq_operator, case)
    case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="氏名を変更した")
    customer.refresh_from_db()
    assert customer.name == "鈴木 一郎"
    assert customer.former_names.get().name == "佐藤 一郎"
    assert customer.history.first().history_user == hq_operator
    assert case.status == S.COMPLETED
    assert not case.is_open
    assert case.closed_at
    assert case.events.filter(kind=EventKind.APPLIED).exists()


def test_address_and_payment_changes_applied(hq_operator, holder):
    customer, policy = holder
    address = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.ADDRESS,
        new_values={"postal_code": "530-0001", "prefecture": "大阪府", "city": "大阪市北区", "street": "梅田1-1"},
    )
    payment = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.PAYMENT,
        new_values={"payment_method": "credit_card", "payment_frequency": "monthly"},
        premium_difference=-1200,
    )
    for case in (address, payment):
        case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
        receive_all(hq_operator, case)
        case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="反映した")
    primary = customer.addresses.get(is_primary=True)
    assert primary.prefecture == "大阪府"
    assert primary.postal_code == "5300001"
    assert customer.addresses.count() == 2
    policy.refresh_from_db()
    assert (policy.payment_method, policy.payment_frequency) == ("credit_card", "monthly")
    assert policy.history.first().history_user == hq_operator
    assert payment.change.premium_difference_label == "返戻 ¥1,200"


def test_change_refuses_missing_values(hq_operator, holder):
    customer, policy = holder
    with pytest.raises(ValidationError, match="郵便番号、都道府県"):
        open_case(hq_operator, customer, policy, CaseType.CHANGE, ChangeKind.ADDRESS, new_values={"city": "大阪市"})
    assert not Case.objects.exists()


def test_illegal_transition_changes_nothing(hq_operator, holder):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.INQUIRY, "product", question="?")
    before = _snapshot(case)
    with pytest.raises(ValidationError, match="「受付」から「完了」に変更できません"):
        case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="x")
    with pytest.raises(ValidationError, match="「発行待ち」に変更できません"):
        case_transition(actor=hq_operator, case=case, to=S.AWAITING_ISSUE)
    assert _snapshot(case) == before
    case_transition(actor=hq_operator, case=case, to=S.WITHDRAWN, resolution_summary="お客さまから取下げ")
    with pytest.raises(ValidationError, match="「取下げ」の案件の状態は変更できません"):
        case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)


def test_inquiry_with_faq_and_call(hq_operator, holder):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "change", question="引越しの手続は？")
    from tsunagu.cases.selectors import faq_search

    articles = faq_search(user=hq_operator, query="住所変更")
    assert [a.title for a in articles] == ["住所が変わったときの手続は？"]
    inquiry_answer(actor=hq_operator, case=case, answer="異動届をご案内", article_ids=[articles[0].pk])
    interaction = case_log_call(actor=hq_operator, case=case, subject="回答の連絡", notes="異動届を郵送")
    assert interaction.customer == customer
    assert case.number in interaction.subject
    assert Interaction.objects.filter(customer=customer).count() == 1
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="回答済み")
    assert case.inquiry.articles.count() == 1
    assert case.events.filter(kind=EventKind.CALL).exists()


def test_handoff_keeps_history_and_notifies_queue(hq_operator, holder, departments):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "claim", question="保険金は？")
    case_add_note(actor=hq_operator, case=case, text="一次回答できず")
    case_handoff(actor=hq_operator, case=case, department=departments["claims"], reason="支払可否の判断が必要")
    assert case.status == S.ESCALATED
    assert case.department == departments["claims"]
    task = CaseTask.objects.get(case=case)
    assert task.department == departments["claims"]
    assert list(case.events.values_list("kind", flat=True).order_by("id")) == ["created", "note", "handoff"]
    with pytest.raises(ValidationError, match="既に「損害サービス部」の担当"):
        case_handoff(actor=hq_operator, case=case, department=departments["claims"], reason="再度")


def test_accident_report_creates_claim_routes_to_claims(hq_operator, holder, departments):
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 30, 14, 0)),
        place="東京都千代田区 交差点",
        accident_type="車両",
        description="信号待ちで追突された",
        police_report_number="123",
        agency_first_contact=True,
    )
    assert case.department == departments["claims"]
    claim = Claim.objects.get(policy=policy)
    assert case.claim == claim
    assert claim.reported_via == "agency"
    assert claim.accident_date == dt.date(2026, 5, 30)
    # The policy only has 対人賠償: the vehicle cover is flagged, not refused.
    assert "「車両」の補償が見当たりません" in case.accident.coverage_warnings[0]
    assert case.due_date == dt.date(2026, 6, 2)


def test_accident_before_inception_is_refused(hq_operator, holder):
    customer, policy = holder
    with pytest.raises(ValidationError, match="保険始期 2026/04/01 より前"):
        open_case(
            hq_operator,
            customer,
            policy,
            CaseType.ACCIDENT,
            "auto",
            occurred_at=timezone.make_aware(dt.datetime(2026, 3, 30, 9, 0)),
            place="自宅駐車場",
            accident_type="対物",
            description="塀に接触",
        )
    assert not Case.objects.exists()
    assert not Claim.objects.exists()


def test_accident_type_not_of_line_warns(hq_operator, holder):
    customer, policy = holder
    policy.status = PolicyStatus.CANCELLED
    policy.last_changed_on = dt.date(2026, 5, 1)
    policy.save()
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 20, 9, 0)),
        place="自宅",
        accident_type="水濡れ",
        description="漏水",
    )
    warnings = " ".join(case.accident.coverage_warnings)
    assert "「解約」" in warnings
    assert "「水濡れ」はありません" in warnings


@pytest.mark.parametrize("case_type", [CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE])
def test_reissue_needs_identity_verification(hq_operator, holder, case_type):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, case_type)
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    receive_all(hq_operator, case)
    before = _snapshot(case)
    with pytest.raises(ValidationError, match="本人確認が完了していない"):
        case_transition(actor=hq_operator, case=case, to=S.AWAITING_ISSUE)
    with pytest.raises(ValidationError, match="「対応中」から「完了」に変更できません"):
        case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="x")
    assert _snapshot(case) == before
    case_transition(actor=hq_operator, case=case, to=S.AWAITING_IDENTITY)
    identity_verify(actor=hq_operator, case=case, method="phone_qa")
    case_transition(actor=hq_operator, case=case, to=S.AWAITING_ISSUE)
    assert case.status == S.AWAITING_ISSUE
    case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="発行した")


def test_waiting_for_customer_pauses_the_sla(hq_operator, holder, monkeypatch):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.POLICY_REISSUE, opened_on=dt.date(2026, 4, 24))
    assert case.due_date == dt.date(2026, 5, 7)
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 4, 28))
    case_transition(actor=hq_operator, case=case, to=S.AWAITING_IDENTITY)
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 5, 7))
    identity_verify(actor=hq_operator, case=case, method="callback")
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    pause = CasePause.objects.get(case=case)
    assert (pause.started_on, pause.ended_on, pause.business_days) == (dt.date(2026, 4, 28), dt.date(2026, 5, 7), 3)
    assert case.due_date == dt.date(2026, 5, 12)
    assert case.paused_business_days == 3


def test_deficiency_creates_task_and_blocks_completion(hq_operator, holder):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.POLICY_REISSUE)
    identity_verify(actor=hq_operator, case=case, method="phone_qa")
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    receive_all(hq_operator, case)
    document = case.documents.first()
    task = document_report_deficiency(actor=hq_operator, document=document, note="署名漏れ")
    assert "再提出" in task.title
    with pytest.raises(ValidationError, match="不備が解消していない書類があります: 再発行請求書"):
        case_transition(actor=hq_operator, case=case, to=S.AWAITING_ISSUE)
    document_resolve_deficiency(actor=hq_operator, document=document)
    case_transition(actor=hq_operator, case=case, to=S.AWAITING_ISSUE)


def test_complaint_needs_cause_and_countermeasure(hq_operator, complaints_officer, holder, departments):
    customer, policy = holder
    category = ComplaintCategory.objects.get(code="C3-03")
    case = open_case(
        hq_operator, customer, policy, CaseType.COMPLAINT, category=category.pk, customer_request="早く支払ってほしい"
    )
    assert case.department == departments["relations"]
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    before = _snapshot(case)
    with pytest.raises(ValidationError) as refused:
        case_transition(actor=complaints_officer, case=case, to=S.COMPLETED, resolution_summary="説明した")
    assert "原因" in str(refused.value)
    assert "対策" in str(refused.value)
    assert _snapshot(case) == before
    with pytest.raises(Exception, match="苦情対応担当とコンプライアンス"):
        complaint_update(actor=hq_operator, case=case, fact_finding="担当者の連絡漏れ")
    complaint_update(
        actor=complaints_officer,
        case=case,
        fact_finding="担当者の連絡漏れ",
        cause="進捗連絡の漏れ",
        countermeasure="週次の進捗連絡を必須化",
        apologized=True,
        explained_on=dt.date(2026, 6, 3),
        explained_by=complaints_officer,
        departments_involved=[departments["claims"]],
    )
    case_transition(actor=complaints_officer, case=case, to=S.COMPLETED, resolution_summary="説明しご理解いただいた")
    assert "担当者の連絡漏れ" not in " ".join(case.events.values_list("summary", flat=True))


def test_complaint_cannot_be_withdrawn_unexamined(hq_operator, holder):
    customer, policy = holder
    category = ComplaintCategory.objects.get(code="C1")
    case = open_case(hq_operator, customer, policy, CaseType.COMPLAINT, category=category.pk, customer_request="謝罪")
    with pytest.raises(ValidationError, match="変更できません"):
        case_transition(actor=hq_operator, case=case, to=S.WITHDRAWN, resolution_summary="x")


def test_cancellation_cancelled_follows_policy(hq_operator, holder):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="sold")
    from tsunagu.cases.selectors import retention_guidance_for

    guidance = retention_guidance_for(case=case)
    assert "中断証明書" in guidance[0].talk_points
    assert guidance[0].line == "auto"
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    with pytest.raises(ValidationError, match="解約日は申出日"):
        cancellation_record(
            actor=hq_operator, case=case, outcome=CancellationOutcome.CANCELLED, effective_date=dt.date(2026, 5, 1)
        )
    with pytest.raises(ValidationError, match="結果"):
        case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="x")
    cancellation_record(
        actor=hq_operator,
        case=case,
        offer_made="中断証明書をご案内",
        outcome=CancellationOutcome.CANCELLED,
        effective_date=dt.date(2026, 6, 10),
        refund_note="月割で返戻",
    )
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE
    receive_all(hq_operator, case)
    case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="解約手続完了")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.CANCELLED
    assert policy.last_changed_on == dt.date(2026, 6, 10)


def test_cancellation_retained_keeps_policy(hq_operator, holder):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="premium_burden")
    case_transition(actor=hq_operator, case=case, to=S.IN_PROGRESS)
    cancellation_record(actor=hq_operator, case=case, offer_made="払込方法の変更", outcome="retained_changed")
    receive_all(hq_operator, case)
    case_transition(actor=hq_operator, case=case, to=S.COMPLETED, resolution_summary="継続")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE


def test_overdue_snapshot(hq_operator, holder, departments):
    customer, _policy = holder
    open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?", opened_on=dt.date(2026, 5, 1))
    assert overdue_snapshot_record(actor=hq_operator, on=dt.date(2026, 6, 1)) >= 2
    from tsunagu.cases.models import OverdueSnapshot

    total = OverdueSnapshot.objects.get(on=dt.date(2026, 6, 1), scope="total")
    assert total.overdue_cases == 1
