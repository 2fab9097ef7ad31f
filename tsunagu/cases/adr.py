"""The そんぽADR path of a complaint (§d.2): date marks, stage rules, quarterly statistics. Pure, no Django.

- 苦情解決手続: the ADR center notifies the insurer of a complaint the customer lodged with it. When
  the complaint is not resolved **60 days after it was lodged**, the center mails the customer a
  guide to the dispute procedure (`day60_mark`).
- 紛争解決手続: the panel aims to draft a settlement proposal **within 4 months of the filing**
  (`proposal_target`).
- Stages only go forward (none → 苦情解決手続 → 紛争解決手続); a result ends the referral for good.

Calendar days throughout: the center's 60 days and 4 months are calendar periods. Reminders are
set a number of *business* days before a mark (`reminder_start`, given the business-day test).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

NONE, COMPLAINT, DISPUTE = "", "complaint", "dispute"
STAGE_ORDER = {NONE: 0, COMPLAINT: 1, DISPUTE: 2}
STAGE_LABELS = {NONE: "未申出", COMPLAINT: "苦情解決手続", DISPUTE: "紛争解決手続"}

DAY60 = 60
PROPOSAL_MONTHS = 4

# Which results end which stage: a complaint procedure ends resolved, withdrawn, not accepted or
# without agreement (the customer may then file a dispute); a dispute ends in 和解, 特別調停,
# 不調(見込みなし) or 取下げ.
RESULTS_BY_STAGE: dict[str, tuple[str, ...]] = {
    COMPLAINT: ("resolved", "withdrawn", "not_accepted", "failed"),
    DISPUTE: ("settled", "special_conciliation", "failed", "withdrawn"),
}


def day60_mark(lodged_on: dt.date) -> dt.date:
    """The day the complaint has stood unresolved 60 days after it was lodged with the center."""
    return lodged_on + dt.timedelta(days=DAY60)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (10/31 + 4 → 2/28 or 29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def proposal_target(dispute_filed_on: dt.date) -> dt.date:
    """The settlement-proposal target: 4 months after the dispute was filed."""
    return add_months(dispute_filed_on, PROPOSAL_MONTHS)


def reminder_start(mark: dt.date, business_days_before: int, is_business_day: Callable[[dt.date], bool]) -> dt.date:
    """The business day `business_days_before` business days before `mark` (0 → the mark itself)."""
    if business_days_before < 0:
        raise ValueError("営業日数には0以上の整数を指定してください。")
    day, remaining = mark, business_days_before
    while remaining:
        day -= dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def days_left(mark: dt.date, today: dt.date) -> int:
    """Calendar days from today to the mark (negative once it has passed)."""
    return (mark - today).days


@dataclass(frozen=True)
class Referral:
    """The ADR dates of one complaint, as the rules need them."""

    stage: str = NONE
    notified_on: dt.date | None = None
    lodged_on: dt.date | None = None
    dispute_filed_on: dt.date | None = None
    result: str = ""
    concluded_on: dt.date | None = None
    opened_on: dt.date | None = None  # the complaint case's 受付日


def refer_problems(current: Referral, *, notified_on: dt.date | None, lodged_on: dt.date | None, reference: str,
                   today: dt.date) -> dict[str, str]:  # fmt: skip
    """What is wrong with recording the ADR center's notification (Japanese, per field)."""
    problems: dict[str, str] = {}
    if current.stage != NONE:
        problems["__all__"] = "この苦情は既にそんぽADRセンターから通知を受けています。"
        return problems
    if notified_on is None:
        problems["notified_on"] = "ADRセンターからの通知日を入力してください。"
    if lodged_on is None:
        problems["lodged_on"] = "お客さまがADRセンターに申し出た日を入力してください。"
    if not reference.strip():
        problems["reference"] = "ADR受付番号を入力してください。"
    for field, day, label in (("notified_on", notified_on, "通知日"), ("lodged_on", lodged_on, "申出日")):
        if day is not None and day > today:
            problems[field] = f"{label}に未来の日付は入力できません。"
    if notified_on and lodged_on and not {"notified_on", "lodged_on"} & set(problems) and lodged_on > notified_on:
        problems["lodged_on"] = f"申出日は通知日({notified_on:%Y/%m/%d})以前にしてください。"
    return problems


def advance_problems(current: Referral, *, dispute_filed_on: dt.date | None, today: dt.date) -> dict[str, str]:
    """What is wrong with moving to 紛争解決手続 (stages only go forward)."""
    if current.result:
        return {"__all__": "ADRの手続は既に終了しています。"}
    if current.stage == NONE:
        return {"__all__": "先にそんぽADRセンターからの通知(苦情解決手続)を記録してください。"}
    if STAGE_ORDER[current.stage] >= STAGE_ORDER[DISPUTE]:
        return {"__all__": "既に紛争解決手続に進んでいます。手続の段階は戻せません。"}
    if dispute_filed_on is None:
        return {"dispute_filed_on": "紛争解決手続の申立日を入力してください。"}
    if dispute_filed_on > today:
        return {"dispute_filed_on": "申立日に未来の日付は入力できません。"}
    if current.lodged_on and dispute_filed_on < current.lodged_on:
        return {"dispute_filed_on": f"申立日は苦情の申出日({current.lodged_on:%Y/%m/%d})以降にしてください。"}
    return {}


def conclude_problems(
    current: Referral, *, result: str, concluded_on: dt.date | None, today: dt.date
) -> dict[str, str]:
    """What is wrong with recording how the procedure ended."""
    if current.stage == NONE:
        return {"__all__": "そんぽADRセンターからの通知が記録されていません。"}
    if current.result:
        return {"__all__": "ADRの手続は既に終了しています。"}
    problems: dict[str, str] = {}
    if result not in RESULTS_BY_STAGE[current.stage]:
        problems["result"] = f"{STAGE_LABELS[current.stage]}の結果として選べない値です。"
    if concluded_on is None:
        problems["concluded_on"] = "終了日を入力してください。"
    elif concluded_on > today:
        problems["concluded_on"] = "終了日に未来の日付は入力できません。"
    else:
        start = current.dispute_filed_on if current.stage == DISPUTE else current.lodged_on
        if start and concluded_on < start:
            what = "申立日" if current.stage == DISPUTE else "申出日"
            problems["concluded_on"] = f"終了日は{what}({start:%Y/%m/%d})以降にしてください。"
    return problems


def insurer_report_problems(*, reported_on: dt.date | None, opened_on: dt.date, today: dt.date) -> dict[str, str]:
    if reported_on is None:
        return {"reported_on": "保険会社への報告日を入力してください。"}
    if reported_on > today:
        return {"reported_on": "報告日に未来の日付は入力できません。"}
    if reported_on < opened_on:
        return {"reported_on": f"報告日は苦情の受付日({opened_on:%Y/%m/%d})以降にしてください。"}
    return {}


# --- quarterly statistics in the layout of the そんぽADRセンター統計号 ----------------------------------


@dataclass(frozen=True)
class Quarter:
    """A fiscal quarter (April–June is Q1 of the fiscal year that starts in April)."""

    fiscal_year: int
    number: int

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        year = self.fiscal_year + (month - 1) // 12
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        return add_months(self.start, 3) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}年度第{self.number}四半期"


def quarter_of(day: dt.date) -> Quarter:
    fiscal_year = day.year if day.month >= 4 else day.year - 1
    return Quarter(fiscal_year, (day.month - 4) % 12 // 3 + 1)


def quarters_between(first: dt.date, last: dt.date) -> list[Quarter]:
    quarters, current = [], quarter_of(first)
    while current.start <= last:
        quarters.append(current)
        current = quarter_of(current.end + dt.timedelta(days=1))
    return quarters


@dataclass(frozen=True)
class ProcedureCounts:
    new: int  # 新規受付: started in the quarter
    concluded: int  # 終了: ended in the quarter
    pending: int  # 未済: started by the quarter's end and not ended by then


@dataclass(frozen=True)
class QuarterRow:
    quarter: Quarter
    complaint: ProcedureCounts  # 苦情解決手続
    dispute: ProcedureCounts  # 紛争解決手続


def _periods(referral: Referral) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """(start, end) of each procedure the referral went through. A complaint procedure ends when it
    moves to the dispute procedure (the center counts it as concluded then) or with the result."""
    periods: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    complaint_start = referral.lodged_on or referral.notified_on
    if referral.stage == DISPUTE:
        periods[COMPLAINT] = (complaint_start, referral.dispute_filed_on)
        periods[DISPUTE] = (referral.dispute_filed_on, referral.concluded_on)
    elif referral.stage == COMPLAINT:
        periods[COMPLAINT] = (complaint_start, referral.concluded_on)
    return periods


NEW, CONCLUDED, PENDING = "new", "concluded", "pending"


def _kinds(start: dt.date | None, end: dt.date | None, quarter: Quarter) -> list[str]:
    """Which of 新規受付 / 終了 / 未済 one procedure counts in for the quarter."""
    if start is None:
        return []
    kinds = []
    if quarter.start <= start <= quarter.end:
        kinds.append(NEW)
    if end is not None and quarter.start <= end <= quarter.end:
        kinds.append(CONCLUDED)
    if start <= quarter.end and (end is None or end > quarter.end):
        kinds.append(PENDING)
    return kinds


def _count(periods: Sequence[tuple[dt.date | None, dt.date | None]], quarter: Quarter) -> ProcedureCounts:
    counts = {NEW: 0, CONCLUDED: 0, PENDING: 0}
    for start, end in periods:
        for kind in _kinds(start, end, quarter):
            counts[kind] += 1
    return ProcedureCounts(counts[NEW], counts[CONCLUDED], counts[PENDING])


def counted_in(referral: Referral, quarter: Quarter) -> set[tuple[str, str]]:
    """(procedure, kind) cells of the quarter's statistics row that this referral is counted in: the
    drill-down from a figure to its cases uses this, so the list always matches the figure."""
    return {
        (procedure, kind)
        for procedure, (start, end) in _periods(referral).items()
        for kind in _kinds(start, end, quarter)
    }


def quarterly_statistics(referrals: Iterable[Referral], quarters: Sequence[Quarter]) -> list[QuarterRow]:
    """新規受付 / 終了 / 未済 per quarter for 苦情解決手続 and 紛争解決手続 separately."""
    by_procedure: dict[str, list[tuple[dt.date | None, dt.date | None]]] = {COMPLAINT: [], DISPUTE: []}
    for referral in referrals:
        for procedure, period in _periods(referral).items():
            by_procedure[procedure].append(period)
    return [
        QuarterRow(quarter, _count(by_procedure[COMPLAINT], quarter), _count(by_procedure[DISPUTE], quarter))
        for quarter in quarters
    ]


# --- complaint analysis helpers ---------------------------------------------------------------------


def percentile(values: Sequence[int | float], share: float) -> float | None:
    """The `share` percentile (0–1) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def recurring(
    rows: Iterable[tuple[object, object, object, dt.date]], window_days: int
) -> dict[tuple[object, object], list[object]]:
    """Per (category, agency): the ids of the complaints counted as recurrences (each followed an
    earlier one of the same key within `window_days`); rows are (id, category, agency, 受付日)."""
    by_key: dict[tuple[object, object], list[tuple[dt.date, object]]] = {}
    for row_id, category, agency, opened_on in rows:
        if agency is None:
            continue
        by_key.setdefault((category, agency), []).append((opened_on, row_id))
    result: dict[tuple[object, object], list[object]] = {}
    for key, items in by_key.items():
        items.sort(key=lambda item: item[0])
        repeats = [
            after[1] for before, after in itertools.pairwise(items) if (after[0] - before[0]).days <= window_days
        ]
        if repeats:
            result[key] = repeats
    return result


def recurrences(rows: Iterable[tuple[object, object, dt.date]], window_days: int) -> dict[tuple[object, object], int]:
    """Per (category, agency): how many complaints followed an earlier one of the same category and
    agency within `window_days` (calendar days between their 受付日). Rows without an agency are
    skipped: recurrence is a property of an agency's handling."""
    by_key: dict[tuple[object, object], list[dt.date]] = {}
    for category, agency, opened_on in rows:
        if agency is None:
            continue
        by_key.setdefault((category, agency), []).append(opened_on)
    result: dict[tuple[object, object], int] = {}
    for key, days in by_key.items():
        days.sort()
        repeats = sum(1 for before, after in itertools.pairwise(days) if (after - before).days <= window_days)
        if repeats:
            result[key] = repeats
    return result


# --- the completion guard ---------------------------------------------------------------------------


def is_open(referral: Referral) -> bool:
    """An ADR procedure is open from the center's notification until its result is recorded."""
    return referral.stage != NONE and not referral.result


def closing_problems(referral: Referral) -> list[str]:
    """Why a complaint case cannot be completed or withdrawn yet (Japanese; empty when it may): the
    complaint stays open while its そんぽADR procedure is pending, so the case's result and the
    center's result cannot contradict each other and the reminders keep landing on an open case."""
    if not is_open(referral):
        return []
    return [
        f"そんぽADRの{STAGE_LABELS[referral.stage]}が終了していないため、苦情を完了・取下げにできません。"
        "先にADRの手続の結果(終了日)を記録してください。"
    ]
