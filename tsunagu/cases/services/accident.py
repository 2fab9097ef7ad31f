"""事故受付: validate the report, check coverage, register the Claim and link it to the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.policies.choices import PolicyStatus, ReportChannel
from tsunagu.policies.models import Policy
from tsunagu.policies.services import claim_register

from ..choices import CaseChannel, EventKind
from ..models import AccidentReport, Case
from ..workflow import ACCIDENT_TYPES
from .common import event, save

# Accident types whose cover is a named coverage on an auto policy (checked by substring).
COVERAGE_KEYWORDS: dict[str, str] = {"対人": "対人", "対物": "対物", "車両": "車両", "人身傷害": "人身", "自損": "自損"}


def coverage_warnings(policy: Policy, accident_date: dt.date, accident_type: str) -> list[str]:
    """Warnings shown to the operator; they do not stop the report (the claim team decides)."""
    warnings: list[str] = []
    if accident_date > policy.expiry:
        warnings.append(
            f"事故日 {accident_date:%Y/%m/%d} は保険期間({policy.inception:%Y/%m/%d}〜{policy.expiry:%Y/%m/%d})外です。"
        )
    elif policy.status != PolicyStatus.IN_FORCE and (
        policy.last_changed_on is None or policy.last_changed_on <= accident_date
    ):
        warnings.append(f"契約の状態が「{policy.get_status_display()}」です。事故日に有効だったか確認してください。")
    allowed = ACCIDENT_TYPES.get(policy.line)
    if allowed is not None and accident_type not in allowed:
        warnings.append(
            f"{policy.get_line_display()}保険の事故の種類に「{accident_type}」はありません(補償対象外の可能性があります)。"
        )
    keyword = COVERAGE_KEYWORDS.get(accident_type)
    names = [c.name for c in policy.coverages.all()]
    if keyword and names and not any(keyword in name for name in names):
        warnings.append(f"この契約に「{accident_type}」の補償が見当たりません(契約中の補償: {'、'.join(names)})。")
    return warnings


def accident_panel(*, actor: User, case: Case, extra: dict[str, Any]) -> AccidentReport:
    policy = case.policy
    assert policy is not None  # POLICY_REQUIRED is checked before
    occurred_at = extra.get("occurred_at")
    errors: dict[str, str] = {}
    if not isinstance(occurred_at, dt.datetime):
        errors["occurred_at"] = "事故日時を入力してください。"
    for key, label in (("place", "事故場所"), ("accident_type", "事故の種類"), ("description", "事故状況")):
        if not str(extra.get(key) or "").strip():
            errors[key] = f"{label}を入力してください。"
    if errors:
        raise ValidationError(errors)
    assert isinstance(occurred_at, dt.datetime)
    accident_date = timezone.localtime(occurred_at).date() if timezone.is_aware(occurred_at) else occurred_at.date()
    if accident_date > case.opened_on:
        raise ValidationError({"occurred_at": "事故日時に未来の日時は指定できません。"})
    if accident_date < policy.inception:
        raise ValidationError(
            {
                "occurred_at": f"事故日 {accident_date:%Y/%m/%d} は保険始期 {policy.inception:%Y/%m/%d} より前のため、"
                f"契約 {policy.number} では事故受付できません。対象の契約を確認してください。"
            }
        )
    accident_type = str(extra["accident_type"]).strip()
    warnings = coverage_warnings(policy, accident_date, accident_type)
    agency_first = bool(extra.get("agency_first_contact")) or actor.agency_id is not None
    report = AccidentReport(
        case=case,
        occurred_at=occurred_at,
        place=str(extra["place"]).strip(),
        line=policy.line,
        accident_type=accident_type,
        description=str(extra["description"]).strip(),
        parties=str(extra.get("parties") or "").strip(),
        injuries=str(extra.get("injuries") or "").strip(),
        police_report_number=str(extra.get("police_report_number") or "").strip(),
        agency_first_contact=agency_first,
        coverage_warnings=warnings,
    )
    save(report, actor)
    if agency_first:
        via = ReportChannel.AGENCY
    else:
        via = ReportChannel.WEB if case.channel == CaseChannel.WEB else ReportChannel.CALL_CENTER
    claim = claim_register(
        actor=actor,
        policy=policy,
        number=f"J{case.number.removeprefix('C-')}",
        accident_date=accident_date,
        accident_place=report.place,
        accident_type=accident_type,
        reported_on=case.opened_on,
        reported_via=via,
    )
    case.claim = claim
    save(case, actor)
    event(
        case,
        actor,
        EventKind.DETAIL,
        f"事故 {claim.number} を登録した" + (f"(注意: {len(warnings)}件)" if warnings else ""),
        body="\n".join(warnings),
        data={"claim": claim.pk, "warnings": warnings},
        audit_action=AuditAction.CASE_REGISTER_CLAIM,
    )
    return report
