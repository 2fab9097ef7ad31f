"""Checks on raw input shared by forms, API schemas, views and the request middleware.

One place decides what text and what integers the application accepts, so a form, an API payload
and a query string cannot disagree (and none can reach the database with a value it cannot store).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone
from pydantic import AfterValidator, Field

# Both databases store integer keys as signed 64-bit; a larger value is an overflow error (a 500)
# in the driver, so it must be refused before any query is built.
BIGINT_MAX = 2**63 - 1


class BadInput(BadRequest):
    """A request the application cannot interpret (bad query parameter, undecodable body).

    Answered with a Japanese 400 by `tsunagu.core.middleware` before anything is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- text ------------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why `value` cannot be accepted as text, or None. Tab, CR and LF are allowed (multi-line
    fields); every other C0/C1 control (NUL above all: PostgreSQL cannot store it) and lone
    surrogates (no UTF-8 encoding exists, so neither database can store them) are refused."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and char not in "\t\r\n":
            return "制御文字(NUL など)が含まれています。入力し直してください。"
        if category == "Cs":
            return "不正な文字(対になっていないサロゲート)が含まれています。入力し直してください。"
    return None


def validate_text(value: str) -> None:
    """Django validator (forms, models) built on `text_problem`, as `ApiText` is for API schemas."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="bad_characters")


def _api_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        # pydantic turns a ValueError into a 422 entry for this field.
        raise ValueError(problem)
    return value


# The type of every free-text field in an API schema.
ApiText = Annotated[str, AfterValidator(_api_text)]
# The type of every id in an API schema (path, query or body): a row id the database can hold.
ApiId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


def find_bad_text(data: Any) -> tuple[str, str] | None:
    """The first string (key or value) in a decoded JSON document that `text_problem` refuses, as
    (path, reason). Iterative: a deeply nested document must not overflow the Python stack."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return (path or "本文", problem)
        elif isinstance(item, dict):
            for key, value in reversed(list(item.items())):
                key_text = str(key)
                child = f"{path}.{key_text}" if path else key_text
                problem = text_problem(key_text)
                if problem:
                    return (child, problem)
                stack.append((child, value))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", value) for index, value in reversed(list(enumerate(item))))
    return None


class TextCheckedForm(forms.Form):
    """Every text field of the form refuses what the API refuses (`text_problem`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_text)


# --- integers in query strings -------------------------------------------------------------


def query_int(
    params: Mapping[str, str],
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = BIGINT_MAX,
    label: str | None = None,
) -> int | None:
    """An integer query parameter within [minimum, maximum]; absent or empty → `default`.

    Anything else (not a number, negative, past the database's range) is a BadInput (400),
    never a silent default and never a database overflow."""
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    shown = label or name
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 20:
        raise BadInput(f"{shown} は整数で指定してください(指定された値: {text[:30]})。")
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadInput(f"{shown} は {minimum} 以上 {maximum} 以下の整数で指定してください(指定された値: {text})。")
    return value


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form that submitted it: each message beside its field when
    the form has that field, else in the error summary at the top (docs/ui-kit.md's one error path)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error)


# --- dates in forms --------------------------------------------------------------------------------

# The date picker sends 2026-12-04; the screens show 2026/12/04, so a typed one of those is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
# Wide enough for any real record, narrow enough that a period, a deadline or a year before/after
# stays a date (9999-12-31 plus a day, or 0001-01-01 minus one, is an OverflowError: a 500).
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2099, 12, 31)


class BoundedDateField(forms.DateField):
    """A date typed on a screen, within [first, last] and, where asked, relative to today: not in the
    future (a date something happened), not in the past, at most `max_days_ahead` ahead (a deadline).
    Every problem is a Japanese message naming the field and the allowed range; the bound form shows
    the text as typed, so nothing is lost."""

    def __init__(
        self,
        *,
        first: dt.date = FIRST_DAY,
        last: dt.date = LAST_DAY,
        not_future: bool = False,
        not_past: bool = False,
        max_days_ahead: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.first, self.last = first, last
        self.not_future, self.not_past, self.max_days_ahead = not_future, not_past, max_days_ahead
        label = kwargs.get("label") or "日付"
        messages = {
            "required": f"{label}を入力してください。",
            "invalid": "日付は 2026/12/04 の形式で、実在する日付を入力してください。",
        }
        messages.update(kwargs.pop("error_messages", None) or {})
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(error_messages=messages, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        label = self.label or "日付"
        if not self.first <= value <= self.last:
            raise ValidationError(
                f"{label}は {self.first:%Y/%m/%d} から {self.last:%Y/%m/%d} までの日付を入力してください。",
                code="out_of_range",
            )
        today = timezone.localdate()
        if self.not_future and value > today:
            raise ValidationError(f"{label}に未来の日付は指定できません。", code="future")
        if self.not_past and value < today:
            raise ValidationError(f"{label}に過去の日付は指定できません。", code="past")
        if self.max_days_ahead is not None and value > today + dt.timedelta(days=self.max_days_ahead):
            raise ValidationError(
                f"{label}は今日から{self.max_days_ahead}日以内の日付にしてください。", code="too_far_ahead"
            )


def check_date_order(form: forms.BaseForm, earlier: str, later: str) -> None:
    """An error on `later` when both dates were accepted and `later` is before `earlier`."""
    data = form.cleaned_data
    start, end = data.get(earlier), data.get(later)
    if start is not None and end is not None and end < start:
        first_label = form.fields[earlier].label or earlier
        form.add_error(later, f"{form.fields[later].label}は{first_label}と同じか、それより後の日付にしてください。")
