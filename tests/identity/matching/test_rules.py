"""The rule layer as a pure function of comparison levels (gamma) and model probabilities."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.identity.matching import rules
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.2)
# Best level (gamma) per comparison, as in comparisons.py.
TOP = {"family_name": 10, "given_name": 10, "birth_date": 6, "mobile": 3, "email": 2, "other_id": 3, "location": 7}


def _pair(probability: float, **gammas: int) -> pd.DataFrame:
    row = {"match_probability": probability, "match_weight": 0.0}
    row.update({f"gamma_{k}": v for k, v in gammas.items()})
    return pd.DataFrame([row])


def _apply(probability: float, **gammas: int) -> tuple[float, object]:
    out = rules.apply(_pair(probability, **gammas), THRESHOLDS, TOP)
    return float(out["match_probability"].iloc[0]), out["rule"].iloc[0]


def test_same_name_a_generation_apart_goes_to_review_at_most():
    same_name_home = {"family_name": 10, "given_name": 10, "birth_date": rules.BIRTH_DATE_YEARS_APART, "location": 7}
    assert _apply(0.99, **same_name_home, mobile=0, other_id=0) == (0.2, rules.BIRTH_DATE_CONFLICT)
    # A shared id with one slip is the person's id; a mobile one digit off is not.
    assert _apply(0.99, **same_name_home, other_id=2) == (0.99, None)
    assert _apply(0.99, **same_name_home, mobile=2) == (0.2, rules.BIRTH_DATE_CONFLICT)


def test_given_name_conflict_is_rejected_unless_a_personal_id_agrees():
    household = {"family_name": 10, "given_name": 0, "birth_date": 0, "location": 7}
    assert _apply(0.95, **household, mobile=0) == (0.0, rules.GIVEN_NAME_CONFLICT)
    assert _apply(0.95, **household, mobile=3) == (0.2, rules.GIVEN_NAME_CONFLICT)


def test_only_household_fields_agree_goes_to_review_at_most():
    assert _apply(0.95, family_name=10, given_name=-1, birth_date=-1, location=7) == (0.2, rules.NO_PERSONAL_EVIDENCE)


@pytest.mark.parametrize(
    ("given", "birth_date", "mobile", "lifted"),
    [(10, 6, 3, True), (9, 4, 3, True), (10, 6, 2, False), (7, 6, 3, False), (10, 3, 3, False)],
)
def test_personal_fields_lift_a_changed_surname(given, birth_date, mobile, lifted):
    """Given name (kanji or reading), birth date (at most a slip) and an exact mobile: linked."""
    probability, rule = _apply(0.01, family_name=0, given_name=given, birth_date=birth_date, mobile=mobile, location=0)
    assert probability == 0.9 if lifted else probability < 0.9
    assert rule == rules.PERSONAL_FIELDS_AGREE if lifted else rule != rules.PERSONAL_FIELDS_AGREE


@pytest.mark.parametrize(
    ("family", "given", "birth_date", "expected"),
    [
        (0, 10, 6, (0.2, rules.POSSIBLE_NAME_CHANGE)),  # other surname, same given name and birthday
        (0, 9, 6, (0.2, rules.POSSIBLE_NAME_CHANGE)),  # the given name's reading
        (0, 10, 4, (0.01, None)),  # a slip in the birth date: too common among strangers
        (0, 7, 6, (0.01, None)),  # a fuzzy given name
        (10, 10, 6, (0.01, None)),  # the same surname: not a name change (the model decides)
        (-1, 10, 6, (0.01, None)),  # no surname on one side
    ],
)
def test_a_possible_name_change_goes_to_review(family, given, birth_date, expected):
    """Married and moved with new contacts: only the given name and birth date are left, which
    strangers share too. A data steward decides; the rule never links."""
    pair = {
        "family_name": family,
        "given_name": given,
        "birth_date": birth_date,
        "mobile": 0,
        "email": 0,
        "location": 0,
    }
    assert _apply(0.01, **pair) == expected
    assert _apply(0.5, **pair)[0] == 0.5  # it only raises, up to the review threshold


def test_the_best_level_comes_from_the_model_not_the_batch():
    # Only a mobile typo in the batch: it is not the exact level (3), so no personal id agrees.
    pairs = _pair(0.95, family_name=10, given_name=0, birth_date=0, mobile=2)
    assert rules.apply(pairs, THRESHOLDS, TOP)["match_probability"].iloc[0] == 0.0


def test_the_home_landline_with_given_name_and_birth_date_lifts_too():
    moved_in_married = {"family_name": 0, "given_name": 10, "birth_date": 5, "mobile": -1}
    assert _apply(0.15, **moved_in_married, location=5) == (0.9, rules.PERSONAL_FIELDS_AGREE)
    assert _apply(0.15, **moved_in_married, location=6) == (0.15, None)  # the address alone: no
