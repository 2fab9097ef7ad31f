"""Every read of cases, scoped to the user; reads that show customers' data are access-logged.

The desk composes its customer page from `case_list_for_customer`, `open_case_count_for_customer`
and `case_events_for_customer`, and its home page from `overdue_summary_for_user`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from tsunagu.core import normalize
from tsunagu.core.access_log import LIST_REPEAT_WINDOW, log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.input import BIGINT_MAX
from tsunagu.core.models import Agency, Department, User
from tsunagu.customers.choices import NameChangeReason
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read
from tsunagu.policies.choices import ClaimStatus, LineOfBusiness, PaymentFrequency, PaymentMethod
from tsunagu.policies.models import Claim, Vehicle

from . import grade_facts
from .choices import CaseType
from .models import Case, CaseEvent, CaseTask, KnowledgeArticle, RetentionGuidance, faq_key
from .services.types import CHANGE_VALUE_LABELS, can_see_complaint_sensitive, current_values

PAGE_SIZE = 50
# The largest page whose OFFSET still fits the databases' signed 64-bit integer.
MAX_PAGE = BIGINT_MAX // PAGE_SIZE
LIST_RELATED = ("customer", "policy", "department", "assignee", "agency")


@dataclass
class CaseFilters:
    status: str = ""
    case_type: str = ""
    department_id: int | None = None
    assignee_id: int | None = None
    agency_id: int | None = None
    customer_id: int | None = None
    open_only: bool = True
    overdue_only: bool = False


@dataclass
class CasePage:
    cases: list[Case]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    # Enough of Django's Page for the kit's ui/pagination.html.
    @property
    def number(self) -> int:
        return self.page

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.page - 1

    def next_page_number(self) -> int:
        return self.page + 1

    @property
    def paginator(self) -> CasePage:
        return self

    @property
    def count(self) -> int:
        return self.total

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _log_list(user: User, cases: list[Case], screen: str, window: dt.timedelta) -> None:
    """A case list logs its customers through `log_list` (docs/access-log.md § 一覧画面の記録): once
    per user, screen and customer within `window`; a zero window (the API) logs every call."""
    log_list(user=user, customer_ids=[c.customer_id for c in cases], screen=screen, window=window)


def case_queryset(*, user: User, filters: CaseFilters, today: dt.date | None = None) -> QuerySet[Case]:
    queryset = Case.objects.visible_to(user)
    if filters.open_only or filters.overdue_only:
        queryset = queryset.filter(is_open=True)
    if filters.overdue_only:
        queryset = queryset.filter(due_date__lt=today or timezone.localdate(), paused_since__isnull=True)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.case_type:
        queryset = queryset.filter(case_type=filters.case_type)
    if filters.department_id:
        queryset = queryset.filter(department_id=filters.department_id)
    if filters.assignee_id:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.agency_id:
        queryset = queryset.filter(agency_id=filters.agency_id)
    if filters.customer_id:
        queryset = queryset.filter(customer_id=filters.customer_id)
    return queryset


def case_list(
    *,
    user: User,
    filters: CaseFilters,
    page: int = 1,
    screen: str = "案件一覧",
    log_window: dt.timedelta = LIST_REPEAT_WINDOW,
) -> CasePage:
    """Open cases first by due date (oldest first); closed ones newest first. The page's customers
    are logged once per `log_window` (a reload or paging back adds no rows); API callers pass
    `dt.timedelta(0)`: API reads are logged every time."""
    queryset = case_queryset(user=user, filters=filters)
    order = ("due_date", "id") if (filters.open_only or filters.overdue_only) else ("-id",)
    page = max(1, page)
    cases = list(queryset.select_related(*LIST_RELATED).order_by(*order)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    total = queryset.count()
    _log_list(user, cases, screen, log_window)
    return CasePage(cases=cases, total=total, page=page)


def my_cases(*, user: User, page: int = 1) -> CasePage:
    return case_list(user=user, filters=CaseFilters(assignee_id=user.pk), page=page, screen="担当案件")


def department_queue(*, user: User, department: Department, page: int = 1) -> CasePage:
    return case_list(user=user, filters=CaseFilters(department_id=department.pk), page=page, screen="部署キュー")


def overdue_list(*, user: User, page: int = 1, department_id: int | None = None, mine: bool = False) -> CasePage:
    result = case_list(
        user=user,
        filters=CaseFilters(overdue_only=True, department_id=department_id, assignee_id=user.pk if mine else None),
        page=page,
        screen="対応漏れ一覧",
    )
    result.extra["tasks"] = overdue_tasks(user=user)
    return result


def _tasks_of_visible_cases(user: User, tasks: QuerySet[CaseTask]) -> QuerySet[CaseTask]:
    """Restrict tasks to cases the user may see. For unrestricted (HQ) users no filter is added:
    `case IN (every case)` would make the database walk the whole case table first."""
    visible = Case.objects.visible_to(user)
    if visible.query.is_empty():
        return tasks.none()
    if not visible.query.where:
        return tasks
    return tasks.filter(case__in=visible)


def overdue_tasks(*, user: User, limit: int = 50) -> list[CaseTask]:
    tasks = CaseTask.objects.filter(done_at__isnull=True, due_date__lt=timezone.localdate())
    return list(
        _tasks_of_visible_cases(user, tasks)
        .select_related("case", "department", "assignee")
        .order_by("due_date", "id")[:limit]
    )


def overdue_breakdown(*, user: User, today: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """Overdue open cases counted per person, department and agency (within the user's scope).

    One grouped read of the `case_open_due` index (by department, assignee and agency together),
    summed here per dimension; names come from the small org tables afterwards, so the database
    never joins them per case. The keys are grouped through COALESCE so that SQLite reads the
    covering due-date range instead of walking a per-department index for its GROUP BY order."""
    overdue = case_queryset(user=user, filters=CaseFilters(overdue_only=True), today=today)
    totals: dict[str, dict[int | None, int]] = {"department": {}, "person": {}, "agency": {}}
    grouped = (
        overdue.order_by()
        .annotate(d=Coalesce("department_id", 0), p=Coalesce("assignee_id", 0), a=Coalesce("agency_id", 0))
        .values_list("d", "p", "a")
        .annotate(n=Count("*"))
    )
    for department_id, assignee_id, agency_id, n in grouped:
        for dimension, key in (("department", department_id), ("person", assignee_id), ("agency", agency_id)):
            totals[dimension][key or None] = totals[dimension].get(key or None, 0) + n
    departments = Department.objects.in_bulk([k for k in totals["department"] if k is not None])
    people = User.objects.in_bulk([k for k in totals["person"] if k is not None])
    agencies = Agency.objects.in_bulk([k for k in totals["agency"] if k is not None])

    def ranked(counts: dict[int | None, int], limit: int | None = None) -> list[tuple[int | None, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0] or 0))[:limit]

    return {
        "person": [
            {
                "assignee_id": pk,
                "assignee__display_name": people[pk].display_name if pk in people else None,
                "assignee__username": people[pk].username if pk in people else None,
                "n": n,
            }
            for pk, n in ranked(totals["person"], 50)
        ],
        "department": [
            {"department_id": pk, "department__name": departments[pk].name if pk in departments else None, "n": n}
            for pk, n in ranked(totals["department"])
        ],
        "agency": [
            # Cases without an agency (direct business, in scope through their policy) are a row of
            # their own, so the rows add up to the overdue total.
            {"agency_id": pk, "agency__name": agencies[pk].name if pk in agencies else "代理店なし", "n": n}
            for pk, n in ranked(totals["agency"])
        ],
    }


def overdue_summary_for_user(*, user: User, today: dt.date | None = None) -> dict[str, int]:
    """Counts for the home page: overdue cases assigned to me, in my department/agency, and tasks."""
    today = today or timezone.localdate()
    overdue = case_queryset(user=user, filters=CaseFilters(overdue_only=True), today=today)
    mine = overdue.filter(assignee_id=user.pk).count()
    if user.department_id is not None:
        team = overdue.filter(department_id=user.department_id).count()
    elif user.agency_id is not None:
        team = overdue.count()  # agency staff's scope is their agency
    else:
        team = 0
    tasks = CaseTask.objects.filter(done_at__isnull=True, due_date__lt=today).filter(
        Q(assignee_id=user.pk) | Q(assignee__isnull=True, department_id=user.department_id or -1)
    )
    return {
        "mine": mine,
        "team": team,
        "tasks": _tasks_of_visible_cases(user, tasks).count(),
        "open_mine": Case.objects.visible_to(user).filter(is_open=True, assignee_id=user.pk).count(),
    }


def case_get(*, user: User, pk: int, screen: str = "案件詳細", purpose: AccessPurpose = AccessPurpose.VIEW) -> Case:
    """One case with everything the detail screen shows, or 404 outside the user's scope (logged)."""
    case = (
        Case.objects.visible_to(user)
        .select_related(*LIST_RELATED, "claim", "created_by", "policy__product")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("案件が見つかりません。")
    log_access(user=user, customer_ids=[case.customer_id], purpose=purpose, screen=screen, detail={"case": case.number})
    return case


def case_get_by_number(*, user: User, number: str, screen: str = "案件詳細") -> Case:
    found = Case.objects.visible_to(user).filter(number=number.strip().upper()).values_list("pk", flat=True).first()
    if found is None:
        raise Http404("案件が見つかりません。")
    return case_get(user=user, pk=found, screen=screen)


def case_timeline(*, user: User, case: Case) -> list[CaseEvent]:
    """The case's events, newest first (the case was fetched, scoped and logged, by case_get)."""
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("-at", "-id"))


_VALUE_LABELS: dict[str, dict[str, str]] = {
    "reason": dict(NameChangeReason.choices),
    "payment_method": dict(PaymentMethod.choices),
    "payment_frequency": dict(PaymentFrequency.choices),
}


def change_value_display(key: str, value: str) -> str:
    """A 異動 value as staff read it: labels for codes, 〒123-4567 for postal codes."""
    if not value:
        return ""
    if key == "postal_code":
        return f"〒{normalize.format_postal_code(normalize.postal_code_digits(value))}"
    return str(_VALUE_LABELS.get(key, {}).get(value, value))


def change_rows(*, case: Case) -> list[dict[str, str]]:
    """The 異動 as rows of 項目 / 変更前 / 変更後 in Japanese. Before the change is applied, 変更前 is
    what the customer's record (or the policy) holds now; afterwards, what the change replaced."""
    change = case.change
    before = (change.previous_values or {}) if change.applied_at else current_values(case)
    keys = [key for key in CHANGE_VALUE_LABELS if key in change.new_values or key in before]
    keys += [key for key in change.new_values if key not in CHANGE_VALUE_LABELS]
    return [
        {
            "key": key,
            "label": CHANGE_VALUE_LABELS.get(key, key),
            "before": change_value_display(key, str(before.get(key, ""))),
            "after": change_value_display(key, str(change.new_values.get(key, ""))),
        }
        for key in keys
        if key in change.new_values or key in before
    ]


def complaint_sensitive_visible(*, user: User) -> bool:
    return can_see_complaint_sensitive(user)


def retention_guidance_for(*, case: Case) -> list[RetentionGuidance]:
    """Guidance for the cancellation reason: the policy's line first, then the general ones."""
    if case.case_type != CaseType.CANCELLATION:
        return []
    line = case.policy.line if case.policy else ""
    reason = case.cancellation.reason
    rows = RetentionGuidance.objects.filter(reason=reason, is_active=True, line__in=["", line])
    return sorted(rows, key=lambda g: (g.line == "", g.order, g.pk))


def cancellation_grade_facts(*, case: Case, today: dt.date) -> grade_facts.GradeFacts | None:
    """The ノンフリート等級 facts of a motor cancellation, from the policy's vehicle and the period's
    claims (none when the case is not a cancellation of a motor policy with a vehicle). The end date is
    the recorded 解約日, else today (never after the expiry)."""
    policy = case.policy
    if case.case_type != CaseType.CANCELLATION or policy is None or policy.line != LineOfBusiness.AUTO:
        return None
    vehicle = Vehicle.objects.filter(policy=policy).first()
    if vehicle is None:
        return None
    recorded = case.cancellation.effective_date
    end = recorded or min(today, policy.expiry)
    # Claims of this period that move the grade: paid or still open (a denied/withdrawn claim does not).
    not_counted = (ClaimStatus.DENIED, ClaimStatus.WITHDRAWN)
    types = (
        Claim.objects.filter(policy=policy, accident_date__gte=policy.inception, accident_date__lte=end)
        .exclude(status__in=not_counted)
        .values_list("accident_type", flat=True)
    )
    return grade_facts.grade_facts(
        grade=vehicle.nonfleet_grade,
        accident_years=vehicle.accident_coefficient_years,
        end_date=end,
        reason=case.cancellation.reason,
        accident_types=list(types),
        end_assumed=recorded is None,
    )


def faq_search(*, user: User, query: str, limit: int = 20) -> list[KnowledgeArticle]:
    """Japanese full-text search over published FAQ: every word must appear (normalized)."""
    if not user.is_authenticated:
        return []
    terms = [faq_key(term) for term in query.split() if faq_key(term)]
    queryset = KnowledgeArticle.objects.filter(is_published=True)
    for term in terms:
        queryset = queryset.filter(search_key__contains=term)
    return list(queryset.order_by("title")[:limit])


# --- for the desk's customer page ---------------------------------------------------------------


def case_list_for_customer(*, user: User, customer: Customer, limit: int = 20) -> list[Case]:
    """The customer's cases the user may see, open ones first. The desk fetched the customer through
    customer_get (scoped and logged), so this read is not logged again."""
    require_logged_read(user=user, customer=customer)
    return list(
        Case.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("department", "assignee", "policy")
        # 異動 completed but dated later show 反映予定 <date> (applied by apply_scheduled_changes).
        .annotate(change_on=F("change__effective_date"), change_applied_at=F("change__applied_at"))
        .order_by("-is_open", "due_date", "-id")[:limit]
    )


def open_case_badges(user: User, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    """Search-result badges: open complaints and other open cases the user may see, per customer."""
    rows = (
        Case.objects.visible_to(user)
        .filter(customer_id__in=customer_ids, is_open=True)
        .order_by()
        .values("customer_id")
        .annotate(
            complaints=Count("id", filter=Q(case_type=CaseType.COMPLAINT)),
            others=Count("id", filter=~Q(case_type=CaseType.COMPLAINT)),
        )
    )
    badges: dict[int, list[str]] = {}
    for row in rows:
        labels = badges.setdefault(row["customer_id"], [])
        if row["complaints"]:
            labels.append(f"苦情対応中 {row['complaints']}件")
        if row["others"]:
            labels.append(f"未完了案件 {row['others']}件")
    return badges


def open_case_count_for_customer(*, user: User, customer: Customer) -> int:
    require_logged_read(user=user, customer=customer)
    return Case.objects.visible_to(user).filter(customer=customer, is_open=True).count()


def case_events_for_customer(*, user: User, customer: Customer, limit: int = 30) -> list[CaseEvent]:
    """Case events for the customer page's timeline (newest first)."""
    require_logged_read(user=user, customer=customer)
    cases = Case.objects.visible_to(user).filter(customer=customer)
    return list(CaseEvent.objects.filter(case__in=cases).select_related("case", "actor").order_by("-at", "-id")[:limit])
