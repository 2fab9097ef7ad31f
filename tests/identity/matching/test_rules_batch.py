"""The rule layer's batch helpers (docs/identity-ii.md §17): record ids coded once per `apply`, groups
of linked records compared as integer keys, a household's contacts joined on integer codes. The
rules' behaviour is tested in test_contact_at_both_addresses.py and test_precision_rules_2.py; these
pin the helpers' edge cases (mirrored pairs, ids of two types, empty names, a contact at many
addresses)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tsunagu.identity.matching import rules
from tsunagu.identity.matching.thresholds import Thresholds


def _pairs(*ids: tuple[object, object]) -> pd.DataFrame:
    return pd.DataFrame({"record_id_l": [a for a, _ in ids], "record_id_r": [b for _, b in ids]})


def test_record_codes_read_an_id_as_text_whatever_its_type():
    left, right, ids = rules._record_codes(_pairs((7, "8"), ("7", 9)))
    assert list(ids[left]) == ["7", "7"]
    assert list(ids[right]) == ["8", "9"]
    assert left[0] == left[1]


def test_same_groups_matches_a_pair_and_its_mirror_between_two_groups():
    # Groups {a, b} and {c, d} (linked pairs), {e} alone. a–c is held; d–b (mirrored) and b–c
    # are between the same two groups, e–a is not.
    pairs = _pairs(("a", "b"), ("c", "d"), ("a", "c"), ("d", "b"), ("b", "c"), ("e", "a"))
    linked = np.array([True, True, False, False, False, False])
    held = np.array([False, False, True, False, False, False])
    rows = np.array([False, False, False, True, True, True])
    out = rules._same_groups(pairs, rows, held, linked)
    assert out.tolist() == [False, False, False, True, True, False]
    # The shared codes give the same answer.
    assert rules._same_groups(pairs, rows, held, linked, rules._record_codes(pairs)).tolist() == out.tolist()


def test_asked_together_within_one_group_or_between_two_asked_groups():
    pairs = _pairs(("a", "b"), ("b", "c"), ("d", "e"), ("e", "a"), ("a", "c"), ("e", "f"))
    probability = np.array([0.95, 0.95, 0.95, 0.5, 0.0, 0.0])
    questions = np.array([False, False, False, True, False, False])
    rows = np.array([False, False, False, False, True, True])
    thresholds = Thresholds(auto_link=0.9, review=0.2)
    # a–c: one linked group; e–f: f is alone, not asked with e's group.
    assert rules._asked_together(pairs, rows, probability, thresholds, questions).tolist() == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]


def _people(**contacts: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"record_id": rid, "mobile_n": c.get("mobile_n"), "email_n": c.get("email_n")} for rid, c in contacts.items()]
    ).set_index("record_id")


def test_own_contacts_differ_through_linked_records_and_an_e_mail_name():
    records = _people(
        a={"mobile_n": "09011112222"},
        a2={},  # linked to a: borrows a's mobile
        b={"mobile_n": "09033334444"},
        c={"email_n": "taro.s@docomo.ne.jp"},
        d={"email_n": "taro.s@gmail.com"},  # the same name before the @: one person's
    )
    pairs = _pairs(("a", "a2"), ("a2", "b"), ("c", "d"))
    linked = np.array([True, False, False])
    rows = np.array([False, True, True])
    out = rules._own_contacts_differ(pairs, rows, linked, records, columns=rules.CONTACT_COLUMNS)
    assert out.tolist() == [False, True, False]
    # Two records each are required of an established customer: b has one.
    established = rules._own_contacts_differ(
        pairs, rows, linked, records, columns=rules.CONTACT_COLUMNS, min_records=rules.ESTABLISHED_RECORDS
    )
    assert established.tolist() == [False, False, False]


def _households(rows: list[tuple[str, str, str | None, str | None]]) -> pd.DataFrame:
    """(record_id, address, family-name reading, landline); no kanji, mobiles or e-mails."""
    return pd.DataFrame(
        [
            {"record_id": rid, "addr": addr, "fam_kana": family, "fam_kanji": None, "landline": landline}
            for rid, addr, family, landline in rows
        ]
    ).set_index("record_id")


def test_contact_at_both_joins_on_address_and_family_and_skips_a_contact_at_many_addresses():
    records = _households(
        [
            ("p1", "旧1", "ヤマダ", "0311112222"),
            ("p2", "新2", "ヤマダ", "0311112222"),
            ("q1", "旧3", "サトウ", "0399990000"),
            ("q2", "新4", "サトウ", "0399990000"),
            # The same number at two more addresses: four in all, an office's, no household's.
            ("x1", "他5", "スズキ", "0399990000"),
            ("x2", "他6", "タナカ", "0399990000"),
            ("r1", "旧7", None, "0355556666"),  # no family name: no household's
            ("r2", "新8", None, "0355556666"),
        ]
    )
    pairs = _pairs(("p1", "p2"), ("q1", "q2"), ("r1", "r2"), ("p1", "unknown"))
    rows = np.ones(len(pairs), dtype=bool)
    assert rules._contact_at_both(pairs, rows, records).tolist() == [True, False, False, False]
