"""Precision rules of the eighth session (issue 16; docs/identity-ii.md §14): two established
customers of one name and birth date, and siblings of one given-name reading at one home."""

from __future__ import annotations

import pandas as pd

from tsunagu.identity.matching import rules
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)
TOP = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": 7}
# Name and birth date agree, nothing else (another address, no contact on either record).
NAME_AND_DOB = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 0}
# One person at one home: name, birth date, address and landline.
AT_HOME = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 7}
# 0.1 % × 0.1 % of 10,000 records: a rare name (0.01 expected holders), far below every namesake bar.
RARE = 0.001
POPULATION = 10_000


def _pairs(*rows: tuple[str, str, float, dict[str, int]]) -> pd.DataFrame:
    out = []
    for left, right, probability, gammas in rows:
        row = {"record_id_l": left, "record_id_r": right, "match_probability": probability, "match_weight": 0.0}
        row.update({f"gamma_{k}": v for k, v in gammas.items()})
        row.update({f"tf_{c}_{s}": RARE for c in ("fam_kanji", "giv_kanji") for s in ("l", "r")})
        out.append(row)
    return pd.DataFrame(out)


def _records(**records: tuple[str, str, str | None, str | None]) -> pd.DataFrame:
    """record_id → (address key, source system, mobile, e-mail); one name and birth date."""
    return pd.DataFrame(
        [
            {
                "record_id": rid,
                "addr": addr,
                "town": None,
                "dob": "1971-04-15",
                "giv_kana": "サナエ",
                "giv_kanji": "早苗",
                "mobile_n": mobile,
                "email_n": email,
                "source_system": source,
            }
            for rid, (addr, source, mobile, email) in records.items()
        ]
    ).set_index("record_id")


def _apply(pairs: pd.DataFrame, records: pd.DataFrame | None, top: dict[str, int] = TOP) -> list[tuple[float, object]]:
    out = rules.apply(pairs, THRESHOLDS, top, population=POPULATION, records=records)
    return list(zip(out["match_probability"].round(6), out["rule"], strict=True))


def _two_customers(
    b2_mobile: str | None = "08033334444", b2_email: str | None = None, b2_source: str = "claims"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """a — b by name and birth date only (no contact on either record); a is linked at home to a2
    (another source system, mobile 09011112222), b to b2 (`b2_source`, `b2_mobile`, `b2_email`)."""
    records = _records(
        a=("庄原市春田町18-25", "host", None, None),
        a2=("庄原市春田町18-25", "agency", "09011112222", None),
        b=("十津川村永井20-19", "web", None, None),
        b2=("十津川村永井20-19", b2_source, b2_mobile, b2_email),
    )
    pairs = _pairs(("a", "b", 0.997, NAME_AND_DOB), ("a", "a2", 0.999, AT_HOME), ("b", "b2", 0.999, AT_HOME))
    return pairs, records


# --- two established customers ----------------------------------------------------------------------


def test_two_customers_each_of_two_records_with_their_own_mobiles_go_to_review():
    pairs, records = _two_customers()
    assert _apply(pairs, records)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    # The records of each side stay linked to each other.
    assert _apply(pairs, records)[1:] == [(0.999, None), (0.999, None)]


def test_a_mobile_on_one_side_and_an_email_on_the_other_is_nothing_in_common():
    pairs, records = _two_customers(b2_mobile=None, b2_email="sanae_71@example.jp")
    assert _apply(pairs, records)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)


def test_a_contact_in_common_keeps_the_link():
    pairs, records = _two_customers(b2_mobile="09011112222")
    assert _apply(pairs, records)[0] == (0.997, None)
    # An e-mail in common, whatever the mobiles say.
    pairs, records = _two_customers(b2_email="sanae_71@example.jp")
    records.loc["a2", "email_n"] = "sanae_71@example.jp"
    assert _apply(pairs, records)[0] == (0.997, None)


def test_an_email_under_another_provider_is_still_in_common():
    # sanae_71@docomo on one side, sanae_71@gmail on the other: the same name before the @.
    pairs, records = _two_customers(b2_mobile=None, b2_email="sanae_71@gmail.com")
    records.loc["a2", "email_n"] = "sanae_71@docomo.ne.jp"
    assert _apply(pairs, records)[0] == (0.997, None)


def test_two_records_of_one_system_are_an_established_customer_too():
    # b and b2 both from the web system: two records with their own mobile, whatever the system.
    pairs, records = _two_customers(b2_source="web")
    assert _apply(pairs, records)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    # Without a source system at all: likewise.
    assert _apply(pairs, records.drop(columns=["source_system"]))[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)


def test_a_lone_record_with_its_own_mobile_stays_linked():
    # One record with another number beside an established customer: a mover's new phone may be
    # all it is (the dev set's movers).
    records = _records(
        a=("庄原市春田町18-25", "host", None, None),
        a2=("庄原市春田町18-25", "agency", "09011112222", None),
        b=("十津川村永井20-19", "claims", "08033334444", None),
    )
    pairs = _pairs(("a", "b", 0.997, NAME_AND_DOB | {"mobile": 0}), ("a", "a2", 0.999, AT_HOME))
    assert _apply(pairs, records)[0] == (0.997, None)


def test_a_side_without_any_contact_stays_linked():
    pairs, records = _two_customers(b2_mobile=None)
    assert _apply(pairs, records)[0] == (0.997, None)


def test_without_records_nothing_changes():
    pairs, _ = _two_customers()
    assert _apply(pairs, None)[0] == (0.997, None)


def test_a_linked_record_missing_from_the_records_is_not_counted():
    # b carries the mobile itself; b2 (linked to b) is not among the scored records: one record.
    pairs, records = _two_customers(b2_mobile=None)
    records.loc["b", "mobile_n"] = "08033334444"
    assert _apply(pairs, records)[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    assert _apply(pairs, records.drop(index="b2"))[0] == (0.997, None)


def test_a_shared_identifier_in_the_data_leaves_the_model_to_decide():
    # FEBRL-like data (a shared id is compared): the hard-negative rules do not apply.
    pairs, records = _two_customers()
    assert _apply(pairs, records, TOP | {"other_id": 3})[0] == (0.997, None)


def test_an_address_in_common_is_not_this_rule():
    pairs, records = _two_customers()
    pairs.loc[0, "gamma_location"] = 6  # the address agrees: not "elsewhere"
    assert _apply(pairs, records)[0] == (0.997, None)


def test_the_other_pairs_between_two_held_groups_wait_for_the_same_answer():
    # a — b: a common name in both records' kanji (3 % × 3 % of 10,000: 9 expected holders), held
    # as possible namesakes. a2 — b2 is the same question (a2 linked to a at one home, b2 to b),
    # but a2's given name is a rarer spelling: alone it would stay linked and merge both groups.
    pairs, records = _two_customers(b2_mobile=None)
    pairs = pd.concat([pairs, _pairs(("a2", "b2", 0.997, NAME_AND_DOB))], ignore_index=True)
    pairs.loc[0, [f"tf_{c}_{s}" for c in ("fam_kanji", "giv_kanji") for s in ("l", "r")]] = 0.03
    out = _apply(pairs, records)
    assert out[0] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    assert out[3] == (0.2, rules.NAME_AND_BIRTH_DATE_ONLY)
    assert out[1:3] == [(0.999, None), (0.999, None)]
    # Alone, a2 — b2 is a rare name with nothing against it: linked.
    assert _apply(pairs.iloc[1:], records)[-1] == (0.997, None)


def test_pairs_between_groups_nobody_asks_about_stay_linked():
    # b's side has no contact: nothing is held, nothing waits.
    pairs, records = _two_customers(b2_mobile=None)
    records.loc["b3"] = ["十津川村永井20-19", None, "1971-04-15", "サナエ", "早苗", None, None, "web"]
    pairs = pd.concat([pairs, _pairs(("a2", "b3", 0.997, NAME_AND_DOB))], ignore_index=True)
    assert [p for p, _ in _apply(pairs, records)] == [0.997, 0.999, 0.999, 0.997]


# --- siblings of one given-name reading --------------------------------------------------------------


def test_siblings_of_one_reading_at_one_home_are_never_linked_automatically():
    # 小林優子 (2020-01-21) / 小林裕子 (2021-10-22): one reading ユウコ (level "reading"), the home
    # address and landline agree, the birth dates disagree outright (level "else").
    siblings = AT_HOME | {"given_name": 9, "birth_date": 0}
    assert _apply(_pairs(("a", "b", 0.99, siblings)), None) == [(0.2, rules.SHARED_CONTACT_ONLY)]
    # A kana-only mainframe record (family and given name by reading) likewise.
    kana_only = siblings | {"family_name": 9}
    assert _apply(_pairs(("a", "b", 0.99, kana_only)), None) == [(0.2, rules.SHARED_CONTACT_ONLY)]


def test_one_reading_with_a_birth_date_slip_or_a_swap_is_left_to_the_model():
    for level in (5, 4, 3):  # day and month swapped, one digit, two digits
        pair = AT_HOME | {"given_name": 9, "birth_date": level}
        assert _apply(_pairs(("a", "b", 0.99, pair)), None) == [(0.99, None)]


def test_the_same_kanji_with_disagreeing_birth_dates_is_not_this_rule():
    pair = AT_HOME | {"birth_date": 0}
    assert _apply(_pairs(("a", "b", 0.99, pair)), None) == [(0.99, None)]
