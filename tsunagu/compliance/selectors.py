"""Reads of the access log for the compliance auditor (permission ACCESS_LOG_VIEW).

The log can hold hundreds of millions of rows, so every read here is shaped by its indexes:
(user, at) for "who", customer_id for "whose", the primary key for "newest first" (ids come
from the database sequence at append time, so they follow the time of the reads). No COUNT(*)
over the whole table: a page fetches one row more than it shows, and the total is counted only up
to COUNT_CAP. Customer names on the screen are customers' personal data, so showing them is itself
logged (one list row per customer, core.access_log.log_list); the CSV export is logged as an export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer

from .choices import AlertStatus, CampaignStatus, ReviewDecision
from .models import Alert, ReasonRequest, ReviewCampaign, ReviewItem, RuleRun, RuleSetting

PAGE_SIZE = 50
COUNT_CAP = 10_000  # the total is counted up to here; past it the screen says "10,000件以上"
EXPORT_LIMIT = 10_000  # rows in one CSV; narrow the search for more
USER_MATCH_LIMIT = 50  # display-name matches taken into one search
BUSINESS_HOURS = (8, 20)  # reads before 8:00 or from 20:00 (Asia/Tokyo) are "outside business hours"
SCREEN = "アクセスログ"
EXPORT_SCREEN = "アクセスログ(CSV出力)"


class FilterProblem(Exception):
    """A filter that names nothing (an unknown user or customer): shown beside that field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass
class AccessLogFilters:
    user_ids: list[int] | None = None  # None: any user
    customer_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    purpose: str = ""
    screen: str = ""

    def describe(self) -> dict[str, Any]:
        """The filters as plain values (the export's log row records what was exported)."""
        return {
            key: (value.isoformat() if isinstance(value, dt.date) else value)
            for key, value in (
                ("user_ids", self.user_ids),
                ("customer_id", self.customer_id),
                ("date_from", self.date_from),
                ("date_to", self.date_to),
                ("purpose", self.purpose),
                ("screen", self.screen),
            )
            if value not in (None, "", [])
        }


@dataclass
class LogRow:
    entry: AccessLog
    customer: Customer | None

    @property
    def sensitive_labels(self) -> list[str]:
        """The 機微情報 fields a sensitive read showed (purpose `sensitive`; core.access_log_sensitive)."""
        if self.entry.purpose != AccessPurpose.SENSITIVE:
            return []
        return [str(label) for label in (self.entry.detail or {}).get("labels", [])]

    @property
    def purpose_label(self) -> str:
        """The purpose as screens and the CSV show it: a sensitive read names its fields."""
        labels = self.sensitive_labels
        label = self.entry.get_purpose_display()
        return f"{label}({'、'.join(labels)})" if labels else label


@dataclass
class LogPage:
    rows: list[LogRow]
    number: int
    has_next: bool
    count: int  # up to COUNT_CAP
    capped: bool
    page_size: int = PAGE_SIZE
    extra: dict[str, Any] = field(default_factory=dict)

    # The kit's pagination partial (ui/pagination.html) reads a Django Page's attributes.
    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def paginator(self) -> LogPage:
        return self

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def filters_from(*, user: User, cleaned: dict[str, Any]) -> AccessLogFilters:
    """Resolve the form's values to ids; FilterProblem for a user or customer that does not exist."""
    permissions.require(user, permissions.ACCESS_LOG_VIEW)
    filters = AccessLogFilters(
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
        purpose=cleaned.get("purpose") or "",
        screen=(cleaned.get("screen") or "").strip(),
    )
    who = (cleaned.get("user") or "").strip()
    if who:
        exact = list(User.objects.filter(username=who).values_list("pk", flat=True))
        ids = exact or list(
            User.objects.filter(display_name__icontains=who)
            .order_by("pk")
            .values_list("pk", flat=True)[:USER_MATCH_LIMIT]
        )
        if not ids:
            raise FilterProblem(
                "user", f"「{who}」に当たる利用者はいません。ユーザー名か表示名の一部を入力してください。"
            )
        filters.user_ids = ids
    customer_id = cleaned.get("customer")
    if customer_id is not None:
        if not Customer.objects.visible_to(user).filter(pk=customer_id).exists():
            raise FilterProblem("customer", f"顧客番号 K{customer_id:09d} の顧客は見つかりません。")
        filters.customer_id = customer_id
    return filters


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_log_queryset(*, user: User, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    permissions.require(user, permissions.ACCESS_LOG_VIEW)
    queryset = AccessLog.objects.all()
    order: tuple[str, ...] = ("-id",)
    if filters.user_ids is not None:
        queryset = queryset.filter(user_id__in=filters.user_ids)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.date_from is not None:
        queryset = queryset.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        queryset = queryset.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
        if filters.user_ids is None and filters.customer_id is None:
            # A period that ends in the past: newest-first by id would walk every later row first
            # (307 ms for a day two months back in 1M rows on PostgreSQL); seeking the period in the
            # (user, at) index per user is proportional to the rows in the period instead.
            users = list(User.objects.values_list("pk", flat=True))
            queryset = queryset.filter(Q(user_id__in=users) | Q(user__isnull=True))
            # Ordered by time: an id order would let PostgreSQL's planner walk the primary key
            # backwards again, hoping to meet the period early (130 ms instead of 6 ms, measured).
            order = ("-at", "-id")
    if filters.purpose:
        queryset = queryset.filter(purpose=filters.purpose)
    if filters.screen:
        queryset = queryset.filter(screen__contains=filters.screen)
    return queryset.select_related("user").order_by(*order)


def _customers(user: User, ids: Iterable[int | None]) -> dict[int, Customer]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return Customer.objects.visible_to(user).only("id", "name").in_bulk(wanted)


def access_log_page(*, user: User, filters: AccessLogFilters, page: int = 1) -> LogPage:
    """One page, newest first; the customers named on it are logged as shown (a list screen)."""
    queryset = access_log_queryset(user=user, filters=filters)
    page = max(1, page)
    start = (page - 1) * PAGE_SIZE
    entries = list(queryset[start : start + PAGE_SIZE + 1])
    has_next = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    customers = _customers(user, (e.customer_id for e in entries))
    log_list(user=user, customer_ids=customers, screen=SCREEN)
    return LogPage(
        rows=[LogRow(e, customers.get(e.customer_id) if e.customer_id is not None else None) for e in entries],
        number=page,
        has_next=has_next,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
    )


@dataclass
class Export:
    rows: list[LogRow]
    truncated: bool


def access_log_export(*, user: User, filters: AccessLogFilters) -> Export:
    """Up to EXPORT_LIMIT rows for a CSV, logged as one export naming every customer in it."""
    entries = list(access_log_queryset(user=user, filters=filters)[: EXPORT_LIMIT + 1])
    truncated = len(entries) > EXPORT_LIMIT
    entries = entries[:EXPORT_LIMIT]
    customers = _customers(user, (e.customer_id for e in entries))
    log_access(
        user=user,
        customer_ids=sorted(customers) or [None],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={"rows": len(entries), "truncated": truncated, "filters": filters.describe()},
    )
    return Export(
        rows=[LogRow(e, customers.get(e.customer_id) if e.customer_id is not None else None) for e in entries],
        truncated=truncated,
    )


# --- The auditor's home page -----------------------------------------------------------------------


def _by_user(period: Q) -> QuerySet[AccessLog]:
    """Rows in `period` (conditions on `at`), reached through the (user, at) index: one range per
    user (the user table is small) plus the rows without a user, instead of a scan of the log."""
    users = list(User.objects.values_list("pk", flat=True))
    return AccessLog.objects.filter(period).filter(Q(user_id__in=users) | Q(user__isnull=True))


def outside_hours_ranges(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches between `start` and `end` outside business hours (local time): each night from
    20:00 to 8:00 the next morning, as plain ranges of `at` (an index range each, where extracting the
    hour of every row of the week costs seconds on a big log)."""
    early, late = BUSINESS_HOURS
    ranges = []
    day = timezone.localdate(start) - dt.timedelta(days=1)
    while _day_start(day) < end:
        night = (
            _day_start(day) + dt.timedelta(hours=late),
            _day_start(day + dt.timedelta(days=1)) + dt.timedelta(hours=early),
        )
        low, high = max(night[0], start), min(night[1], end)
        if low < high:
            ranges.append((low, high))
        day += dt.timedelta(days=1)
    return ranges


def _counts_by_user(periods: list[Q], names: dict[int, str], purposes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows per user over the periods, one grouped, index-covered query per period (an OR of
    ranges makes SQLite scan the whole index instead of seeking each range); with `purposes`, only
    rows of those purposes (a row lookup each, so only for the small night ranges)."""
    totals: dict[int | None, int] = {}
    for period in periods:
        rows = _by_user(period)
        if purposes:
            rows = rows.filter(purpose__in=purposes)
        grouped = rows.order_by().values_list("user_id").annotate(n=Count("*")).values_list("user_id", "n")
        for uid, n in grouped:
            totals[uid] = totals.get(uid, 0) + n
    counts = [{"user_id": uid, "username": names.get(uid, "") if uid else "", "n": n} for uid, n in totals.items()]
    return sorted(counts, key=lambda r: (-r["n"], r["username"]))


def access_log_summary(*, user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's rows and distinct users, and reads outside business hours in the last 7 days (by user)."""
    permissions.require(user, permissions.ACCESS_LOG_VIEW)
    now = now or timezone.now()
    today = _day_start(timezone.localdate(now))
    week = today - dt.timedelta(days=6)
    # Grouped by user id: the (user, at) index covers the query (no row lookups).
    names = dict(User.objects.values_list("pk", "username"))
    today_counts = _counts_by_user([Q(at__gte=today)], names)
    nights = [Q(at__gte=low, at__lt=high) for low, high in outside_hours_ranges(week, now)]
    # Reads only (screens and the API): the nightly batch's command and export rows are not views.
    outside_rows = _counts_by_user(nights, names, purposes=(AccessPurpose.VIEW, AccessPurpose.API))
    return {
        "rows_today": sum(r["n"] for r in today_counts),
        "users_today": len([r for r in today_counts if r["user_id"] is not None]),
        "outside_hours": outside_rows[:20],
        "outside_hours_total": sum(r["n"] for r in outside_rows),
        "since": week,
        "business_hours": BUSINESS_HOURS,
    }


# --- alerts, requests and reviews ------------------------------------------------------------------


def alert_list(*, user: User, status: str = "open", rule: str = "", mine: bool = False) -> QuerySet[Alert]:
    """The review queue (auditors only): unconcluded first by default, newest day and highest score first."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    alerts = Alert.objects.select_related("user", "assignee")
    if status == "open":
        alerts = alerts.exclude(status=AlertStatus.CLOSED)
    elif status:
        alerts = alerts.filter(status=status)
    if rule:
        alerts = alerts.filter(rule=rule)
    if mine:
        alerts = alerts.filter(assignee=user)
    return alerts.order_by("-day", "-score", "pk")


def alert_get(*, user: User, pk: int) -> Alert:
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    alert = Alert.objects.select_related("user", "user__manager", "assignee", "run").filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def auditors() -> QuerySet[User]:
    """Who may be assigned an alert (the permission's check, on the few head-office candidates)."""
    candidates = User.objects.filter(is_active=True, department__isnull=False).prefetch_related("groups")
    ids = [u.pk for u in candidates if permissions.has(u, permissions.COMPLIANCE_ALERTS)]
    return User.objects.filter(pk__in=ids).order_by("username")


def open_alert_counts(*, user: User) -> dict[str, int]:
    """The auditor's home panel: unconcluded alerts, new ones, and those waiting for a manager."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    counts = dict(
        Alert.objects.open().order_by().values_list("status").annotate(n=Count("*")).values_list("status", "n")
    )
    return {
        "open": sum(counts.values()),
        "new": counts.get(AlertStatus.NEW, 0),
        "waiting": counts.get(AlertStatus.WAITING_REASON, 0),
        "mine": Alert.objects.open().filter(assignee=user).count(),
    }


def reason_requests_for(*, user: User, open_only: bool = True) -> QuerySet[ReasonRequest]:
    """The requests addressed to this manager (nobody else's)."""
    requests = ReasonRequest.objects.filter(manager=user).select_related("alert", "alert__user", "asked_by")
    if open_only:
        requests = requests.filter(answered_at__isnull=True)
    return requests.order_by("due_on", "pk")


def reason_request_get(*, user: User, pk: int) -> ReasonRequest:
    """A request for its manager, or for auditors; anyone else gets 404."""
    request = ReasonRequest.objects.select_related("alert", "alert__user", "asked_by", "manager").filter(pk=pk).first()
    if request is None or not (request.manager_id == user.pk or permissions.has(user, permissions.COMPLIANCE_ALERTS)):
        raise Http404
    return request


def review_items_for(*, user: User) -> QuerySet[ReviewItem]:
    """Roles this manager still has to confirm or revoke in open campaigns."""
    return (
        ReviewItem.objects.filter(reviewer=user, decision=ReviewDecision.PENDING, campaign__status=CampaignStatus.OPEN)
        .select_related("campaign", "staff")
        .order_by("campaign__deadline", "staff__username", "role")
    )


def review_item_get(*, user: User, pk: int) -> ReviewItem:
    item = ReviewItem.objects.select_related("campaign", "staff").filter(pk=pk).first()
    if item is None or not (
        item.reviewer_id == user.pk or permissions.has(user, permissions.COMPLIANCE_REVIEWS_MANAGE)
    ):
        raise Http404
    return item


def campaigns(*, user: User) -> list[dict[str, Any]]:
    permissions.require(user, permissions.COMPLIANCE_REVIEWS_MANAGE)
    rows = []
    for campaign in ReviewCampaign.objects.order_by("-opened_at"):
        counts = dict(
            campaign.items.order_by().values_list("decision").annotate(n=Count("*")).values_list("decision", "n")
        )
        rows.append({"campaign": campaign, "counts": counts, "total": sum(counts.values())})
    return rows


def campaign_get(*, user: User, pk: int) -> ReviewCampaign:
    permissions.require(user, permissions.COMPLIANCE_REVIEWS_MANAGE)
    campaign = ReviewCampaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def manager_summary(*, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """The manager's home panel: open business-reason requests and roles to review (overdue ones counted)."""
    today = today or timezone.localdate()
    requests = reason_requests_for(user=user)
    items = review_items_for(user=user)
    return {
        "requests": requests.count(),
        "requests_overdue": requests.filter(due_on__lt=today).count(),
        "reviews": items.count(),
        "reviews_overdue": items.filter(campaign__deadline__lt=today).count(),
    }


def rule_settings(*, user: User) -> QuerySet[RuleSetting]:
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    return RuleSetting.objects.select_related("department", "agency").order_by("rule", "role", "pk")


def recent_runs(*, user: User, limit: int = 20) -> list[RuleRun]:
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    return list(RuleRun.objects.order_by("-pk")[:limit])
