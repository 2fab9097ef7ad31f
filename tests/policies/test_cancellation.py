"""Defect 8: a cancellation takes effect on its date (解約日), which is stored and shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tests.cases.conftest import open_case
from tsunagu.cases.choices import CancellationOutcome, CaseStatus, CaseType
from tsunagu.cases.services import cancellation_record, case_transition
from tsunagu.core.models import AuditEvent
from tsunagu.policies.choices import PolicyStatus, RefundMethod
from tsunagu.policies.models import Policy
from tsunagu.policies.services import policies_apply_due_cancellations, policy_schedule_cancellation

pytestmark = pytest.mark.django_db

DECIDED = dt.date(2026, 12, 5)
CANCEL_ON = dt.date(2026, 12, 20)


@pytest.fixture
def on_day(monkeypatch):
    """Set "today" (timezone.localdate) for the code under test."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


def _complete_cancellation(actor, customer, policy):
    case = open_case(actor, customer, policy, CaseType.CANCELLATION, reason="sold", opened_on=DECIDED)
    case_transition(actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    cancellation_record(
        actor=actor,
        case=case,
        offer_made="中断証明書をご案内",
        outcome=CancellationOutcome.CANCELLED,
        effective_date=CANCEL_ON,
    )
    for document in case.documents.all():
        from tsunagu.cases.services import document_receive

        document_receive(actor=actor, document=document, received_on=DECIDED)
    case_transition(actor=actor, case=case, to=CaseStatus.COMPLETED, resolution_summary="解約手続完了")
    return case


def test_case_completed_before_the_date_keeps_the_policy_in_force_until_then(hq_operator, holder, on_day):
    customer, policy = holder
    on_day(DECIDED)
    case = _complete_cancellation(hq_operator, customer, policy)
    policy.refresh_from_db()
    # Before the fix: status 解約 on 12/05, no date stored, period ending 2027/04/01.
    assert policy.status == PolicyStatus.IN_FORCE
    assert policy.cancellation_date == CANCEL_ON
    assert policy.status_label == "有効(解約予定 2026/12/20)"
    assert policy.cancellation_pending
    assert policy.period_end == CANCEL_ON
    applied = case.events.get(kind="applied")
    assert "解約予定" in applied.summary
    assert "返戻保険料" in applied.summary
    assert "短期率" in applied.body

    on_day(dt.date(2026, 12, 19))
    assert policies_apply_due_cancellations(actor=hq_operator) == []
    assert Policy.objects.get(pk=policy.pk).status_label.startswith("有効")

    # On the date the status reads 解約 even before the daily job runs; the job then stores it.
    on_day(CANCEL_ON)
    policy.refresh_from_db()
    assert policy.effective_status() == PolicyStatus.CANCELLED
    assert policy.status_label == "解約"
    assert policies_apply_due_cancellations(actor=hq_operator) == [policy]
    policy.refresh_from_db()
    assert (policy.status, policy.last_changed_on) == (PolicyStatus.CANCELLED, CANCEL_ON)
    assert policies_apply_due_cancellations(actor=hq_operator) == []  # idempotent
    assert AuditEvent.objects.filter(summary__contains="解約日(2026/12/20)が来たため").count() == 1
    assert policy.history.first().history_change_reason == "解約日の到来による解約"


def test_cancellation_dated_today_or_earlier_applies_at_once(hq_operator, holder, on_day):
    _customer, policy = holder
    on_day(CANCEL_ON)
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=CANCEL_ON)
    policy.refresh_from_db()
    assert (policy.status, policy.cancellation_date, policy.last_changed_on) == (
        PolicyStatus.CANCELLED,
        CANCEL_ON,
        CANCEL_ON,
    )
    # Recording the same decision again changes nothing; another date is refused.
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=CANCEL_ON)
    with pytest.raises(ValidationError, match=r"既に解約済み|解約できません"):
        policy_schedule_cancellation(actor=hq_operator, policy=policy, on=dt.date(2026, 12, 25))


def test_cancellation_on_or_after_the_expiry_is_refused(hq_operator, holder, on_day):
    _customer, policy = holder
    on_day(DECIDED)
    with pytest.raises(ValidationError, match="保険終期"):
        policy_schedule_cancellation(actor=hq_operator, policy=policy, on=policy.expiry)


def test_rescheduling_moves_the_date(hq_operator, holder, on_day):
    _customer, policy = holder
    on_day(DECIDED)
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=CANCEL_ON)
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=dt.date(2027, 1, 10))
    policy.refresh_from_db()
    assert policy.cancellation_date == dt.date(2027, 1, 10)
    assert AuditEvent.objects.filter(summary__contains="2026/12/20 から 2027/01/10").exists()


def test_refund_basis_follows_the_product_configuration(hq_operator, holder):
    _customer, policy = holder  # 2026/04/01 → 2027/04/01, ¥60,000 a year, annual payment
    assert policy.refund_basis_on(CANCEL_ON).refund == 9_000  # 短期率 85 % kept
    product = policy.product
    product.refund_method = RefundMethod.MONTHLY
    product.save()
    policy = Policy.objects.select_related("product").get(pk=policy.pk)
    assert policy.refund_basis_on(CANCEL_ON).refund == 15_000  # 月割 3/12


def test_daily_command(hq_operator, holder, on_day, capsys):
    _customer, policy = holder
    on_day(DECIDED)
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=CANCEL_ON)
    call_command("apply_cancellations", "--date", "2026-12-20")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.CANCELLED
    assert "1 件" in capsys.readouterr().out


def test_case_page_shows_the_refund_basis_of_the_recorded_date(client, hq_operator, holder, on_day):
    customer, policy = holder
    on_day(DECIDED)
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="sold", opened_on=DECIDED)
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)
    cancellation_record(actor=hq_operator, case=case, outcome=CancellationOutcome.CANCELLED, effective_date=CANCEL_ON)
    client.force_login(hq_operator)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "返戻保険料の算出根拠" in html
    assert "¥9,000" in html
    assert "短期率 85%" in html
