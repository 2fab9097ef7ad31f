"""ノンフリート等級 facts for a motor cancellation, computed from the policy (pure: no Django).

What the operator tells a customer who cancels a motor policy (../shared/domain/insurance.md §e.2, e.3):

- the grade the next contract would get (次契約の等級): +1 after a claim-free year (at most 20);
  −3 per 3等級ダウン事故 and −1 per 1等級ダウン事故 (at least 1); ノーカウント事故 count as claim-free;
- the 事故有係数適用期間 the next contract would carry: one year less, +3 per 3-grade and +1 per 1-grade
  accident, between 0 and 6;
- the **7-day rule**: the grade carries over (to any insurer) when the new policy starts within 7 days
  after the end date (解約日 or 満期日; the next day is day 1), so the last start day is end + 7;
- the **13-month rule**: a next grade of 1–5 (デメリット等級) follows the customer to any new policy
  starting within 13 months after the end date; lapsing does not reset it;
- the **中断証明書**: issuable when the next grade is 7–20 and the reason is a qualifying event (the
  vehicle sold, scrapped, transferred, stolen or deregistered; going abroad); requested within 13 months
  after the end date (some insurers allow 5 years); it keeps the grade for 10 years.

Thresholds are the module constants below (the domain reference's values); the accident classes of the
case's accident types are `ACCIDENT_CLASS` (an estimate until the claim's own classification is known).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_GRADE, MAX_GRADE = 1, 20
NEW_CONTRACT_GRADE = 6
MAX_ACCIDENT_YEARS = 6
CARRY_OVER_DAYS = 7  # the new policy starts on end + 1 … end + 7
DEMERIT_MAX_GRADE = 5  # grades 1–5 follow the customer …
DEMERIT_MONTHS = 13  # … for 13 months
SUSPENSION_MIN_GRADE = 7  # 中断証明書: the next grade must be 7–20
SUSPENSION_REQUEST_MONTHS = 13
SUSPENSION_VALID_YEARS = 10

THREE_GRADE, ONE_GRADE, NO_COUNT = "three", "one", "no_count"
# Accident types of motor claims (cases.workflow.ACCIDENT_TYPES["auto"]) → grade effect. 車両 is
# counted as a collision (3等級); a vehicle-only theft, flood or flying stone (1等級) is named so.
ACCIDENT_CLASS: dict[str, str] = {
    "対人": THREE_GRADE,
    "対物": THREE_GRADE,
    "車両": THREE_GRADE,
    "自損": THREE_GRADE,
    "人身傷害": NO_COUNT,
    "搭乗者傷害": NO_COUNT,
    "弁護士費用": NO_COUNT,
    "盗難": ONE_GRADE,
    "飛び石": ONE_GRADE,
    "水災": ONE_GRADE,
    "火災": ONE_GRADE,
    "落書き・いたずら": ONE_GRADE,
}

# Reasons (cases.choices.CancellationReason) whose event qualifies for a 中断証明書 by itself, and
# those where it depends on what happened (ask the customer).
SUSPENSION_REASONS = frozenset({"sold"})
SUSPENSION_MAYBE_REASONS = frozenset({"other"})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (1/31 + 1 → 2/28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def accident_class(accident_type: str) -> str:
    """The grade effect of a claim's accident type (unknown types count as 3等級ダウン, the cautious side)."""
    return ACCIDENT_CLASS.get(accident_type.strip(), THREE_GRADE)


def next_grade(grade: int, *, three_grade: int = 0, one_grade: int = 0) -> int:
    """次契約の等級 after this period's accidents."""
    if not MIN_GRADE <= grade <= MAX_GRADE:
        raise ValueError(f"等級は{MIN_GRADE}〜{MAX_GRADE}です: {grade}")
    if three_grade < 0 or one_grade < 0:
        raise ValueError("事故件数は0以上です。")
    if three_grade == 0 and one_grade == 0:
        return min(grade + 1, MAX_GRADE)
    return max(grade - 3 * three_grade - one_grade, MIN_GRADE)


def next_accident_years(years: int, *, three_grade: int = 0, one_grade: int = 0) -> int:
    """The 事故有係数適用期間 the next contract carries: one year less, plus 3 / 1 per accident, 0–6."""
    return min(max(years - 1, 0) + 3 * three_grade + one_grade, MAX_ACCIDENT_YEARS)


@dataclass(frozen=True)
class GradeFacts:
    grade: int
    accident_years: int
    end_date: dt.date  # 解約日 (or the day assumed when it is not decided yet)
    end_assumed: bool  # True when end_date is today's date, not a recorded 解約日
    three_grade: int
    one_grade: int
    no_count: int
    next_grade: int
    next_accident_years: int
    carry_over_until: dt.date  # the last start date of a new policy that keeps the grade (7-day rule)
    demerit: bool  # next grade 1–5: it follows the customer (13-month rule)
    demerit_until: dt.date  # end + 13 months
    suspension: str  # "eligible", "ask" (depends on the event), "grade" (grade too low), "reason" (no event)
    suspension_request_until: dt.date
    suspension_valid_until: dt.date
    lines: list[str] = field(default_factory=list)  # the facts in Japanese, in the order to tell them

    @property
    def suspension_eligible(self) -> bool:
        return self.suspension == "eligible"


def grade_facts(
    *,
    grade: int,
    accident_years: int,
    end_date: dt.date,
    reason: str,
    accident_types: Iterable[str] = (),
    end_assumed: bool = False,
) -> GradeFacts:
    """The facts for cancelling on `end_date` with the period's paid/open motor claims' accident types."""
    classes = [accident_class(t) for t in accident_types]
    three, one, none = classes.count(THREE_GRADE), classes.count(ONE_GRADE), classes.count(NO_COUNT)
    upcoming = next_grade(grade, three_grade=three, one_grade=one)
    years = next_accident_years(accident_years, three_grade=three, one_grade=one)
    carry_until = end_date + dt.timedelta(days=CARRY_OVER_DAYS)
    demerit = upcoming <= DEMERIT_MAX_GRADE
    demerit_until = add_months(end_date, DEMERIT_MONTHS)
    request_until = add_months(end_date, SUSPENSION_REQUEST_MONTHS)
    valid_until = add_months(end_date, SUSPENSION_VALID_YEARS * 12)
    if upcoming < SUSPENSION_MIN_GRADE:
        suspension = "grade"
    elif reason in SUSPENSION_REASONS:
        suspension = "eligible"
    elif reason in SUSPENSION_MAYBE_REASONS:
        suspension = "ask"
    else:
        suspension = "reason"

    when = "本日解約した場合" if end_assumed else f"解約日 {end_date:%Y/%m/%d}"
    accidents = (
        f"今期の事故: 3等級ダウン {three}件・1等級ダウン {one}件・ノーカウント {none}件"
        if classes
        else "今期の事故: なし"
    )
    lines = [
        f"現在 {grade}等級(事故有係数適用期間 {accident_years}年)。{accidents}。",
        f"次契約の等級は {upcoming}等級(事故有係数適用期間 {years}年)です({when})。",
        f"解約日の翌日から{CARRY_OVER_DAYS}日以内({carry_until:%Y/%m/%d}まで)に始まる新しい契約なら、"
        "他社でも等級を引き継げます。過ぎると新規の6等級からになります。",
    ]
    if demerit:
        lines.append(
            f"{upcoming}等級は{DEMERIT_MAX_GRADE}等級以下のため、{demerit_until:%Y/%m/%d}までに始まる新しい契約には"
            "どの保険会社でもこの等級が引き継がれます(解約や中断でリセットされません)。"
        )
    if suspension == "eligible":
        lines.append(
            f"中断証明書を発行できます。{request_until:%Y/%m/%d}までにお申し出ください。"
            f"等級は中断日から{SUSPENSION_VALID_YEARS}年間({valid_until:%Y/%m/%d}まで)保存されます。"
        )
    elif suspension == "ask":
        lines.append(
            "車両の廃車・譲渡・返還・盗難・一時抹消、または海外渡航による解約なら中断証明書を発行できます"
            f"({request_until:%Y/%m/%d}までにお申し出、{SUSPENSION_VALID_YEARS}年間有効)。理由をご確認ください。"
        )
    elif suspension == "grade":
        lines.append(f"次契約の等級が{SUSPENSION_MIN_GRADE}等級未満のため、中断証明書は発行できません。")
    else:
        lines.append(
            "車両を手放さない解約(乗換え・保険料など)では中断証明書は発行できません。等級は上の期間内に限り引き継げます。"
        )
    return GradeFacts(
        grade=grade,
        accident_years=accident_years,
        end_date=end_date,
        end_assumed=end_assumed,
        three_grade=three,
        one_grade=one,
        no_count=none,
        next_grade=upcoming,
        next_accident_years=years,
        carry_over_until=carry_until,
        demerit=demerit,
        demerit_until=demerit_until,
        suspension=suspension,
        suspension_request_until=request_until,
        suspension_valid_until=valid_until,
        lines=lines,
    )
