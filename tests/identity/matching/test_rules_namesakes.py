"""Rules across pairs: 同名の親子 with family contacts, households that moved together, namesakes
whose own mobiles differ (issue 16, sixth session; docs/identity-ii.md §9)."""

from __future__ import annotations

import pandas as pd

from tools.identity_gen2 import generate
from tsunagu.identity.matching import Matcher, model, prepare, rules
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)
TOP = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": 7}
# Name and birth date agree, nothing else (another address, no contact on one side).
NAME_AND_DOB = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 0}
# A household at one address: name, birth date, address and landline.
AT_HOME = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 7}


def _pairs(*rows: tuple[str, str, float, dict[str, int]], tf: float | None = None) -> pd.DataFrame:
    out = []
    for left, right, probability, gammas in rows:
        row = {"record_id_l": left, "record_id_r": right, "match_probability": probability, "match_weight": 0.0}
        row.update({f"gamma_{k}": v for k, v in gammas.items()})
        if tf is not None:
            row.update({f"tf_{c}_{s}": tf for c in ("fam_kanji", "giv_kanji") for s in ("l", "r")})
        out.append(row)
    return pd.DataFrame(out)


def _records(**records: tuple[str, str, str, str | None]) -> pd.DataFrame:
    """record_id → (address key, birth date, given-name reading, mobile); no town, no kanji."""
    return pd.DataFrame(
        [
            {
                "record_id": rid,
                "addr": addr,
                "town": None,
                "dob": dob,
                "giv_kana": given,
                "giv_kanji": None,
                "mobile_n": mobile,
            }
            for rid, (addr, dob, given, mobile) in records.items()
        ]
    ).set_index("record_id")


def _apply(pairs: pd.DataFrame, records: pd.DataFrame | None, *, population: int | None = None, top=TOP):
    out = rules.apply(pairs, THRESHOLDS, top, population=population, records=records)
    return list(zip(out["match_probability"].round(6), out["rule"], strict=True))


# --- 同名の親子: birth years a generation apart ---------------------------------------------------------


def test_a_family_email_does_not_merge_father_and_son_of_one_name():
    # Birth years ten or more apart (level "years apart"), the family's shared e-mail agrees.
    father_son = NAME_AND_DOB | {"birth_date": 2, "email": 2, "location": 7}
    assert _apply(_pairs(("a", "b", 0.9999, father_son)), None) == [(0.2, rules.BIRTH_DATE_CONFLICT)]
    # A shared mobile (a child's phone on the parent's contract) does not either.
    father_son = NAME_AND_DOB | {"birth_date": 2, "mobile": 3, "location": 7}
    assert _apply(_pairs(("a", "b", 0.9999, father_son)), None) == [(0.2, rules.BIRTH_DATE_CONFLICT)]


def test_a_shared_identifier_still_decides_a_birth_date_a_generation_apart():
    top = TOP | {"other_id": 3}
    pair = NAME_AND_DOB | {"birth_date": 2, "other_id": 3, "location": 7}
    assert _apply(_pairs(("a", "b", 0.9999, pair)), None, top=top) == [(0.9999, None)]


def test_two_digits_that_move_the_year_by_a_generation_are_father_and_son():
    # 1959-07-28 / 1995-09-28: two digits (level 3), 36 years apart.
    pair = AT_HOME | {"birth_date": 3}
    records = _records(
        a=("岐阜市稲荷町5-26-12", "1959-07-28", "ユウキ", None), b=("岐阜市稲荷町5-26-12", "1995-09-28", "ユウキ", None)
    )
    assert _apply(_pairs(("a", "b", 0.97, pair)), records) == [(0.2, rules.BIRTH_DATE_CONFLICT)]
    # Two digits within the decade (1959-07-28 / 1959-09-23) are a slip: the model decides.
    records.loc["b", "dob"] = "1959-09-23"
    assert _apply(_pairs(("a", "b", 0.97, pair)), records) == [(0.97, None)]
    # Without the records (an older caller) the level alone decides, as before.
    assert _apply(_pairs(("a", "b", 0.97, pair)), None) == [(0.97, None)]


def test_a_generation_apart_in_two_digits_is_left_to_the_model_without_contacts():
    # FEBRL: no mobile, no e-mail; its typos move years by decades (19501111 / 19001115).
    top = {"family_name": 10, "given_name": 10, "birth_date": 6, "location": 7, "other_id": 3}
    pair = {"family_name": 10, "given_name": 10, "birth_date": 3, "location": 7, "other_id": 0}
    records = _records(a=("x", "1950-11-11", "ジェイク", None), b=("x", "1900-11-15", "ジェイク", None))
    assert _apply(_pairs(("a", "b", 0.99, pair)), records, top=top) == [(0.99, None)]


def test_a_shared_mobile_does_not_merge_spouses_with_similar_given_names():
    # 直美 / 直樹 at one address sharing a mobile: given names only alike, birth dates differ.
    spouses = AT_HOME | {"given_name": 7, "birth_date": 0, "mobile": 3}
    assert _apply(_pairs(("a", "b", 0.9968, spouses)), None) == [(0.2, rules.SHARED_CONTACT_ONLY)]
    # A birth-date slip (one digit) with a fuzzy given name is left to the model.
    assert _apply(_pairs(("a", "b", 0.9968, spouses | {"birth_date": 4})), None) == [(0.9968, None)]


def test_an_e_mail_a_character_off_does_not_carry_a_name_change():
    # 佐藤隆 / 福田隆, one birthday, takashi04947@ / takashi04987@ (level "typo"), nothing else.
    renamed = NAME_AND_DOB | {"family_name": 0, "email": 1}
    assert _apply(_pairs(("a", "b", 0.9921, renamed)), None) == [(0.2, rules.POSSIBLE_NAME_CHANGE)]
    # The same e-mail is the person's: the model (and personal_fields_agree) decide.
    assert _apply(_pairs(("a", "b", 0.9921, renamed | {"email": 2})), None) == [(0.9921, None)]


# --- households that moved together -------------------------------------------------------------------


def _household_move(spouse_moved: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """X (1962-05-03) at the old address (x1) and the new one (x2); the spouse S likewise, or
    only at the old address."""
    records = _records(
        x1=("豊田市乙部ケ丘5-15-8", "1962-05-03", "タロウ", None),
        x2=("神栖市土合北6-12-6", "1962-05-03", "タロウ", None),
        s1=("豊田市乙部ケ丘5-15-8", "1964-11-20", "ハナコ", None),
        s2=(("神栖市土合北6-12-6" if spouse_moved else "豊田市乙部ケ丘5-15-8"), "1964-11-20", "ハナコ", None),
    )
    pairs = _pairs(("x1", "x2", 0.5, NAME_AND_DOB), ("s1", "s2", 0.95, NAME_AND_DOB), tf=0.05)
    return pairs, records


def test_a_household_that_moved_together_is_linked():
    pairs, records = _household_move()
    # Common names (25 expected holders): the namesake rule alone would hold both back; the
    # spouse's pair gets its model's probability back.
    assert _apply(pairs, records, population=10_000) == [
        (0.9, rules.MOVED_TOGETHER),
        (0.95, rules.MOVED_TOGETHER),
    ]
    assert _apply(pairs, None, population=10_000) == [
        (0.5, None),
        (0.2, rules.NAME_AND_BIRTH_DATE_ONLY),
    ]


def test_a_housemate_who_stayed_is_no_evidence_of_a_move():
    pairs, records = _household_move(spouse_moved=False)
    assert _apply(pairs.iloc[:1], records, population=10_000) == [(0.5, None)]


def test_a_housemate_of_the_same_given_name_is_not_a_second_member():
    # A namesake's record with a slipped birth date at both addresses is the name again, not a spouse.
    records = _records(
        x1=("厚岸町セタニウシ30-24", "1935-07-10", "テツヤ", None),
        x2=("沖縄市山里4-10-9", "1935-07-10", "テツヤ", None),
        y1=("厚岸町セタニウシ30-24", "1935-08-10", "テツヤ", None),
        y2=("沖縄市山里4-10-9", "1935-08-10", "テツヤ", None),
    )
    pairs = _pairs(("x1", "x2", 0.5, NAME_AND_DOB))
    assert _apply(pairs, records) == [(0.5, None)]


def test_a_move_is_seen_in_the_town_where_one_address_is_written_two_ways():
    # The spouse's record at the old home is written as 地番 (123番地4): another address key,
    # the same town.
    pairs, records = _household_move()
    records.loc["s1", "addr"] = "豊田市乙部ケ丘123番地4"
    assert _apply(pairs, records, population=10_000)[0] == (0.5, None)
    records["town"] = [
        "愛知県|豊田市|乙部ケ丘",
        "茨城県|神栖市|土合北",
        "愛知県|豊田市|乙部ケ丘",
        "茨城県|神栖市|土合北",
    ]
    assert _apply(pairs, records, population=10_000)[0] == (0.9, rules.MOVED_TOGETHER)


def test_a_housemate_is_found_by_kanji_or_reading():
    # The spouse's old record is kana only (the mainframe), the new one kanji only.
    pairs, records = _household_move()
    records.loc["s2", ["giv_kana", "giv_kanji"]] = [None, "花子"]
    assert _apply(pairs, records, population=10_000)[0] == (0.5, None)
    records.loc["s1", "giv_kanji"] = "花子"  # another record of the spouse at the old home
    assert _apply(pairs, records, population=10_000)[0] == (0.9, rules.MOVED_TOGETHER)


def test_the_same_name_in_kanji_is_not_a_housemate_of_a_kana_only_pair():
    # Both records of the pair are kana only (イツキ); the kanji records 樹 at both places are
    # the two namesakes themselves, not a housemate.
    records = _records(
        x1=("つくばみらい市下小目26-13", "1931-08-13", "イツキ", None),
        x2=("港区元麻布6-9-9", "1931-08-13", "イツキ", None),
        y1=("つくばみらい市下小目26-13", "1931-08-13", "イツキ", None),
        y2=("港区元麻布6-9-9", "1931-08-13", "イツキ", None),
    )
    records.loc[["y1", "y2"], ["giv_kana", "giv_kanji"]] = [None, "樹"]
    assert _apply(_pairs(("x1", "x2", 0.5, NAME_AND_DOB)), records) == [(0.5, None)]


def test_a_move_with_mobiles_that_differ_is_not_lifted():
    pairs, records = _household_move()
    pairs.loc[0, "gamma_mobile"] = 0
    assert _apply(pairs, records, population=10_000)[0] == (0.5, None)


# --- namesakes whose own mobiles differ ---------------------------------------------------------------


def _namesakes(mobile_b: str, tf: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """a (no mobile) — b (no mobile) by name and birth date only; a is linked at home to a2 with
    mobile 09011112222, b to b2 with `mobile_b`."""
    records = _records(
        a=("勇払郡厚真町清住6-4", "1988-07-18", "マイ", None),
        a2=("勇払郡厚真町清住6-4", "1988-07-18", "マイ", "09011112222"),
        b=("松阪市櫛田町19-11", "1988-07-18", "マイ", None),
        b2=("松阪市櫛田町19-11", "1988-07-18", "マイ", mobile_b),
    )
    pairs = _pairs(("a", "b", 0.99, NAME_AND_DOB), ("a", "a2", 0.999, AT_HOME), ("b", "b2", 0.999, AT_HOME), tf=tf)
    return pairs, records


def test_namesakes_whose_own_mobiles_differ_go_to_review():
    # 2 % × 2 % of 10,000 records: 4 expected holders (between the two bars, 3 and 5).
    pairs, records = _namesakes("08033334444", tf=0.02)
    assert _apply(pairs, records, population=10_000)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    # Without the other records nothing tells them apart: the name is below the bar of 5.
    assert _apply(pairs, None, population=10_000)[0] == (0.99, None)


def test_one_mobile_on_both_sides_stays_linked():
    pairs, records = _namesakes("09011112222", tf=0.02)
    assert _apply(pairs, records, population=10_000)[0] == (0.99, None)


def test_a_rare_name_with_two_records_and_an_own_mobile_on_each_side_waits_for_a_steward():
    # 1 % × 1 % of 10,000: one expected holder, a rare name. Two records on each side, each with
    # its own mobile: two established customers (docs/identity-ii.md §14.6). A false merge shows
    # one customer's data to another; a review costs a steward a minute.
    pairs, records = _namesakes("08033334444", tf=0.01)
    assert _apply(pairs, records, population=10_000)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    # One record on each side with mobiles that differ: one person who changed phones.
    pair = NAME_AND_DOB | {"mobile": 0}
    assert _apply(_pairs(("a2", "b2", 0.99, pair), tf=0.01), records, population=10_000) == [(0.99, None)]


# --- the batch path hands the records to the rules ---------------------------------------------------


def test_rule_records_are_keyed_by_record_id_once():
    frame = pd.DataFrame(
        {
            "record_id": [1, 2, 2],
            "addr": ["a", "b", "b"],
            "dob": ["1960-01-01", None, None],
            "giv_kana": ["タロウ", None, None],
            "giv_kanji": [None, "花子", "花子"],
            "mobile_n": [None, "09011112222", "09011112222"],
        }
    )
    records = model._rule_records(frame)
    assert records.index.tolist() == ["1", "2"]
    assert list(records.columns) == list(rules.RECORD_COLUMNS)


def test_predict_gives_the_rules_the_scored_records(monkeypatch):
    frame = generate(40, 0, seed=7)
    prepared = prepare(frame.drop(columns=["cluster_id", "household_id", "variations"]))
    matcher = Matcher.train(prepared)
    seen: list[pd.DataFrame | None] = []
    original = rules.apply

    def spy(*args, **kwargs):
        seen.append(kwargs.get("records"))
        return original(*args, **kwargs)

    monkeypatch.setattr(model.rules, "apply", spy)
    matcher.predict(prepared, with_evidence=False)
    assert seen
    assert seen[-1] is not None
    assert set(seen[-1].index) == set(prepared["record_id"].astype(str))


def test_every_rule_has_a_japanese_label_on_the_review_screen():
    from tsunagu.identity.views import LEVEL_LABELS

    names = [value for key, value in vars(rules).items() if key.isupper() and isinstance(value, str)]
    assert rules.MOVED_TOGETHER in names
    assert [name for name in names if name not in LEVEL_LABELS] == []
