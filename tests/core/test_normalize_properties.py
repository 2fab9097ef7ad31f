"""Property tests (hypothesis) for normalization, dates and check digits."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tsunagu.core import normalize

HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))
HALF_WIDTH_KANA = "".join(chr(c) for c in range(0xFF66, 0xFFA0))
KANJI = "山田太郎花子佐藤鈴木高橋渡辺一二三四五六七八九十百〇丁目番地号条之千代霞関" + "".join(normalize.KANJI_VARIANTS)
MARKS = "ー-－‐−ｰ・ 　゛゜ヶケがガの"
ASCII = "0123456789ABCXYZabcxyz+()@."
WIDE_ASCII = "０１２３４５６７８９ＡＢＣａｂｃ＋（）＠．"

japanese_text = st.text(
    alphabet=HIRAGANA + KATAKANA + HALF_WIDTH_KANA + KANJI + MARKS + ASCII + WIDE_ASCII, max_size=20
)
any_text = st.text(max_size=20)
kana_text = st.text(alphabet=HIRAGANA + KATAKANA + HALF_WIDTH_KANA + "ー 　", min_size=1, max_size=15)

KEYS = (
    normalize.name_key,
    normalize.kana_key,
    normalize.fuzzy_kana_key,
    normalize.identifier_key,
    normalize.address_key,
    normalize.email_key,
    normalize.to_katakana_reading,
    normalize.phone_digits,
    normalize.postal_code_digits,
    normalize.digits_only,
)


@settings(max_examples=300)
@given(japanese_text)
# Inputs that once broke idempotence: spacing (han)dakuten, kana that compose only after conversion,
# a long vowel after small kana, and address folds that created block-number patterns.
@example("か゛")
@example("わﾞ")
@example("っー")
@example("1之2")
@example("三條")
@example("一 丁目")
@example("1番の2")
def test_every_key_is_a_fixed_point_for_japanese_text(text):
    for key in KEYS:
        once = key(text)
        assert key(once) == once, (key.__name__, text, once)


@given(any_text)
def test_every_key_is_a_fixed_point_for_any_text(text):
    for key in (normalize.name_key, normalize.kana_key, normalize.fuzzy_kana_key, normalize.address_key):
        once = key(text)
        assert key(once) == once, (key.__name__, text, once)


@given(japanese_text)
def test_keys_contain_no_spaces(text):
    for key in (normalize.name_key, normalize.kana_key, normalize.identifier_key, normalize.address_key):
        assert not any(ch.isspace() for ch in key(text))


@given(st.text(alphabet=HIRAGANA, max_size=15))
def test_hiragana_and_katakana_give_the_same_keys(hiragana):
    katakana = "".join(chr(ord(c) + 0x60) for c in hiragana)
    assert normalize.kana_key(hiragana) == normalize.kana_key(katakana)
    assert normalize.name_key(hiragana) == normalize.name_key(katakana)
    assert normalize.fuzzy_kana_key(hiragana) == normalize.fuzzy_kana_key(katakana)


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12), st.data())
def test_identifier_key_ignores_width_case_and_inserted_hyphens_or_spaces(identifier, data):
    noisy = "".join(c + data.draw(st.sampled_from(["", "-", " ", "－", "‐", "　"])) for c in identifier)
    assert normalize.identifier_key(noisy) == identifier
    assert normalize.identifier_key(_wide(noisy.lower())) == identifier


@given(st.text(alphabet=KANJI + KATAKANA + "ー", max_size=12), st.text(alphabet=" 　", max_size=3))
def test_name_key_ignores_spaces_and_width(name, spaces):
    spaced = spaces.join(name)
    assert normalize.name_key(spaced) == normalize.name_key(name)


@given(kana_text)
def test_stored_readings_are_kana_readings_in_full_width_katakana(text):
    reading = normalize.to_katakana_reading(text)
    if normalize.is_kana_reading(text):
        assert normalize.is_kana_reading(reading)
        assert not any(0x3041 <= ord(c) <= 0x3096 or 0xFF66 <= ord(c) <= 0xFF9F for c in reading)


@given(kana_text)
def test_fuzzy_kana_key_is_the_same_for_the_reading_and_its_katakana_key(text):
    assert normalize.fuzzy_kana_key(text) == normalize.fuzzy_kana_key(normalize.kana_key(text))


@given(st.text(alphabet="アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"))
def test_writing_a_long_vowel_as_ー_gives_the_same_fuzzy_key(text):
    lengthened = "".join(c + ("ー" if normalize._VOWEL_OF.get(c) else "") for c in text)
    doubled = "".join(
        c + ({"オ": "ウ", "エ": "イ"}.get(normalize._VOWEL_OF.get(c, ""), normalize._VOWEL_OF.get(c, ""))) for c in text
    )
    assert normalize.fuzzy_kana_key(lengthened) == normalize.fuzzy_kana_key(doubled)


@given(st.from_regex(r"\A0[1-9][0-9]{8,9}\Z"))  # a national number never starts 00
def test_plus_81_and_the_trunk_zero_give_the_same_digits(national):
    international = "+81-" + national[1:]
    assert normalize.phone_digits(international) == national
    assert normalize.phone_digits(_wide(national)) == national


@given(any_text)
def test_phone_and_postal_digits_are_ascii_digits(text):
    for digits in (normalize.phone_digits(text), normalize.postal_code_digits(text), normalize.digits_only(text)):
        assert all("0" <= c <= "9" for c in digits)


@given(st.from_regex(r"\A[0-9]{7}\Z"))
def test_every_postal_code_notation_gives_its_seven_digits(code):
    for notation in (code, f"〒{code[:3]}-{code[3:]}", _wide(f"{code[:3]}-{code[3:]}"), f"{code[:3]}ー{code[3:]}"):
        assert normalize.postal_code_digits(notation) == code
    assert normalize.format_postal_code(code) == f"{code[:3]}-{code[3:]}"


_KANJI_NUMERALS = "〇一二三四五六七八九"


def _kanji_numeral(number: int) -> str:
    """1 … 199 as written in addresses: 十, 十二, 二十三, 百二十."""
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = "百" if hundreds else ""
    text += ("" if tens == 1 else _KANJI_NUMERALS[tens]) + "十" if tens else ""
    return text + (_KANJI_NUMERALS[ones] if ones else "")


@given(st.integers(1, 199), st.integers(1, 199), st.integers(1, 199))
def test_block_numbers_in_any_notation_give_one_address_key(chome, ban, go):
    expected = f"本町{chome}-{ban}-{go}"
    notations = [
        f"本町{chome}丁目{ban}番{go}号",
        f"本町{chome}丁目{ban}番地{go}",
        f"本町{chome}-{ban}-{go}",
        _wide(f"本町{chome}-{ban}-{go}"),
        f"本町{_kanji_numeral(chome)}丁目{_kanji_numeral(ban)}番{_kanji_numeral(go)}号",
        f"本町 {chome}丁目 {ban}番 {go}号",
    ]
    for notation in notations:
        assert normalize.address_key(notation) == expected, notation


@given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2117, 12, 31)))
def test_every_date_round_trips_through_wareki_and_western_notations(date):
    parsed = normalize.parse_date(normalize.to_wareki(date))
    assert (parsed.value, parsed.warning) == (date, "")
    for notation in (
        date.isoformat(),
        f"{date:%Y%m%d}",
        f"{date.year}/{date.month}/{date.day}",
        _wide(date.isoformat()),
    ):
        assert normalize.parse_date(notation).value == date


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(0, 120))
def test_age_on_the_birthday_counts_whole_years_and_is_one_less_the_day_before(birth, years):
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year
        return
    assert normalize.age_on(birth, birthday) == years
    if years:
        assert normalize.age_on(birth, birthday - dt.timedelta(days=1)) == years - 1


@given(st.from_regex(r"\A[0-9]{12}\Z"), st.integers(1, 9))
def test_exactly_one_check_digit_makes_a_corporate_number_valid(body, first):
    check = normalize.corporate_number_check_digit(body)
    assert 1 <= check <= 9
    assert normalize.is_valid_corporate_number(f"{first}{body}") is (first == check)


# Text near a legal form: its characters, marks, spaces and combining (han)dakuten between them.
legal_form_text = st.text(
    alphabet=KATAKANA
    + HIRAGANA
    + HALF_WIDTH_KANA
    + "株式有限合同資名会社法人医療一般団會()（）㈱㈲ 　゛゜\u3099\u309a"
    + "coltdincrpkCOLTDINCRPK.,Kſ",
    max_size=16,
)


@settings(max_examples=2000)
@given(legal_form_text, legal_form_text)
@example("シ ゙ン", "")
@example("", "ｼ ｬ")
@example("会社", "ホ ウ ジ\u3099 ン")
def test_may_have_legal_form_never_rejects_a_form(name: str, reading: str) -> None:
    """The quick rejection is a necessary condition: where it says no, neither split finds a form."""
    if not normalize.may_have_legal_form(name, reading):
        assert normalize.split_legal_form(name)[1] == ""
        assert normalize.split_legal_form_kana(reading)[1] == ""
        assert not normalize.is_corporate_name(name, reading)
    for form in normalize.LEGAL_FORMS:
        for written in (form.kanji, *form.marks):
            assert normalize.may_have_legal_form(written)
        for spelled in form.readings:
            assert normalize.may_have_legal_form("", spelled)
