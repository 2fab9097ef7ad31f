"""What an operator hears, in any notation, finds the customer (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from .conftest import names

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("q", ["やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ ﾊﾅｺ", "やまだはなこ", "ヤマダ　ハナコ", "はなこ"])
def test_reading_in_hiragana_katakana_or_half_width(hq_operator, people, q):
    assert "山田 花子" in names(hq_operator, q)


def test_two_character_kanji_name(hq_operator, people):
    assert set(names(hq_operator, "田中")) == {"田中 誠", "小田中 明"}
    assert set(names(hq_operator, "山田")) == {"山田 花子", "山田 太郎"}


def test_one_character_and_long_substrings(hq_operator, people):
    assert "小田中 明" in names(hq_operator, "明")
    assert names(hq_operator, "田中誠") == ["田中 誠"]
    assert names(hq_operator, "小田中明") == ["小田中 明"]
    assert names(hq_operator, "ヤマダ商事") == ["株式会社ヤマダ商事"]


@pytest.mark.parametrize("q", ["高橋", "髙橋", "高橋一郎", "髙橋 一郎", "たかはし"])
def test_kanji_variants_fold(hq_operator, people, q):
    assert names(hq_operator, q) == ["髙橋 一郎"]


def test_fuzzy_reading_long_vowel(hq_operator, people):
    assert names(hq_operator, "さとー") == ["佐藤 陽子"]
    assert names(hq_operator, "サトウヨーコ") == ["佐藤 陽子"]


@pytest.mark.parametrize(
    "q",
    [
        "090-1234-5678",
        "09012345678",
        "０９０－１２３４－５６７８",
        "090 1234 5678",
        "(090)1234-5678",
        "+81 90-1234-5678",
        "+819012345678",
    ],
)
def test_phone_in_any_notation(hq_operator, people, q):
    assert names(hq_operator, q) == ["山田 花子"]


def test_phone_last_four_digits(hq_operator, people):
    assert set(names(hq_operator, "5678")) == {"山田 花子", "髙橋 一郎"}
    assert names(hq_operator, "１２３４５６７８") == ["山田 花子"]  # last 8 digits


def test_phone_prefix_with_a_name(hq_operator, people):
    assert names(hq_operator, "ヤマダ 090") == ["山田 花子"]
    assert names(hq_operator, "ヤマダ 03") == ["山田 太郎", "株式会社ヤマダ商事"]


def test_last_four_with_name(hq_operator, people):
    assert names(hq_operator, "山田 5678") == ["山田 花子"]
    assert names(hq_operator, "やまだ ５６７８") == ["山田 花子"]
    assert names(hq_operator, "高橋 5678") == ["髙橋 一郎"]
    assert names(hq_operator, "田中 5678") == []


@pytest.mark.parametrize(
    "q",
    ["TS-2026-000123", "TS2026000123", "ts-2026-000123", "ＴＳ－２０２６－０００１２３", "ｔｓ２０２６０００１２３"],
)
def test_policy_number_any_width_case_or_hyphens(hq_operator, people, q):
    assert names(hq_operator, q) == ["山田 花子"]


def test_policy_number_prefix(hq_operator, people):
    assert names(hq_operator, "TS-2026") == ["山田 花子"]


def test_claim_number(hq_operator, people):
    import datetime as dt

    from tsunagu.policies.choices import ReportChannel
    from tsunagu.policies.services import claim_register

    claim_register(
        actor=hq_operator,
        policy=people["hanako_policy"],
        number="C-26-0042",
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都千代田区",
        accident_type="追突",
        reported_on=dt.date(2026, 5, 2),
        reported_via=ReportChannel.CALL_CENTER,
    )
    assert names(hq_operator, "c260042") == ["山田 花子"]
    assert names(hq_operator, "Ｃ－２６－００４２") == ["山田 花子"]


@pytest.mark.parametrize("q", ["150-0001", "〒150-0001", "〒1500001", "１５０－０００１"])
def test_postal_code(hq_operator, people, q):
    assert names(hq_operator, q) == ["佐藤 陽子"]


@pytest.mark.parametrize(
    "q", ["hiroko@example.jp", "HIROKO@EXAMPLE.JP", "ｈｉｒｏｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "hiroko@"]
)
def test_email(hq_operator, people, q):
    assert names(hq_operator, q) == ["佐藤 陽子"]


@pytest.mark.parametrize(
    "q", ["S45.3.1", "s45/3/1", "昭和45年3月1日", "1970-03-01", "1970/3/1", "19700301", "Ｓ４５．３．１"]
)
def test_birth_date_western_or_wareki(hq_operator, people, q):
    assert set(names(hq_operator, q)) == {"山田 花子", "田中 誠"}


def test_birth_date_with_name(hq_operator, people):
    assert names(hq_operator, "田中 S45.3.1") == ["田中 誠"]
    assert names(hq_operator, "やまだ 昭和45年3月1日") == ["山田 花子"]
    assert names(hq_operator, "山田 H1.1.8") == []


def test_every_token_must_match(hq_operator, people):
    assert names(hq_operator, "山田 花子") == ["山田 花子"]
    assert names(hq_operator, "山田 はなこ") == ["山田 花子"]
    assert names(hq_operator, "山田 田中") == []


def test_no_match(hq_operator, people):
    assert names(hq_operator, "存在しない名前") == []
    assert names(hq_operator, "ンン") == []
