"""Services: the intent record's completeness and double check, the elderly gate, renewals,
training; permissions and scope (agency B sees nothing of A); history and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.conftest import _user
from tsunagu.core.choices import AuditAction, Role
from tsunagu.core.models import AuditEvent
from tsunagu.customers.models import Relative
from tsunagu.practice import elderly, services
from tsunagu.practice.choices import MeasureKind, RenewalOutcome
from tsunagu.practice.models import IntentRecord, PracticeRule, RenewalProgress

from .conftest import AUTO_INTENT

D = dt.date


def complete_input(**changes) -> services.IntentInput:
    data = services.IntentInput(
        initial_intent=dict(AUTO_INTENT),
        final_intent=dict(AUTO_INTENT),
        products_presented=[{"insurer": "つなぐ損保", "product": "安心カー", "premium": "78,000"}],
        recommended_product="安心カー",
        recommendation_reason="予算内で補償が広い",
        confirmed_on=D(2026, 11, 20),
        confirmation_method="paper",
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_a_complete_record_is_complete(agency_a_staff, policy_a):
    record = services.intent_record_save(actor=agency_a_staff, policy=policy_a, data=complete_input())
    assert record.complete
    assert record.missing == []
    assert record.completed_at is not None
    assert record.kind == "new"
    assert record.line == "auto"
    assert record.agency_id == policy_a.agency_id
    assert record.products_presented == [{"insurer": "つなぐ損保", "product": "安心カー", "premium": 78000}]
    assert record.history.first().history_user == agency_a_staff
    assert AuditEvent.objects.filter(action=AuditAction.PRACTICE_INTENT_SAVE, target_id=str(record.pk)).count() == 1


def test_a_changed_intent_is_detected_and_needs_its_reason(agency_a_staff, policy_a):
    final = {**AUTO_INTENT, "budget": 95000}
    record = services.intent_record_save(actor=agency_a_staff, policy=policy_a, data=complete_input(final_intent=final))
    assert record.intent_changed
    assert record.change_difference == "保険料の予算(年額・円): 80000 → 95000"
    assert record.missing == ["意向が変わった理由"]
    assert not record.complete
    record = services.intent_record_save(
        actor=agency_a_staff, policy=policy_a, data=complete_input(final_intent=final, change_reason="車両保険を一般に")
    )
    assert record.complete


def test_a_non_recommended_choice_is_blocked_until_another_person_double_checks(
    agency_a_staff, agency_a_manager, policy_a
):
    data = complete_input(chose_recommended=False, chosen_product="格安カー", non_recommended_reason="保険料を優先")
    record = services.intent_record_save(actor=agency_a_staff, policy=policy_a, data=data)
    assert not record.complete
    assert record.missing == ["ダブルチェック(記録者以外)"]
    with pytest.raises(PermissionDenied):  # the recorder is no manager
        services.intent_record_double_check(actor=agency_a_staff, record=record)
    record.recorded_by = agency_a_manager
    record.save(update_fields=["recorded_by"])
    with pytest.raises(ValidationError, match="記録者以外"):
        services.intent_record_double_check(actor=agency_a_manager, record=record)
    record.recorded_by = agency_a_staff
    record.save(update_fields=["recorded_by"])
    checked = services.intent_record_double_check(actor=agency_a_manager, record=record, note="理由を確認")
    assert checked.complete
    assert checked.double_checked_by == agency_a_manager
    assert checked.double_checked_at
    with pytest.raises(ValidationError, match="ダブルチェック済み"):
        services.intent_record_double_check(actor=agency_a_manager, record=checked)
    # Changing the reason afterwards clears the check: it checked something else.
    again = services.intent_record_save(
        actor=agency_a_staff,
        policy=policy_a,
        data=complete_input(chose_recommended=False, chosen_product="格安カー", non_recommended_reason="別の理由"),
    )
    assert again.double_checked_by is None
    assert not again.complete


def test_bad_input_is_refused_in_japanese_and_changes_nothing(agency_a_staff, policy_a):
    data = complete_input(
        initial_intent={"budget": "abc"},
        products_presented=[{"insurer": "x", "product": ""}],
        confirmed_on=D(2099, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.intent_record_save(actor=agency_a_staff, policy=policy_a, data=data)
    assert "当初意向: 保険料の予算(年額・円)は数字で入力してください。" in error.value.messages
    assert "提示した商品の1行目: 商品名を入力してください。" in error.value.messages
    assert "意向確認日に未来の日付は指定できません。" in error.value.messages
    assert not IntentRecord.objects.exists()


def test_other_agencies_and_roles(agency_b_staff, auditor, policy_a):
    with pytest.raises(Http404):
        services.intent_record_save(actor=agency_b_staff, policy=policy_a, data=complete_input())
    with pytest.raises(PermissionDenied):
        services.intent_record_save(actor=auditor, policy=policy_a, data=complete_input())


# --- 高齢者対応 ------------------------------------------------------------------------------------


def all_yes():
    return {key: "はい" for key, _ in elderly.CALL_QUESTIONS}


def test_elderly_measures_gate_the_solicitation_and_the_intent_record(
    agency_a_staff, agency_a_manager, elderly_policy, elderly_holder
):
    record = services.intent_record_save(actor=agency_a_staff, policy=elderly_policy, data=complete_input())
    assert record.complete
    solicitation = services.elderly_solicitation_start(
        actor=agency_a_staff, policy=elderly_policy, solicited_on=D(2026, 11, 20)
    )
    assert (solicitation.age, solicitation.tier) == (82, "enhanced")
    assert solicitation.missing == ["別担当者による確認電話", "親族同席・複数募集人・複数回の面談のいずれか"]
    record.refresh_from_db()
    assert not record.complete
    assert record.missing == ["高齢者対応"]

    relative = Relative.objects.create(
        customer=elderly_holder, name="古川 次郎", relation="child", phone="090-1111-2222", consent_date=D(2026, 1, 1)
    )
    services.elderly_measure_add(
        actor=agency_a_staff,
        solicitation=solicitation,
        data=services.MeasureInput(kind=MeasureKind.RELATIVE_PRESENT, done_on=D(2026, 11, 20), relative=relative),
    )
    # The soliciting staff may not make the confirmation call.
    with pytest.raises(ValidationError) as error:
        services.elderly_measure_add(
            actor=agency_a_staff,
            solicitation=solicitation,
            data=services.MeasureInput(
                kind=MeasureKind.CONFIRMATION_CALL, done_on=D(2026, 11, 22), call_answers=all_yes()
            ),
        )
    assert "募集した担当者以外" in error.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as error:
        services.elderly_measure_add(
            actor=agency_a_manager,
            solicitation=solicitation,
            data=services.MeasureInput(kind=MeasureKind.CONFIRMATION_CALL, done_on=D(2026, 11, 22), call_answers={}),
        )
    assert "call_answers" in error.value.message_dict
    services.elderly_measure_add(
        actor=agency_a_manager,
        solicitation=solicitation,
        data=services.MeasureInput(kind=MeasureKind.CONFIRMATION_CALL, done_on=D(2026, 11, 22), call_answers=all_yes()),
    )
    solicitation.refresh_from_db()
    record.refresh_from_db()
    assert solicitation.complete
    assert solicitation.missing == []
    assert record.complete


def test_a_relative_of_someone_else_or_consent_after_the_meeting_is_refused(agency_a_staff, elderly_policy, holder):
    solicitation = services.elderly_solicitation_start(
        actor=agency_a_staff, policy=elderly_policy, solicited_on=D(2026, 11, 20)
    )
    other = Relative.objects.create(
        customer=holder, name="高橋 花", relation="spouse", phone="090-3333-4444", consent_date=D(2026, 1, 1)
    )
    with pytest.raises(ValidationError, match="登録親族ではありません"):
        services.elderly_measure_add(
            actor=agency_a_staff,
            solicitation=solicitation,
            data=services.MeasureInput(kind=MeasureKind.RELATIVE_PRESENT, done_on=D(2026, 11, 20), relative=other),
        )


def test_a_young_customer_has_no_elderly_handling_and_the_agency_rule_counts(agency_a_staff, policy_a, org):
    with pytest.raises(ValidationError, match="高齢者対応の対象"):
        services.elderly_solicitation_start(actor=agency_a_staff, policy=policy_a, solicited_on=D(2026, 11, 20))
    PracticeRule.objects.create(agency=org["agency_a"], elderly_basic_age=50, elderly_enhanced_age=60)
    solicitation = services.elderly_solicitation_start(
        actor=agency_a_staff, policy=policy_a, solicited_on=D(2026, 11, 20)
    )
    assert (solicitation.age, solicitation.tier) == (56, "basic")


# --- 満期管理 / 研修 ----------------------------------------------------------------------------------


def test_renewal_progress(agency_a_staff, agency_b_staff, policy_a):
    with pytest.raises(ValidationError) as error:
        services.renewal_progress_save(
            actor=agency_a_staff, policy=policy_a, data=services.RenewalInput(outcome=RenewalOutcome.RENEWED)
        )
    assert error.value.message_dict["completed_on"] == ["更改済にするには完了日を入力してください。"]
    progress = services.renewal_progress_save(
        actor=agency_a_staff,
        policy=policy_a,
        data=services.RenewalInput(
            agent=agency_a_staff, notice_sent_on=D(2026, 12, 1), first_contact_on=D(2026, 12, 3)
        ),
    )
    assert progress.started_on is not None
    assert progress.expiry == policy_a.expiry
    assert progress.agency_id == policy_a.agency_id
    with pytest.raises(ValidationError, match="同じ代理店"):
        services.renewal_progress_save(
            actor=agency_a_staff, policy=policy_a, data=services.RenewalInput(agent=agency_b_staff)
        )
    with pytest.raises(Http404):
        services.renewal_progress_save(actor=agency_b_staff, policy=policy_a, data=services.RenewalInput())
    assert RenewalProgress.objects.count() == 1


def test_roleplay_scores_use_the_agency_rule(agency_a_staff, agency_a_manager, org):
    row = services.roleplay_score_record(
        actor=agency_a_manager, person=agency_a_staff, scored_on=D(2026, 12, 1), score=25
    )
    assert row.passed
    assert (row.max_score, row.pass_mark) == (36, 25)
    with pytest.raises(ValidationError, match="0〜36点"):
        services.roleplay_score_record(
            actor=agency_a_manager, person=agency_a_staff, scored_on=D(2026, 12, 1), score=37
        )
    PracticeRule.objects.create(agency=org["agency_a"], roleplay_max=50, roleplay_pass=40)
    row = services.roleplay_score_record(
        actor=agency_a_manager, person=agency_a_staff, scored_on=D(2026, 12, 1), score=37
    )
    assert not row.passed
    assert (row.max_score, row.pass_mark) == (50, 40)
    with pytest.raises(PermissionDenied):
        services.roleplay_score_record(
            actor=agency_a_staff, person=agency_a_manager, scored_on=D(2026, 12, 1), score=30
        )


def test_training_session_with_attendance_stays_in_the_agency(agency_a_staff, agency_a_manager, agency_b_staff, org):
    session = services.training_session_create(
        actor=agency_a_manager,
        agency=None,
        kind="study",
        date=D(2026, 12, 1),
        topic="高齢者募集の留意点",
        attendees=[agency_a_staff, agency_a_manager],
    )
    assert session.agency == org["agency_a"]
    assert session.attendances.count() == 2
    with pytest.raises(ValidationError):
        services.training_session_create(
            actor=agency_a_manager,
            agency=None,
            kind="study",
            date=D(2026, 12, 1),
            topic="x",
            attendees=[agency_b_staff],
        )
    admin = _user("practice_admin", [Role.ADMIN], department=org["call_center"])
    with pytest.raises(ValidationError, match="代理店を選んでください"):
        services.training_session_create(actor=admin, agency=None, kind="study", date=D(2026, 12, 1), topic="x")
    g = services.guidance_record_add(
        actor=agency_a_manager, trainee=agency_a_staff, given_on=D(2026, 12, 2), topic="重要事項説明"
    )
    q = services.qualification_add(
        actor=agency_a_manager, person=agency_a_staff, kind="basic_unit", acquired_on=D(2025, 4, 1)
    )
    assert g.agency == q.agency == org["agency_a"]
