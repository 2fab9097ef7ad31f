"""Writes of the compliance registers: contractors (委託先) with their agreements and audits, and internal
audits of branches and agencies with checklist answers, findings and their follow-up.
Keyword-only, `actor` required, atomic, history through core.writes, an audit event each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Agency, Branch, User

from . import registers
from .choices import ContractorStatus, FindingStatus, InternalAuditStatus
from .models import (
    AuditChecklistItem,
    AuditFinding,
    Contractor,
    ContractorAgreement,
    ContractorAudit,
    InternalAudit,
    InternalAuditAnswer,
)
from .numbering import next_number

CONTRACTOR_FIELDS = (
    "name", "corporate_number", "address", "contact", "service", "data_items", "persons", "sensitive", "location",
    "country", "subcontracting", "subcontractors", "owner_department", "audit_interval_months", "status",
    "started_on", "ended_on", "data_disposal",
)  # fmt: skip


def _not_future(field: str, value: dt.date | None, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: f"{label}に未来の日付は指定できません。"})


def _check_contractor(contractor: Contractor) -> None:
    errors: dict[str, str] = {}
    if contractor.location == "foreign" and not contractor.country.strip():
        errors["country"] = "外国で取り扱う場合は国名を入力してください(外的環境の把握のため)。"
    if contractor.subcontracting and not contractor.subcontractors.strip():
        errors["subcontractors"] = "再委託がある場合は再委託先と業務を入力してください。"
    if contractor.status == ContractorStatus.ENDED:
        if contractor.ended_on is None:
            errors["ended_on"] = "委託終了の場合は委託終了日を入力してください。"
        elif not contractor.data_disposal.strip():
            errors["data_disposal"] = "委託終了の場合はデータの返却・消去の記録を入力してください。"
    if contractor.ended_on is not None and contractor.ended_on < contractor.started_on:
        errors["ended_on"] = "委託終了日は委託開始日以降の日付にしてください。"
    if contractor.corporate_number and not (
        contractor.corporate_number.isascii()
        and contractor.corporate_number.isdigit()
        and len(contractor.corporate_number) == 13
    ):
        errors["corporate_number"] = "法人番号は13桁の数字で入力してください。"
    if errors:
        raise ValidationError(errors)


def contractor_save(*, actor: User, contractor: Contractor | None = None, **values: Any) -> Contractor:
    """Register a contractor, or change one (the row's history shows before → after)."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    unknown = set(values) - set(CONTRACTOR_FIELDS)
    if unknown:
        raise TypeError(f"unknown contractor fields: {sorted(unknown)}")
    created = contractor is None
    target = contractor or Contractor()
    for field, value in values.items():
        setattr(target, field, value.strip() if isinstance(value, str) else value)
    _check_contractor(target)
    target.full_clean(exclude=["owner_department"])
    with transaction.atomic():
        writes.save(target, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_CONTRACTOR_SAVE,
            target=target,
            summary=f"委託先「{target.name}」を{'登録' if created else '変更'}した",
            data={"created": created, "fields": sorted(values)},
        )
    return target


def contractor_agreement_add(*, actor: User, contractor: Contractor, **values: Any) -> ContractorAgreement:
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    agreement = ContractorAgreement(contractor=contractor, **values)
    _not_future("signed_on", agreement.signed_on, "締結日")
    if agreement.valid_to is not None and agreement.valid_to < agreement.valid_from:
        raise ValidationError({"valid_to": "有効期間の終了日は開始日以降の日付にしてください。"})
    agreement.full_clean(exclude=["contractor"])
    with transaction.atomic():
        writes.save(agreement, actor=actor)
        missing = registers.missing_clauses({f: getattr(agreement, f) for f, _ in registers.REQUIRED_CLAUSES})
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_CONTRACTOR_AGREEMENT,
            target=agreement,
            summary=f"委託先「{contractor.name}」の委託契約「{agreement.title}」を登録した",
            data={"contractor": contractor.pk, "missing_clauses": missing},
        )
    return agreement


def contractor_audit_record(*, actor: User, contractor: Contractor, **values: Any) -> ContractorAudit:
    """Record an audit of the contractor. A C or D rating needs the follow-up asked for and its deadline."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    audit = ContractorAudit(contractor=contractor, auditor=actor, **values)
    _not_future("audited_on", audit.audited_on, "監査日")
    if audit.rating in ("C", "D") and not (audit.follow_up.strip() and audit.follow_up_due):
        raise ValidationError({"follow_up": "評価がC・Dの場合は是正の要請と期限を入力してください。"})
    if audit.follow_up.strip() and audit.follow_up_due is None:
        raise ValidationError({"follow_up_due": "是正を求める場合は期限を入力してください。"})
    if audit.follow_up_due is not None and audit.follow_up_due < audit.audited_on:
        raise ValidationError({"follow_up_due": "是正の期限は監査日以降の日付にしてください。"})
    audit.full_clean(exclude=["contractor", "auditor"])
    with transaction.atomic():
        writes.save(audit, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_CONTRACTOR_AUDIT,
            target=audit,
            summary=f"委託先「{contractor.name}」の監査結果({audit.get_rating_display()})を記録した",
            data={"contractor": contractor.pk, "rating": audit.rating},
        )
    return audit


def contractor_follow_up_done(*, actor: User, audit: ContractorAudit, done_on: dt.date, note: str) -> ContractorAudit:
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    if audit.follow_up_due is None:
        raise ValidationError("この監査では是正を求めていません。")
    if audit.follow_up_done_on is not None:
        raise ValidationError("この監査の是正は確認済みです。")
    _not_future("done_on", done_on, "是正の確認日")
    if done_on < audit.audited_on:
        raise ValidationError({"done_on": "是正の確認日は監査日以降の日付にしてください。"})
    if not note.strip():
        raise ValidationError({"note": "是正の確認内容を入力してください。"})
    with transaction.atomic():
        audit.follow_up_done_on = done_on
        audit.follow_up_note = note.strip()
        writes.save(audit, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_CONTRACTOR_FOLLOW_UP,
            target=audit,
            summary=f"委託先「{audit.contractor.name}」の是正を確認した",
            data={"contractor": audit.contractor_id},
        )
    return audit


# --- internal audits -----------------------------------------------------------------------------
def internal_audit_plan(
    *,
    actor: User,
    planned_on: dt.date,
    auditor: User,
    branch: Branch | None = None,
    agency: Agency | None = None,
) -> InternalAudit:
    """Plan an audit of one branch or one agency; its checklist is the active items of today."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    if (branch is None) == (agency is None):
        raise ValidationError("監査の対象として営業拠点か代理店のどちらか一方を選んでください。")
    if not permissions.has(auditor, permissions.COMPLIANCE_REGISTERS):
        raise ValidationError({"auditor": "監査担当にはコンプライアンス監査担当かシステム管理者を選んでください。"})
    items = list(AuditChecklistItem.objects.filter(active=True))
    if not items:
        raise ValidationError("使用中のチェック項目がありません。管理画面で項目を登録してください。")
    with transaction.atomic():
        audit = InternalAudit(
            number=next_number(InternalAudit, f"IA{planned_on.year}-"),
            branch=branch,
            agency=agency,
            planned_on=planned_on,
            auditor=auditor,
            opened_by=actor,
        )
        writes.save(audit, actor=actor)
        for item in items:
            writes.save(InternalAuditAnswer(audit=audit, item=item), actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_PLAN,
            target=audit,
            summary=f"内部監査 {audit.number}({audit.target})を計画した",
            data={"branch": getattr(branch, "pk", None), "agency": getattr(agency, "pk", None), "items": len(items)},
        )
    return audit


def _require_open(audit: InternalAudit, *allowed: str) -> None:
    if audit.status not in allowed:
        raise ValidationError(f"この内部監査は「{audit.get_status_display()}」のため変更できません。")


def internal_audit_answer(
    *, actor: User, audit: InternalAudit, performed_on: dt.date, answers: dict[int, tuple[str, str]]
) -> InternalAudit:
    """Record checklist results (answer id → (result, comment)); the audit is then 実施中."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    _require_open(audit, InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS)
    _not_future("performed_on", performed_on, "実施日")
    rows = {a.pk: a for a in audit.answers.all()}
    unknown = set(answers) - set(rows)
    if unknown:
        raise ValidationError("この監査にないチェック項目が含まれています。")
    changed = 0
    with transaction.atomic():
        for pk, (result, comment) in answers.items():
            row = rows[pk]
            if (row.result, row.comment) != (result, comment.strip()):
                row.result, row.comment = result, comment.strip()
                row.full_clean(exclude=["audit", "item"])
                writes.save(row, actor=actor)
                changed += 1
        audit.performed_on = performed_on
        audit.status = InternalAuditStatus.IN_PROGRESS
        writes.save(audit, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_ANSWER,
            target=audit,
            summary=f"内部監査 {audit.number} のチェック結果を記録した({changed}件)",
            data={"changed": changed},
        )
    return audit


def internal_audit_finding_add(
    *,
    actor: User,
    audit: InternalAudit,
    severity: str,
    description: str,
    corrective_action: str,
    owner: str,
    due_on: dt.date,
    item: AuditChecklistItem | None = None,
) -> AuditFinding:
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    _require_open(audit, InternalAuditStatus.IN_PROGRESS, InternalAuditStatus.REPORTED)
    if item is not None and not audit.answers.filter(item=item).exists():
        raise ValidationError({"item": "この監査のチェック項目を選んでください。"})
    if audit.performed_on is not None and due_on < audit.performed_on:
        raise ValidationError({"due_on": "是正期限は監査の実施日以降の日付にしてください。"})
    finding = AuditFinding(
        audit=audit, item=item, severity=severity, description=description.strip(), action=corrective_action.strip(),
        owner=owner.strip(), due_on=due_on,
    )  # fmt: skip
    finding.full_clean(exclude=["audit", "item"])
    with transaction.atomic():
        writes.save(finding, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_FINDING,
            target=finding,
            summary=f"内部監査 {audit.number} に指摘事項({finding.get_severity_display()})を記録した",
            data={"audit": audit.pk, "severity": severity, "item": getattr(item, "code", None)},
        )
    return finding


def internal_audit_report(*, actor: User, audit: InternalAudit, summary: str, reported_on: dt.date) -> InternalAudit:
    """Report the audit: every item answered and every 不適合 / 一部不適合 answered by a finding."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    _require_open(audit, InternalAuditStatus.IN_PROGRESS)
    _not_future("reported_on", reported_on, "報告日")
    if not summary.strip():
        raise ValidationError({"summary": "総評を入力してください。"})
    answers = [(a.item.code, a.result) for a in audit.answers.select_related("item")]
    findings_for = {f.item.code for f in audit.findings.select_related("item") if f.item is not None}
    problems = registers.report_problems(answers=answers, findings_for=findings_for)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        audit.summary = summary.strip()
        audit.reported_on = reported_on
        audit.status = InternalAuditStatus.REPORTED
        writes.save(audit, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_REPORT,
            target=audit,
            summary=f"内部監査 {audit.number} を報告した(指摘 {audit.findings.count()} 件)",
            data={"findings": audit.findings.count()},
        )
    return audit


def audit_finding_progress(
    *, actor: User, finding: AuditFinding, status: str, done_on: dt.date | None, note: str
) -> AuditFinding:
    """Move a finding on (対応中 / 是正済); 是正済 needs the day and what was checked. When the last
    finding of a reported audit is put right, the audit is complete."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    if finding.status == FindingStatus.DONE:
        raise ValidationError("この指摘事項は是正済です。")
    if status not in (FindingStatus.IN_PROGRESS, FindingStatus.DONE):
        raise ValidationError({"status": "状態を選んでください。"})
    if status == FindingStatus.DONE:
        if done_on is None:
            raise ValidationError({"done_on": "是正完了日を入力してください。"})
        _not_future("done_on", done_on, "是正完了日")
        if not note.strip():
            raise ValidationError({"note": "是正の確認内容を入力してください。"})
    audit = finding.audit
    with transaction.atomic():
        finding.status = status
        finding.done_on = done_on if status == FindingStatus.DONE else None
        finding.done_note = note.strip()
        writes.save(finding, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_FINDING,
            target=finding,
            summary=f"内部監査 {audit.number} の指摘事項を「{finding.get_status_display()}」にした",
            data={"audit": audit.pk, "status": status},
        )
        if (
            audit.status == InternalAuditStatus.REPORTED
            and not audit.findings.exclude(status=FindingStatus.DONE).exists()
        ):
            audit.status = InternalAuditStatus.CLOSED
            audit.closed_on = done_on or timezone.localdate()
            writes.save(audit, actor=actor)
            record_event(
                actor=actor,
                action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_CLOSE,
                target=audit,
                summary=f"内部監査 {audit.number} の指摘事項がすべて是正され、完了した",
                data={},
            )
    return finding


def internal_audit_close(*, actor: User, audit: InternalAudit, closed_on: dt.date) -> InternalAudit:
    """Close a reported audit that had no findings (with findings it closes when the last is done)."""
    permissions.require(actor, permissions.COMPLIANCE_REGISTERS)
    _require_open(audit, InternalAuditStatus.REPORTED)
    if audit.findings.exclude(status=FindingStatus.DONE).exists():
        raise ValidationError("是正が完了していない指摘事項があります。")
    _not_future("closed_on", closed_on, "完了日")
    with transaction.atomic():
        audit.status = InternalAuditStatus.CLOSED
        audit.closed_on = closed_on
        writes.save(audit, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_INTERNAL_AUDIT_CLOSE,
            target=audit,
            summary=f"内部監査 {audit.number} を完了した",
            data={},
        )
    return audit
