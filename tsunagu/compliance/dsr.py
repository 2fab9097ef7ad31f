"""The rules of a data-subject request (開示等の請求, APPI Arts. 33–35). Pure: no Django.

- The law asks for an answer "without delay" (遅滞なく); the company's own target is a number of
  calendar days from receipt (`DEFAULT_ANSWER_DAYS`, set by TSUNAGU_DSR_ANSWER_DAYS), and the clock
  warns `WARN_DAYS` before it.
- Nothing is answered before the requester is identified: completing needs the identity check.
- A refusal or a partial answer must say why (the person is told the reason, Art. 33(3), 35(7)).
- A disclosure (開示 or 第三者提供記録) answered in full or in part must have its export made: the
  answer is the export, and the request records when it was made and how many rows it held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_ANSWER_DAYS = 14
WARN_DAYS = 3
DISCLOSURE_KINDS = frozenset({"disclosure", "provision_records"})


def due_on(received_on: dt.date, answer_days: int = DEFAULT_ANSWER_DAYS) -> dt.date:
    return received_on + dt.timedelta(days=answer_days)


@dataclass(frozen=True)
class AnswerClock:
    due: dt.date
    done_on: dt.date | None
    state: str  # done / overdue / due_soon / open / withdrawn
    days_left: int | None


def answer_clock(*, due: dt.date, done_on: dt.date | None, withdrawn: bool, today: dt.date) -> AnswerClock:
    """The answer's clock, in the same states as the breach register's (the same badge template)."""
    if done_on is not None:
        return AnswerClock(due, done_on, "done", None)
    if withdrawn:
        return AnswerClock(due, None, "withdrawn", None)
    days_left = (due - today).days
    state = "overdue" if days_left < 0 else "due_soon" if days_left <= WARN_DAYS else "open"
    return AnswerClock(due, None, state, days_left)


def completion_problems(
    *,
    kind: str,
    verified: bool,
    decision: str,
    reason: str,
    exported: bool,
    received_on: dt.date,
    completed_on: dt.date,
    today: dt.date,
) -> dict[str, str]:
    """What stops the request being recorded as answered, by form field ("" for the whole form)."""
    problems: dict[str, str] = {}
    if not verified:
        problems[""] = "本人確認が済んでいないため、回答済にできません。先に本人確認を記録してください。"
    if decision in ("partial", "refuse") and not reason.strip():
        problems["decision_reason"] = "一部対応・対応しない場合は、本人に通知する理由を入力してください。"
    if kind in DISCLOSURE_KINDS and decision in ("comply", "partial") and not exported:
        problems.setdefault("", "開示する保有個人データの出力(PDF・JSON)を作成してから回答済にしてください。")
    if completed_on < received_on:
        problems["completed_on"] = "回答日は受付日と同じか、それより後の日付にしてください。"
    elif completed_on > today:
        problems["completed_on"] = "回答日に未来の日付は指定できません。"
    return problems
