"""Corporations: the reading of a kanji trade name, English ↔ katakana, 法人番号, index keys (IDENTITY II §7)."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.core import normalize
from tsunagu.identity.matching import Matcher, blocking_keys, blocking_keys_many, corporate, prepare
from tsunagu.identity.matching.features import corporate_keys, corporate_number_key, trade_name_reading
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.1)


def _number(body12: str) -> str:
    return f"{normalize.corporate_number_check_digit(body12)}{body12}"


def _companies(*rows: dict[str, str]) -> pd.DataFrame:
    return prepare(pd.DataFrame([{"record_id": str(i), **row} for i, row in enumerate(rows)]))


def _decisions(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    scored = corporate.score(frame, THRESHOLDS)
    return {(a, b): r for a, b, r in zip(scored["record_id_l"], scored["record_id_r"], scored["rule"], strict=True)}


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("山田商事", "ヤマダショウジ"),
        ("丸栄工業", "マルエイコウギョウ"),
        ("協和精機", "キョウワセイキ"),
        ("吉村不動産", "ヨシムラフドウサン"),
        ("ブルーウインド", "ブルーウインド"),  # katakana is its own reading, no dictionary
        ("東京ゴールド興産", "トウキョウゴールドコウサン"),  # mixed
    ],
)
def test_trade_name_reading(name, reading):
    assert trade_name_reading(name) == normalize.fuzzy_kana_key(reading)


def test_reading_in_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    names = [f"{core}{business}" for core in ("山田", "協和", "丸栄", "北斗") for business in ("商事", "工業", "設計")]
    trade_name_reading.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        readings = list(pool.map(trade_name_reading, names * 5))
    assert readings == [trade_name_reading(n) for n in names * 5]
    assert all(readings)


def test_no_reading_for_latin_or_empty_names():
    assert trade_name_reading("sakuratech") == ""
    assert trade_name_reading("") == ""


def test_reading_only_where_the_record_has_none():
    # Kanji only: the trade name's reading is derived; with a reading of its own: none derived.
    assert corporate_keys("株式会社山田商事", "") == ("山田商事", "", "kabushiki", "ヤマダシヨウジ")
    assert corporate_keys("株式会社山田商事", "ヤマダショウジ")[3] == ""
    # A person has no corporate keys at all.
    assert corporate_keys("山田 太郎", "ヤマダ タロウ") == ("", "", "", "")


def test_latin_name_with_a_branch_keeps_its_legal_form():
    assert corporate_keys("Blue Bridge Co., Ltd. 横浜市栄支店", "")[:3] == ("bluebridge", "", "kabushiki")


def test_kanji_only_and_kana_only_records_of_one_company_link():
    frame = _companies(
        {"name_kanji": "山田商事株式会社", "address": "奈良県奈良市都祁小山戸町21-15", "phone": "0748-00-1214"},
        {"name_kana": "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "address": "奈良県奈良市都祁小山戸町21-15", "phone": "748001214"},
        {"name_kana": "ﾔﾏﾀﾞｼﾖｳｼﾞｶﾌﾞｼｷｶﾞｲｼﾔ"},  # the same reading, nothing else: a namesake elsewhere
        {"name_kanji": "丸栄工業（同）", "address": "兵庫県姫路市西新在家3-3-8"},
        {"name_kana": "ﾄﾞ)ﾏﾙｴｲｺｳｷﾞﾖｳ", "address": "兵庫県姫路市西新在家3-3-8"},
    )
    decisions = _decisions(frame)
    assert decisions[("0", "1")] == corporate.CORPORATE_MATCH
    assert decisions[("0", "2")] == corporate.CORPORATE_NAME_ONLY  # review, never linked on the name alone
    assert decisions[("1", "2")] == corporate.CORPORATE_NAME_ONLY
    assert decisions[("3", "4")] == corporate.CORPORATE_MATCH


def test_kanji_names_that_only_sound_alike_are_not_one_company():
    # Group companies at one address: 光陽設計 and 向陽設計 read alike (コウヨウセッケイ), differ in kanji.
    frame = _companies(
        {"name_kanji": "株式会社光陽設計", "address": "東京都昭島市緑町3-5-14", "phone": "042-000-6678"},
        {"name_kanji": "株式会社向陽設計", "address": "東京都昭島市緑町3-5-14", "phone": "042-000-6678"},
    )
    assert _decisions(frame).get(("0", "1")) != corporate.CORPORATE_MATCH


def test_japanese_readings_never_meet_by_their_sound():
    # キョウワセイキ and キョウワセッケイ share the consonant skeleton (ksk): group companies, not one.
    frame = _companies(
        {"name_kanji": "有限会社協和精機", "name_kana": "キョウワセイキ", "address": "山口県下関市菊川町久野18-7"},
        {"name_kana": "ｶ)ｷﾖｳﾜｾﾂｹｲ", "address": "山口県下関市菊川町久野18-7"},
    )
    assert ("0", "1") not in _decisions(frame)


@pytest.mark.parametrize(
    ("latin", "kana"),
    [
        ("skytech", "ｽｶｲﾃﾂｸ"),  # a mainframe's ツ for ッ
        ("bluebridge", "ブルーブリッジ"),
        ("heartfield", "ハートフィールド"),
        ("silverstone", "シルバーストーン"),
        ("sports", "スポーツ"),
        ("nextdesign", "ネクストデザイン"),
        ("star ocean", "スターオーシャン"),  # an r silent at the end of a word
    ],
)
def test_english_and_katakana_sound_alike(latin, kana):
    assert corporate.skeleton(latin) == corporate.skeleton(normalize.fuzzy_kana_key(kana))


def test_latin_name_keeps_its_word_boundaries_for_the_sound():
    frame = _companies(
        {"name_kanji": "Star Ocean Corporation", "address": "高知県高知市一宮南町30-22"},
        {"name_kanji": "スターオーシャン株式会社", "address": "高知県高知市一宮南町30-22"},
        {"name_kanji": "スターオーシャン株式会社", "address": "北海道札幌市中央区北1条西2-1"},
    )
    decisions = _decisions(frame)
    assert decisions[("0", "1")] == corporate.CORPORATE_MATCH
    assert ("0", "2") not in decisions  # a sound alone, elsewhere: no pair
    assert corporate.skeleton("starocean") != corporate.skeleton("スターオーシャン")  # without the space


def test_english_name_links_to_a_kanji_only_record_by_its_reading():
    frame = _companies(
        {"name_kanji": "Sky Tech Ltd.", "address": "山梨県甲府市青沼4-25-14", "phone": "0544-60-2340"},
        {"name_kana": "ﾕ)ｽｶｲﾃﾂｸ", "address": "山梨県甲府市青沼4-25-14", "phone": "544602340"},
        {"name_kanji": "有限会社スカイテック", "address": "山梨県甲府市青沼4-25-14"},
    )
    decisions = _decisions(frame)
    assert decisions[("0", "1")] == corporate.CORPORATE_MATCH
    assert decisions[("0", "2")] == corporate.CORPORATE_MATCH
    assert decisions[("1", "2")] == corporate.CORPORATE_MATCH


def test_corporate_number_field():
    number = _number("234567890123")
    other = _number("234567890124")
    assert corporate_number_key(number) == number
    assert corporate_number_key(number[:-1] + "0") == ""  # check digit wrong
    assert corporate_number_key("12345") == ""
    frame = _companies(
        {"name_kanji": "株式会社山田工業 大阪支店", "corporate_number": number, "address": "大阪府大阪市北区梅田1-1-1"},
        {"name_kanji": "山田工業株式会社", "corporate_number": number, "address": "東京都港区芝1-2-3"},
        {"name_kanji": "山田工業株式会社", "corporate_number": other, "address": "東京都港区芝1-2-3"},
        {"name_kanji": "山田 太郎", "corporate_number": number},  # a person: the field is ignored
    )
    assert frame["corp_number"].isna().tolist() == [False, False, False, True]
    scored = corporate.score(frame, THRESHOLDS).set_index(["record_id_l", "record_id_r"])
    assert scored.loc[("0", "1"), "rule"] == corporate.CORPORATE_NUMBER  # a branch, linked by its number
    assert scored.loc[("0", "1"), "match_probability"] >= 0.999
    assert scored.loc[("1", "2"), "match_probability"] == 0.0  # same name and address, another company


def test_index_keys_find_the_kana_only_record():
    kanji = {"record_id": "A", "name_kanji": "株式会社山田商事", "address": "東京都港区芝1-2-3"}
    kana = {"record_id": "B", "name_kana": "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"}
    person = {"record_id": "C", "name_kanji": "山田 商事", "name_kana": "ヤマダ ショウジ", "birth_date": "1970-01-01"}
    shared = set(blocking_keys(kanji)) & set(blocking_keys(kana))
    assert "corporate_corp_reading:" + normalize.fuzzy_kana_key("ヤマダショウジ") in shared
    assert not any(k.startswith("corporate_") for k in blocking_keys(person))
    many = blocking_keys_many(pd.DataFrame([kanji, kana, person]))
    assert many == [blocking_keys(kanji), blocking_keys(kana), blocking_keys(person)]


def test_match_one_finds_the_company_by_its_reading(records):
    matcher = Matcher.train(records.drop(columns=["cluster_id", "household_id", "variations"]).head(800), u_pairs=1e4)
    stored = pd.DataFrame(
        [
            {
                "record_id": "A",
                "name_kanji": "丸栄工業（同）",
                "address": "兵庫県姫路市西新在家3-3-8",
                "phone": "048-701-5564",
            },
            {"record_id": "P", "name_kanji": "丸栄 太郎", "name_kana": "マルエ タロウ", "phone": "048-701-5564"},
        ]
    )
    found = matcher.match_one(
        {"record_id": "B", "name_kana": "ﾄﾞ)ﾏﾙｴｲｺｳｷﾞﾖｳ", "address": "兵庫県姫路市西新在家3-3-8", "phone": "487015564"},
        stored,
    )
    assert [c.record_id for c in found] == ["A"]  # the person at the same number is never a candidate
    assert found[0].match_probability >= matcher.thresholds.auto_link
