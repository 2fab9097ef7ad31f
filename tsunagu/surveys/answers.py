"""The rules of survey questions and answers, shared by every channel (web, staff entry, import).

Pure (no Django): the services turn these Japanese messages into ValidationErrors, and the same
functions read a web form, a staff entry and a CSV cell. Question kinds are the values of
`surveys.choices.QuestionKind` (plain strings here).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

NPS, SCALE, RATING, CHOICE, TEXT, CONSENT = "nps", "scale", "rating", "choice", "text", "consent"
KINDS = (NPS, SCALE, RATING, CHOICE, TEXT, CONSENT)
# The question code of the 0–10 overall satisfaction (総合満足度); results read it by this code.
SATISFACTION_CODE = "satisfaction"
MAX_QUESTIONS = 20
MAX_TEXT = 2000
RANGES = {NPS: (0, 10), SCALE: (0, 10), RATING: (1, 5)}
YES = {"1", "true", "yes", "y", "はい", "同意する", "可", "○"}
NO = {"0", "false", "no", "n", "いいえ", "同意しない", "不可", "×"}


class QuestionLike(Protocol):
    code: str
    kind: str
    text: str
    choices: Sequence[str]
    required: bool


@dataclass(frozen=True)
class QuestionSpec:
    """One question as staff define it (a version's questions are a sequence of these)."""

    code: str
    kind: str  # a surveys.choices.QuestionKind value
    text: str
    choices: tuple[str, ...] = ()
    is_driver: bool = False
    required: bool = False


def question_problems(questions: Sequence[QuestionSpec], earlier_kinds: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with a version's questions (Japanese, empty when nothing).

    `earlier_kinds` maps codes used by earlier versions to their kind: a code keeps its meaning
    across versions (results compare answers by code), so it cannot change its kind."""
    problems: list[str] = []
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        problems.append(f"設問は1〜{MAX_QUESTIONS}問にしてください(現在 {len(questions)}問)。")
    seen: set[str] = set()
    for number, q in enumerate(questions, start=1):
        where = f"{number}問目"
        if not q.code:
            problems.append(f"{where}: 設問コードを入力してください。")
        elif q.code in seen:
            problems.append(f"{where}: 設問コード「{q.code}」が重複しています。")
        seen.add(q.code)
        if q.kind not in KINDS:
            problems.append(f"{where}: 形式「{q.kind}」は使えません。")
        if not q.text.strip():
            problems.append(f"{where}: 設問文を入力してください。")
        if q.kind == CHOICE and len([c for c in q.choices if c.strip()]) < 2:
            problems.append(f"{where}: 単一選択の設問には選択肢を2つ以上入力してください。")
        if q.kind != CHOICE and q.choices:
            problems.append(f"{where}: 選択肢は単一選択の設問にだけ指定できます。")
        if q.code == SATISFACTION_CODE and q.kind != SCALE:
            problems.append(f"{where}: 設問コード「{SATISFACTION_CODE}」は総合満足度(0〜10)の設問に使います。")
        if earlier_kinds and q.code in earlier_kinds and earlier_kinds[q.code] != q.kind:
            problems.append(
                f"{where}: 設問コード「{q.code}」は以前の版で別の形式で使われています。"
                "結果を比較できるよう、別のコードにしてください。"
            )
    if sum(1 for q in questions if q.kind == NPS) > 1:
        problems.append("推奨度(NPS)の設問は1つまでです。")
    return problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.endswith(".0"):
        text = text[:-2]
    try:
        return int(text)
    except ValueError:
        return None


def clean_answer(question: QuestionLike, value: Any) -> tuple[Any, str]:
    """(the value to store, "") or (None, the Japanese reason). A blank value is (None, "") unless required."""
    label = f"「{question.text}」"
    if _blank(value):
        return None, (f"{label}に回答してください。" if question.required else "")
    kind = question.kind
    if kind in RANGES:
        low, high = RANGES[kind]
        number = _integer(value)
        if number is None or not low <= number <= high:
            return None, f"{label}は{low}〜{high}の整数で回答してください(入力値: {value})。"
        return number, ""
    if kind == CHOICE:
        text = str(value).strip()
        if text not in question.choices:
            return None, f"{label}は選択肢({'/'.join(question.choices)})から選んでください(入力値: {text})。"
        return text, ""
    if kind == CONSENT:
        if isinstance(value, bool):
            return value, ""
        key = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if key in YES:
            return True, ""
        if key in NO:
            return False, ""
        return None, f"{label}は「はい」か「いいえ」で回答してください(入力値: {value})。"
    if kind == TEXT:
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            return None, f"{label}は{MAX_TEXT}文字以内で入力してください(現在 {len(text)}文字)。"
        return text, ""
    return None, f"{label}の形式「{kind}」は使えません。"


def clean_answers(
    questions: Sequence[QuestionLike], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers by code, only those answered; errors by code). Codes no question has are errors."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    by_code = {q.code: q for q in questions}
    for code in answers:
        if code not in by_code:
            errors[code] = f"設問コード「{code}」はこのアンケートにありません。"
    for question in questions:
        value, error = clean_answer(question, answers.get(question.code))
        if error:
            errors[question.code] = error
        elif value is not None:
            cleaned[question.code] = value
    if not errors and not cleaned:
        errors["__all__"] = "回答が1つもありません。"
    return cleaned, errors


@dataclass(frozen=True)
class Headline:
    """What a response keeps beside its answers, for the dashboard and the follow-ups."""

    nps: int | None
    satisfaction: int | None
    comment: str
    contact_consent: bool | None


def headline(questions: Sequence[QuestionLike], answers: Mapping[str, Any]) -> Headline:
    """The NPS answer, the 0–10 overall satisfaction (code `satisfaction`), the first free text and
    the first consent answer, in question order."""
    nps = satisfaction = None
    comment = ""
    consent: bool | None = None
    for q in questions:
        value = answers.get(q.code)
        if value is None:
            continue
        if q.kind == NPS and nps is None:
            nps = value
        elif q.code == SATISFACTION_CODE and q.kind == SCALE:
            satisfaction = value
        elif q.kind == TEXT and not comment:
            comment = value
        elif q.kind == CONSENT and consent is None:
            consent = value
    return Headline(nps, satisfaction, comment, consent)
