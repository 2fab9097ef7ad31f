"""Survey rows for tests, made through the services (tsunagu.surveys.services)."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department, User
from tsunagu.core.services import user_create
from tsunagu.surveys.choices import QuestionKind, SurveyPurpose
from tsunagu.surveys.models import Survey
from tsunagu.surveys.services.definitions import QuestionSpec, survey_create

CLAIM_QUESTIONS = (
    QuestionSpec("nps", QuestionKind.NPS, "事故対応を知人にすすめたいと思いますか", required=True),
    QuestionSpec("satisfaction", QuestionKind.SCALE, "事故対応全体の満足度をお聞かせください"),
    QuestionSpec("clarity", QuestionKind.RATING, "説明のわかりやすさ", is_driver=True),
    QuestionSpec("speed", QuestionKind.CHOICE, "対応の早さ", choices=("良い", "普通", "悪い"), is_driver=True),
    QuestionSpec("comment", QuestionKind.TEXT, "ご意見・ご感想をお聞かせください"),
    QuestionSpec("contact", QuestionKind.CONSENT, "担当者からご連絡してもよろしいですか"),
)


def cs_manager(username: str = "cs_manager") -> User:
    """お客様相談室 staff: defines surveys and imports results (surveys.manage, surveys.import)."""
    department, _ = Department.objects.get_or_create(
        code="CR", defaults={"name": "お客様相談室", "kind": DepartmentKind.CUSTOMER_RELATIONS}
    )
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        display_name=username,
        roles=[Role.COMPLAINTS_OFFICER],
        department=department,
    )


def claim_survey(actor: User, code: str = "claim") -> Survey:
    return survey_create(
        actor=actor,
        code=code,
        name="事故対応アンケート",
        purpose=SurveyPurpose.TRANSACTIONAL,
        questions=CLAIM_QUESTIONS,
        intro="このたびは事故のご連絡をいただきありがとうございました。",
    )
