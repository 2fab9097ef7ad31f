"""Dates as operators type them: Western and 和暦, with specific Japanese errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tsunagu.core import normalize
from tsunagu.core.normalize import DateParseError

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S45.3.1", dt.date(1970, 3, 1)),
        ("昭和45年3月1日", dt.date(1970, 3, 1)),
        ("s45/3/1", dt.date(1970, 3, 1)),
        ("S45-03-01", dt.date(1970, 3, 1)),
        ("昭45.3.1", dt.date(1970, 3, 1)),
        ("昭和４５年３月１日", dt.date(1970, 3, 1)),
        ("昭和 45年 3月 1日", dt.date(1970, 3, 1)),
        ("\u337c45.3.1", dt.date(1970, 3, 1)),  # ㍼ (one-character 昭和)
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("r2/2/29", dt.date(2020, 2, 29)),
        ("大正元年7月30日", dt.date(1912, 7, 30)),
        ("T15.12.24", dt.date(1926, 12, 24)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("M45.7.29", dt.date(1912, 7, 29)),
        ("1970/3/1", dt.date(1970, 3, 1)),
        ("1970-03-01", dt.date(1970, 3, 1)),
        ("19700301", dt.date(1970, 3, 1)),
        ("1970年3月1日", dt.date(1970, 3, 1)),
        ("１９７０／３／１", dt.date(1970, 3, 1)),
        (" 1970.3.1 ", dt.date(1970, 3, 1)),
        ("2000-02-29", dt.date(2000, 2, 29)),
    ],
)
def test_western_and_japanese_era_dates_are_parsed(text, expected):
    parsed = normalize.parse_date(text)
    assert parsed.value == expected
    assert parsed.warning == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成32年1月1日", dt.date(2020, 1, 1)),
        ("H32.4.1", dt.date(2020, 4, 1)),
        ("平成31年5月1日", dt.date(2019, 5, 1)),
        ("昭和65年1月1日", dt.date(1990, 1, 1)),
    ],
)
def test_dates_after_an_era_ended_are_accepted_with_a_warning(text, expected):
    parsed = normalize.parse_date(text)
    assert parsed.value == expected
    assert "終了後" in parsed.warning
    assert f"{expected:%Y年%m月%d日}" in parsed.warning


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("H1.1.7", "平成の開始(1989年01月08日)より前です"),
        ("平成元年1月7日", "平成の開始(1989年01月08日)より前です"),
        ("R1.4.30", "令和の開始(2019年05月01日)より前です"),
        ("昭和元年12月24日", "昭和の開始(1926年12月25日)より前です"),
        ("2021年2月30日", "存在しない日付です"),
        ("2021-02-29", "存在しない日付です"),
        ("S45.2.30", "存在しない日付です"),
        ("1970/13/1", "存在しない日付です"),
        ("19700230", "存在しない日付です"),
        ("平成0年1月1日", "年が正しくありません"),
        ("2月30日", "日付として読み取れません"),
        ("70/3/1", "日付として読み取れません"),
        ("昭和", "日付として読み取れません"),
        ("X45.3.1", "日付として読み取れません"),
        ("きのう", "日付として読み取れません"),
        ("", "日付が入力されていません"),
        ("   ", "日付が入力されていません"),
    ],
)
def test_impossible_or_unreadable_dates_are_rejected_with_a_specific_japanese_message(text, message):
    with pytest.raises(DateParseError, match=re.escape(message)):
        normalize.parse_date(text)


def test_the_error_message_quotes_what_the_operator_typed():
    with pytest.raises(DateParseError, match=re.escape("「S45.2.30」")):
        normalize.parse_date("S45.2.30")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("S45.3.1", dt.date(1970, 3, 1)), ("2026-11-22", TODAY), ("R8.11.22", TODAY), ("1900-01-01", dt.date(1900, 1, 1))],
)
def test_birth_dates_up_to_today_are_accepted(text, expected):
    assert normalize.parse_birth_date(text, today=TODAY).value == expected


def test_a_legacy_era_birth_date_keeps_its_warning():
    parsed = normalize.parse_birth_date("平成32年1月1日", today=TODAY)
    assert parsed.value == dt.date(2020, 1, 1)
    assert parsed.warning


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-23", "生年月日に未来の日付は指定できません"),
        ("R9.1.1", "生年月日に未来の日付は指定できません"),
        ("1899-12-31", "生年月日が古すぎます"),
        ("M20.1.1", "生年月日が古すぎます"),
        ("2月30日", "日付として読み取れません"),
    ],
)
def test_future_or_implausibly_old_birth_dates_are_rejected(text, message):
    with pytest.raises(DateParseError, match=re.escape(message)):
        normalize.parse_birth_date(text, today=TODAY)


@pytest.mark.parametrize(
    ("date", "wareki"),
    [
        (dt.date(1970, 3, 1), "昭和45年3月1日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2026, 11, 22), "令和8年11月22日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_to_wareki_names_the_era_and_writes_gannen_for_the_first_year(date, wareki):
    assert normalize.to_wareki(date) == wareki


@pytest.mark.parametrize("date", [dt.date(1970, 3, 1), dt.date(1989, 1, 8), dt.date(2019, 5, 1), dt.date(1926, 12, 25)])
def test_to_wareki_output_parses_back_to_the_same_date(date):
    assert normalize.parse_date(normalize.to_wareki(date)).value == date


def test_to_wareki_refuses_dates_before_meiji():
    with pytest.raises(ValueError, match="before the Meiji era"):
        normalize.to_wareki(dt.date(1868, 1, 1))


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (dt.date(1970, 3, 1), dt.date(2026, 2, 28), 55),
        (dt.date(1970, 3, 1), dt.date(2026, 3, 1), 56),
        (dt.date(2000, 2, 29), dt.date(2026, 2, 28), 25),
        (dt.date(2000, 2, 29), dt.date(2026, 3, 1), 26),
        (dt.date(2026, 11, 22), dt.date(2026, 11, 22), 0),
    ],
)
def test_age_on_counts_completed_years(birth, today, age):
    assert normalize.age_on(birth, today) == age
