"""ノンフリート等級 facts of a motor cancellation (tsunagu.cases.grade_facts): the boundaries of the
grade arithmetic, the 7-day carry-over, the 13-month rule for grades 1–5 and the 中断証明書."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.cases import grade_facts as gf

D = dt.date


@pytest.mark.parametrize(
    ("grade", "three", "one", "expected"),
    [
        (6, 0, 0, 7),  # claim-free: +1
        (19, 0, 0, 20),
        (20, 0, 0, 20),  # capped at 20
        (10, 1, 0, 7),  # 3-grade accident: −3, no +1
        (10, 0, 1, 9),  # 1-grade accident: −1
        (10, 2, 1, 3),
        (3, 1, 0, 1),  # never below 1
        (1, 0, 0, 2),
    ],
)
def test_next_grade(grade, three, one, expected):
    assert gf.next_grade(grade, three_grade=three, one_grade=one) == expected


@pytest.mark.parametrize("grade", [0, 21])
def test_a_grade_outside_1_to_20_is_refused(grade):
    with pytest.raises(ValueError, match="等級は1〜20"):
        gf.next_grade(grade)


@pytest.mark.parametrize(
    ("years", "three", "one", "expected"),
    [(0, 0, 0, 0), (3, 0, 0, 2), (0, 1, 0, 3), (3, 1, 0, 5), (5, 1, 0, 6), (6, 2, 0, 6), (0, 0, 1, 1)],
)
def test_accident_coefficient_years(years, three, one, expected):
    assert gf.next_accident_years(years, three_grade=three, one_grade=one) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 13, D(2027, 2, 28)),
        (D(2026, 6, 15), 13, D(2027, 7, 15)),
        (D(2027, 1, 31), 13, D(2028, 2, 29)),  # leap year
        (D(2026, 12, 10), 120, D(2036, 12, 10)),
    ],
)
def test_add_months(day, months, expected):
    assert gf.add_months(day, months) == expected


def test_seven_day_window_counts_the_next_day_as_day_one():
    facts = gf.grade_facts(grade=12, accident_years=0, end_date=D(2026, 12, 25), reason="switch")
    assert facts.carry_over_until == D(2027, 1, 1)
    assert "2027/01/01まで" in facts.lines[2]


def test_sold_car_with_a_good_grade_can_have_a_suspension_certificate():
    facts = gf.grade_facts(grade=6, accident_years=0, end_date=D(2026, 6, 30), reason="sold")
    assert facts.next_grade == 7  # the lowest grade that qualifies
    assert facts.suspension_eligible
    assert facts.suspension_request_until == D(2027, 7, 30)
    assert facts.suspension_valid_until == D(2036, 6, 30)
    assert not facts.demerit
    assert any("中断証明書を発行できます" in line for line in facts.lines)


def test_next_grade_6_is_too_low_for_a_certificate():
    facts = gf.grade_facts(grade=9, accident_years=0, end_date=D(2026, 6, 30), reason="sold", accident_types=["対物"])
    assert (facts.next_grade, facts.next_accident_years) == (6, 3)
    assert facts.suspension == "grade"
    assert not facts.demerit  # 6 is not a demerit grade


def test_grade_5_follows_the_customer_for_13_months():
    facts = gf.grade_facts(grade=8, accident_years=0, end_date=D(2026, 1, 31), reason="switch", accident_types=["対人"])
    assert facts.next_grade == 5
    assert facts.demerit
    assert facts.demerit_until == D(2027, 2, 28)
    assert any("2027/02/28までに始まる" in line for line in facts.lines)


def test_switching_gives_no_certificate_and_other_reasons_ask():
    assert gf.grade_facts(grade=15, accident_years=0, end_date=D(2026, 6, 1), reason="switch").suspension == "reason"
    assert gf.grade_facts(grade=15, accident_years=0, end_date=D(2026, 6, 1), reason="other").suspension == "ask"


def test_accident_classes_no_count_and_one_grade():
    facts = gf.grade_facts(
        grade=10, accident_years=0, end_date=D(2026, 6, 1), reason="sold", accident_types=["人身傷害", "盗難"]
    )
    assert (facts.three_grade, facts.one_grade, facts.no_count) == (0, 1, 1)
    assert facts.next_grade == 9
    assert gf.accident_class("不明な事故") == gf.THREE_GRADE  # the cautious side


def test_an_assumed_end_date_is_said_so():
    facts = gf.grade_facts(grade=10, accident_years=0, end_date=D(2026, 6, 1), reason="sold", end_assumed=True)
    assert "本日解約した場合" in facts.lines[1]
