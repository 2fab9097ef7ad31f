"""The そんぽADR path of a complaint and the report of agency-origin complaints to the insurer.

Rules and dates are `cases.adr` (pure); this module checks permission and scope, writes the
complaint row with history, the timeline entry and the audit event. The ADR case number and the
outcome text are sensitive (`ComplaintDetail.SENSITIVE_FIELDS`): they never reach the timeline or
the audit data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from .. import adr
from ..business_calendar import current_calendar
from ..choices import AdrResult, AdrStage, CaseType, EventKind
from ..models import Case, CaseTask, ComplaintDetail
from .common import bump, event, lock_case, save


def reminder_business_days() -> int:
    """Business days before the 60-day mark and the 4-month target when the reminder task appears."""
    return int(getattr(settings, "TSUNAGU_ADR_REMINDER_BUSINESS_DAYS", 5))


def insurer_report_business_days() -> int:
    """Business days after the 受付日 within which an agency-origin complaint is reported to the insurer."""
    return int(getattr(settings, "TSUNAGU_COMPLAINT_INSURER_REPORT_BUSINESS_DAYS", 3))


def referral_of(complaint: ComplaintDetail) -> adr.Referral:
    return adr.Referral(
        stage=complaint.adr_stage,
        notified_on=complaint.adr_referred_on,
        lodged_on=complaint.adr_lodged_on,
        dispute_filed_on=complaint.adr_dispute_filed_on,
        result=complaint.adr_result,
        concluded_on=complaint.adr_concluded_on,
    )


def _locked_complaint(actor: User, case: Case, expected_version: int | None) -> tuple[Case, ComplaintDetail]:
    locked = lock_case(actor, case, expected_version)
    if locked.case_type != CaseType.COMPLAINT:
        raise ValidationError("苦情の案件ではありません。")
    return locked, ComplaintDetail.objects.select_for_update().get(case=locked)


def _raise(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError({key: [message] for key, message in problems.items()})


def adr_refer(
    *,
    actor: User,
    case: Case,
    notified_on: dt.date | None,
    lodged_on: dt.date | None,
    reference: str,
    expected_version: int | None = None,
) -> ComplaintDetail:
    """The ADR center notified us of the complaint: 苦情解決手続 starts (lodged on `lodged_on`)."""
    permissions.require(actor, permissions.CASES_COMPLAINTS_DESK)
    with transaction.atomic():
        locked, complaint = _locked_complaint(actor, case, expected_version)
        today = timezone.localdate()
        _raise(
            adr.refer_problems(
                referral_of(complaint), notified_on=notified_on, lodged_on=lodged_on, reference=reference, today=today
            )
        )
        assert notified_on is not None
        assert lodged_on is not None
        complaint.adr_stage = AdrStage.COMPLAINT
        complaint.adr_referred_on = notified_on
        complaint.adr_lodged_on = lodged_on
        complaint.adr_reference = reference.strip()
        save(complaint, actor)
        bump(locked, actor)
        mark = adr.day60_mark(lodged_on)
        event(
            locked,
            actor,
            EventKind.DETAIL,
            f"そんぽADRセンターからの通知を記録した(苦情解決手続、申出日 {lodged_on:%Y/%m/%d}、"
            f"60日経過日 {mark:%Y/%m/%d})",
            data={"notified_on": notified_on.isoformat(), "lodged_on": lodged_on.isoformat()},
            audit_action=AuditAction.CASE_ADR_REFER,
        )
    return complaint


def adr_advance(
    *, actor: User, case: Case, dispute_filed_on: dt.date | None, expected_version: int | None = None
) -> ComplaintDetail:
    """The customer filed the dispute procedure (紛争解決手続); the stage never goes back."""
    permissions.require(actor, permissions.CASES_COMPLAINTS_DESK)
    with transaction.atomic():
        locked, complaint = _locked_complaint(actor, case, expected_version)
        _raise(
            adr.advance_problems(referral_of(complaint), dispute_filed_on=dispute_filed_on, today=timezone.localdate())
        )
        assert dispute_filed_on is not None
        complaint.adr_stage = AdrStage.DISPUTE
        complaint.adr_dispute_filed_on = dispute_filed_on
        save(complaint, actor)
        bump(locked, actor)
        target = adr.proposal_target(dispute_filed_on)
        event(
            locked,
            actor,
            EventKind.DETAIL,
            f"紛争解決手続に移行した(申立日 {dispute_filed_on:%Y/%m/%d}、和解案の目標 {target:%Y/%m/%d})",
            data={"dispute_filed_on": dispute_filed_on.isoformat()},
            audit_action=AuditAction.CASE_ADR_ADVANCE,
        )
    return complaint


def adr_conclude(
    *,
    actor: User,
    case: Case,
    result: str,
    concluded_on: dt.date | None,
    outcome_note: str = "",
    expected_version: int | None = None,
) -> ComplaintDetail:
    """Record how the ADR procedure ended (a result fitting the stage) and when."""
    permissions.require(actor, permissions.CASES_COMPLAINTS_DESK)
    with transaction.atomic():
        locked, complaint = _locked_complaint(actor, case, expected_version)
        _raise(
            adr.conclude_problems(
                referral_of(complaint), result=result, concluded_on=concluded_on, today=timezone.localdate()
            )
        )
        assert concluded_on is not None
        complaint.adr_result = result
        complaint.adr_concluded_on = concluded_on
        if outcome_note.strip():
            complaint.adr_outcome = outcome_note.strip()
        save(complaint, actor)
        bump(locked, actor)
        label = AdrResult(result).label
        event(
            locked,
            actor,
            EventKind.DETAIL,
            f"ADRの手続が終了した({complaint.get_adr_stage_display()}: {label}、{concluded_on:%Y/%m/%d})",
            data={"result": result, "concluded_on": concluded_on.isoformat()},
            audit_action=AuditAction.CASE_ADR_CONCLUDE,
        )
    return complaint


def complaint_report_to_insurer(
    *, actor: User, case: Case, reported_on: dt.date | None, expected_version: int | None = None
) -> ComplaintDetail:
    """An agency-origin complaint was reported to the insurer on `reported_on`."""
    permissions.require(actor, permissions.CASES_WORK)
    with transaction.atomic():
        locked, complaint = _locked_complaint(actor, case, expected_version)
        if locked.agency_id is None:
            raise ValidationError("代理店で受け付けた苦情ではないため、保険会社への報告は不要です。")
        if complaint.reported_to_insurer_on is not None:
            raise ValidationError(f"この苦情は{complaint.reported_to_insurer_on:%Y/%m/%d}に保険会社へ報告済みです。")
        _raise(
            adr.insurer_report_problems(reported_on=reported_on, opened_on=locked.opened_on, today=timezone.localdate())
        )
        assert reported_on is not None
        complaint.reported_to_insurer_on = reported_on
        save(complaint, actor)
        bump(locked, actor)
        event(
            locked,
            actor,
            EventKind.DETAIL,
            f"苦情を保険会社に報告した(報告日 {reported_on:%Y/%m/%d})",
            data={"reported_on": reported_on.isoformat()},
            audit_action=AuditAction.CASE_INSURER_REPORT,
        )
    return complaint


# --- the daily reminders --------------------------------------------------------------------------

DAY60_KEY, PROPOSAL_KEY, INSURER_KEY = "adr_day60", "adr_proposal", "insurer_report"

OPEN_REFERRAL = Q(adr_result="") & ~Q(adr_stage="")


def insurer_report_due(opened_on: dt.date) -> dt.date:
    return current_calendar().add_business_days(opened_on, insurer_report_business_days())


def adr_reminders_create(*, actor: User, on: dt.date) -> Counter[str]:
    """Create the reminder tasks due on `on` (idempotent: one task per case and kind, ever):

    - 苦情解決手続 not concluded, from N business days before its 60-day mark;
    - 紛争解決手続 not concluded, from N business days before its 4-month proposal target;
    - an open agency-origin complaint not reported to the insurer after its report period.

    Returns the count per kind; a kind already reminded on a case creates nothing."""
    calendar = current_calendar()
    before = reminder_business_days()
    wanted: list[tuple[ComplaintDetail, str, str, dt.date]] = []
    referrals = ComplaintDetail.objects.filter(OPEN_REFERRAL).select_related("case")
    for complaint in referrals:
        if complaint.adr_stage == AdrStage.COMPLAINT and complaint.adr_lodged_on:
            mark = adr.day60_mark(complaint.adr_lodged_on)
            if on >= adr.reminder_start(mark, before, calendar.is_business_day):
                title = f"そんぽADR: 申出から60日経過({mark:%Y/%m/%d})までに解決の見込みを確認する"
                wanted.append((complaint, DAY60_KEY, title, mark))
        elif complaint.adr_stage == AdrStage.DISPUTE and complaint.adr_dispute_filed_on:
            target = adr.proposal_target(complaint.adr_dispute_filed_on)
            if on >= adr.reminder_start(target, before, calendar.is_business_day):
                title = f"そんぽADR: 和解案提示の目標日({target:%Y/%m/%d})に向けて対応状況を確認する"
                wanted.append((complaint, PROPOSAL_KEY, title, target))
    unreported = ComplaintDetail.objects.filter(
        case__is_open=True, case__agency__isnull=False, reported_to_insurer_on__isnull=True, case__opened_on__lt=on
    ).select_related("case")
    for complaint in unreported:
        due = calendar.add_business_days(complaint.case.opened_on, insurer_report_business_days())
        if on > due:
            wanted.append((complaint, INSURER_KEY, "代理店で受け付けた苦情を保険会社に報告する(報告期限超過)", on))
    done = set(
        CaseTask.objects.filter(
            case_id__in={c.case_id for c, *_ in wanted}, reminder_key__in=(DAY60_KEY, PROPOSAL_KEY, INSURER_KEY)
        ).values_list("case_id", "reminder_key")
    )
    created: Counter[str] = Counter()
    for complaint, key, title, due_date in wanted:
        if (complaint.case_id, key) in done:
            continue
        case = complaint.case
        with transaction.atomic():
            task = CaseTask(
                case=case,
                title=title,
                department=case.department,
                assignee=case.assignee,
                due_date=due_date,
                reminder_key=key,
            )
            save(task, actor)
            event(
                case,
                actor,
                EventKind.TASK,
                f"タスク「{task.title}」を登録した(期限 {due_date:%Y/%m/%d})",
                data={"reminder": key, "on": on.isoformat()},
                audit_action=AuditAction.CASE_ADR_REMINDERS,
            )
        created[key] += 1
    return created
