"""The type-specific values of a new case (`CaseInput.extra`), checked per case type.

Forms hand over Python values; the API and commands may hand over anything JSON holds. Each key's
shape is checked here, once, so a wrong type is a Japanese field error and never an exception deep
in a model or a query (a 500)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from tsunagu.core.input import BIGINT_MAX, text_problem

from ..choices import CaseType
from ..models import ComplaintCategory

Checker = Callable[[Any, str], Any]


def _text(value: Any, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{label}は文字列で指定してください。")
    problem = text_problem(value)
    if problem:
        raise ValueError(f"{label}: {problem}")
    return value


def _date(value: Any, label: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise ValueError(f"{label}は日付(YYYY-MM-DD)で指定してください(日時は指定できません)。")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{label}は YYYY-MM-DD 形式の日付で指定してください(例: 2026-06-01)。")


def _datetime(value: Any, label: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{label}は ISO 8601 形式の日時で指定してください(例: 2026-06-01T14:30+09:00)。")


def _integer(value: Any, label: str) -> int | None:
    if value is None or value == "":
        return None
    # bool is an int in Python; true/false is never an amount.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{label}は整数で指定してください。")
    if not -BIGINT_MAX <= value <= BIGINT_MAX:
        raise ValueError(f"{label}が大きすぎます。")
    return value


def _boolean(value: Any, label: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{label}は true / false で指定してください。")
    return value


def _new_values(value: Any, label: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f'{label}は項目名と値の組(例: {{"postal_code": "1500001"}})で指定してください。')
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValueError(f"{label}の「{key}」は文字列で指定してください。")
        cleaned[str(key)] = _text(str(item), f"{label}の「{key}」")
    return cleaned


def _category(value: Any, label: str) -> ComplaintCategory | int | None:
    if value is None or value == "" or isinstance(value, ComplaintCategory):
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= BIGINT_MAX:
        raise ValueError(f"{label}は苦情分類の番号(1 以上の整数)で指定してください。")
    return value


FIELDS: dict[str, dict[str, tuple[str, Checker]]] = {
    CaseType.CHANGE: {
        "new_values": ("変更後の内容", _new_values),
        "effective_date": ("異動日", _date),
        "premium_difference": ("保険料差額", _integer),
    },
    CaseType.ACCIDENT: {
        "occurred_at": ("事故日時", _datetime),
        "place": ("事故場所", _text),
        "accident_type": ("事故の種類", _text),
        "description": ("事故状況", _text),
        "parties": ("相手方・関係者", _text),
        "injuries": ("けが人の状況", _text),
        "police_report_number": ("警察届出番号", _text),
        "agency_first_contact": ("代理店が一次受付", _boolean),
    },
    CaseType.INQUIRY: {"question": ("お問い合わせ内容", _text), "answer": ("回答", _text)},
    CaseType.COMPLAINT: {"category": ("苦情分類", _category), "customer_request": ("お客さまのご要望", _text)},
    CaseType.CANCELLATION: {
        "reason": ("解約理由", _text),
        "reason_text": ("理由の詳細", _text),
        "competitor": ("乗換え先", _text),
    },
}


def clean_extra(case_type: str, extra: Any) -> dict[str, Any]:
    """The known keys of `extra` for `case_type`, converted; every malformed one is a field error."""
    if not isinstance(extra, dict):
        raise ValidationError({"extra": "種別ごとの項目は項目名と値の組(オブジェクト)で指定してください。"})
    fields = FIELDS.get(case_type, {})
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, (label, check) in fields.items():
        if key not in extra:
            continue
        try:
            cleaned[key] = check(extra[key], label)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise ValidationError(errors)
    return cleaned
