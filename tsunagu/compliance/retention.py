"""The rules of retention (保存期間と廃棄・匿名化). Pure: no Django.

- A record type is kept a number of years after the customer's **relationship ends**: the latest of
  the last policy's end (expiry, or the cancellation date when earlier), the last case closed (or
  opened, while none closed), the last contact, and the customer's registration. A customer with a
  policy still in force has no end yet.
- Periods are effective-dated: the period of a type on a day is the one with the latest start on or
  before that day (`period_on`), so a changed rule applies from its date and the past stays
  explainable.
- Due on: the end date plus the years, a calendar anniversary (29 Feb → 28 Feb in a common year).
  A type is due on the run date when its due date is on or before it (`cutoff`: the latest end date
  that is due).
- Never touched (`blockers`): a customer under an active legal hold, with an open case, an ADR
  procedure still running, or an open data-subject request. Each is a reason the due list shows.
- What each type's processing does (`ACTIONS`): the customer master is anonymised (names removed,
  birth date coarsened to 1 January of its year, street and building removed, postal code to its
  first three digits, phones, e-mails, relatives and former names deleted, notes cleared); free text
  of contacts, cases, complaints, documents' delivery copies, survey comments, voices and source
  records is cleared; scores are deleted; policies and claims keep their rows (dates, codes, amounts
  that statistics and KPIs need — without the master they no longer identify anyone); the access
  log is kept by its own rule and never processed here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

ANONYMISED_NAME = "(匿名化済み)"
ANONYMISED_KANA = "トクメイ"
CLEARED_TEXT = "(保存期間満了により消去)"

# What the run does per record type: anonymise (clear or coarsen fields, keep the row), delete the
# rows, keep the rows (nothing personal once the master is anonymised), or not processed here.
ANONYMISE, DELETE, KEEP, OWN_RULE = "anonymise", "delete", "keep", "own_rule"
ACTIONS: dict[str, str] = {
    "customer": ANONYMISE,
    "policy": KEEP,
    "claim": KEEP,
    "contact": ANONYMISE,
    "case": ANONYMISE,
    "complaint": ANONYMISE,
    "document": ANONYMISE,
    "survey": ANONYMISE,
    "voice": ANONYMISE,
    "score": DELETE,
    "source": ANONYMISE,
    "access_log": OWN_RULE,
}
ACTION_LABELS = {ANONYMISE: "匿名化", DELETE: "削除", KEEP: "保持(統計用)", OWN_RULE: "対象外(独自の規則)"}
PROCESSED = tuple(t for t, action in ACTIONS.items() if action in (ANONYMISE, DELETE))

BLOCKER_LABELS = {
    "hold": "リーガルホールド中",
    "open_case": "未完了の案件あり",
    "open_adr": "ADR手続中",
    "open_dsr": "対応中の開示等の請求あり",
}


@dataclass(frozen=True)
class Period:
    record_type: str
    years: int
    effective_from: dt.date


def period_on(periods: Iterable[Period], record_type: str, on: dt.date) -> Period | None:
    """The period of `record_type` in effect on `on` (latest start on or before it), or None."""
    best: Period | None = None
    for period in periods:
        if period.record_type != record_type or period.effective_from > on:
            continue
        if best is None or period.effective_from > best.effective_from:
            best = period
    return best


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def due_on(relationship_end: dt.date, years: int) -> dt.date:
    """The first day the record may be processed: the anniversary `years` after the end."""
    return add_years(relationship_end, years)


def cutoff(on: dt.date, years: int) -> dt.date:
    """The latest relationship end whose records of a `years` type are due on `on`."""
    year = on.year - years
    if on.month == 2 and on.day == 28 and calendar.isleap(year):
        return dt.date(year, 2, 29)  # an end on 29 Feb is due on 28 Feb of a common year
    return add_years(on, -years)


def is_due(relationship_end: dt.date | None, years: int, on: dt.date) -> bool:
    """True when the relationship has ended and its period for the type has run out by `on`."""
    return relationship_end is not None and due_on(relationship_end, years) <= on


def relationship_end(
    *,
    registered_on: dt.date,
    policy_ends: Iterable[dt.date],
    in_force: bool,
    case_dates: Iterable[dt.date],
    contact_dates: Iterable[dt.date],
) -> dt.date | None:
    """The day the relationship ended, or None while a policy is in force."""
    if in_force:
        return None
    return max([registered_on, *policy_ends, *case_dates, *contact_dates])


def blockers(*, hold: bool, open_case: bool, open_adr: bool, open_dsr: bool) -> list[str]:
    """Why a due customer must not be touched now (empty: it may be processed)."""
    flags = {"hold": hold, "open_case": open_case, "open_adr": open_adr, "open_dsr": open_dsr}
    return [code for code, on in flags.items() if on]


def masked_postal_code(postal_code: str) -> str:
    """Keep the first three digits (the area statistics use): 123-4567 → 123-0000."""
    digits = "".join(ch for ch in postal_code if ch.isdigit())
    if len(digits) < 3:
        return ""
    return f"{digits[:3]}-0000"


def coarse_birth_date(birth_date: dt.date | None) -> dt.date | None:
    """Only the year stays (age bands, KPIs): 1 January of the birth year."""
    return None if birth_date is None else dt.date(birth_date.year, 1, 1)


def hold_problems(*, starts_on: dt.date | None, ends_on: dt.date | None, reason: str, today: dt.date) -> dict[str, str]:
    """What stops a legal hold being placed, by form field."""
    problems: dict[str, str] = {}
    if not reason.strip():
        problems["reason"] = "保全の理由(事件名・照会番号など)を入力してください。"
    if starts_on is None:
        problems["starts_on"] = "開始日を入力してください。"
    elif starts_on > today:
        problems["starts_on"] = "開始日に未来の日付は指定できません。"
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        problems["ends_on"] = "終了予定日は開始日と同じか、それより後の日付にしてください。"
    return problems


def period_problems(*, years: int | None, effective_from: dt.date | None, basis: str) -> dict[str, str]:
    """What stops a retention period being set, by form field."""
    problems: dict[str, str] = {}
    if years is None or years < 1 or years > 100:
        problems["years"] = "保存期間は1〜100年の整数で入力してください。"
    if effective_from is None:
        problems["effective_from"] = "適用開始日を入力してください。"
    if not basis.strip():
        problems["basis"] = "根拠・理由(法令・社内規程など)を入力してください。"
    return problems
