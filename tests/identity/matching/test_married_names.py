"""Married names with a slipped birth date (issue 16, seventh session; docs/identity-ii.md §11):
no blocking rule compares them (another family name, another address, new contacts, a digit of the
birth date off); the batch run compares them inside the questions a steward is asked anyway, and
the rules queue them only there."""

from __future__ import annotations

import pandas as pd

from tests.identity.matching.conftest import person
from tsunagu.identity.matching import Matcher, prepare, rules
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)
TOP = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "location": 7}
# Another family name, the given name, the birth date one digit off; another address, no contact.
SLIPPED_RENAME = {"family_name": 0, "given_name": 10, "birth_date": 4, "mobile": -1, "email": -1, "location": 0}
# The same person's records under one name at one address (name, birth date, address, landline).
SAME_RECORDS = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": -1, "email": -1, "location": 7}


def _book(*records: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(records)


MAIDEN = person(
    record_id="A1",
    name_kanji="松本 明美",
    name_kana="マツモト アケミ",
    birth_date="1963-05-02",
    postal_code="671-4131",
    address="兵庫県宍粟市一宮町西深24-9",
    phone="",
    mobile="090-4444-1111",
    email="",
)
# The same maiden records with a slipped birth date (one digit): linked by the address and mobile.
MAIDEN_SLIPPED = MAIDEN | {"record_id": "A2", "birth_date": "1963-05-12", "source_system": "branch"}
# The married name: another family name and address, new contacts, the right birth date.
MARRIED = person(
    record_id="B",
    name_kanji="遠藤 明美",
    name_kana="エンドウ アケミ",
    birth_date="1963-05-02",
    postal_code="620-0017",
    address="京都府福知山市報恩寺19-21",
    phone="",
    mobile="080-7777-2222",
    email="",
    source_system="web",
)


def _decisions(matcher: Matcher, book: pd.DataFrame) -> dict[tuple[str, str], tuple[bool, bool, str | None]]:
    """(left, right) → (auto-linked, in review or linked, rule) of every pair above the floor."""
    scored = matcher.predict(prepare(book, surnames=matcher.surnames), min_probability=0.0, with_evidence=False)
    out: dict[tuple[str, str], tuple[bool, bool, str | None]] = {}
    for row in scored.itertuples():
        a, b = sorted((str(row.record_id_l), str(row.record_id_r)))
        linked = row.match_probability >= matcher.thresholds.auto_link
        out[(a, b)] = (bool(linked), bool(row.match_probability >= matcher.thresholds.review), row.rule)
    return out


def test_a_slipped_married_record_joins_the_name_change_question(matcher: Matcher):
    decided = _decisions(matcher, _book(MAIDEN, MAIDEN_SLIPPED, MARRIED))
    assert decided[("A1", "A2")][0]  # one person's maiden records
    assert decided[("A1", "B")] == (False, True, rules.POSSIBLE_NAME_CHANGE)
    # No blocking rule compares A2 and B; inside the question they are compared and queued.
    assert decided[("A2", "B")] == (False, True, rules.POSSIBLE_NAME_CHANGE)


def test_a_slipped_married_record_alone_is_not_compared(matcher: Matcher):
    # Without the maiden record of the right date there is no question: strangers of one given
    # name with a date one digit off are many, and a steward is not asked about them.
    decided = _decisions(matcher, _book(MAIDEN_SLIPPED, MARRIED))
    assert ("A2", "B") not in decided


def test_name_changes_are_given_name_and_birth_date_without_the_family_name():
    top = {"family_name": 10, "given_name": 10, "birth_date": 6}
    pairs = _pairs(
        ("a", "b", 0.1, {"family_name": 0, "given_name": 10, "birth_date": 6}),  # a name change
        ("a", "c", 0.1, {"family_name": 0, "given_name": 9, "birth_date": 4}),  # by reading, a slip
        ("a", "d", 0.1, {"family_name": 10, "given_name": 10, "birth_date": 4}),  # one family name
        ("a", "e", 0.1, {"family_name": 0, "given_name": 10, "birth_date": 3}),  # two digits off
        ("a", "f", 0.1, {"family_name": 0, "given_name": 7, "birth_date": 6}),  # given names only alike
    )
    assert rules.name_changes(pairs, top).tolist() == [True, True, False, False, False]


def _pairs(*rows: tuple[str, str, float, dict[str, int]]) -> pd.DataFrame:
    out = []
    for left, right, probability, gammas in rows:
        row = {"record_id_l": left, "record_id_r": right, "match_probability": probability, "match_weight": 0.0}
        row.update({f"gamma_{k}": v for k, v in gammas.items()})
        out.append(row)
    return pd.DataFrame(out)


def _decided(pairs: pd.DataFrame) -> dict[tuple[str, str], tuple[float, str | None]]:
    out = rules.apply(pairs, THRESHOLDS, TOP)
    columns = (out["record_id_l"], out["record_id_r"], out["match_probability"], out["rule"])
    return {(a, b): (round(float(p), 6), r) for a, b, p, r in zip(*columns, strict=True)}


def test_a_slipped_name_change_alone_stays_out_of_the_queue():
    # Strangers of one given name with a date one digit off are many: nothing else, no queue.
    decided = _decided(_pairs(("maiden", "married", 0.004, SLIPPED_RENAME)))
    assert decided[("maiden", "married")] == (0.004, None)


def test_a_slipped_name_change_within_one_linked_group_is_queued():
    # maiden ← linked → maiden2 ← linked (the same mobile across the change) → married: the
    # slipped pair is one question already.
    decided = _decided(
        _pairs(
            ("maiden", "married", 0.004, SLIPPED_RENAME),
            ("maiden", "maiden2", 0.99, SAME_RECORDS),
            ("maiden2", "married", 0.95, SLIPPED_RENAME | {"birth_date": 6, "mobile": 3}),
        )
    )
    assert decided[("maiden", "married")] == (0.2, rules.POSSIBLE_NAME_CHANGE)


def test_a_slipped_name_change_beside_a_queued_one_is_queued_never_linked():
    # maiden2 (the right date) and married are in review as a name change; maiden is linked to
    # maiden2. The slipped pair maiden / married joins that question, and is not linked.
    renamed = SLIPPED_RENAME | {"birth_date": 6}
    decided = _decided(
        _pairs(
            ("maiden", "married", 0.004, SLIPPED_RENAME),
            ("maiden", "maiden2", 0.99, SAME_RECORDS),
            ("maiden2", "married", 0.01, renamed),
        )
    )
    assert decided[("maiden2", "married")] == (0.2, rules.POSSIBLE_NAME_CHANGE)
    assert decided[("maiden", "married")] == (0.2, rules.POSSIBLE_NAME_CHANGE)
    # A question about someone else (maiden2 with a third record) does not queue it.
    decided = _decided(
        _pairs(
            ("maiden", "married", 0.004, SLIPPED_RENAME),
            ("maiden", "maiden2", 0.99, SAME_RECORDS),
            ("maiden2", "other", 0.01, renamed),
        )
    )
    assert decided[("maiden", "married")] == (0.004, None)


def test_a_slip_with_the_same_family_name_or_two_digits_is_not_this_rule():
    same_family = SLIPPED_RENAME | {"family_name": 10}
    two_digits = SLIPPED_RENAME | {"birth_date": 3}
    for gammas in (same_family, two_digits):
        decided = _decided(
            _pairs(
                ("maiden", "married", 0.004, gammas),
                ("maiden", "maiden2", 0.99, SAME_RECORDS),
                ("maiden2", "married", 0.95, SAME_RECORDS),
            )
        )
        assert decided[("maiden", "married")][1] != rules.POSSIBLE_NAME_CHANGE


def test_a_review_pair_that_is_no_name_change_does_not_make_one_question():
    # maiden2 and married are in review for another reason (one family name and address, the
    # given name only alike: a household); the slipped pair maiden / married stays out.
    household = {"family_name": 10, "given_name": 7, "birth_date": 0, "mobile": -1, "email": -1, "location": 7}
    decided = _decided(
        _pairs(
            ("maiden", "married", 0.004, SLIPPED_RENAME),
            ("maiden", "maiden2", 0.99, SAME_RECORDS),
            ("maiden2", "married", 0.5, household),
        )
    )
    assert decided[("maiden", "married")] == (0.004, None)
