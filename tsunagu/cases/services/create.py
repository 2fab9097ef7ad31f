"""Creating cases: numbering, routing to a queue, SLA due date, documents checklist, type panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.choices import AuditAction, DepartmentKind
from tsunagu.core.events import customer_changed
from tsunagu.core.input import text_problem
from tsunagu.core.models import Department, User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Policy

from ..business_calendar import current_calendar
from ..choices import CaseStatus, CaseType, EventKind, Priority
from ..models import Case, CaseDocument, CaseTypeRule, RequiredDocument
from ..workflow import POLICY_REQUIRED, validate_sub_type
from .common import event, next_number, save
from .extra import clean_extra


@dataclass
class CaseInput:
    case_type: str
    channel: str
    customer: Customer
    subject: str
    sub_type: str = ""
    policy: Policy | None = None
    description: str = ""
    priority: str = Priority.NORMAL
    assignee: User | None = None
    opened_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rule_for(case_type: str, sub_type: str) -> CaseTypeRule:
    rule = CaseTypeRule.objects.filter(case_type=case_type, sub_type__in=[sub_type, ""]).order_by("-sub_type").first()
    if rule is None:
        raise ValidationError(
            f"{CaseType(case_type).label}の対応期限・担当部署が設定されていません。管理画面の「案件種別ルール」で設定してください。"
        )
    return rule


def queue_for(rule: CaseTypeRule, actor: User) -> Department | None:
    department = Department.objects.filter(kind=rule.queue_kind).order_by("code").first()
    if department is None and rule.queue_kind == DepartmentKind.CLAIMS:
        raise ValidationError(
            "損害サービス部署が登録されていないため、事故受付を回付できません。管理画面で部署を登録してください。"
        )
    return department or actor.department


def _check_input(actor: User, data: CaseInput) -> None:
    errors: dict[str, str] = {}
    if data.case_type not in CaseType.values:
        errors["case_type"] = f"案件種別「{data.case_type}」はありません。"
    else:
        problem = validate_sub_type(data.case_type, data.sub_type)
        if problem:
            errors["sub_type"] = problem
        if data.case_type in POLICY_REQUIRED and data.policy is None:
            errors["policy"] = f"{CaseType(data.case_type).label}には対象の契約を指定してください。"
    if not data.subject.strip():
        errors["subject"] = "件名を入力してください。"
    for name, value in (("subject", data.subject), ("description", data.description)):
        problem = text_problem(value)
        if problem:
            errors[name] = problem
    if data.policy is not None and data.policy.policyholder_id != data.customer.pk:
        errors["policy"] = "契約はこの顧客が契約者の契約から選んでください。"
    if errors:
        raise ValidationError(errors)
    if not Customer.objects.visible_to(actor).filter(pk=data.customer.pk).exists():
        raise PermissionDenied("この顧客の案件を登録する権限がありません。")
    if data.policy is not None and not Policy.objects.visible_to(actor).filter(pk=data.policy.pk).exists():
        raise PermissionDenied("この契約の案件を登録する権限がありません。")


def case_open(*, actor: User, data: CaseInput) -> Case:
    """Create the case row, its documents checklist and the first timeline entry (no type panel).

    Callers hold a transaction; use `case_create` (tsunagu.cases.services) from outside.
    """
    _check_input(actor, data)
    rule = rule_for(data.case_type, data.sub_type)
    opened_on = data.opened_on or timezone.localdate()
    case = Case(
        case_type=data.case_type,
        sub_type=data.sub_type,
        channel=data.channel,
        customer=data.customer,
        policy=data.policy,
        subject=data.subject.strip(),
        description=data.description.strip(),
        priority=data.priority,
        status=CaseStatus.RECEIVED,
        assignee=data.assignee,
        department=queue_for(rule, actor),
        agency=data.policy.agency if data.policy is not None else actor.agency,
        opened_on=opened_on,
        due_date=current_calendar().add_business_days(opened_on, rule.sla_business_days),
        created_by=actor,
        number=next_number(opened_on.year),
    )
    save(case, actor)
    documents = RequiredDocument.objects.filter(
        case_type=data.case_type, sub_type__in=["", data.sub_type], is_active=True
    ).order_by("order", "id")
    for required in documents:
        save(CaseDocument(case=case, name=required.name, is_required=True), actor)
    queue = case.department.name if case.department else (case.agency.name if case.agency else "未設定")
    event(
        case,
        actor,
        EventKind.CREATED,
        f"{case.get_case_type_display()}を受け付けた(担当: {queue}、期限 {case.due_date:%Y/%m/%d})",
        body=case.description,
        data={"channel": case.channel, "sub_type": case.sub_type},
        audit_action=AuditAction.CASE_CREATE,
    )
    customer_changed([case.customer_id])
    return case


def case_create(*, actor: User, data: CaseInput) -> Case:
    """Create a case of any type; type-specific fields come in `data.extra` (see services.types)."""
    from .types import create_panel

    extra = clean_extra(data.case_type, data.extra)
    with transaction.atomic():
        case = case_open(actor=actor, data=data)
        create_panel(actor=actor, case=case, extra=extra)
    return case
