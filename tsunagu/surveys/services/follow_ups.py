"""Closing the loop: a dissatisfied answer opens a follow-up for the owning agency or department, due
on the business calendar; staff call the customer and record the outcome.

- `follow_ups_open_for` subscribes to `events.responses_recorded` (every way an answer arrives), inside
  the answer's transaction. A follow-up opens when the NPS is 0–6 (批判者), a driver rated 1–5 is 2 or
  lower, or the customer agreed to be contacted (the survey's 連絡の同意 question answered yes) — the
  first of these that holds is its reason. Owner: the agency of the response's policy, else お客様相談室
  (`DepartmentKind.CUSTOMER_RELATIONS`). Due: `TSUNAGU_SURVEY_FOLLOW_UP_DAYS` (default 3) business
  days after the answer (`cases.business_calendar`).
- `follow_up_close` records 対応済 or 連絡不通 with what was said.
- Reads: the worklist (agency staff: their agency's; head office: their department's or all), one
  follow-up with its answers, the period's follow-up rate and time to close, the overdue badge.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.core import bulk, permissions, scoping, writes
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction, DepartmentKind
from tsunagu.core.models import Department, User

from .. import config
from ..choices import FollowUpReason, FollowUpStatus, QuestionKind
from ..models import FollowUp, Question, Response

LOW_DRIVER = 2  # a driver rated this or lower (of 5) asks for a call
DETRACTOR_MAX = 6
CLOSED = (FollowUpStatus.DONE, FollowUpStatus.NOT_REACHED)
LIST_SCREEN = "アンケートのフォローアップ一覧"
DETAIL_SCREEN = "アンケートのフォローアップ"
PAGE_SIZE = 50
OUTCOME_MAX = 2000


def business_days() -> int:
    return config.follow_up_days()


def reason_for(nps: int | None, driver_ratings: Sequence[Any], contact_consent: bool | None) -> str | None:
    """Why this answer needs a call, or None. Detractor first, then a low driver, then the request."""
    if nps is not None and nps <= DETRACTOR_MAX:
        return FollowUpReason.DETRACTOR
    if any(isinstance(r, int) and not isinstance(r, bool) and r <= LOW_DRIVER for r in driver_ratings):
        return FollowUpReason.DRIVER
    if contact_consent:
        return FollowUpReason.CONTACT_REQUESTED
    return None


def _rating_drivers(version_ids: set[int]) -> dict[int, list[str]]:
    drivers: dict[int, list[str]] = {}
    rows = Question.objects.filter(version_id__in=version_ids, is_driver=True, kind=QuestionKind.RATING)
    for version_id, code in rows.values_list("version_id", "code"):
        drivers.setdefault(version_id, []).append(code)
    return drivers


def customer_relations() -> Department | None:
    return Department.objects.filter(kind=DepartmentKind.CUSTOMER_RELATIONS).order_by("pk").first()


def follow_ups_open_for(responses: Sequence[Response], actor: User | None) -> list[FollowUp]:
    """The `events.responses_recorded` subscriber: one follow-up per response that needs a call."""
    drivers = _rating_drivers({r.version_id for r in responses})
    department: Department | None = None
    calendar = current_calendar()
    due_by_day: dict[dt.date, dt.date] = {}
    days = business_days()
    opened: list[FollowUp] = []
    for response in responses:
        ratings = [response.answers.get(code) for code in drivers.get(response.version_id, ())]
        reason = reason_for(response.nps, ratings, response.contact_consent)
        if reason is None:
            continue
        agency_id = response.agency_id if response.policy_id is not None else None
        if agency_id is None and department is None:
            department = customer_relations()
        if response.answered_on not in due_by_day:
            due_by_day[response.answered_on] = calendar.add_business_days(response.answered_on, days)
        opened.append(
            FollowUp(
                response_id=response.pk,
                customer_id=response.customer_id,
                policy_id=response.policy_id,
                reason=reason,
                agency_id=agency_id,
                department=department if agency_id is None else None,
                due_date=due_by_day[response.answered_on],
                status=FollowUpStatus.OPEN,
            )
        )
    if not opened:
        return []
    bulk.insert_records(FollowUp, opened, returning=("response_id",))
    bulk.copy_to_history(FollowUp, [f.pk for f in opened], user_id=actor.pk if actor is not None else None)
    reasons = Counter(f.reason for f in opened)
    detail = "、".join(f"{label} {reasons[code]:,}" for code, label in FollowUpReason.choices if reasons[code])
    record_event(
        actor=actor,
        action=AuditAction.SURVEY_FOLLOW_UPS_OPEN,
        target=responses[0].survey,
        summary=f"アンケート回答からフォローアップを {len(opened):,}件起票した({detail})",
        data={"follow_ups": [f.pk for f in opened[:100]], "by_reason": dict(reasons)},
    )
    return opened


# --- reads ------------------------------------------------------------------------------------------


def _visible(user: User) -> QuerySet[FollowUp]:
    """Agency staff see their own agency's follow-ups only (not the department's about a shared
    customer); head office sees every one; anyone else none."""
    permissions.require(user, permissions.SURVEYS_FOLLOW_UP)
    queryset = FollowUp.objects.visible_to(user)
    if scoping.reach(user) is scoping.Reach.AGENCY:
        queryset = queryset.filter(agency_id=user.agency_id)
    return queryset


def own_queue(user: User) -> Q | None:
    """The follow-ups that are the user's work: their agency's or their department's (None: no queue)."""
    if user.agency_id is not None:
        return Q(agency_id=user.agency_id)
    if user.department_id is not None:
        return Q(department_id=user.department_id)
    return None


@dataclass(frozen=True)
class FollowUpFilters:
    status: str = "open"  # open | closed | all
    scope: str = "mine"  # mine | all (head office)
    date_from: dt.date | None = None  # answered on or after
    date_to: dt.date | None = None  # answered on or before


def follow_up_queryset(*, user: User, filters: FollowUpFilters) -> QuerySet[FollowUp]:
    queryset = _visible(user)
    queue = own_queue(user)
    if (filters.scope == "mine" or scoping.reach(user) is scoping.Reach.AGENCY) and queue is not None:
        queryset = queryset.filter(queue)
    if filters.status == "open":
        queryset = queryset.filter(status=FollowUpStatus.OPEN)
    elif filters.status == "closed":
        queryset = queryset.filter(status__in=CLOSED)
    if filters.date_from is not None:
        queryset = queryset.filter(response__answered_on__gte=filters.date_from)
    if filters.date_to is not None:
        queryset = queryset.filter(response__answered_on__lte=filters.date_to)
    return queryset


def follow_up_page(*, user: User, filters: FollowUpFilters, page: Any) -> Page[FollowUp]:
    """One page of the worklist, oldest due first; the customers shown are logged as a list read."""
    queryset = follow_up_queryset(user=user, filters=filters).select_related(
        "customer", "policy", "agency", "department", "response", "response__survey", "closed_by"
    )
    result = Paginator(queryset.order_by("status", "due_date", "id"), PAGE_SIZE).get_page(page)
    log_list(user=user, customer_ids=[f.customer_id for f in result.object_list], screen=LIST_SCREEN)
    return result


@dataclass(frozen=True)
class FollowUpStats:
    total: int
    open: int
    overdue: int
    done: int
    not_reached: int
    on_time: int
    mean_days_to_close: float | None  # from the answer to the recorded outcome, calendar days

    @property
    def closed(self) -> int:
        return self.done + self.not_reached

    @property
    def follow_up_rate(self) -> float | None:
        """Share of the period's follow-ups with a recorded outcome (対応済 or 連絡不通)."""
        return self.closed / self.total if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.total if self.total else None


def follow_up_stats(*, user: User, filters: FollowUpFilters, today: dt.date | None = None) -> FollowUpStats:
    """The period's figures for the worklist's scope (any status): counts, rates, mean time to close."""
    today = today or timezone.localdate()
    queryset = follow_up_queryset(user=user, filters=FollowUpFilters(**{**filters.__dict__, "status": "all"}))
    counts = queryset.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=FollowUpStatus.OPEN)),
        overdue=Count("id", filter=Q(status=FollowUpStatus.OPEN, due_date__lt=today)),
        done=Count("id", filter=Q(status=FollowUpStatus.DONE)),
        not_reached=Count("id", filter=Q(status=FollowUpStatus.NOT_REACHED)),
    )
    closed = queryset.filter(status__in=CLOSED).values_list("closed_at", "due_date", "response__answered_on")
    on_time = 0
    spans: list[int] = []
    for closed_at, due_date, answered_on in closed:
        day = timezone.localtime(closed_at).date()
        on_time += day <= due_date
        spans.append((day - answered_on).days)
    return FollowUpStats(
        total=counts["total"],
        open=counts["open"],
        overdue=counts["overdue"],
        done=counts["done"],
        not_reached=counts["not_reached"],
        on_time=on_time,
        mean_days_to_close=sum(spans) / len(spans) if spans else None,
    )


@dataclass(frozen=True)
class AnswerLine:
    text: str
    answer: str


def _answer_text(question: Question, value: Any) -> str:
    if value is None or value == "":
        return "(未回答)"
    if question.kind == QuestionKind.CONSENT:
        return "はい" if value else "いいえ"
    if question.kind in (QuestionKind.NPS, QuestionKind.SCALE):
        return f"{value} / 10"
    if question.kind == QuestionKind.RATING:
        return f"{value} / 5"
    return str(value)


def follow_up_get(*, user: User, pk: int) -> tuple[FollowUp, list[AnswerLine]]:
    """One follow-up with the customer's answers in question order (404 outside the user's scope);
    the read is logged."""
    follow_up = (
        _visible(user)
        .select_related(
            "customer",
            "policy",
            "agency",
            "department",
            "closed_by",
            "response",
            "response__survey",
            "response__version",
        )
        .filter(pk=pk)
        .first()
    )
    if follow_up is None:
        raise Http404("フォローアップが見つかりません。")
    log_access(
        user=user,
        customer_ids=[follow_up.customer_id],
        purpose=AccessPurpose.VIEW,
        screen=DETAIL_SCREEN,
        detail={"follow_up": follow_up.pk},
    )
    answers = follow_up.response.answers
    lines = [
        AnswerLine(question.text, _answer_text(question, answers.get(question.code)))
        for question in follow_up.response.version.questions.order_by("order", "id")
    ]
    return follow_up, lines


def overdue_label(follow_up: FollowUp, today: dt.date) -> str:
    """期限超過 with the calendar days an open follow-up is past its due date, or "" (the kit's badge text)."""
    if follow_up.status != FollowUpStatus.OPEN or follow_up.due_date >= today:
        return ""
    return f"期限超過 {(today - follow_up.due_date).days}日"


def overdue_count(user: User, today: dt.date | None = None) -> int | None:
    """Open follow-ups past their due date in the user's queue (the menu badge: one indexed count)."""
    if not permissions.has(user, permissions.SURVEYS_FOLLOW_UP):
        return None
    queue = own_queue(user)
    if queue is None:
        return None
    today = today or timezone.localdate()
    return FollowUp.objects.filter(queue, status=FollowUpStatus.OPEN, due_date__lt=today).count() or None


def queue_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    """The home panel: open, overdue and due-today follow-ups of the user's queue (counts only)."""
    queue = own_queue(user)
    if queue is None:
        return {"open": 0, "overdue": 0, "due_today": 0}
    today = today or timezone.localdate()
    return FollowUp.objects.filter(queue, status=FollowUpStatus.OPEN).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_date__lt=today)),
        due_today=Count("id", filter=Q(due_date=today)),
    )


# --- closing ----------------------------------------------------------------------------------------


def follow_up_close(*, actor: User, follow_up: FollowUp, status: str, outcome: str) -> FollowUp:
    """Record the outcome: 対応済 (talked to the customer) or 連絡不通 (could not reach them)."""
    permissions.require(actor, permissions.SURVEYS_FOLLOW_UP)
    outcome = (outcome or "").strip()
    problems: dict[str, str] = {}
    if status not in CLOSED:
        problems["status"] = "対応結果の区分を「対応済」か「連絡不通」から選択してください。"
    if not outcome:
        problems["outcome"] = "対応の内容(お客さまとのやりとり・連絡を試みた日時など)を入力してください。"
    elif len(outcome) > OUTCOME_MAX:
        problems["outcome"] = f"対応の内容は{OUTCOME_MAX:,}文字以内で入力してください(現在 {len(outcome):,}文字)。"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = _visible(actor).select_for_update(of=("self",)).filter(pk=follow_up.pk).first()
        if locked is None:
            raise Http404("フォローアップが見つかりません。")
        if locked.status != FollowUpStatus.OPEN:
            raise ValidationError(f"このフォローアップは既に「{locked.get_status_display()}」として記録されています。")
        locked.status = status
        locked.outcome = outcome
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        writes.save(locked, actor=actor, reason="フォローアップの対応結果")
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_FOLLOW_UP_CLOSE,
            target=locked,
            summary=f"アンケートのフォローアップを「{locked.get_status_display()}」で完了した",
            data={"status": status, "customer": locked.customer_id},
        )
    return locked
