"""Reads of the compliance registers. No customer's personal data is read here (contractors and audits
are about organisations), so nothing is access-logged; every read requires COMPLIANCE_REGISTERS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.models import User

from . import registers
from .choices import ContractorStatus, FindingStatus, InternalAuditStatus
from .models import AuditFinding, Contractor, ContractorAgreement, ContractorAudit, InternalAudit


@dataclass(frozen=True)
class ContractorView:
    contractor: Contractor
    flags: list[registers.Flag]
    agreement: ContractorAgreement | None
    next_audit_due: dt.date

    @property
    def overdue(self) -> bool:
        return any(f.overdue for f in self.flags)


def _contractor_view(contractor: Contractor, today: dt.date) -> ContractorView:
    agreements = list(contractor.agreements.all())
    audits = list(contractor.audits.all())
    agreement_facts = {
        a.pk: registers.AgreementFacts(
            a.valid_from, a.valid_to, {f: getattr(a, f) for f, _ in registers.REQUIRED_CLAUSES}
        )
        for a in agreements
    }
    audit_facts = [registers.AuditFacts(a.audited_on, a.follow_up_due, a.follow_up_done_on) for a in audits]
    current = registers.current_agreement(agreement_facts.values(), today)
    return ContractorView(
        contractor=contractor,
        flags=registers.contractor_flags(
            active=contractor.status != ContractorStatus.ENDED,
            started_on=contractor.started_on,
            interval_months=contractor.audit_interval_months,
            agreements=list(agreement_facts.values()),
            audits=audit_facts,
            today=today,
        ),
        agreement=next((a for a in agreements if agreement_facts[a.pk] is current), None),
        next_audit_due=registers.next_audit_due(
            started_on=contractor.started_on, audits=audit_facts, interval_months=contractor.audit_interval_months
        ),
    )


def _contractors() -> object:
    return Contractor.objects.select_related("owner_department").prefetch_related(
        "agreements", Prefetch("audits", queryset=ContractorAudit.objects.select_related("auditor"))
    )


def contractor_list(*, user: User, status: str = "active", today: dt.date | None = None) -> list[ContractorView]:
    permissions.require(user, permissions.COMPLIANCE_REGISTERS)
    today = today or timezone.localdate()
    queryset = _contractors()
    if status == "active":
        queryset = queryset.exclude(status=ContractorStatus.ENDED)  # type: ignore[attr-defined]
    elif status in ContractorStatus.values:
        queryset = queryset.filter(status=status)  # type: ignore[attr-defined]
    views = [_contractor_view(c, today) for c in queryset]  # type: ignore[attr-defined]
    return sorted(views, key=lambda v: (not v.overdue, not v.flags, v.contractor.name))


def contractor_get(*, user: User, pk: int, today: dt.date | None = None) -> ContractorView:
    permissions.require(user, permissions.COMPLIANCE_REGISTERS)
    contractor = _contractors().filter(pk=pk).first()  # type: ignore[attr-defined]
    if contractor is None:
        raise Http404("委託先が見つかりません。")
    return _contractor_view(contractor, today or timezone.localdate())


@dataclass(frozen=True)
class AuditRow:
    audit: InternalAudit
    answered: int
    items: int
    findings_open: int
    findings_overdue: int

    @property
    def overdue_label(self) -> str:
        return f"期限超過 {self.findings_overdue} 件"


def internal_audit_list(*, user: User, status: str = "open", today: dt.date | None = None) -> list[AuditRow]:
    permissions.require(user, permissions.COMPLIANCE_REGISTERS)
    today = today or timezone.localdate()
    queryset = (
        InternalAudit.objects.select_related("branch", "agency", "auditor")
        .prefetch_related("answers", "findings")
        .order_by("planned_on", "pk")
    )
    if status == "open":
        queryset = queryset.exclude(status=InternalAuditStatus.CLOSED)
    elif status in InternalAuditStatus.values:
        queryset = queryset.filter(status=status)
    rows = []
    for audit in queryset:
        answers = list(audit.answers.all())
        open_findings = [f for f in audit.findings.all() if f.status != FindingStatus.DONE]
        rows.append(
            AuditRow(
                audit=audit,
                answered=sum(1 for a in answers if a.result),
                items=len(answers),
                findings_open=len(open_findings),
                findings_overdue=sum(
                    1 for f in open_findings if registers.finding_overdue(due_on=f.due_on, done=False, today=today)
                ),
            )
        )
    return rows


def internal_audit_get(*, user: User, pk: int) -> InternalAudit:
    permissions.require(user, permissions.COMPLIANCE_REGISTERS)
    audit = (
        InternalAudit.objects.select_related("branch", "agency", "auditor", "opened_by")
        .prefetch_related("answers__item", Prefetch("findings", queryset=AuditFinding.objects.select_related("item")))
        .filter(pk=pk)
        .first()
    )
    if audit is None:
        raise Http404("内部監査が見つかりません。")
    return audit


@dataclass(frozen=True)
class RegisterCounts:
    contractors_overdue: int
    findings_overdue: int
    audits_planned: int


def register_counts(*, user: User, today: dt.date | None = None) -> RegisterCounts:
    """The home panel's figures: contractors needing action now, overdue findings, audits to do."""
    permissions.require(user, permissions.COMPLIANCE_REGISTERS)
    today = today or timezone.localdate()
    return RegisterCounts(
        contractors_overdue=sum(1 for v in contractor_list(user=user, today=today) if v.overdue),
        findings_overdue=AuditFinding.objects.exclude(status=FindingStatus.DONE).filter(due_on__lt=today).count(),
        audits_planned=InternalAudit.objects.filter(status=InternalAuditStatus.PLANNED).count(),
    )
