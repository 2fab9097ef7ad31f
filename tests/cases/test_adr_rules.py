"""The pure ADR rules (cases.adr): marks, reminder start, stage rules, quarterly statistics, recurrence."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.cases import adr
from tsunagu.cases.calendar import BusinessCalendar

D = dt.date
CAL = BusinessCalendar()


@pytest.mark.parametrize(
    ("lodged", "mark"),
    [
        (D(2026, 1, 10), D(2026, 3, 11)),
        (D(2026, 11, 1), D(2026, 12, 31)),
        (D(2026, 12, 15), D(2027, 2, 13)),
        (D(2028, 1, 1), D(2028, 3, 1)),  # leap year: Feb has 29 days
    ],
)
def test_day60_mark_is_60_calendar_days_after_lodging(lodged, mark):
    assert adr.day60_mark(lodged) == mark


@pytest.mark.parametrize(
    ("filed", "target"),
    [
        (D(2026, 4, 15), D(2026, 8, 15)),
        (D(2026, 10, 31), D(2027, 2, 28)),  # no 31 February: the month's last day
        (D(2027, 10, 31), D(2028, 2, 29)),  # leap year
        (D(2026, 9, 30), D(2027, 1, 30)),
        (D(2026, 11, 1), D(2027, 3, 1)),
    ],
)
def test_proposal_target_is_four_months_after_filing(filed, target):
    assert adr.proposal_target(filed) == target


@pytest.mark.parametrize(
    ("mark", "days", "start"),
    [
        (D(2026, 12, 11), 0, D(2026, 12, 11)),
        (D(2026, 12, 11), 5, D(2026, 12, 4)),  # Fri → previous Fri (weekend skipped)
        (D(2026, 12, 14), 1, D(2026, 12, 11)),  # Mon → Fri
        (D(2027, 1, 6), 3, D(2026, 12, 28)),  # 1/5, 1/4 count; 12/29–1/3 closed
        (D(2026, 5, 7), 1, D(2026, 5, 1)),  # Golden Week holidays 5/3–5/6 skipped
    ],
)
def test_reminder_start_counts_business_days_back(mark, days, start):
    assert adr.reminder_start(mark, days, CAL.is_business_day) == start


def test_reminder_start_refuses_negative_days():
    with pytest.raises(ValueError, match="0以上"):
        adr.reminder_start(D(2026, 12, 11), -1, CAL.is_business_day)


TODAY = D(2026, 12, 5)
NEW = adr.Referral()
IN_COMPLAINT = adr.Referral(stage=adr.COMPLAINT, notified_on=D(2026, 9, 10), lodged_on=D(2026, 9, 1))
IN_DISPUTE = adr.Referral(
    stage=adr.DISPUTE, notified_on=D(2026, 9, 10), lodged_on=D(2026, 9, 1), dispute_filed_on=D(2026, 11, 5)
)
ENDED = adr.Referral(stage=adr.COMPLAINT, lodged_on=D(2026, 9, 1), result="resolved", concluded_on=D(2026, 10, 1))


@pytest.mark.parametrize(
    ("current", "notified", "lodged", "reference", "field", "words"),
    [
        (NEW, D(2026, 12, 1), D(2026, 11, 20), "A-1", None, ""),
        (IN_COMPLAINT, D(2026, 12, 1), D(2026, 11, 20), "A-1", "__all__", "既に"),
        (NEW, None, D(2026, 11, 20), "A-1", "notified_on", "通知日を入力"),
        (NEW, D(2026, 12, 1), None, "A-1", "lodged_on", "申し出た日を入力"),
        (NEW, D(2026, 12, 1), D(2026, 11, 20), "  ", "reference", "受付番号"),
        (NEW, D(2026, 12, 6), D(2026, 11, 20), "A-1", "notified_on", "未来"),
        (NEW, D(2026, 12, 1), D(2026, 12, 6), "A-1", "lodged_on", "未来"),
        (NEW, D(2026, 11, 1), D(2026, 11, 20), "A-1", "lodged_on", "通知日(2026/11/01)以前"),
    ],
)
def test_refer_problems(current, notified, lodged, reference, field, words):
    problems = adr.refer_problems(current, notified_on=notified, lodged_on=lodged, reference=reference, today=TODAY)
    if field is None:
        assert problems == {}
    else:
        assert words in problems[field]


@pytest.mark.parametrize(
    ("current", "filed", "field", "words"),
    [
        (IN_COMPLAINT, D(2026, 11, 5), None, ""),
        (NEW, D(2026, 11, 5), "__all__", "先に"),
        (IN_DISPUTE, D(2026, 11, 6), "__all__", "戻せません"),
        (ENDED, D(2026, 11, 6), "__all__", "終了"),
        (IN_COMPLAINT, None, "dispute_filed_on", "入力"),
        (IN_COMPLAINT, D(2026, 12, 6), "dispute_filed_on", "未来"),
        (IN_COMPLAINT, D(2026, 8, 31), "dispute_filed_on", "申出日(2026/09/01)以降"),
    ],
)
def test_advance_problems(current, filed, field, words):
    problems = adr.advance_problems(current, dispute_filed_on=filed, today=TODAY)
    if field is None:
        assert problems == {}
    else:
        assert words in problems[field]


@pytest.mark.parametrize(
    ("current", "result", "ended", "field", "words"),
    [
        (IN_COMPLAINT, "resolved", D(2026, 11, 1), None, ""),
        (IN_DISPUTE, "settled", D(2026, 12, 1), None, ""),
        (IN_DISPUTE, "special_conciliation", D(2026, 12, 1), None, ""),
        (IN_COMPLAINT, "settled", D(2026, 11, 1), "result", "苦情解決手続の結果として選べない"),
        (IN_DISPUTE, "resolved", D(2026, 12, 1), "result", "紛争解決手続の結果として選べない"),
        (IN_DISPUTE, "settled", D(2026, 11, 4), "concluded_on", "申立日(2026/11/05)以降"),
        (IN_COMPLAINT, "withdrawn", D(2026, 8, 1), "concluded_on", "申出日(2026/09/01)以降"),
        (IN_COMPLAINT, "withdrawn", D(2026, 12, 6), "concluded_on", "未来"),
        (IN_COMPLAINT, "withdrawn", None, "concluded_on", "入力"),
        (NEW, "resolved", D(2026, 11, 1), "__all__", "通知が記録されていません"),
        (ENDED, "resolved", D(2026, 11, 1), "__all__", "既に終了"),
    ],
)
def test_conclude_problems(current, result, ended, field, words):
    problems = adr.conclude_problems(current, result=result, concluded_on=ended, today=TODAY)
    if field is None:
        assert problems == {}
    else:
        assert words in problems[field]


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (D(2026, 4, 1), "2026年度第1四半期", D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 9, 30), "2026年度第2四半期", D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 12, 5), "2026年度第3四半期", D(2026, 10, 1), D(2026, 12, 31)),
        (D(2027, 3, 31), "2026年度第4四半期", D(2027, 1, 1), D(2027, 3, 31)),
    ],
)
def test_fiscal_quarters(day, label, start, end):
    quarter = adr.quarter_of(day)
    assert (quarter.label, quarter.start, quarter.end) == (label, start, end)


def test_quarterly_statistics_new_concluded_pending_per_procedure():
    referrals = [
        # lodged Q1, resolved in Q2 at the complaint stage
        adr.Referral(stage=adr.COMPLAINT, lodged_on=D(2026, 5, 1), result="resolved", concluded_on=D(2026, 7, 10)),
        # lodged Q1, moved to the dispute procedure in Q2 (the complaint procedure ends then), settled in Q3
        adr.Referral(
            stage=adr.DISPUTE,
            lodged_on=D(2026, 6, 1),
            dispute_filed_on=D(2026, 8, 1),
            result="settled",
            concluded_on=D(2026, 11, 20),
        ),
        # lodged Q2, still open
        adr.Referral(stage=adr.COMPLAINT, lodged_on=D(2026, 9, 1)),
        adr.Referral(),  # never referred: not counted
    ]
    quarters = adr.quarters_between(D(2026, 4, 1), D(2026, 12, 31))
    rows = adr.quarterly_statistics(referrals, quarters)
    table = [(r.quarter.number, r.complaint, r.dispute) for r in rows]
    P = adr.ProcedureCounts
    assert table == [
        (1, P(new=2, concluded=0, pending=2), P(0, 0, 0)),
        (2, P(new=1, concluded=2, pending=1), P(new=1, concluded=0, pending=1)),
        (3, P(new=0, concluded=0, pending=1), P(new=0, concluded=1, pending=0)),
    ]


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, None),
        ([4], 0.9, 4),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([10, 1, 5], 0.5, 5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
    ],
)
def test_percentile(values, share, expected):
    if expected is None:
        assert adr.percentile(values, share) is None
    else:
        assert adr.percentile(values, share) == pytest.approx(expected)


def test_recurrences_within_window_per_category_and_agency():
    rows = [
        ("C1", "A", D(2026, 1, 1)),
        ("C1", "A", D(2026, 3, 1)),  # 59 days after: a recurrence within 90
        ("C1", "A", D(2026, 9, 1)),  # 184 days after: not
        ("C1", "B", D(2026, 3, 1)),  # another agency
        ("C2", "A", D(2026, 1, 5)),  # another category
        ("C1", None, D(2026, 1, 2)),  # no agency: skipped
        ("C1", None, D(2026, 1, 3)),
    ]
    assert adr.recurrences(rows, 90) == {("C1", "A"): 1}
    assert adr.recurrences(rows, 200) == {("C1", "A"): 2}
