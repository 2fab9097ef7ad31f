"""Reads of the ADR path: the case page's ADR panel and the complaints officers' home panel.

The panel reads the complaint of a case the page has already read (and logged) through
`selectors.case_get`; the home list shows case numbers, stages and dates only (no names), scoped
with `Case.objects.visible_to`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from tsunagu.core.models import User

from . import adr
from .business_calendar import current_calendar
from .choices import AdrStage, CaseType
from .models import Case, ComplaintDetail
from .services.adr import OPEN_REFERRAL, insurer_report_business_days, reminder_business_days


@dataclass(frozen=True)
class Mark:
    """A date the ADR path counts towards, with the days left and how urgent it looks."""

    label: str
    on: dt.date
    days_left: int
    reminding: bool  # inside the reminder period (N business days before) or past

    @property
    def tone(self) -> str:
        if self.days_left < 0:
            return "danger"
        return "warn" if self.reminding else "info"

    @property
    def days_label(self) -> str:
        if self.days_left < 0:
            return f"{-self.days_left}日経過"
        return "本日" if self.days_left == 0 else f"あと{self.days_left}日"


@dataclass(frozen=True)
class AdrSummary:
    complaint: ComplaintDetail
    day60: Mark | None
    proposal: Mark | None
    insurer_report_due: dt.date | None  # agency-origin complaints not yet reported
    insurer_report_overdue: bool

    @property
    def referred(self) -> bool:
        return bool(self.complaint.adr_stage)

    @property
    def concluded(self) -> bool:
        return bool(self.complaint.adr_result)

    @property
    def can_advance(self) -> bool:
        return self.complaint.adr_stage == AdrStage.COMPLAINT and not self.concluded


def _mark(label: str, on: dt.date, today: dt.date, open_: bool) -> Mark:
    calendar = current_calendar()
    start = adr.reminder_start(on, reminder_business_days(), calendar.is_business_day)
    return Mark(label, on, adr.days_left(on, today), open_ and today >= start)


def adr_summary(*, case: Case, today: dt.date) -> AdrSummary:
    """The computed marks of a complaint case the caller has read through `selectors.case_get`."""
    complaint = case.complaint
    still_open = not complaint.adr_result
    day60 = proposal = None
    if complaint.adr_lodged_on:
        # After the move to the dispute procedure the 60-day mark is history: shown, no longer urgent.
        day60 = _mark(
            "60日経過日",
            adr.day60_mark(complaint.adr_lodged_on),
            today,
            still_open and complaint.adr_stage == "complaint",
        )
    if complaint.adr_dispute_filed_on:
        proposal = _mark("和解案提示の目標日", adr.proposal_target(complaint.adr_dispute_filed_on), today, still_open)
    due = overdue = None
    if case.agency_id is not None and complaint.reported_to_insurer_on is None:
        due = current_calendar().add_business_days(case.opened_on, insurer_report_business_days())
        overdue = today > due
    return AdrSummary(complaint, day60, proposal, due, bool(overdue))


@dataclass(frozen=True)
class NearMark:
    case_id: int
    number: str
    stage_label: str
    mark: Mark


def adr_near_marks(*, user: User, today: dt.date, limit: int = 20) -> list[NearMark]:
    """Open ADR referrals the user may see, by their next mark (60-day mark in 苦情解決手続, the
    proposal target in 紛争解決手続), nearest first; those inside the reminder period or past."""
    rows = (
        ComplaintDetail.objects.filter(OPEN_REFERRAL, case__in=Case.objects.visible_to(user))
        .select_related("case")
        .only("adr_stage", "adr_lodged_on", "adr_dispute_filed_on", "adr_result", "case__number", "case__id")
    )
    near: list[NearMark] = []
    for complaint in rows:
        if complaint.adr_stage == AdrStage.DISPUTE and complaint.adr_dispute_filed_on:
            mark = _mark("和解案提示の目標日", adr.proposal_target(complaint.adr_dispute_filed_on), today, True)
        elif complaint.adr_lodged_on:
            mark = _mark("60日経過日", adr.day60_mark(complaint.adr_lodged_on), today, True)
        else:
            continue
        if mark.reminding:
            stage = complaint.get_adr_stage_display()
            near.append(NearMark(complaint.case.pk, complaint.case.number, stage, mark))
    near.sort(key=lambda row: (row.mark.on, row.case_id))
    return near[:limit]


def insurer_reports_overdue_count(*, user: User, today: dt.date) -> int:
    """Open agency-origin complaints the user may see, not reported to the insurer past their period."""
    rows = Case.objects.visible_to(user).filter(
        case_type=CaseType.COMPLAINT, is_open=True, agency__isnull=False, complaint__reported_to_insurer_on__isnull=True
    )
    calendar = current_calendar()
    days = insurer_report_business_days()
    per_day = rows.order_by().values_list("opened_on").annotate(n=Count("id"))
    return sum(n for opened_on, n in per_day if today > calendar.add_business_days(opened_on, days))
