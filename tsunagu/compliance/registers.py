"""Rules of the compliance registers, pure (no database): what needs attention about a contractor
(委託先の監督: APPI Art. 25 and the financial-sector guidelines) and about an internal audit of a branch or
an agency. Screens and the home panel show these flags; services enforce the transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The clauses an agreement with a contractor must hold (実務指針: 委託契約に盛り込む安全管理措置).
REQUIRED_CLAUSES: tuple[tuple[str, str], ...] = (
    ("safety_clause", "安全管理措置"),
    ("confidentiality_clause", "秘密保持・目的外利用の禁止"),
    ("subcontract_clause", "再委託の条件"),
    ("audit_clause", "監査・報告を求める権利"),
    ("breach_clause", "漏えい等の報告義務"),
    ("return_clause", "終了時の返却・消去"),
)
AGREEMENT_RENEWAL_WARNING_DAYS = 60
AUDIT_DUE_WARNING_DAYS = 30


@dataclass(frozen=True)
class Flag:
    """One thing that needs attention; `overdue` ones are shown in red and counted on the home panel."""

    text: str
    overdue: bool


@dataclass(frozen=True)
class AgreementFacts:
    valid_from: dt.date
    valid_to: dt.date | None
    clauses: dict[str, bool]


@dataclass(frozen=True)
class AuditFacts:
    audited_on: dt.date
    follow_up_due: dt.date | None
    follow_up_done_on: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (1/31 + 1 month = 2/28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def missing_clauses(clauses: dict[str, bool]) -> list[str]:
    return [label for field, label in REQUIRED_CLAUSES if not clauses.get(field)]


def current_agreement(agreements: Iterable[AgreementFacts], today: dt.date) -> AgreementFacts | None:
    """The agreement in force today (the latest-starting one when they overlap)."""
    in_force = [a for a in agreements if a.valid_from <= today and (a.valid_to is None or today <= a.valid_to)]
    return max(in_force, key=lambda a: a.valid_from, default=None)


def next_audit_due(*, started_on: dt.date, audits: Sequence[AuditFacts], interval_months: int) -> dt.date:
    """The next periodic audit falls `interval_months` after the last one, or after the start."""
    last = max((a.audited_on for a in audits), default=started_on)
    return add_months(last, interval_months)


def contractor_flags(
    *,
    active: bool,
    started_on: dt.date,
    interval_months: int,
    agreements: Sequence[AgreementFacts],
    audits: Sequence[AuditFacts],
    today: dt.date,
) -> list[Flag]:
    """What a supervisor of an active contractor must act on. An ended contractor raises nothing."""
    if not active:
        return []
    flags: list[Flag] = []
    agreement = current_agreement(agreements, today)
    if agreement is None:
        flags.append(Flag("有効な委託契約がありません", overdue=True))
    else:
        missing = missing_clauses(agreement.clauses)
        if missing:
            flags.append(Flag("契約に必要な条項がありません: " + "・".join(missing), overdue=True))
        if agreement.valid_to is not None and (agreement.valid_to - today).days <= AGREEMENT_RENEWAL_WARNING_DAYS:
            flags.append(Flag(f"契約の有効期間が {agreement.valid_to:%Y-%m-%d} に終わります", overdue=False))
    due = next_audit_due(started_on=started_on, audits=audits, interval_months=interval_months)
    if due < today:
        flags.append(Flag(f"定期監査の期限 {due:%Y-%m-%d} を過ぎています", overdue=True))
    elif (due - today).days <= AUDIT_DUE_WARNING_DAYS:
        flags.append(Flag(f"定期監査の期限が近づいています({due:%Y-%m-%d})", overdue=False))
    for audit in audits:
        if audit.follow_up_due is not None and audit.follow_up_done_on is None and audit.follow_up_due < today:
            flags.append(
                Flag(
                    f"{audit.audited_on:%Y-%m-%d} の監査の是正期限 {audit.follow_up_due:%Y-%m-%d} を過ぎています",
                    overdue=True,
                )
            )
    return flags


# --- internal audits -----------------------------------------------------------------------------
NEEDS_FINDING = ("partial", "nonconforms")  # ChecklistResult values that a finding must answer


def unanswered(results: Iterable[str]) -> int:
    return sum(1 for r in results if not r)


def report_problems(*, answers: Sequence[tuple[str, str]], findings_for: set[str]) -> list[str]:
    """Why an audit cannot be reported yet: every item answered, and every 不適合 / 一部不適合 item has
    a finding. `answers` are (item code, result); `findings_for` the item codes that have findings."""
    problems = []
    blank = unanswered(r for _, r in answers)
    if blank:
        problems.append(f"未回答のチェック項目が {blank} 件あります。")
    without = [code for code, result in answers if result in NEEDS_FINDING and code not in findings_for]
    if without:
        problems.append("不適合・一部不適合の項目に指摘事項がありません: " + "、".join(without))
    return problems


def finding_overdue(*, due_on: dt.date, done: bool, today: dt.date) -> bool:
    return not done and due_on < today
