"""A contact point at both addresses (issue 16, ninth session; docs/identity-ii.md §16): a pair of
one name and birth date at two addresses (a move), or of one given name and birth date under
another family name (a name change), is linked where a landline, mobile or e-mail on a record at
the one address is on a record at the other too."""

from __future__ import annotations

import pandas as pd

from tsunagu.identity.matching import rules
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)
TOP = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": 7}
# Name and birth date agree, nothing else (another address, no contact on either record).
NAME_AND_DOB = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 0}
# Another family name (marriage), the given name and birth date agree, another address.
RENAMED = NAME_AND_DOB | {"family_name": 0}
DOB = "1971-04-15"


def _pairs(*rows: tuple[str, str, float, dict[str, int]]) -> pd.DataFrame:
    out = []
    for left, right, probability, gammas in rows:
        row = {"record_id_l": left, "record_id_r": right, "match_probability": probability, "match_weight": 0.0}
        row.update({f"gamma_{k}": v for k, v in gammas.items()})
        out.append(row)
    return pd.DataFrame(out)


def _records(**records: tuple[str, str, str, str, dict[str, str]]) -> pd.DataFrame:
    """record_id → (address key, birth date, family and given-name reading, contacts {column: value})."""
    return pd.DataFrame(
        [
            {
                "record_id": rid,
                "addr": addr,
                "town": None,
                "dob": dob,
                "giv_kana": given,
                "giv_kanji": None,
                "fam_kana": family,
                "fam_kanji": None,
                "mobile_n": contacts.get("mobile_n"),
                "email_n": contacts.get("email_n"),
                "landline": contacts.get("landline"),
            }
            for rid, (addr, dob, family, given, contacts) in records.items()
        ]
    ).set_index("record_id")


def _apply(pairs: pd.DataFrame, records: pd.DataFrame | None, *, top: dict[str, int] = TOP):
    # population None: every name counts as common (the namesake rule holds the pair first).
    out = rules.apply(pairs, THRESHOLDS, top, population=None, records=records)
    return list(zip(out["match_probability"].round(6), out["rule"], strict=True))


def _mover(pair_contacts: dict[str, str], housemate_old: dict[str, str], housemate_new: dict[str, str], **kw):
    """ヤマダ タロウ at the old address (a) and the new (b); his wife ハナコ (family `wife_family`)
    has one record at each, with the given contacts (never paired with his here: other given name)."""
    family = kw.get("wife_family", "ヤマダ")
    return _records(
        a=("旧住所1-2-3", kw.get("dob_a", DOB), "ヤマダ", "タロウ", pair_contacts),
        b=("新住所4-5-6", kw.get("dob_b", DOB), "ヤマダ", "タロウ", {}),
        w1=("旧住所1-2-3", "1973-09-02", family, kw.get("wife_a", "ハナコ"), housemate_old),
        w2=("新住所4-5-6", "1973-09-02", family, kw.get("wife_b", "ハナコ"), housemate_new),
    )


# --- a household's move ---------------------------------------------------------------------------


def test_a_housemates_mobile_at_both_addresses_links_a_common_name():
    # The wife's records differ in birth date spelling (no housemate match: `moved_together` does
    # not apply), her mobile is on a record at each address.
    records = _mover({}, {"mobile_n": "09011112222"}, {"mobile_n": "09011112222"}, wife_b="ハナ")
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records) == [(0.97, rules.CONTACT_AT_BOTH_ADDRESSES)]


def test_the_old_homes_landline_at_the_new_address_links_the_move():
    records = _mover({"landline": "0312345678"}, {}, {"landline": "0312345678"}, wife_b="ハナ")
    assert _apply(_pairs(("a", "b", 0.5, NAME_AND_DOB)), records) == [(0.9, rules.CONTACT_AT_BOTH_ADDRESSES)]


def test_without_a_contact_at_both_addresses_the_namesake_rule_holds():
    records = _mover({}, {"mobile_n": "09011112222"}, {"mobile_n": "08033334444"}, wife_b="ハナ")
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records) == [(0.2, rules.NAME_AND_BIRTH_DATE_ONLY)]
    # No records (an older caller): nothing to read, nothing lifted.
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), None) == [(0.2, rules.NAME_AND_BIRTH_DATE_ONLY)]


def test_a_disagreeing_mobile_of_the_pair_is_not_overruled():
    records = _mover({"landline": "0312345678"}, {}, {"landline": "0312345678"}, wife_b="ハナ")
    differs = NAME_AND_DOB | {"mobile": 0}
    out = _apply(_pairs(("a", "b", 0.5, differs)), records)
    assert out[0][1] != rules.CONTACT_AT_BOTH_ADDRESSES
    assert out[0][0] < 0.9


def test_a_date_slip_that_moves_the_year_a_generation_is_not_linked():
    # 同名の親子 of one household: the father at the old address, the son at the new one, the
    # household's landline at both; the dates one digit apart in the year's tens (1959 / 1969).
    records = _mover(
        {"landline": "0312345678"},
        {},
        {"landline": "0312345678"},
        wife_b="ハナ",
        dob_a="1959-07-28",
        dob_b="1969-07-28",
    )
    slip = NAME_AND_DOB | {"birth_date": 4}
    out = _apply(_pairs(("a", "b", 0.5, slip)), records)
    assert out[0][1] != rules.CONTACT_AT_BOTH_ADDRESSES
    assert out[0][0] < 0.9


def test_a_contact_of_another_family_at_the_address_is_not_the_households():
    # An apartment building (the address key leaves the building out): a neighbour of another
    # family name moved from the one address to the other with his mobile.
    records = _mover({}, {"mobile_n": "09011112222"}, {"mobile_n": "09011112222"}, wife_b="ハナ", wife_family="スズキ")
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records) == [(0.2, rules.NAME_AND_BIRTH_DATE_ONLY)]


def test_a_contact_seen_at_many_addresses_is_no_households():
    # An agent's office number entered for customers at four addresses.
    office = {"landline": "0120000000"}
    records = pd.concat(
        [
            _mover(office, {}, office, wife_b="ハナ"),
            _records(x=("他所7-7-7", "1950-01-01", "サトウ", "ジロウ", office)),
            _records(y=("別所8-8-8", "1951-01-01", "スズキ", "サブロウ", office)),
        ]
    )
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records) == [(0.2, rules.NAME_AND_BIRTH_DATE_ONLY)]
    # At three addresses (an old home, a new one, a maiden home) it is still a household's.
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records.drop(index="y")) == [
        (0.97, rules.CONTACT_AT_BOTH_ADDRESSES)
    ]


def test_a_mobile_and_a_landline_of_the_same_digits_are_not_one_contact():
    records = _mover({"landline": "0312345678"}, {}, {"mobile_n": "0312345678"}, wife_b="ハナ")
    assert _apply(_pairs(("a", "b", 0.97, NAME_AND_DOB)), records) == [(0.2, rules.NAME_AND_BIRTH_DATE_ONLY)]


def test_a_shared_identifier_in_the_data_leaves_the_pair_to_the_model():
    # FEBRL: a shared id, no phones; the hard-negative rules and this one stand down.
    records = _mover({"landline": "0312345678"}, {}, {"landline": "0312345678"}, wife_b="ハナ")
    top = TOP | {"other_id": 3}
    gammas = NAME_AND_DOB | {"other_id": -1}
    assert _apply(_pairs(("a", "b", 0.5, gammas)), records, top=top) == [(0.5, None)]


# --- a name change --------------------------------------------------------------------------------


def _renamed(maiden: dict[str, str], husband: dict[str, str], married: dict[str, str] | None = None) -> pd.DataFrame:
    """マツモト アケミ's maiden record at her parents' address (m), her married record エンドウ アケミ
    at home (w), her husband's record at home (h)."""
    return _records(
        m=("実家1-1-1", DOB, "マツモト", "アケミ", maiden),
        w=("自宅2-2-2", DOB, "エンドウ", "アケミ", married or {}),
        h=("自宅2-2-2", "1969-01-20", "エンドウ", "ヒロシ", husband),
    )


def test_a_name_change_with_the_homes_landline_on_the_maiden_record_is_linked():
    records = _renamed({"landline": "0451234567"}, {"landline": "0451234567"})
    assert _apply(_pairs(("m", "w", 0.3, RENAMED)), records) == [(0.9, rules.CONTACT_AT_BOTH_ADDRESSES)]


def test_a_name_change_with_her_mobile_at_both_addresses_is_linked():
    # Her mobile on the maiden record and on another record at home (here: the husband's record
    # carries it, as a family's contract would); her married record has no phone.
    records = _renamed({"mobile_n": "09055556666"}, {"mobile_n": "09055556666"})
    assert _apply(_pairs(("m", "w", 0.3, RENAMED)), records) == [(0.9, rules.CONTACT_AT_BOTH_ADDRESSES)]


def test_a_name_change_without_a_contact_at_both_addresses_stays_in_review():
    records = _renamed({"landline": "0451234567"}, {"landline": "0459999999"})
    assert _apply(_pairs(("m", "w", 0.1, RENAMED)), records) == [(0.2, rules.POSSIBLE_NAME_CHANGE)]


def test_a_name_change_with_a_contact_a_character_off_stays_in_review():
    # takashi04947@ / takashi04987@: two people of one given name and birth year (§9.2 5.).
    records = _renamed({"landline": "0451234567"}, {"landline": "0451234567"})
    near = RENAMED | {"email": 1}
    assert _apply(_pairs(("m", "w", 0.95, near)), records) == [(0.2, rules.POSSIBLE_NAME_CHANGE)]


def test_a_name_change_with_a_slipped_birth_date_is_not_lifted():
    records = _renamed({"landline": "0451234567"}, {"landline": "0451234567"})
    slip = RENAMED | {"birth_date": 4}
    out = _apply(_pairs(("m", "w", 0.01, slip)), records)
    assert out[0][1] != rules.CONTACT_AT_BOTH_ADDRESSES
    assert out[0][0] < 0.9


def test_the_rule_reads_the_landline_and_family_names_of_the_scored_records():
    assert {"landline", "fam_kana", "fam_kanji"} <= set(rules.RECORD_COLUMNS)
