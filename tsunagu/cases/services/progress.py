"""Moving a case along: transitions (with SLA pauses), handoff, assignment, notes, calls,
documents and follow-up tasks."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.core import permissions, scoping
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Department, User
from tsunagu.interactions.choices import Channel, Direction
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.services import interaction_log

from .. import adr
from ..business_calendar import current_calendar
from ..choices import CaseStatus, CaseType, EventKind
from ..models import (
    CancellationRequest,
    Case,
    CaseDocument,
    CasePause,
    CaseTask,
    ComplaintDetail,
    IdentityVerification,
)
from ..workflow import (
    CLOSED_STATUSES,
    PAUSING_STATUSES,
    CaseFacts,
    IllegalTransition,
    check_transition,
    completion_problems,
    label,
)
from .adr import referral_of
from .common import bump, event, lock_case, save


def case_facts(case: Case) -> CaseFacts:
    documents = list(case.documents.all())
    facts = CaseFacts(
        case_type=case.case_type,
        missing_documents=[d.name for d in documents if d.is_required and d.received_on is None],
        deficient_documents=[d.name for d in documents if d.has_open_deficiency],
        identity_verified=IdentityVerification.objects.filter(case=case).exists(),
        has_claim=case.claim_id is not None,
    )
    if case.case_type == CaseType.COMPLAINT:
        complaint = ComplaintDetail.objects.get(case=case)
        facts.complaint_cause, facts.complaint_countermeasure = complaint.cause, complaint.countermeasure
    elif case.case_type == CaseType.CANCELLATION:
        request = CancellationRequest.objects.get(case=case)
        facts.cancellation_outcome = request.outcome
        facts.cancellation_effective_date_set = request.effective_date is not None
    elif case.case_type == CaseType.CHANGE:
        facts.change_values_present = bool(case.change.new_values)
    return facts


def adr_closing_problems(case: Case) -> list[str]:
    """A complaint stays open while its そんぽADR procedure is pending (rule: `cases.adr.closing_problems`)."""
    return adr.closing_problems(referral_of(ComplaintDetail.objects.get(case=case)))


def _resume(case: Case, today: dt.date, actor: User) -> None:
    """Leaving a waiting status: extend the due date by the business days spent waiting."""
    if case.paused_since is None:
        return
    calendar = current_calendar()
    days = calendar.business_days_between(case.paused_since, today)
    pause = CasePause.objects.filter(case=case, ended_on__isnull=True).order_by("-id").first()
    if pause is not None:
        pause.ended_on, pause.business_days = today, days
        pause.save()
    old_due = case.due_date
    case.due_date = calendar.add_business_days(case.due_date, days)
    case.paused_business_days += days
    case.paused_since = None
    event(
        case,
        actor,
        EventKind.RESUME,
        f"期限を再開した(停止 {days}営業日、期限 {old_due:%Y/%m/%d} → {case.due_date:%Y/%m/%d})",
    )


def case_transition(
    *,
    actor: User,
    case: Case,
    to: str,
    note: str = "",
    resolution_summary: str = "",
    department: Department | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move the case to `to`. Refused (nothing changed) when the move is illegal or incomplete,
    or (CaseConflict) when the case changed after the user saw `expected_version`."""
    from .types import apply_cancellation, apply_change

    with transaction.atomic():
        locked = lock_case(actor, case, expected_version)
        try:
            check_transition(locked.case_type, locked.status, to)
        except IllegalTransition as error:
            raise ValidationError({"status": str(error)}) from error
        problems = completion_problems(case_facts(locked), to)
        if to in CLOSED_STATUSES and not resolution_summary.strip():
            problems.append("対応結果(取下げの場合は理由)を入力してください。")
        if to == CaseStatus.ESCALATED and department is None:
            problems.append("取次先の部署を指定してください。")
        if to in CLOSED_STATUSES and locked.case_type == CaseType.COMPLAINT:
            problems.extend(adr_closing_problems(locked))
        if problems:
            raise ValidationError({"status": problems})
        today = timezone.localdate()
        old = locked.status
        if old in PAUSING_STATUSES and to not in PAUSING_STATUSES:
            _resume(locked, today, actor)
        if to in PAUSING_STATUSES and locked.paused_since is None:
            locked.paused_since = today
            CasePause.objects.create(case=locked, status=to, started_on=today)
            event(locked, actor, EventKind.PAUSE, f"お客さま待ちのため期限を停止した({label(to)})")
        if to == CaseStatus.COMPLETED:
            if locked.case_type == CaseType.CHANGE:
                apply_change(actor=actor, case=locked)
            elif locked.case_type == CaseType.CANCELLATION:
                apply_cancellation(actor=actor, case=locked)
        if department is not None:
            locked.department = department
        locked.status = to
        locked.is_open = to not in CLOSED_STATUSES
        if not locked.is_open:
            locked.closed_at = timezone.now()
            locked.resolution_summary = resolution_summary.strip()
        bump(locked, actor)
        event(
            locked,
            actor,
            EventKind.STATUS,
            f"状態を「{label(old)}」から「{label(to)}」に変更した",
            body=note.strip() or resolution_summary.strip(),
            data={"from": old, "to": to},
            audit_action=AuditAction.CASE_TRANSITION,
        )
    _copy(locked, case)
    return case


def _copy(source: Case, target: Case) -> None:
    """Refresh the caller's instance with the committed row."""
    if source is not target:
        target.refresh_from_db()


def case_handoff(
    *, actor: User, case: Case, department: Department, reason: str, expected_version: int | None = None
) -> Case:
    """取次: move the case to another department's queue; the history stays on the case and the
    new queue gets a task to pick it up."""
    if not reason.strip():
        raise ValidationError({"reason": "取次の理由を入力してください。"})
    with transaction.atomic():
        locked = lock_case(actor, case, expected_version)
        if not locked.is_open:
            raise ValidationError("完了・取下げ済みの案件は取次できません。")
        if locked.department_id == department.pk:
            raise ValidationError({"department": f"この案件は既に「{department.name}」の担当です。"})
        old = locked.department.name if locked.department else "未設定"
        if locked.status != CaseStatus.ESCALATED:
            try:
                check_transition(locked.case_type, locked.status, CaseStatus.ESCALATED)
            except IllegalTransition as error:
                raise ValidationError({"status": str(error)}) from error
            locked.status = CaseStatus.ESCALATED
        locked.department = department
        locked.assignee = None
        bump(locked, actor)
        calendar = current_calendar()
        save(
            CaseTask(
                case=locked,
                title=f"取次を受けた案件 {locked.number} を確認する",
                department=department,
                due_date=calendar.add_business_days(timezone.localdate(), 1),
            ),
            actor,
        )
        event(
            locked,
            actor,
            EventKind.HANDOFF,
            f"「{old}」から「{department.name}」へ取次いだ",
            body=reason.strip(),
            data={"to": department.pk},
            audit_action=AuditAction.CASE_HANDOFF,
        )
    _copy(locked, case)
    return case


def assignable_users(case: Case) -> list[User]:
    """Who can take the case: active staff of its department, or of its agency, who can see it."""
    who = Q(department_id=case.department_id) if case.department_id else Q(pk__in=[])
    if case.agency_id:
        who |= Q(agency_id=case.agency_id)
    candidates = User.objects.filter(who, is_active=True).order_by("display_name", "username")
    # Head-office staff see every case; only agency staff need the scoped check (one query each).
    return [
        user
        for user in candidates
        if scoping.sees_all(user) or Case.objects.visible_to(user).filter(pk=case.pk).exists()
    ]


def case_assign(*, actor: User, case: Case, assignee: User | None, expected_version: int | None = None) -> Case:
    """Assign (or reassign, or clear) the person responsible. Allowed for a supervisor and the staff of
    the case's department or agency (core.permissions.may_assign_case); the assignee must belong
    to that department or agency and be able to see the case. History and a timeline entry."""
    with transaction.atomic():
        locked = lock_case(actor, case, expected_version)
        permissions.require_assign_case(actor, locked)
        if not locked.is_open:
            raise ValidationError("完了・取下げ済みの案件の担当者は変更できません。")
        if assignee is not None and assignee.pk not in {u.pk for u in assignable_users(locked)}:
            raise ValidationError(
                {"assignee": f"{assignee}さんはこの案件の担当部署・代理店の担当者ではないため、担当者にできません。"}
            )
        if locked.assignee_id == (assignee.pk if assignee else None):
            raise ValidationError({"assignee": f"担当者は既に{assignee or '未割当'}です。"})
        old = locked.assignee
        locked.assignee = assignee
        bump(locked, actor)
        event(
            locked,
            actor,
            EventKind.ASSIGN,
            f"担当者を{old or '未割当'}から{assignee or '未割当'}に変更した",
            data={"from": old.pk if old else None, "to": assignee.pk if assignee else None},
        )
    _copy(locked, case)
    return case


def case_add_note(*, actor: User, case: Case, text: str) -> None:
    """Notes and calls only append to the timeline: they replace nothing another user could have
    changed, so they neither check nor bump the case's version."""
    if not text.strip():
        raise ValidationError({"text": "メモを入力してください。"})
    with transaction.atomic():
        locked = lock_case(actor, case)
        event(locked, actor, EventKind.NOTE, text.strip()[:80], body=text.strip())


def case_log_call(
    *, actor: User, case: Case, subject: str, notes: str = "", direction: str = Direction.INBOUND
) -> Interaction:
    """A call on the case: on the case timeline and in the customer's contact history."""
    with transaction.atomic():
        locked = lock_case(actor, case)
        interaction = interaction_log(
            actor=actor,
            customer=locked.customer,
            channel=Channel.PHONE,
            direction=direction,
            subject=f"[{locked.number}] {subject.strip()}",
            notes=notes,
            policy=locked.policy,
            claim=locked.claim,
        )
        event(
            locked,
            actor,
            EventKind.CALL,
            f"通話({interaction.get_direction_display()}): {subject.strip()}",
            body=notes.strip(),
            data={"interaction": interaction.pk},
        )
    return interaction


def _document(actor: User, document: CaseDocument, expected_version: int | None) -> tuple[Case, CaseDocument]:
    case = lock_case(actor, document.case, expected_version)
    if not case.is_open:
        raise ValidationError("完了・取下げ済みの案件の書類は変更できません。")
    return case, CaseDocument.objects.select_for_update().get(pk=document.pk)


def document_receive(
    *,
    actor: User,
    document: CaseDocument,
    received_on: dt.date | None = None,
    expected_version: int | None = None,
) -> CaseDocument:
    with transaction.atomic():
        case, locked = _document(actor, document, expected_version)
        locked.received_on = received_on or timezone.localdate()
        save(locked, actor)
        bump(case, actor)
        event(case, actor, EventKind.DOCUMENT, f"「{locked.name}」を受領した({locked.received_on:%Y/%m/%d})")
    return locked


def document_report_deficiency(
    *, actor: User, document: CaseDocument, note: str, due_days: int = 2, expected_version: int | None = None
) -> CaseTask:
    """不備: recorded on the document, and a follow-up task to get it corrected."""
    if not note.strip():
        raise ValidationError({"note": "不備の内容を入力してください。"})
    with transaction.atomic():
        case, locked = _document(actor, document, expected_version)
        locked.deficiency_note = note.strip()
        locked.deficiency_resolved = False
        save(locked, actor)
        bump(case, actor)
        task = CaseTask(
            case=case,
            title=f"不備書類「{locked.name}」の再提出を依頼する",
            department=case.department,
            assignee=case.assignee,
            due_date=current_calendar().add_business_days(timezone.localdate(), due_days),
        )
        save(task, actor)
        event(case, actor, EventKind.DOCUMENT, f"「{locked.name}」に不備: {locked.deficiency_note}")
    return task


def document_resolve_deficiency(
    *, actor: User, document: CaseDocument, expected_version: int | None = None
) -> CaseDocument:
    with transaction.atomic():
        case, locked = _document(actor, document, expected_version)
        if not locked.deficiency_note:
            raise ValidationError("この書類には不備が記録されていません。")
        locked.deficiency_resolved = True
        save(locked, actor)
        bump(case, actor)
        event(case, actor, EventKind.DOCUMENT, f"「{locked.name}」の不備が解消した")
    return locked


def case_add_task(
    *,
    actor: User,
    case: Case,
    title: str,
    due_days: int = 3,
    department: Department | None = None,
    assignee: User | None = None,
) -> CaseTask:
    """A follow-up task on an open case (e.g. for the agency after a customer's reply)."""
    if not title.strip():
        raise ValidationError({"title": "タスクの内容を入力してください。"})
    with transaction.atomic():
        locked = lock_case(actor, case)
        if not locked.is_open:
            raise ValidationError("完了・取下げ済みの案件にはタスクを追加できません。")
        task = CaseTask(
            case=locked,
            title=title.strip()[:200],
            department=department,
            assignee=assignee,
            due_date=current_calendar().add_business_days(timezone.localdate(), due_days),
        )
        save(task, actor)
        event(locked, actor, EventKind.TASK, f"タスク「{task.title}」を登録した(期限 {task.due_date:%Y/%m/%d})")
    return task


def task_complete(*, actor: User, task: CaseTask, expected_version: int | None = None) -> CaseTask:
    with transaction.atomic():
        case = lock_case(actor, task.case, expected_version)
        locked = CaseTask.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            raise ValidationError("このタスクは既に完了しています。")
        locked.done_at = timezone.now()
        save(locked, actor)
        bump(case, actor)
        event(case, actor, EventKind.TASK, f"タスク「{locked.title}」を完了した")
    return locked
