"""Every write of a data-subject request (開示等の請求): receive it, record the identity check, make
the disclosure export (the answer to 開示 / 第三者提供記録), record the answer, or the withdrawal.
Keyword-only, `actor` required, atomic, history through core.writes, an audit event each."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from . import dsr
from .choices import DsrStatus
from .disclosure import Disclosure, disclosure_build
from .models import DataSubjectRequest
from .numbering import next_number

OPEN_STATUSES = (DsrStatus.RECEIVED, DsrStatus.VERIFIED)


def answer_days() -> int:
    """The company's answer target in calendar days (TSUNAGU_DSR_ANSWER_DAYS; the law: 遅滞なく)."""
    return int(getattr(settings, "TSUNAGU_DSR_ANSWER_DAYS", dsr.DEFAULT_ANSWER_DAYS))


def _not_future(field: str, value: dt.date, label: str) -> None:
    if value > timezone.localdate():
        raise ValidationError({field: f"{label}に未来の日付は指定できません。"})


def dsr_receive(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    channel: str,
    received_on: dt.date,
    requester_name: str,
    by_proxy: bool = False,
    scope: str = "",
    response_channel: str = "post",
) -> DataSubjectRequest:
    """Register a request; its answer is due `answer_days()` after receipt."""
    permissions.require(actor, permissions.COMPLIANCE_DSR)
    _not_future("received_on", received_on, "受付日")
    if not requester_name.strip():
        raise ValidationError({"requester_name": "請求者の氏名を入力してください。"})
    with transaction.atomic():
        request = DataSubjectRequest(
            number=next_number(DataSubjectRequest, f"D{received_on.year}-"),
            customer=customer,
            kind=kind,
            channel=channel,
            received_on=received_on,
            requester_name=requester_name.strip(),
            by_proxy=by_proxy,
            scope=scope.strip(),
            response_channel=response_channel,
            due_on=dsr.due_on(received_on, answer_days()),
            opened_by=actor,
        )
        request.full_clean(exclude=["customer", "opened_by"])
        writes.save(request, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_DSR_RECEIVE,
            target=request,
            summary=f"開示等の請求 {request.number}({request.get_kind_display()})を受け付けた",
            data={"customer": customer.pk, "kind": kind},
        )
    return request


def _for_update(actor: User, request: DataSubjectRequest) -> DataSubjectRequest:
    permissions.require(actor, permissions.COMPLIANCE_DSR)
    locked = DataSubjectRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(f"{locked.get_status_display()}の請求は変更できません。")
    return locked


def dsr_verify(
    *, actor: User, request: DataSubjectRequest, identity_document: str, verified_on: dt.date
) -> DataSubjectRequest:
    """Record how the requester was identified (the document's kind only, never its number)."""
    _not_future("verified_on", verified_on, "本人確認日")
    with transaction.atomic():
        request = _for_update(actor, request)
        if verified_on < request.received_on:
            raise ValidationError({"verified_on": "本人確認日は受付日と同じか、それより後の日付にしてください。"})
        request.identity_document = identity_document
        request.verified_on = verified_on
        request.verified_by = actor
        request.status = DsrStatus.VERIFIED
        writes.save(request, actor=actor, reason="本人確認")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_DSR_VERIFY,
            target=request,
            summary=f"開示等の請求 {request.number} の本人確認を記録した({request.get_identity_document_display()})",
        )
    return request


def dsr_disclosure(*, actor: User, request: DataSubjectRequest) -> Disclosure:
    """The export that answers a 開示 or 第三者提供記録 request, for the identified requester only.
    The export itself is logged as the actor's export of the customer (disclosure_build); the
    request records when it was made and how many rows it held."""
    if request.kind not in dsr.DISCLOSURE_KINDS:
        raise ValidationError("開示の請求ではないため、保有個人データは出力しません。")
    with transaction.atomic():
        request = _for_update(actor, request)
        if request.status != DsrStatus.VERIFIED:
            raise ValidationError("本人確認が済むまで、保有個人データは出力できません。")
        disclosure = disclosure_build(user=actor, customer=request.customer)
        request.exported_at = timezone.now()
        request.export_rows = sum(len(s.rows) for s in disclosure.sections)
        writes.save(request, actor=actor, reason="開示データの出力")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_DSR_EXPORT,
            target=request,
            summary=f"開示等の請求 {request.number} の保有個人データを出力した({request.export_rows:,}行)",
            data={"sections": len(disclosure.sections), "rows": request.export_rows},
        )
    return disclosure


def dsr_complete(
    *,
    actor: User,
    request: DataSubjectRequest,
    decision: str,
    completed_on: dt.date,
    decision_reason: str = "",
    completion_note: str = "",
) -> DataSubjectRequest:
    """Record the answer. Corrections and stops of use are carried out in the screens of the data
    concerned (each with its own history); this records what was decided and told to the person."""
    with transaction.atomic():
        request = _for_update(actor, request)
        problems = dsr.completion_problems(
            kind=request.kind,
            verified=request.status == DsrStatus.VERIFIED,
            decision=decision,
            reason=decision_reason,
            exported=request.exported_at is not None,
            received_on=request.received_on,
            completed_on=completed_on,
            today=timezone.localdate(),
        )
        if problems:
            raise ValidationError({field or "__all__": message for field, message in problems.items()})
        request.decision = decision
        request.decision_reason = decision_reason.strip()
        request.completed_on = completed_on
        request.completion_note = completion_note.strip()
        request.status = DsrStatus.COMPLETED
        writes.save(request, actor=actor, reason="回答")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_DSR_COMPLETE,
            target=request,
            summary=f"開示等の請求 {request.number} に回答した({request.get_decision_display()})",
            data={"decision": decision, "late": completed_on > request.due_on},
        )
    return request


def dsr_withdraw(*, actor: User, request: DataSubjectRequest, reason: str) -> DataSubjectRequest:
    if not reason.strip():
        raise ValidationError({"reason": "取下げの理由(本人からの連絡の内容)を入力してください。"})
    with transaction.atomic():
        request = _for_update(actor, request)
        request.status = DsrStatus.WITHDRAWN
        request.withdrawn_reason = reason.strip()[:300]
        writes.save(request, actor=actor, reason="取下げ")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_DSR_WITHDRAW,
            target=request,
            summary=f"開示等の請求 {request.number} が取り下げられた",
        )
    return request
