"""満期管理 rules (pure, no Django): the seed reports' steps of a renewal and whether each is done,
due or overdue; early renewal (早期更改) and 更改漏れ (shared domain §f).

Steps (defaults configurable per agency through PracticeRule):
- 着手: by `start_months` (2) months before expiry;
- 満期案内: sent by the same date;
- 初回接触: within `first_contact_days` (7) days of the notice (of the notice's due date while unsent);
- 完了: at least `early_days` (28) days before the renewal's 始期 (= the expiring policy's expiry).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RenewalRule:
    start_months: int = 2
    first_contact_days: int = 7
    early_days: int = 28


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    due: dt.date
    done_on: dt.date | None
    status: str  # "done" | "late" (done after due) | "overdue" | "open"
    days_overdue: int = 0

    @property
    def status_label(self) -> str:
        if self.status == "overdue":
            return f"期限超過 {self.days_overdue}日"
        return {"done": "済", "late": "済(期限後)", "open": "未了"}[self.status]


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _step(key: str, label: str, due: dt.date, done_on: dt.date | None, today: dt.date, closed: bool) -> Step:
    if done_on is not None:
        return Step(key, label, due, done_on, "late" if done_on > due else "done")
    if today > due and not closed:
        return Step(key, label, due, None, "overdue", (today - due).days)
    return Step(key, label, due, None, "open")


def steps(
    *,
    expiry: dt.date,
    today: dt.date,
    rule: RenewalRule,
    started_on: dt.date | None = None,
    notice_sent_on: dt.date | None = None,
    first_contact_on: dt.date | None = None,
    completed_on: dt.date | None = None,
    closed: bool = False,
) -> list[Step]:
    """The four steps; `closed` (lapsed or cancelled) stops open steps from becoming overdue."""
    start_due = months_before(expiry, rule.start_months)
    contact_due = (notice_sent_on or start_due) + dt.timedelta(days=rule.first_contact_days)
    complete_due = expiry - dt.timedelta(days=rule.early_days)
    return [
        _step("start", "着手", start_due, started_on, today, closed),
        _step("notice", "満期案内", start_due, notice_sent_on, today, closed),
        _step("contact", "初回接触", contact_due, first_contact_on, today, closed),
        _step("complete", "完了", complete_due, completed_on, today, closed),
    ]


def is_early(*, completed_on: dt.date | None, expiry: dt.date, rule: RenewalRule) -> bool:
    return completed_on is not None and completed_on <= expiry - dt.timedelta(days=rule.early_days)


def is_missed(*, outcome: str, first_contact_on: dt.date | None, expiry: dt.date, today: dt.date) -> bool:
    """更改漏れ: lapsed without any contact, or still pending after expiry without contact."""
    if first_contact_on is not None:
        return False
    return outcome == "lapsed" or (outcome == "pending" and today > expiry)


def passed_roleplay(score: int, pass_mark: int) -> bool:
    return score >= pass_mark
