"""The home page per role: each user sees what they act on (desk.selectors.home_summary).

Which panels a user gets is decided by named permissions (core.permissions), never by role
checks here. Panels that list customers (my cases, my recent contacts, pending 異動・解約, open
accident cases) log the customers shown as a list read through `core.access_log.log_list`, once
per customer per 30 minutes for this screen (docs/access-log.md § 一覧画面の記録); panels of counts
show no personal data and log nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.cases.selectors import LIST_RELATED, CaseFilters, case_queryset, overdue_summary_for_user
from tsunagu.cases.selectors_adr import adr_near_marks, insurer_reports_overdue_count
from tsunagu.compliance.breach_selectors import open_incident_counts
from tsunagu.compliance.dsr_selectors import open_request_counts
from tsunagu.compliance.registers_selectors import register_counts
from tsunagu.compliance.selectors import access_log_summary, manager_summary, open_alert_counts
from tsunagu.core import permissions
from tsunagu.core.access_log import log_list
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.identity.selectors import dashboard as identity_dashboard
from tsunagu.interactions.models import Interaction
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, PolicyStatus
from tsunagu.policies.models import Claim, Policy
from tsunagu.surveys.services.follow_ups import queue_counts as follow_up_queue_counts
from tsunagu.voice.selectors import unread_circulations

LIST_LIMIT = 10
ANALYST_MONTHS = 6


@dataclass(frozen=True)
class CaseRow:
    case: Case
    overdue_days: int  # 0 when not overdue (or the deadline is paused)


def _case_rows(cases: list[Case], today: dt.date) -> list[CaseRow]:
    return [
        CaseRow(c, (today - c.due_date).days if c.paused_since is None and c.due_date < today else 0) for c in cases
    ]


def _open_cases(user: User, filters: CaseFilters, limit: int = LIST_LIMIT) -> list[Case]:
    queryset = case_queryset(user=user, filters=filters).select_related(*LIST_RELATED)
    return list(queryset.order_by("due_date", "id")[:limit])


def _counts_by_status(queryset: QuerySet[Case]) -> list[dict[str, Any]]:
    labels = dict(CaseStatus.choices)
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [{"status": s, "label": labels[s], "n": counts[s]} for s in CaseStatus.values if counts.get(s)]


def _my_work(user: User, today: dt.date) -> dict[str, Any]:
    mine = _open_cases(user, CaseFilters(assignee_id=user.pk))
    contacts = list(
        Interaction.objects.visible_to(user)
        .filter(staff=user)
        .select_related("customer")
        .order_by("-occurred_at", "-id")[:LIST_LIMIT]
    )
    return {
        "my_cases": _case_rows(mine, today),
        "overdue": overdue_summary_for_user(user=user, today=today),
        "recent_contacts": contacts,
        "_shown": [c.customer_id for c in mine] + [i.customer_id for i in contacts],
    }


def _department(user: User, today: dt.date) -> dict[str, Any]:
    department_cases = case_queryset(user=user, filters=CaseFilters(department_id=user.department_id))
    overdue = case_queryset(user=user, filters=CaseFilters(department_id=user.department_id, overdue_only=True))
    return {
        "department": user.department,
        "department_by_status": _counts_by_status(department_cases),
        "department_overdue": overdue.count(),
        "department_unassigned": department_cases.filter(assignee__isnull=True).count(),
    }


def _policy_admin(user: User, today: dt.date) -> dict[str, Any]:
    pending = case_queryset(user=user, filters=CaseFilters()).filter(
        case_type__in=[CaseType.CHANGE, CaseType.CANCELLATION]
    )
    by_type = dict(pending.order_by().values_list("case_type").annotate(n=Count("id")).values_list("case_type", "n"))
    rows = list(pending.select_related(*LIST_RELATED).order_by("due_date", "id")[:LIST_LIMIT])
    return {
        "pending_changes": by_type.get(CaseType.CHANGE, 0),
        "pending_cancellations": by_type.get(CaseType.CANCELLATION, 0),
        "pending_rows": _case_rows(rows, today),
        "_shown": [c.customer_id for c in rows],
    }


def _complaints(user: User, today: dt.date) -> dict[str, Any]:
    complaints = case_queryset(user=user, filters=CaseFilters(case_type=CaseType.COMPLAINT))
    overdue = case_queryset(user=user, filters=CaseFilters(case_type=CaseType.COMPLAINT, overdue_only=True))
    return {
        "complaints_by_status": _counts_by_status(complaints),
        "complaints_overdue": overdue.count(),
        # そんぽADR referrals inside their reminder period (case numbers and dates only, no names)
        "adr_near": adr_near_marks(user=user, today=today),
        "insurer_reports_overdue": insurer_reports_overdue_count(user=user, today=today),
    }


def _claims(user: User, today: dt.date) -> dict[str, Any]:
    accidents = case_queryset(user=user, filters=CaseFilters(case_type=CaseType.ACCIDENT))
    rows = list(accidents.select_related(*LIST_RELATED).order_by("due_date", "id")[:LIST_LIMIT])
    return {
        "accident_count": accidents.count(),
        "accident_rows": _case_rows(rows, today),
        "_shown": [c.customer_id for c in rows],
    }


def _steward(user: User) -> dict[str, Any]:
    board = identity_dashboard(user=user)
    runs = board["runs"]
    return {"review_count": board["review_count"], "last_run": runs[0] if runs else None}


def _analyst(user: User, today: dt.date) -> dict[str, Any]:
    """Aggregate counts only: no customer is named, so nothing is logged."""
    since = today.replace(day=1)
    for _ in range(ANALYST_MONTHS - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    policies = (
        Policy.objects.visible_to(user)
        .filter(status=PolicyStatus.IN_FORCE)
        .order_by()
        .values("product__name")
        .annotate(n=Count("id"))
        .order_by("-n", "product__name")
    )
    monthly = (
        Case.objects.visible_to(user)
        .filter(opened_on__gte=since)
        .annotate(month=TruncMonth("opened_on"))
        .order_by()
        .values("month", "case_type")
        .annotate(n=Count("id"))
    )
    months: list[dt.date] = []
    day = since
    while day <= today:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    table = {(row["month"], row["case_type"]): row["n"] for row in monthly}
    case_rows = [
        {"label": label, "counts": [table.get((m, value), 0) for m in months]} for value, label in CaseType.choices
    ]
    return {
        "policies_by_product": list(policies),
        "case_months": months,
        "cases_by_type_month": case_rows,
    }


def home_summary(*, user: User, screen: str) -> dict[str, Any]:
    today = timezone.localdate()
    context: dict[str, Any] = {
        "customer_count": Customer.objects.visible_to(user).count(),
        "policy_in_force_count": Policy.objects.visible_to(user).filter(status=PolicyStatus.IN_FORCE).count(),
        "open_claim_count": Claim.objects.visible_to(user).exclude(status__in=CLOSED_CLAIM_STATUSES).count(),
        "today": today,
    }
    shown: list[int] = []
    panels: list[str] = []

    def add(name: str, part: dict[str, Any]) -> None:
        shown.extend(part.pop("_shown", []))
        context.update(part)
        panels.append(name)

    if permissions.has(user, permissions.CASES_WORK):
        add("my_work", _my_work(user, today))
    if permissions.has(user, permissions.CASES_DEPARTMENT_QUEUE) and user.department_id is not None:
        add("department", _department(user, today))
    if permissions.has(user, permissions.CASES_POLICY_ADMIN_DESK):
        add("policy_admin", _policy_admin(user, today))
    if permissions.has(user, permissions.CASES_COMPLAINTS_DESK):
        add("complaints", _complaints(user, today))
    if permissions.has(user, permissions.CASES_CLAIMS_DESK):
        add("claims", _claims(user, today))
    if permissions.has(user, permissions.IDENTITY_STEWARD):
        add("steward", _steward(user))
    if permissions.has(user, permissions.ANALYTICS_AGGREGATES):
        add("analyst", _analyst(user, today))
    if permissions.has(user, permissions.ACCESS_LOG_VIEW):
        add("auditor", {"access_log": access_log_summary(user=user)})
    if permissions.has(user, permissions.COMPLIANCE_ALERTS):
        add(
            "compliance_alerts",
            {
                "compliance_alerts": open_alert_counts(user=user),
                "breaches": open_incident_counts(user=user, today=today),
                "data_subject_requests": open_request_counts(user=user, today=today),
                "registers": register_counts(user=user, today=today),
            },
        )
    if permissions.has(user, permissions.COMPLIANCE_MANAGER_DESK):
        add("compliance_manager", {"compliance_manager": manager_summary(user=user, today=today)})
    if permissions.has(user, permissions.SURVEYS_FOLLOW_UP) and (user.agency_id or user.department_id):
        add("survey_follow_ups", {"survey_follow_ups": follow_up_queue_counts(user, today)})
    if permissions.has(user, permissions.VOICE_RECORD):
        add("voice_circulations", {"unread_circulations": unread_circulations(user=user)})  # names no customer
    log_list(user=user, customer_ids=shown, screen=screen)
    context["panels"] = panels
    return context
