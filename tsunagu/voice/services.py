"""Every write of the voice register: voices (with the words' index), the complaint decision of a
不満, proposals from surveys confirmed, 回覧 and its reads, improvements."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.cases.services import CaseInput, case_create
from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.input import text_problem
from tsunagu.core.models import Agency, Department, User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Policy
from tsunagu.surveys.models import Response

from . import text
from .choices import ComplaintDecision, ImprovementStatus, VoiceChannel, VoiceKind
from .models import (
    ERASED_TEXT,
    Circulation,
    CirculationRead,
    Improvement,
    Voice,
    VoiceCategory,
    VoiceTerm,
    VoiceTermStat,
)

MAX_TEXT = 4000
ERASED_MESSAGE = "このお客様の声は保存期間満了により消去済みのため、変更できません。"

# The case channel a complaint case opened from a voice is recorded with.
CASE_CHANNEL = {
    VoiceChannel.PHONE: CaseChannel.PHONE,
    VoiceChannel.COUNTER: CaseChannel.IN_PERSON,
    VoiceChannel.SURVEY: CaseChannel.POST,
    VoiceChannel.LETTER: CaseChannel.POST,
    VoiceChannel.WEB: CaseChannel.WEB,
    VoiceChannel.AGENCY: CaseChannel.IN_PERSON,
    VoiceChannel.EMAIL: CaseChannel.EMAIL,
}


@dataclass
class VoiceInput:
    received_on: dt.date
    channel: str
    category: VoiceCategory
    text: str
    customer: Customer | None = None
    policy: Policy | None = None
    case: Case | None = None
    agent: User | None = None
    survey_response: Response | None = None


@dataclass
class ComplaintInput:
    """「苦情として扱いますか」: the answer, and for yes the complaint case's category and request."""

    decision: str = ComplaintDecision.UNDECIDED
    category: ComplaintCategory | None = None
    customer_request: str = ""


# --- the words' index -------------------------------------------------------------------------


def _index(voice: Voice, counts: Counter[str], previous: Counter[str] | None = None) -> None:
    """Replace the voice's postings and keep the document frequencies in step (race-free: rows
    are created at 0, then incremented in the database)."""
    old_terms = set(previous or ())
    new_terms = set(counts)
    if previous is not None:
        VoiceTerm.objects.filter(voice=voice).delete()
        gone = old_terms - new_terms
        if gone:
            VoiceTermStat.objects.filter(term__in=gone).update(df=F("df") - 1)
    VoiceTerm.objects.bulk_create([VoiceTerm(voice=voice, term=t, tf=min(tf, 32767)) for t, tf in counts.items()])
    added = new_terms - old_terms
    if added:
        VoiceTermStat.objects.bulk_create([VoiceTermStat(term=t, df=0) for t in added], ignore_conflicts=True)
        VoiceTermStat.objects.filter(term__in=added).update(df=F("df") + 1)


@dataclass(frozen=True)
class Reindexed:
    indexed: int  # voices whose words were indexed again
    erased: int  # voices cleared by retention: left out of the index (postings found are removed)


def voice_reindex(*, voices: Iterable[Voice]) -> Reindexed:
    """Rebuild the index of these voices (after the user dictionary changed). A voice cleared by
    retention is never indexed: its placeholder text has no words of the customer's, and indexing it
    would make every cleared voice "similar" to every other (and to any voice about 保存期間)."""
    indexed = erased = 0
    for voice in voices:
        if voice.is_erased:
            erased += 1
            if voice.term_norm or VoiceTerm.objects.filter(voice=voice).exists():
                with transaction.atomic():  # indexed by an earlier reindex: take it out again
                    _index(voice, Counter(), Counter(dict(voice.terms.values_list("term", "tf"))))
                    Voice.objects.filter(pk=voice.pk).update(term_norm=0)
            continue
        with transaction.atomic():
            previous = Counter(dict(voice.terms.values_list("term", "tf")))
            counts = text.term_counts(voice.text)
            _index(voice, counts, previous)
            Voice.objects.filter(pk=voice.pk).update(term_norm=text.norm(counts))  # derived, not history
            indexed += 1
    return Reindexed(indexed, erased)


# --- voices -----------------------------------------------------------------------------------


def _check(actor: User, data: VoiceInput) -> None:
    errors: dict[str, str] = {}
    if data.channel not in VoiceChannel.values:
        errors["channel"] = "受付経路を選んでください。"
    if not data.text.strip():
        errors["text"] = "お客様の声を入力してください。"
    elif data.text.strip() == ERASED_TEXT:
        errors["text"] = "この文言は保存期間満了で消去された声の表示に使われるため、記録できません。"
    elif len(data.text) > MAX_TEXT:
        errors["text"] = f"お客様の声は{MAX_TEXT:,}文字以内で入力してください。"
    else:
        problem = text_problem(data.text)
        if problem:
            errors["text"] = problem
    if not data.category.is_active:
        errors["category"] = "この分類は使われていません。別の分類を選んでください。"
    if data.received_on > timezone.localdate():
        errors["received_on"] = "受付日に未来の日付は指定できません。"
    if data.policy is not None and (data.customer is None or data.policy.policyholder_id != data.customer.pk):
        errors["policy"] = "契約はこの顧客が契約者の契約から選んでください。"
    if data.case is not None and (data.customer is None or data.case.customer_id != data.customer.pk):
        errors["case"] = "案件はこの顧客の案件から選んでください。"
    if errors:
        raise ValidationError(errors)
    if data.customer is not None and not Customer.objects.visible_to(actor).filter(pk=data.customer.pk).exists():
        raise PermissionDenied("この顧客のお客様の声を記録する権限がありません。")
    if data.policy is not None and not Policy.objects.visible_to(actor).filter(pk=data.policy.pk).exists():
        raise PermissionDenied("この契約のお客様の声を記録する権限がありません。")


def _owner(actor: User, data: VoiceInput) -> tuple[Agency | None, Department | None]:
    """The voice's agency: its policy's, else the recording agency's; head office records for its department."""
    if data.policy is not None:
        return data.policy.agency, actor.department
    if data.case is not None and data.case.agency_id:
        return data.case.agency, actor.department
    return actor.agency, actor.department


def _apply(voice: Voice, data: VoiceInput) -> None:
    voice.received_on = data.received_on
    voice.channel = data.channel
    voice.category = data.category
    voice.kind = data.category.kind
    voice.text = data.text.strip()
    voice.customer = data.customer
    voice.policy = data.policy
    voice.case = data.case
    voice.agent = data.agent
    if voice.kind != VoiceKind.DISSATISFACTION:
        voice.complaint_decision = ComplaintDecision.UNDECIDED


def voice_record(*, actor: User, data: VoiceInput, complaint: ComplaintInput | None = None) -> Voice:
    permissions.require(actor, permissions.VOICE_RECORD)
    _check(actor, data)
    with transaction.atomic():
        agency, department = _owner(actor, data)
        voice = Voice(recorded_by=actor, agency=agency, department=department, survey_response=data.survey_response)
        _apply(voice, data)
        counts = text.term_counts(voice.text)
        voice.term_norm = text.norm(counts)
        writes.save(voice, actor=actor)
        _index(voice, counts)
        record_event(
            actor=actor,
            action=AuditAction.VOICE_RECORD,
            target=voice,
            summary=f"お客様の声({voice.category})を記録した",
            data={"kind": voice.kind, "channel": voice.channel, "customer": voice.customer_id},
        )
        if complaint is not None and voice.is_dissatisfaction:
            _decide(actor, voice, complaint)
    return voice


def voice_update(*, actor: User, voice: Voice, data: VoiceInput) -> Voice:
    permissions.require(actor, permissions.VOICE_RECORD)
    _check(actor, data)
    with transaction.atomic():
        locked = Voice.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=voice.pk).first()
        if locked is None:
            raise PermissionDenied("このお客様の声を修正する権限がありません。")
        if locked.is_erased:
            raise ValidationError(ERASED_MESSAGE)
        if locked.complaint_case_id and data.category.kind != VoiceKind.DISSATISFACTION:
            raise ValidationError({"category": "苦情案件を開いた声の分類は「不満」から変えられません。"})
        previous_text = locked.text
        _apply(locked, data)
        if locked.text != previous_text:
            previous = Counter(dict(locked.terms.values_list("term", "tf")))
            counts = text.term_counts(locked.text)
            locked.term_norm = text.norm(counts)
            _index(locked, counts, previous)
        writes.save(locked, actor=actor, reason="お客様の声の修正")
        record_event(actor=actor, action=AuditAction.VOICE_UPDATE, target=locked, summary="お客様の声を修正した")
    return locked


def _decide(actor: User, voice: Voice, complaint: ComplaintInput) -> None:
    if voice.is_erased:
        raise ValidationError({"decision": ERASED_MESSAGE})
    if complaint.decision not in ComplaintDecision.values:
        raise ValidationError({"decision": "苦情として扱うかどうかを選んでください。"})
    if not voice.is_dissatisfaction:
        raise ValidationError({"decision": "苦情の判断は「不満」の声についてだけ行えます。"})
    if voice.complaint_case_id and complaint.decision != ComplaintDecision.YES:
        raise ValidationError({"decision": "苦情案件を開いた声は「苦情として対応」のままです。"})
    if complaint.decision == ComplaintDecision.YES and voice.complaint_case_id is None:
        if voice.customer is None:
            raise ValidationError({"decision": "苦情案件を開くには、お客様の声に顧客を指定してください。"})
        errors = {}
        if complaint.category is None:
            errors["complaint_category"] = "苦情分類を選んでください。"
        if not complaint.customer_request.strip():
            errors["customer_request"] = "お客さまのご要望を入力してください。"
        if errors:
            raise ValidationError(errors)
        case = case_create(
            actor=actor,
            data=CaseInput(
                case_type=CaseType.COMPLAINT,
                channel=CASE_CHANNEL[VoiceChannel(voice.channel)],
                customer=voice.customer,
                policy=voice.policy,
                subject=f"お客様の声より: {voice.category.name}",
                description=voice.text,
                extra={"category": complaint.category, "customer_request": complaint.customer_request.strip()},
            ),
        )
        voice.complaint_case = case
    voice.complaint_decision = complaint.decision
    writes.save(voice, actor=actor, reason="苦情の判断")
    record_event(
        actor=actor,
        action=AuditAction.VOICE_COMPLAINT_DECISION,
        target=voice,
        summary=f"苦情の判断: {voice.get_complaint_decision_display()}"
        + (f"(案件 {voice.complaint_case.number})" if voice.complaint_case else ""),
        data={"decision": complaint.decision, "case": voice.complaint_case_id},
    )


def voice_decide_complaint(*, actor: User, voice: Voice, complaint: ComplaintInput) -> Voice:
    """「苦情として扱いますか」: yes opens a complaint case (cases.services.case_create) and links it."""
    permissions.require(actor, permissions.VOICE_RECORD)
    with transaction.atomic():
        locked = Voice.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=voice.pk).first()
        if locked is None:
            raise PermissionDenied("このお客様の声を修正する権限がありません。")
        _decide(actor, locked, complaint)
    return locked


def proposal_confirm(
    *, actor: User, response: Response, category: VoiceCategory, complaint: ComplaintInput | None = None
) -> Voice:
    """A survey comment proposed as a 不満 (voice.selectors.proposals) becomes a voice."""
    if category.kind != VoiceKind.DISSATISFACTION:
        raise ValidationError({"category": "アンケートからの提案は「不満」の分類で記録してください。"})
    if Voice.objects.filter(survey_response=response).exists():
        raise ValidationError("このアンケート回答はすでにお客様の声として記録されています。")
    if not Response.objects.visible_to(actor).filter(pk=response.pk).exists():
        raise PermissionDenied("このアンケート回答を扱う権限がありません。")
    data = VoiceInput(
        received_on=response.answered_on,
        channel=VoiceChannel.SURVEY,
        category=category,
        text=response.comment,
        customer=response.customer,
        policy=response.policy if response.policy and response.policy.policyholder_id == response.customer_id else None,
        case=response.case if response.case and response.case.customer_id == response.customer_id else None,
        survey_response=response,
    )
    return voice_record(actor=actor, data=data, complaint=complaint)


# --- 回覧 --------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def circulation_create(*, actor: User, month: dt.date, note: str = "") -> Circulation:
    """The actor's agency's (or department's) voices received in the month, for everyone to read."""
    permissions.require(actor, permissions.VOICE_MANAGE)
    month = month_start(month)
    if month > timezone.localdate():
        raise ValidationError({"month": "まだ始まっていない月の回覧は作成できません。"})
    agency, department = actor.agency, (None if actor.agency_id else actor.department)
    if agency is None and department is None:
        raise PermissionDenied("回覧を作成できるのは代理店または部署に所属する担当者だけです。")
    with transaction.atomic():
        exists = Circulation.objects.filter(month=month, agency=agency, department=department).exists()
        if exists:
            raise ValidationError({"month": f"{month:%Y年%m月}の回覧はすでに作成されています。"})
        voices = Voice.objects.filter(received_on__gte=month, received_on__lt=next_month(month))
        voices = voices.filter(agency=agency) if agency else voices.filter(department=department)
        circulation = writes.save(
            Circulation(month=month, agency=agency, department=department, note=note.strip(), created_by=actor),
            actor=actor,
        )
        circulation.voices.set(list(voices.values_list("pk", flat=True)))
        record_event(
            actor=actor,
            action=AuditAction.VOICE_CIRCULATION_CREATE,
            target=circulation,
            summary=f"{month:%Y年%m月}の回覧を作成した({circulation.voices.count()}件)",
        )
    return circulation


def circulation_mark_read(*, actor: User, circulation: Circulation) -> CirculationRead:
    """「確認しました」; a second click keeps the first read."""
    permissions.require(actor, permissions.VOICE_RECORD)
    if not Circulation.objects.visible_to(actor).filter(pk=circulation.pk).exists() or not _member(actor, circulation):
        raise PermissionDenied("この回覧を確認する権限がありません。")
    with transaction.atomic():
        read = CirculationRead.objects.filter(circulation=circulation, user=actor).first()
        if read is not None:
            return read
        read = writes.save(CirculationRead(circulation=circulation, user=actor, read_at=timezone.now()), actor=actor)
        record_event(
            actor=actor, action=AuditAction.VOICE_CIRCULATION_READ, target=circulation, summary="回覧を確認した"
        )
    return read


def _member(user: User, circulation: Circulation) -> bool:
    if circulation.agency_id:
        return bool(user.agency_id == circulation.agency_id)
    return user.agency_id is None  # head office reads the departments' circulations


# --- improvements -----------------------------------------------------------------------------


@dataclass
class ImprovementInput:
    title: str
    owner: User
    planned_on: dt.date
    status: str = ImprovementStatus.PLANNED
    description: str = ""
    completed_on: dt.date | None = None
    result: str = ""


def _linkable(actor: User, voices: Sequence[Voice]) -> list[int]:
    ids = [v.pk for v in voices]
    visible = set(Voice.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if len(visible) != len(set(ids)):
        raise PermissionDenied("参照できないお客様の声は改善に紐付けられません。")
    return ids


def improvement_save(
    *, actor: User, data: ImprovementInput, voices: Sequence[Voice], improvement: Improvement | None = None
) -> Improvement:
    permissions.require(actor, permissions.VOICE_MANAGE)
    if not data.title.strip():
        raise ValidationError({"title": "改善内容を入力してください。"})
    if data.owner.agency_id != actor.agency_id:
        raise ValidationError({"owner": "責任者は同じ代理店(本社は本社)の担当者から選んでください。"})
    with transaction.atomic():
        created = improvement is None
        if improvement is None:
            row = Improvement(
                created_by=actor, agency=actor.agency, department=None if actor.agency_id else actor.department
            )
        else:
            found = (
                Improvement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=improvement.pk).first()
            )
            if found is None:
                raise PermissionDenied("この改善を変更する権限がありません。")
            row = found
        row.title = data.title.strip()
        row.description = data.description.strip()
        row.owner = data.owner
        row.status = data.status
        row.planned_on = data.planned_on
        row.completed_on = data.completed_on
        row.result = data.result.strip()
        writes.save(row, actor=actor, reason="" if created else "改善の更新")
        row.voices.set(_linkable(actor, voices))
        record_event(
            actor=actor,
            action=AuditAction.VOICE_IMPROVEMENT_CREATE if created else AuditAction.VOICE_IMPROVEMENT_UPDATE,
            target=row,
            summary=f"改善「{row.title}」を{'登録' if created else '更新'}した({row.get_status_display()})",
            data={"voices": [v.pk for v in voices]},
        )
    return row
