"""Features: every notation of the same value gives the same feature; originals stay untouched."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.identity.matching.conftest import person
from tsunagu.identity.matching import FEATURE_COLUMNS, RECORD_FIELDS, prepare
from tsunagu.identity.matching.features import SurnameLexicon, address_parts, birth_date_iso, phone_key


def features(**fields: object) -> dict[str, object]:
    return prepare(pd.DataFrame([person(**fields)])).iloc[0].to_dict()


def test_prepare_keeps_originals_and_adds_features():
    frame = pd.DataFrame([person()])
    out = prepare(frame)
    assert list(frame.columns) == list(person().keys())  # input not modified
    for column in frame.columns:
        assert out[column].tolist() == frame[column].tolist()
    assert set(FEATURE_COLUMNS) <= set(out.columns)


def test_missing_columns_are_allowed():
    out = prepare(pd.DataFrame([{"record_id": 1, "name_kanji": "佐藤花子"}]))
    assert out.loc[0, "record_id"] == "1"
    assert pd.isna(out.loc[0, "dob"])
    assert set(RECORD_FIELDS) <= set(out.columns)


@pytest.mark.parametrize(
    "text", ["1970-03-01", "1970/3/1", "19700301", "S45.3.1", "昭和45年3月1日", "ｓ45/3/1", "１９７０年３月１日"]
)
def test_birth_date_notations(text):
    assert birth_date_iso(text) == "1970-03-01"


@pytest.mark.parametrize("text", ["", "不明", "1970-02-30", "S45.2.30"])
def test_unreadable_birth_date_is_missing(text):
    assert birth_date_iso(text) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03-1234-5678", "0312345678"),
        ("(03)1234-5678", "0312345678"),
        ("+81-90-1234-5678", "09012345678"),
        ("９０－１２３４－５６７８", "09012345678"),  # trunk 0 dropped
        ("12345", ""),
    ],
)
def test_phone_key(text, expected):
    assert phone_key(text) == expected


def test_mobile_in_the_phone_column_is_personal_and_landline_is_household():
    row = features(phone="090-1234-5678", mobile=None)
    assert row["mobile_n"] == "09012345678"
    assert row["landline"] is None
    row = features(phone="03-1234-5678", mobile="080-1111-2222")
    assert (row["landline"], row["mobile_n"]) == ("0312345678", "08011112222")


@pytest.mark.parametrize(
    "text",
    [
        "東京都千代田区千代田1丁目2番3号 ハイツ101",
        "千代田区千代田一丁目二番三号　ハイツ101",
        "東京都千代田区千代田１－２－３ハイツ101",
    ],
)
def test_address_block_numbers_canonical_prefecture_optional_building_separate(text):
    assert address_parts(text) == ("千代田区千代田1-2-3", "ハイツ101")


def test_building_dropped_keeps_the_street():
    assert address_parts("千代田区千代田1-2-3")[0] == address_parts("千代田区千代田1-2-3 コーポ5")[0]


@pytest.mark.parametrize(
    ("name", "kana"),
    [("山田 太郎", "やまだ たろう"), ("山田\u3000太郎", "ﾔﾏﾀﾞ ﾀﾛｳ"), ("山田太郎", "ヤマダタロー")],
)
def test_names_split_and_folded(name, kana):
    lexicon = SurnameLexicon()
    lexicon.add("山田", "ヤマダ")
    lexicon.add("山田", "ヤマダ")
    row = prepare(pd.DataFrame([person(name_kanji=name, name_kana=kana)]), surnames=lexicon).iloc[0]
    assert (row["fam_kanji"], row["giv_kanji"]) == ("山田", "太郎")
    assert (row["fam_kana"], row["giv_kana"]) == ("ヤマダ", "タロウ")
    assert row["kana_key"] == "ヤマダタロウ"


def test_unsplit_names_are_split_by_surnames_learned_from_split_records():
    frame = pd.DataFrame(
        [person(record_id=str(i), name_kanji="髙橋 一郎", name_kana="タカハシ イチロウ") for i in range(2)]
        + [person(record_id="9", name_kanji="高橋花子", name_kana="たかはしはなこ")]
    )
    row = prepare(frame).iloc[2]
    assert (row["fam_kanji"], row["giv_kanji"]) == ("高橋", "花子")  # 髙 folded to 高
    assert (row["fam_kana"], row["giv_kana"]) == ("タカハシ", "ハナコ")


def test_a_models_lexicon_on_the_book_it_learned_from_splits_as_the_book_alone():
    """A stored model's run on the same book: the book's family names are not counted twice, so a
    family name seen split once (中 in 中 大輔) does not reach the two sightings a split needs."""
    frame = pd.DataFrame(
        [
            person(record_id="1", name_kanji="中 大輔", name_kana="ナカ ダイスケ"),
            person(record_id="2", name_kanji="中大輔", name_kana="ナカダイスケ"),
            person(record_id="3", name_kanji="中村 優", name_kana="ナカムラ ユウ"),
            person(record_id="4", name_kanji="中村 健", name_kana="ナカムラ ケン"),
        ]
    )
    alone = prepare(frame)
    again = prepare(frame, surnames=alone.attrs["surnames"].value)
    assert alone.attrs["surnames"].value.kanji["中"] == again.attrs["surnames"].value.kanji["中"] == 1
    assert again.attrs["surnames"].value.kanji["中村"] == 2
    assert list(again["fam_kanji"]) == list(alone["fam_kanji"])
    assert list(again["giv_kanji"]) == list(alone["giv_kanji"])


def test_a_grown_book_keeps_the_larger_count_of_each_name():
    old, new = SurnameLexicon(), SurnameLexicon()
    for _ in range(3):
        old.add("佐藤", "サトウ")
    new.add("佐藤", "サトウ")
    new.add("佐藤", "サトー")
    union = old.union(new)
    assert union.kanji["佐藤"] == 3
    assert union.readings["佐藤"] == {"サトウ": 3, "サトー": 1}


def test_family_and_given_fields_win_over_the_full_name():
    row = features(
        name_kanji=None,
        family_name="佐々木",
        given_name="小次郎",
        name_kana=None,
        family_kana="ささき",
        given_kana="こじろう",
    )
    assert (row["fam_kanji"], row["giv_kanji"], row["kanji_key"]) == ("佐々木", "小次郎", "佐々木小次郎")
    assert row["giv_kana"] == "コジロウ"


@pytest.mark.parametrize(
    ("family", "given", "expected"),
    [
        ("mcgregor", None, ("mcgregor", None)),  # FEBRL leaves given names empty: the surname stays one
        (None, "madison", (None, "madison")),
        ("佐々木", "", ("佐々木", None)),
        ("山田 太郎", None, ("山田", "太郎")),  # the whole name in the family column: split at the space
    ],
)
def test_a_single_name_field_is_the_part_its_column_says(family, given, expected):
    row = features(name_kanji=None, family_name=family, given_name=given, name_kana=None)
    assert (row["fam_kanji"], row["giv_kanji"]) == expected


def test_kanji_variants_fold():
    assert features(name_kanji="齋藤 眞一")["kanji_key"] == features(name_kanji="斎藤 真一")["kanji_key"]


def test_email_case_folded_and_postal_code_canonical():
    row = features(email="Taro@Example.JP", postal_code="〒１００－０００１")
    assert (row["email_n"], row["postal"]) == ("taro@example.jp", "1000001")
