"""高齢者対応 rules (pure, no Django): the tier by age at the solicitation date, and which measures
an agency's rule requires per tier (shared domain §b: 70+ basic, 80+ enhanced, configurable).

A tier's requirement is "all of `required`" and "at least one of `any_of`" (an empty `any_of`
asks for nothing more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

BASIC = "basic"
ENHANCED = "enhanced"

MEASURE_LABELS = {
    "relative_present": "親族同席",
    "multiple_agents": "複数募集人",
    "multiple_meetings": "複数回の面談",
    "confirmation_call": "別担当者による確認電話",
    "recording": "録音・ビデオ面談",
    "insurer_check": "保険会社による確認",
}

# The fixed questions of the confirmation call (別担当者による確認電話); every one must be answered.
CALL_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("understood_cover", "ご契約の補償内容をご理解いただけましたか"),
    ("understood_premium", "保険料と払込方法をご理解いただけましたか"),
    ("own_intent", "ご自身のご意向でお申込みいただきましたか"),
    ("explained_by", "募集人から重要事項の説明を受けましたか"),
    ("questions_left", "ご不明な点は残っていませんか"),
)
CALL_ANSWERS = ("はい", "いいえ")


@dataclass(frozen=True)
class ElderlyRule:
    basic_age: int = 70
    enhanced_age: int = 80
    basic_required: tuple[str, ...] = ()
    basic_any_of: tuple[str, ...] = ("relative_present", "multiple_agents", "multiple_meetings")
    enhanced_required: tuple[str, ...] = ("confirmation_call",)
    enhanced_any_of: tuple[str, ...] = ("relative_present", "multiple_agents", "multiple_meetings")
    extra: dict[str, str] = field(default_factory=dict)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years on `day` (a 29 Feb birthday counts from 1 Mar in other years)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def tier_for(age: int, rule: ElderlyRule) -> str | None:
    if age >= rule.enhanced_age:
        return ENHANCED
    if age >= rule.basic_age:
        return BASIC
    return None


def missing_measures(tier: str, done: Iterable[str], rule: ElderlyRule) -> list[str]:
    """Japanese names of what the tier still requires (empty: the requirement is met)."""
    kinds = set(done)
    required, any_of = (
        (rule.enhanced_required, rule.enhanced_any_of) if tier == ENHANCED else (rule.basic_required, rule.basic_any_of)
    )
    missing = [MEASURE_LABELS.get(k, k) for k in required if k not in kinds]
    if any_of and not kinds & set(any_of):
        missing.append("・".join(MEASURE_LABELS.get(k, k) for k in any_of) + "のいずれか")
    return missing


def call_answer_errors(answers: dict[str, str]) -> list[str]:
    errors = []
    for key, question in CALL_QUESTIONS:
        if answers.get(key) not in CALL_ANSWERS:
            errors.append(f"確認電話の質問「{question}」に「はい」か「いいえ」で回答してください。")
    return errors
