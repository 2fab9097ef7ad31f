"""Survey definitions: create, edit (a new version once answers exist), start and stop.

Versioning rule: a version's questions are what customers saw. While the current version has no
response and no invitation, editing replaces its questions in place; once it has either, editing
adds version number+1 with the new questions and makes it current (the old one stays, with its
answers). A question code keeps its meaning (and kind) across versions: results compare by code.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from ..answers import QuestionSpec, question_problems
from ..models import Question, Survey, SurveyVersion

__all__ = ["QuestionSpec", "survey_create", "survey_set_active", "survey_update", "version_has_answers"]


def _normalised(questions: Sequence[QuestionSpec]) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            code=q.code.strip(),
            kind=str(q.kind),
            text=q.text.strip(),
            choices=tuple(c.strip() for c in q.choices if c.strip()),
            is_driver=q.is_driver,
            required=q.required,
        )
        for q in questions
    ]


def _check(
    questions: Sequence[QuestionSpec], survey: Survey | None = None, replacing: SurveyVersion | None = None
) -> None:
    """Validate the questions; codes used by the survey's other versions must keep their kind
    (`replacing`: the version edited in place, whose own codes may change)."""
    earlier: dict[str, str] = {}
    if survey is not None:
        others = Question.objects.filter(version__survey=survey)
        if replacing is not None:
            others = others.exclude(version=replacing)
        earlier = dict(others.values_list("code", "kind"))
    problems = question_problems(questions, earlier)
    if problems:
        raise ValidationError({"questions": problems})


def _create_questions(version: SurveyVersion, questions: Sequence[QuestionSpec], actor: User) -> None:
    rows = [
        Question(
            version=version,
            code=q.code,
            kind=q.kind,
            text=q.text,
            choices=list(q.choices),
            is_driver=q.is_driver,
            required=q.required,
            order=order,
        )
        for order, q in enumerate(questions, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["version"])
    writes.bulk_create(rows, actor=actor)


def version_has_answers(version: SurveyVersion) -> bool:
    """True once customers may have seen the version: a response or an invitation names it."""
    return version.responses.exists() or version.invitations.exists()


def survey_create(
    *,
    actor: User,
    code: str,
    name: str,
    purpose: str,
    questions: Sequence[QuestionSpec],
    description: str = "",
    intro: str = "",
) -> Survey:
    """A new survey with its first version (第1版)."""
    permissions.require(actor, permissions.SURVEYS_MANAGE)
    questions = _normalised(questions)
    _check(questions)
    with transaction.atomic():
        if Survey.objects.filter(code=code).exists():
            raise ValidationError({"code": f"アンケートコード「{code}」は既に使われています。"})
        survey = writes.save(
            Survey(code=code, name=name.strip(), purpose=purpose, description=description, created_by=actor),
            actor=actor,
        )
        version = writes.save(
            SurveyVersion(survey=survey, number=1, is_current=True, intro=intro, created_by=actor), actor=actor
        )
        _create_questions(version, questions, actor)
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_CREATE,
            target=survey,
            summary=f"アンケート「{survey.name}」({survey.code})を作成した(設問 {len(questions)}問)",
        )
    return survey


def survey_update(
    *,
    actor: User,
    survey: Survey,
    name: str,
    description: str,
    questions: Sequence[QuestionSpec],
    intro: str = "",
) -> SurveyVersion:
    """Change the survey; returns the current version afterwards (a new one when the old had answers)."""
    permissions.require(actor, permissions.SURVEYS_MANAGE)
    questions = _normalised(questions)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        current = survey.versions.get(is_current=True)
        new_version = version_has_answers(current)
        _check(questions, survey, replacing=None if new_version else current)
        survey.name, survey.description = name.strip(), description
        writes.save(survey, actor=actor)
        if new_version:
            writes.save(_not_current(current), actor=actor, update_fields=["is_current"], clean=False)
            number = (survey.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            current = writes.save(
                SurveyVersion(survey=survey, number=number, is_current=True, intro=intro, created_by=actor),
                actor=actor,
            )
            _create_questions(current, questions, actor)
            action, summary = AuditAction.SURVEY_NEW_VERSION, f"アンケート「{survey.name}」の第{number}版を作成した"
        else:
            current.intro = intro
            writes.save(current, actor=actor)
            _replace_questions(current, questions, actor)
            action, summary = AuditAction.SURVEY_UPDATE, f"アンケート「{survey.name}」第{current.number}版を変更した"
        record_event(
            actor=actor,
            action=action,
            target=survey,
            summary=summary,
            data={"version": current.number, "questions": [q.code for q in questions]},
        )
    return current


def _not_current(version: SurveyVersion) -> SurveyVersion:
    version.is_current = False
    return version


def _replace_questions(version: SurveyVersion, questions: Sequence[QuestionSpec], actor: User) -> None:
    """Edit a version nobody has answered: questions kept by code are changed, others removed/added."""
    existing = {q.code: q for q in version.questions.all()}
    wanted = {q.code for q in questions}
    for code, removed in existing.items():
        if code not in wanted:
            writes.delete(removed, actor=actor, reason="設問の削除")
    added: list[Question] = []
    for order, spec in enumerate(questions, start=1):
        current = existing.get(spec.code)
        values = {
            "kind": spec.kind,
            "text": spec.text,
            "choices": list(spec.choices),
            "is_driver": spec.is_driver,
            "required": spec.required,
            "order": order,
        }
        if current is None:
            added.append(Question(version=version, code=spec.code, **values))
            continue
        if any(getattr(current, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(current, field, value)
            writes.save(current, actor=actor)
    for question in added:
        question.full_clean(exclude=["version"])
    writes.bulk_create(added, actor=actor)


def survey_set_active(*, actor: User, survey: Survey, active: bool) -> Survey:
    """Start (実施中) or stop a survey; a stopped survey takes no new answers and sends nothing."""
    permissions.require(actor, permissions.SURVEYS_MANAGE)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.is_active == active:
            return survey
        survey.is_active = active
        writes.save(survey, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_SET_ACTIVE,
            target=survey,
            summary=f"アンケート「{survey.name}」を{'実施中にした' if active else '停止した'}",
        )
    return survey
