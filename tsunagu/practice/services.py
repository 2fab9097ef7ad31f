"""Every write of the practice app: keyword-only, `actor` required, atomic, row history through
core.writes and an audit event each. Completeness (`complete`, `missing`) is maintained here from
the pure rules (intent.py, elderly.py) and nowhere else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Customer, Relative
from tsunagu.policies.models import Policy

from . import elderly, intent, renewal
from .choices import IntentKind, MeasureKind, RenewalOutcome
from .models import (
    Attendance,
    ElderlyMeasure,
    ElderlySolicitation,
    GuidanceRecord,
    IntentRecord,
    PracticeRule,
    Qualification,
    RenewalProgress,
    RolePlayScore,
    TrainingSession,
)

# --- the agency's rule -------------------------------------------------------------------------


def rule_for(agency_id: int | None) -> PracticeRule:
    """The agency's rule, else the company default row, else the built-in defaults (unsaved)."""
    own = PracticeRule.objects.filter(agency_id=agency_id).first() if agency_id is not None else None
    return own or PracticeRule.objects.filter(agency__isnull=True).first() or PracticeRule()


def elderly_rule(rule: PracticeRule) -> elderly.ElderlyRule:
    return elderly.ElderlyRule(
        basic_age=rule.elderly_basic_age,
        enhanced_age=rule.elderly_enhanced_age,
        basic_required=tuple(rule.basic_required),
        basic_any_of=tuple(rule.basic_any_of),
        enhanced_required=tuple(rule.enhanced_required),
        enhanced_any_of=tuple(rule.enhanced_any_of),
    )


def renewal_rule(rule: PracticeRule) -> renewal.RenewalRule:
    return renewal.RenewalRule(
        start_months=rule.renewal_start_months,
        first_contact_days=rule.first_contact_days,
        early_days=rule.early_renewal_days,
    )


def _visible_policy(actor: User, policy: Policy, *, lock: bool = False) -> Policy:
    qs = Policy.objects.visible_to(actor).filter(pk=policy.pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None or found.agency_id is None:
        raise Http404("契約が見つかりません。")
    return found


def _agency_id(policy: Policy) -> int:
    assert policy.agency_id is not None  # _visible_policy refuses direct policies
    return policy.agency_id


# --- 意向把握 ---------------------------------------------------------------------------------------


@dataclass
class IntentInput:
    initial_intent: dict[str, Any] = field(default_factory=dict)
    final_intent: dict[str, Any] = field(default_factory=dict)
    change_reason: str = ""
    products_presented: list[dict[str, Any]] = field(default_factory=list)
    narrowing_reason: str = ""
    recommended_product: str = ""
    recommendation_reason: str = ""
    chose_recommended: bool = True
    chosen_product: str = ""
    non_recommended_reason: str = ""
    confirmed_on: dt.date | None = None
    confirmation_method: str = ""
    other_insurer: bool = False


def _validate_products(products: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    clean: list[dict[str, Any]] = []
    errors: list[str] = []
    for i, row in enumerate(products, start=1):
        name = str(row.get("product", "")).strip()
        insurer = str(row.get("insurer", "")).strip()
        if not name:
            errors.append(f"提示した商品の{i}行目: 商品名を入力してください。")
            continue
        premium = row.get("premium")
        if premium not in (None, ""):
            try:
                premium = int(str(premium).replace(",", ""))
            except ValueError:
                errors.append(f"提示した商品の{i}行目: 保険料は数字で入力してください。")
                continue
        else:
            premium = None
        clean.append({"insurer": insurer, "product": name[:200], "premium": premium})
    return clean, errors


def elderly_incomplete(policy_id: int) -> bool:
    return ElderlySolicitation.objects.filter(policy_id=policy_id, complete=False).exists()


def _refresh_intent(record: IntentRecord) -> None:
    """Recompute the differences, `missing`, `complete` and `completed_at` of a record."""
    diffs = intent.differences(record.line, record.initial_intent, record.final_intent)
    record.intent_changed = bool(diffs)
    record.change_difference = intent.describe(diffs)
    facts = intent.RecordFacts(
        line=record.line,
        initial_intent=record.initial_intent,
        final_intent=record.final_intent,
        intent_changed=record.intent_changed,
        change_reason=record.change_reason,
        products_presented=record.products_presented,
        narrowing_reason=record.narrowing_reason,
        recommended_product=record.recommended_product,
        recommendation_reason=record.recommendation_reason,
        chose_recommended=record.chose_recommended,
        non_recommended_reason=record.non_recommended_reason,
        double_checked=record.double_checked_by_id is not None,
        confirmed_on=record.confirmed_on,
        confirmation_method=record.confirmation_method,
        elderly_incomplete=elderly_incomplete(record.policy_id),
    )
    record.missing = intent.missing_items(facts)
    was_complete = record.complete
    record.complete = not record.missing
    if record.complete and not was_complete:
        record.completed_at = timezone.now()
    elif not record.complete:
        record.completed_at = None


def intent_record_save(*, actor: User, policy: Policy, data: IntentInput) -> IntentRecord:
    """Create or update the policy's intent record. A change to the choice (recommended or not), the
    chosen product or the reason clears an earlier double check (it checked something else)."""
    permissions.require(actor, permissions.PRACTICE_RECORD)
    with transaction.atomic():
        policy = _visible_policy(actor, policy, lock=True)
        initial, errors = intent.validate_intent(policy.line, data.initial_intent, label="当初意向")
        final, final_errors = intent.validate_intent(policy.line, data.final_intent, label="最終意向")
        products, product_errors = _validate_products(data.products_presented)
        errors += final_errors + product_errors
        if data.confirmed_on and data.confirmed_on > timezone.localdate():
            errors.append("意向確認日に未来の日付は指定できません。")
        if data.chose_recommended and data.non_recommended_reason.strip():
            errors.append("推奨商品を選んだ場合、推奨商品以外を選んだ理由は入力しないでください。")
        if errors:
            raise ValidationError(errors)
        record = IntentRecord.objects.filter(policy=policy).first()
        created = record is None
        if record is None:
            record = IntentRecord(
                policy=policy,
                agency_id=_agency_id(policy),
                kind=IntentKind.RENEWAL if policy.previous_policy_id else IntentKind.NEW,
                line=policy.line,
                recorded_by=actor,
            )
        checked_before = (record.chose_recommended, record.chosen_product, record.non_recommended_reason)
        record.initial_intent = initial
        record.final_intent = final
        record.change_reason = data.change_reason.strip()
        record.products_presented = products
        record.narrowing_reason = data.narrowing_reason.strip()
        record.recommended_product = data.recommended_product.strip()
        record.recommendation_reason = data.recommendation_reason.strip()
        record.chose_recommended = data.chose_recommended
        record.chosen_product = data.chosen_product.strip()
        record.non_recommended_reason = data.non_recommended_reason.strip()
        record.confirmed_on = data.confirmed_on
        record.confirmation_method = data.confirmation_method
        record.other_insurer = data.other_insurer
        if record.double_checked_by_id is not None and (
            data.chose_recommended
            or checked_before != (record.chose_recommended, record.chosen_product, record.non_recommended_reason)
        ):
            record.double_checked_by = None
            record.double_checked_at = None
            record.double_check_note = ""
        _refresh_intent(record)
        writes.save(record, actor=actor)
        state = "完了" if record.complete else "未完了"
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_INTENT_SAVE,
            target=record,
            summary=f"意向把握を{'記録' if created else '更新'}した({policy.number}・{state})",
            data={"policy": policy.number, "missing": record.missing},
        )
    return record


def intent_record_double_check(*, actor: User, record: IntentRecord, note: str = "") -> IntentRecord:
    """The second person's check of a non-recommended choice (never the recorder)."""
    permissions.require(actor, permissions.PRACTICE_DOUBLE_CHECK)
    with transaction.atomic():
        locked = IntentRecord.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=record.pk).first()
        if locked is None:
            raise Http404("意向把握の記録が見つかりません。")
        if locked.chose_recommended:
            raise ValidationError("推奨商品が選ばれた記録にダブルチェックは不要です。")
        if not locked.non_recommended_reason:
            raise ValidationError("推奨商品以外を選んだ理由が記録されていないため、ダブルチェックできません。")
        if locked.recorded_by_id == actor.pk:
            raise ValidationError("ダブルチェックは記録者以外の人が行ってください。")
        if locked.double_checked_by_id is not None:
            raise ValidationError("この記録はダブルチェック済みです。")
        locked.double_checked_by = actor
        locked.double_checked_at = timezone.now()
        locked.double_check_note = note.strip()[:1000]
        _refresh_intent(locked)
        writes.save(locked, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_INTENT_DOUBLE_CHECK,
            target=locked,
            summary=f"推奨商品以外の選択をダブルチェックした({locked.policy.number})",
        )
    return locked


# --- 高齢者対応 -----------------------------------------------------------------------------------


def _refresh_solicitation(solicitation: ElderlySolicitation, *, actor: User) -> None:
    rule = elderly_rule(rule_for(solicitation.agency_id))
    done = set(solicitation.measures.values_list("kind", flat=True))
    solicitation.missing = elderly.missing_measures(solicitation.tier, done, rule)
    was = solicitation.complete
    solicitation.complete = not solicitation.missing
    if solicitation.complete and not was:
        solicitation.completed_at = timezone.now()
    elif not solicitation.complete:
        solicitation.completed_at = None
    writes.save(solicitation, actor=actor)
    record = IntentRecord.objects.filter(policy_id=solicitation.policy_id).first()
    if record is not None:
        before = (record.complete, list(record.missing))
        _refresh_intent(record)
        if (record.complete, record.missing) != before:
            writes.save(record, actor=actor, reason="高齢者対応の状況を反映")


def elderly_solicitation_start(
    *, actor: User, policy: Policy, customer: Customer | None = None, solicited_on: dt.date
) -> ElderlySolicitation:
    """Open the elderly handling of a solicitation: age at `solicited_on` decides the tier."""
    permissions.require(actor, permissions.PRACTICE_RECORD)
    with transaction.atomic():
        policy = _visible_policy(actor, policy, lock=True)
        customer = customer or policy.policyholder
        if customer.pk != policy.policyholder_id and not policy.insured_persons.filter(customer=customer).exists():
            raise ValidationError("この契約の契約者・被保険者ではない顧客です。")
        if customer.birth_date is None:
            raise ValidationError("生年月日が登録されていないため、年齢を判定できません。")
        if solicited_on > timezone.localdate():
            raise ValidationError({"solicited_on": "募集日に未来の日付は指定できません。"})
        if ElderlySolicitation.objects.filter(policy=policy, customer=customer).exists():
            raise ValidationError("この契約・顧客の高齢者対応は登録済みです。")
        rule = elderly_rule(rule_for(policy.agency_id))
        age = elderly.age_on(customer.birth_date, solicited_on)
        tier = elderly.tier_for(age, rule)
        if tier is None:
            raise ValidationError(f"募集日の年齢は{age}歳で、高齢者対応の対象({rule.basic_age}歳以上)ではありません。")
        solicitation = ElderlySolicitation(
            policy=policy,
            customer=customer,
            agency_id=_agency_id(policy),
            solicited_on=solicited_on,
            age=age,
            tier=tier,
            recorded_by=actor,
        )
        writes.save(solicitation, actor=actor)
        _refresh_solicitation(solicitation, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_ELDERLY_START,
            target=solicitation,
            summary=f"高齢者対応を開始した({policy.number}・{age}歳・{solicitation.get_tier_display()})",
        )
    return solicitation


@dataclass
class MeasureInput:
    kind: str
    done_on: dt.date
    relative: Relative | None = None
    second_agent: User | None = None
    call_answers: dict[str, str] = field(default_factory=dict)
    recording_ref: str = ""
    notes: str = ""


def elderly_measure_add(*, actor: User, solicitation: ElderlySolicitation, data: MeasureInput) -> ElderlyMeasure:
    permissions.require(actor, permissions.PRACTICE_RECORD)
    with transaction.atomic():
        locked = (
            ElderlySolicitation.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=solicitation.pk)
            .first()
        )
        if locked is None:
            raise Http404("高齢者対応の記録が見つかりません。")
        errors: dict[str, str] = {}
        if data.kind not in MeasureKind.values:
            errors["kind"] = "対応の種類を選んでください。"
        if data.done_on > timezone.localdate():
            errors["done_on"] = "実施日に未来の日付は指定できません。"
        if data.kind == MeasureKind.RELATIVE_PRESENT:
            if data.relative is None:
                errors["relative"] = "同席した登録親族を選んでください(親族登録が必要です)。"
            elif data.relative.customer_id != locked.customer_id:
                errors["relative"] = "このお客さまの登録親族ではありません。"
            elif data.relative.consent_date > data.done_on:
                errors["relative"] = "同席日より後に親族登録の同意を得ています。同意日を確認してください。"
        if data.kind == MeasureKind.MULTIPLE_AGENTS:
            if data.second_agent is None:
                errors["second_agent"] = "同行した募集人を選んでください。"
            elif data.second_agent.pk == actor.pk or data.second_agent.agency_id != locked.agency_id:
                errors["second_agent"] = "同行した募集人は、記録者以外の同じ代理店の担当者を選んでください。"
        if data.kind == MeasureKind.CONFIRMATION_CALL:
            solicited_by_actor = locked.policy.agent_id is not None and actor.agent_id == locked.policy.agent_id
            if locked.recorded_by_id == actor.pk or solicited_by_actor:
                errors["kind"] = "確認電話は、募集した担当者以外の人が行い、その人が記録してください。"
            call_errors = elderly.call_answer_errors(data.call_answers)
            if call_errors:
                errors["call_answers"] = " ".join(call_errors)
        if data.kind == MeasureKind.RECORDING and not data.recording_ref.strip():
            errors["recording_ref"] = "録音・録画の参照(ファイル名や管理番号)を入力してください。"
        if errors:
            raise ValidationError(errors)
        measure = ElderlyMeasure(
            solicitation=locked,
            kind=data.kind,
            done_on=data.done_on,
            done_by=actor,
            relative=data.relative if data.kind == MeasureKind.RELATIVE_PRESENT else None,
            second_agent=data.second_agent if data.kind == MeasureKind.MULTIPLE_AGENTS else None,
            call_answers=(
                {k: data.call_answers[k] for k, _ in elderly.CALL_QUESTIONS}
                if data.kind == MeasureKind.CONFIRMATION_CALL
                else {}
            ),
            recording_ref=data.recording_ref.strip(),
            notes=data.notes.strip(),
        )
        writes.save(measure, actor=actor)
        _refresh_solicitation(locked, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_ELDERLY_MEASURE,
            target=locked,
            summary=f"高齢者対応「{measure.get_kind_display()}」を記録した({locked.policy.number})",
        )
    return measure


# --- 満期管理 -----------------------------------------------------------------------------------------


@dataclass
class RenewalInput:
    agent: User | None = None
    started_on: dt.date | None = None
    notice_sent_on: dt.date | None = None
    first_contact_on: dt.date | None = None
    completed_on: dt.date | None = None
    outcome: str = RenewalOutcome.PENDING
    renewal_policy: Policy | None = None
    reviewed_coverage: bool = False
    notes: str = ""


def renewal_progress_save(*, actor: User, policy: Policy, data: RenewalInput) -> RenewalProgress:
    """Create or update the renewal work on an expiring policy."""
    permissions.require(actor, permissions.PRACTICE_RECORD)
    with transaction.atomic():
        policy = _visible_policy(actor, policy, lock=True)
        errors: dict[str, str] = {}
        today = timezone.localdate()
        dates = {
            "started_on": data.started_on,
            "notice_sent_on": data.notice_sent_on,
            "first_contact_on": data.first_contact_on,
            "completed_on": data.completed_on,
        }
        for name, value in dates.items():
            if value is not None and value > today:
                errors[name] = "未来の日付は指定できません。"
        if data.outcome not in RenewalOutcome.values:
            errors["outcome"] = "結果を選んでください。"
        if data.outcome == RenewalOutcome.RENEWED and data.completed_on is None:
            errors["completed_on"] = "更改済にするには完了日を入力してください。"
        if data.completed_on is not None and data.outcome == RenewalOutcome.PENDING:
            errors["outcome"] = "完了日を入力した場合は結果(更改済・満期失効・解約)を選んでください。"
        if data.renewal_policy is not None and data.renewal_policy.previous_policy_id != policy.pk:
            errors["renewal_policy"] = "この契約を更改元とする契約を選んでください。"
        if data.agent is not None and data.agent.agency_id != policy.agency_id:
            errors["agent"] = "担当者は同じ代理店の担当者を選んでください。"
        if errors:
            raise ValidationError(errors)
        progress = RenewalProgress.objects.filter(policy=policy).first() or RenewalProgress(
            policy=policy, agency_id=_agency_id(policy), expiry=policy.expiry
        )
        progress.agent = data.agent
        progress.started_on = data.started_on or (progress.started_on or today)
        progress.notice_sent_on = data.notice_sent_on
        progress.first_contact_on = data.first_contact_on
        progress.completed_on = data.completed_on
        progress.outcome = data.outcome
        progress.renewal_policy = data.renewal_policy
        progress.reviewed_coverage = data.reviewed_coverage
        progress.notes = data.notes.strip()
        progress.expiry = policy.expiry
        writes.save(progress, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_RENEWAL_UPDATE,
            target=progress,
            summary=f"満期管理を更新した({policy.number}・{progress.get_outcome_display()})",
        )
    return progress


# --- 研修 ----------------------------------------------------------------------------------------


def _training_agency(actor: User, agency: Agency | None) -> Agency:
    permissions.require(actor, permissions.PRACTICE_MANAGE)
    if actor.agency_id is not None:
        if agency is not None and agency.pk != actor.agency_id:
            raise Http404("代理店が見つかりません。")
        return actor.agency  # type: ignore[return-value]
    if agency is None:
        raise ValidationError({"agency": "代理店を選んでください。"})
    return agency


def _members(agency: Agency, people: list[User]) -> None:
    outsiders = [p for p in people if p.agency_id != agency.pk]
    if outsiders:
        raise ValidationError({"attendees": "他の代理店の担当者は登録できません。"})


def training_session_create(
    *,
    actor: User,
    agency: Agency | None,
    kind: str,
    date: dt.date,
    topic: str,
    notes: str = "",
    attendees: list[User] | None = None,
) -> TrainingSession:
    agency = _training_agency(actor, agency)
    attendees = attendees or []
    _members(agency, attendees)
    with transaction.atomic():
        session = TrainingSession(agency=agency, kind=kind, date=date, topic=topic.strip(), notes=notes.strip())
        session.created_by = actor
        writes.save(session, actor=actor)
        for person in attendees:
            writes.save(Attendance(session=session, person=person), actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_TRAINING_RECORD,
            target=session,
            summary=f"{session.get_kind_display()}を登録した({topic.strip()[:40]}・{len(attendees)}名)",
        )
    return session


def roleplay_score_record(
    *,
    actor: User,
    person: User,
    scored_on: dt.date,
    score: int,
    theme: str = "",
    session: TrainingSession | None = None,
) -> RolePlayScore:
    agency = _training_agency(actor, person.agency)
    rule = rule_for(agency.pk)
    if score < 0 or score > rule.roleplay_max:
        raise ValidationError({"score": f"点数は0〜{rule.roleplay_max}点で入力してください。"})
    if person.pk == actor.pk:
        raise ValidationError({"person": "自分自身のロールプレイは評価できません。"})
    if session is not None and session.agency_id != agency.pk:
        raise ValidationError({"session": "他の代理店の研修は選べません。"})
    with transaction.atomic():
        row = RolePlayScore(
            agency=agency,
            session=session,
            person=person,
            scored_on=scored_on,
            theme=theme.strip(),
            score=score,
            max_score=rule.roleplay_max,
            pass_mark=rule.roleplay_pass,
            passed=renewal.passed_roleplay(score, rule.roleplay_pass),
            evaluator=actor,
        )
        writes.save(row, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_TRAINING_RECORD,
            target=row,
            summary=f"ロールプレイを評価した({score}/{rule.roleplay_max}点・{'合格' if row.passed else '不合格'})",
        )
    return row


def qualification_add(
    *, actor: User, person: User, kind: str, acquired_on: dt.date, expires_on: dt.date | None = None
) -> Qualification:
    agency = _training_agency(actor, person.agency)
    with transaction.atomic():
        row = Qualification(agency=agency, person=person, kind=kind, acquired_on=acquired_on, expires_on=expires_on)
        writes.save(row, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_TRAINING_RECORD,
            target=row,
            summary=f"資格を登録した({row.get_kind_display()})",
        )
    return row


def guidance_record_add(
    *, actor: User, trainee: User, given_on: dt.date, topic: str, content: str = ""
) -> GuidanceRecord:
    agency = _training_agency(actor, trainee.agency)
    with transaction.atomic():
        row = GuidanceRecord(
            agency=agency, trainee=trainee, mentor=actor, given_on=given_on, topic=topic.strip(), content=content
        )
        writes.save(row, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.PRACTICE_TRAINING_RECORD,
            target=row,
            summary=f"新人指導を記録した({topic.strip()[:40]})",
        )
    return row
