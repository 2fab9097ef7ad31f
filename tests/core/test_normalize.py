"""Table-driven tests for tsunagu.core.normalize: every notation in domain/japanese_text.md."""

from __future__ import annotations

import pytest

from tsunagu.core import normalize

# --- characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ﾊﾟﾝ", "パン"),
        ("㈱", "(株)"),
        ("①", "1"),
        ("か゛", "が"),  # a spacing dakuten typed after the kana
        ("は゜", "ぱ"),
        ("葛\U000e0100", "葛"),  # ideographic variation selector removed
    ],
)
def test_nfkc_folds_width_and_compatibility_forms(text, expected):
    assert normalize.nfkc(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだ たろう", "ヤマダ タロウ"),
        ("ヤマダ　タロウ", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("  さとう   はなこ ", "サトウ ハナコ"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("わ゛", "ヷ"),
    ],
)
def test_readings_are_stored_as_full_width_katakana_with_single_spaces(text, expected):
    assert normalize.to_katakana_reading(text) == expected


@pytest.mark.parametrize("text", ["ヤマダ タロウ", "やまだ", "ﾔﾏﾀﾞ", "サトー", "ヤマダ・ジョン", "ｻﾄｳ　ﾊﾅｺ"])
def test_kana_readings_are_accepted(text):
    assert normalize.is_kana_reading(text)


@pytest.mark.parametrize("text", ["山田", "ヤマダ太郎", "YAMADA", "ヤマダ1", "", "   ", "ヤマダ@"])
def test_readings_with_kanji_latin_digits_or_nothing_are_rejected(text):
    assert not normalize.is_kana_reading(text)


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),  # U+FA11: one of the twelve compatibility ideographs that NFKC keeps
        ("山嵜", "山崎"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("澤田", "沢田"),
        ("廣田", "広田"),
        ("濱田", "浜田"),
        ("櫻井", "桜井"),
        ("國井", "国井"),
        ("冨田", "富田"),
        ("嶋田", "島田"),
        ("小嶌", "小島"),
        ("惠子", "恵子"),
        ("眞一", "真一"),
        ("藏田", "蔵田"),
        ("北條", "北条"),
        ("槇原", "槙原"),
        ("桒原", "桑原"),
        ("龍也", "竜也"),
        ("萬田", "万田"),
        ("瀨戸", "瀬戸"),
        ("德永", "徳永"),
        ("黑田", "黒田"),
        ("\U00020bb7田", "吉田"),  # 𠮷 (tsuchiyoshi), outside the BMP
        ("\ufa12美", "晴美"),  # 晴 compatibility form
        ("\uf9dc", "隆"),  # 隆 compatibility form
    ],
)
def test_kanji_variants_fold_to_the_common_form(variant, common):
    assert normalize.fold_kanji_variants(variant) == common
    assert normalize.name_key(variant) == normalize.name_key(common)


def test_the_kanji_variant_table_maps_single_characters_to_different_characters_it_does_not_fold_again():
    for variant, common in normalize.KANJI_VARIANTS.items():
        assert len(variant) == 1, variant
        assert len(common) == 1, common
        assert variant != common, f"{variant} maps to itself"
        assert common not in normalize.KANJI_VARIANTS, f"{common} is folded again"


def test_kanji_variant_folding_keeps_the_original_for_display():
    # Folding is for keys only: the function is pure and leaves other characters untouched.
    assert normalize.fold_kanji_variants("髙橋 一郎 ABC") == "高橋 一郎 ABC"


@pytest.mark.parametrize(
    "spellings",
    [
        ["山田 太郎", "山田　太郎", "山田太郎", " 山田  太郎 "],
        ["髙橋 一郎", "高橋一郎", "髙橋　一郎"],
        ["ヤマダ", "やまだ", "ﾔﾏﾀﾞ"],
        ["ＡＢＣ商事", "ABC商事"],
    ],
)
def test_name_key_is_the_same_for_width_space_kana_and_variant_spellings(spellings):
    assert len({normalize.name_key(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["ヤマダ タロウ", "やまだ　たろう", "ﾔﾏﾀﾞﾀﾛｳ"], "ヤマダタロウ"),
        (["サトー", "さとー", "ｻﾄｰ"], "サトー"),
    ],
)
def test_kana_key_folds_width_hiragana_and_spaces_but_keeps_long_vowels(spellings, key):
    assert {normalize.kana_key(s) for s in spellings} == {key}
    assert normalize.kana_key("サトウ") != normalize.kana_key("サトー")


@pytest.mark.parametrize(
    "spellings",
    [
        ["サトー", "サトウ", "さとう", "ｻﾄｰ"],
        ["オオノ", "オーノ", "オウノ", "おおの"],
        ["ジョージ", "ジョウジ", "じょーじ"],
        ["チヂワ", "チジワ"],
        ["ミヅノ", "ミズノ"],
        ["ヴァイオリン", "バイオリン"],
        ["キャッシュ", "キヤツシユ"],
        ["ケイコ", "ケーコ"],
        ["ショウヘイ", "ショーヘー", "しょうへい"],
    ],
)
def test_fuzzy_kana_key_folds_long_vowels_small_kana_and_voiced_variants(spellings):
    keys = {normalize.fuzzy_kana_key(s) for s in spellings}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(("left", "right"), [("サトウ", "サイトウ"), ("オノ", "オオノ"), ("カトウ", "カドウ")])
def test_fuzzy_kana_key_still_tells_different_names_apart(left, right):
    assert normalize.fuzzy_kana_key(left) != normalize.fuzzy_kana_key(right)


# --- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notation",
    [
        "(03)1234-5678",
        "03-1234-5678",
        "0312345678",
        "０３１２３４５６７８",
        "０３－１２３４－５６７８",
        "03 1234 5678",
        "03ー1234ー5678",
        "+81-3-1234-5678",
        "+81 3 1234 5678",
        "+81(0)3-1234-5678",
        "＋８１－３－１２３４－５６７８",
    ],
)
def test_phone_notations_give_the_same_digits(notation):
    assert normalize.phone_digits(notation) == "0312345678"
    assert normalize.is_valid_phone(normalize.phone_digits(notation))


@pytest.mark.parametrize(
    ("notation", "digits"),
    [
        ("090-1234-5678", "09012345678"),
        ("+81-90-1234-5678", "09012345678"),
        ("+81 80 1234 5678", "08012345678"),
        ("0120-123-456", "0120123456"),
        ("0800-123-4567", "08001234567"),
        ("050-1234-5678", "05012345678"),
    ],
)
def test_mobile_free_dial_and_ip_phone_numbers_are_valid(notation, digits):
    assert normalize.phone_digits(notation) == digits
    assert normalize.is_valid_phone(digits)


@pytest.mark.parametrize(
    "notation",
    [
        "03-1234-567",  # 9 digits
        "03-1234-56789",  # 11 digits for a landline
        "090-1234-56789",  # 12 digits
        "3-1234-5678",  # no leading 0
        "00-1234-5678",  # 00 is the international call prefix
        "",
        "でんわ",
        "+1-212-555-0100",  # not a Japanese number
    ],
)
def test_phone_numbers_of_the_wrong_length_or_shape_are_invalid(notation):
    assert not normalize.is_valid_phone(normalize.phone_digits(notation))


@pytest.mark.parametrize(
    ("digits", "mobile"),
    [("09012345678", True), ("08012345678", True), ("07012345678", True), ("0312345678", False)],
)
def test_mobile_numbers_start_with_070_080_or_090(digits, mobile):
    assert normalize.is_mobile(digits) is mobile


@pytest.mark.parametrize(
    ("digits", "display"),
    [
        ("0312345678", "03-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("0120123456", "0120-123-456"),
        ("0451234567", "045-123-4567"),
    ],
)
def test_phone_numbers_are_formatted_for_display(digits, display):
    assert normalize.format_phone(digits) == display


def test_digits_only_keeps_ascii_digits_and_nothing_else():
    assert normalize.digits_only("〒１００－０００１") == "1000001"
    assert normalize.digits_only("٣٤٥") == ""  # Arabic-Indic digits are not phone or postal digits


@pytest.mark.parametrize(
    "notation", ["〒100-0001", "100-0001", "1000001", "１００－０００１", "〒 100 0001", "100ー0001"]
)
def test_postal_code_notations_give_seven_digits(notation):
    assert normalize.postal_code_digits(notation) == "1000001"


def test_postal_codes_are_formatted_with_a_hyphen_for_display():
    assert normalize.format_postal_code("1000001") == "100-0001"
    assert normalize.format_postal_code("12345") == "12345"


@pytest.mark.parametrize(
    "notation", ["PN-0001", "ＰＮ０００１", "pn0001", "PN 0001", "ｐｎ－０００１", "PN‐0001", "PN−0001"]
)
def test_identifier_key_ignores_case_width_hyphens_and_spaces(notation):
    assert normalize.identifier_key(notation) == "PN0001"


@pytest.mark.parametrize("notation", ["Taro@Example.JP", " taro@example.jp ", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"])
def test_email_key_folds_case_and_width(notation):
    assert normalize.email_key(notation) == "taro@example.jp"


@pytest.mark.parametrize(
    "number",
    [
        "7000012050002",  # 国税庁
        "1180301018771",  # トヨタ自動車 (check digit 1)
        "７００００１２０５０００２",  # full-width digits
    ],
)
def test_corporate_numbers_with_a_correct_check_digit_are_valid(number):
    assert normalize.is_valid_corporate_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "1234567890123",
        "8000012050002",  # 国税庁's number with a wrong check digit
        "700001205000",  # 12 digits
        "70000120500021",  # 14 digits
        "7000-01-205-0002",
        "700001205000A",
        "",
    ],
)
def test_corporate_numbers_with_a_wrong_check_digit_or_length_are_invalid(number):
    assert not normalize.is_valid_corporate_number(number)


def test_corporate_number_check_digit_is_nine_minus_the_weighted_sum_mod_nine():
    # 国税庁 7000012050002: digits from the right weighted 1, 2, 1, 2 …: 2+5+2+2 = 11, 9 - 11 % 9 = 7.
    assert normalize.corporate_number_check_digit("000012050002") == 7
    assert normalize.corporate_number_check_digit("000000000000") == 9


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "street",
    [
        "千代田1丁目2番3号",
        "千代田一丁目二番三号",
        "千代田1-2-3",
        "千代田１－２－３",
        "千代田1丁目2-3",
        "千代田 1丁目 2番 3号",
        "千代田1丁目2番地3",
        "千代田1‐2‐3",
        "千代田1ー2ー3",
        "千代田一丁目2番3",
    ],
)
def test_address_key_treats_block_number_notations_as_one_address(street):
    assert normalize.address_key(street) == "千代田1-2-3"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("霞ヶ関1-1", "霞ケ関1-1"),
        ("霞が関1-1", "霞ケ関1-1"),
        ("霞ガ関1-1", "霞ヶ関1-1"),
        ("二十三番地", "23"),
        ("銀座十丁目", "銀座10丁目"),
        ("百二十番", "120"),
        ("澤田町1-1", "沢田町1-1"),
    ],
)
def test_address_key_folds_ga_ke_kanji_numerals_and_variants(left, right):
    assert normalize.address_key(left) == normalize.address_key(right)


def test_address_key_keeps_different_block_numbers_apart():
    assert normalize.address_key("千代田1-2-3") != normalize.address_key("千代田1-2-4")
    assert normalize.address_key("千代田12-3") != normalize.address_key("千代田1-23")
