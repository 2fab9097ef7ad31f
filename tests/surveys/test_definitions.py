"""Survey definitions: creation, validation (Japanese), versioning, start/stop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import make_customer
from tests.surveys.factories import CLAIM_QUESTIONS, claim_survey, cs_manager
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.surveys.answers import QuestionSpec, clean_answer, question_problems
from tsunagu.surveys.choices import Channel, QuestionKind
from tsunagu.surveys.models import Question, SurveyVersion
from tsunagu.surveys.services.definitions import survey_set_active, survey_update
from tsunagu.surveys.services.responses import ResponseInput, responses_record

pytestmark = pytest.mark.django_db


def spec(code: str, kind: str = QuestionKind.RATING, **kw) -> QuestionSpec:
    return QuestionSpec(code, kind, kw.pop("text", f"{code}の設問"), **kw)


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        ((), "設問は1〜20問にしてください"),
        (tuple(spec(f"q{i}") for i in range(21)), "設問は1〜20問にしてください(現在 21問)"),
        ((spec("a"), spec("a")), "設問コード「a」が重複しています"),
        ((spec("n1", QuestionKind.NPS), spec("n2", QuestionKind.NPS)), "推奨度(NPS)の設問は1つまでです"),
        ((spec("c", QuestionKind.CHOICE, choices=("良い",)),), "選択肢を2つ以上"),
        ((spec("r", QuestionKind.RATING, choices=("a", "b")),), "選択肢は単一選択の設問にだけ"),
        ((spec("satisfaction", QuestionKind.RATING),), "総合満足度(0〜10)の設問に使います"),
        ((spec("x", text=" "),), "設問文を入力してください"),
    ],
)
def test_question_problems(questions, expected):
    assert any(expected in p for p in question_problems(questions)), question_problems(questions)


def test_good_questions_have_no_problems():
    assert question_problems(CLAIM_QUESTIONS) == []


@pytest.mark.parametrize(
    ("kind", "value", "stored", "error"),
    [
        (QuestionKind.NPS, "10", 10, ""),
        (QuestionKind.NPS, "１０", 10, ""),  # full-width digits (NFKC)
        (QuestionKind.NPS, 0, 0, ""),
        (QuestionKind.NPS, 11, None, "0〜10の整数"),
        (QuestionKind.NPS, "abc", None, "0〜10の整数"),
        (QuestionKind.NPS, True, None, "0〜10の整数"),
        (QuestionKind.SCALE, "7.0", 7, ""),
        (QuestionKind.RATING, 0, None, "1〜5の整数"),
        (QuestionKind.RATING, 5, 5, ""),
        (QuestionKind.CHOICE, "普通", "普通", ""),
        (QuestionKind.CHOICE, "最高", None, "選択肢(良い/普通/悪い)から"),
        (QuestionKind.CONSENT, "はい", True, ""),
        (QuestionKind.CONSENT, "0", False, ""),
        (QuestionKind.CONSENT, "たぶん", None, "「はい」か「いいえ」"),
        (QuestionKind.TEXT, " よかった ", "よかった", ""),
        (QuestionKind.TEXT, "あ" * 2001, None, "2000文字以内"),
        (QuestionKind.TEXT, "", None, ""),
    ],
)
def test_clean_answer(kind, value, stored, error):
    question = QuestionSpec("q", kind, "設問", choices=("良い", "普通", "悪い") if kind == "choice" else ())
    got, message = clean_answer(question, value)
    assert got == stored
    assert (error in message) if error else message == ""


def test_required_blank_answer_is_an_error():
    assert clean_answer(QuestionSpec("q", "nps", "設問", required=True), " ")[1] == "「設問」に回答してください。"


def test_create_makes_version_one_with_history_and_audit(org):
    manager = cs_manager()
    survey = claim_survey(manager)
    version = survey.versions.get()
    assert (version.number, version.is_current) == (1, True)
    assert list(version.questions.values_list("code", flat=True)) == [q.code for q in CLAIM_QUESTIONS]
    assert version.questions.get(code="speed").choices == ["良い", "普通", "悪い"]
    assert survey.history.get().history_user == manager
    assert Question.history.filter(history_user=manager).count() == len(CLAIM_QUESTIONS)
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_CREATE, target_id=str(survey.pk)).exists()


def test_only_survey_owners_may_define(hq_operator):
    with pytest.raises(PermissionDenied):
        claim_survey(hq_operator)


def test_duplicate_code_is_refused(org):
    manager = cs_manager()
    claim_survey(manager)
    with pytest.raises(ValidationError) as error:
        claim_survey(manager)
    assert "既に使われています" in str(error.value)


def test_edit_without_answers_replaces_questions_in_place(org):
    manager = cs_manager()
    survey = claim_survey(manager)
    questions = (CLAIM_QUESTIONS[0], spec("ease", text="手続きのしやすさ"))
    version = survey_update(
        actor=manager, survey=survey, name="事故対応アンケート(改)", description="", questions=questions
    )
    assert version.number == 1
    assert SurveyVersion.objects.filter(survey=survey).count() == 1
    assert list(version.questions.values_list("code", flat=True)) == ["nps", "ease"]
    survey.refresh_from_db()
    assert survey.name == "事故対応アンケート(改)"
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_UPDATE).exists()


def test_edit_with_answers_creates_the_next_version(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    first = survey.versions.get()
    customer = make_customer(hq_operator, agency=org["agency_a"])
    responses_record(
        actor=hq_operator,
        version=first,
        channel=Channel.PHONE,
        rows=[ResponseInput(customer=customer, answers={"nps": 9}, answered_on=dt.date(2026, 6, 1))],
    )
    questions = (*CLAIM_QUESTIONS, spec("attitude", text="担当者の態度", is_driver=True))
    second = survey_update(actor=manager, survey=survey, name=survey.name, description="", questions=questions)
    assert second.number == 2
    assert second.is_current
    first.refresh_from_db()
    assert not first.is_current
    assert first.questions.count() == len(CLAIM_QUESTIONS)  # what customers answered stays
    assert second.questions.count() == len(CLAIM_QUESTIONS) + 1
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_NEW_VERSION).exists()


def test_a_code_keeps_its_kind_across_versions(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    customer = make_customer(hq_operator)
    responses_record(
        actor=hq_operator,
        version=survey.versions.get(),
        channel=Channel.POST,
        rows=[ResponseInput(customer=customer, answers={"nps": 3}, answered_on=dt.date(2026, 6, 1))],
    )
    changed = (CLAIM_QUESTIONS[0], spec("clarity", QuestionKind.TEXT))
    with pytest.raises(ValidationError) as error:
        survey_update(actor=manager, survey=survey, name=survey.name, description="", questions=changed)
    assert "以前の版で別の形式" in str(error.value)


def test_set_active(org):
    manager = cs_manager()
    survey = claim_survey(manager)
    survey_set_active(actor=manager, survey=survey, active=False)
    survey.refresh_from_db()
    assert survey.is_active is False
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_SET_ACTIVE).count() == 1
