"""The breach rules (pure): reportability and the report clocks."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.compliance import breach

AWARE = dt.date(2026, 11, 2)


def facts(**overrides) -> breach.Facts:
    values = {
        "aware_on": AWARE,
        "persons": 1,
        "sensitive": False,
        "financial_harm": False,
        "malicious": False,
        "encrypted": False,
    } | overrides
    return breach.Facts(**values)


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({}, []),
        ({"persons": 1000}, []),
        ({"persons": 1001}, ["本人の数が1,000人を超える"]),
        ({"sensitive": True}, ["要配慮個人情報が含まれる"]),
        ({"financial_harm": True}, ["財産的被害が生じるおそれがある"]),
        ({"malicious": True}, ["不正の目的によるおそれがある"]),
        ({"malicious": True, "sensitive": True}, ["要配慮個人情報が含まれる", "不正の目的によるおそれがある"]),
        # High-level encryption exempts the APPI report whatever else is true.
        ({"malicious": True, "persons": 5000, "encrypted": True}, []),
    ],
)
def test_reportable_reasons(overrides, reasons):
    assert breach.reportable_reasons(facts(**overrides)) == reasons


def by_key(clocks):
    return {c.key: c for c in clocks}


def test_the_preliminary_clock_always_runs_and_the_final_only_when_reportable():
    clocks = by_key(breach.clocks(facts(), preliminary_on=None, final_on=None, today=AWARE))
    assert clocks["preliminary"].due == dt.date(2026, 11, 7)
    assert clocks["preliminary"].required
    assert clocks["preliminary"].state == "open"
    assert clocks["preliminary"].days_left == 5
    assert clocks["final"].due == dt.date(2026, 12, 2)
    assert not clocks["final"].required
    assert clocks["final"].state == "not_required"


@pytest.mark.parametrize(
    ("today", "state", "days_left"),
    [
        (AWARE + dt.timedelta(days=1), "open", 4),
        (AWARE + dt.timedelta(days=3), "due_soon", 2),  # from day 3 of the 3–5 day guide
        (AWARE + dt.timedelta(days=5), "due_soon", 0),
        (AWARE + dt.timedelta(days=6), "overdue", -1),
    ],
)
def test_preliminary_clock_states(today, state, days_left):
    clock = by_key(breach.clocks(facts(), preliminary_on=None, final_on=None, today=today))["preliminary"]
    assert (clock.state, clock.days_left) == (state, days_left)


def test_malicious_gives_sixty_days_and_done_dates_stop_the_clocks():
    clocks = by_key(
        breach.clocks(
            facts(malicious=True), preliminary_on=dt.date(2026, 11, 4), final_on=None, today=dt.date(2026, 12, 20)
        )
    )
    assert clocks["preliminary"].state == "done"
    assert clocks["preliminary"].done_on == dt.date(2026, 11, 4)
    assert clocks["final"].due == dt.date(2027, 1, 1)  # 60 days
    assert clocks["final"].required
    assert clocks["final"].state == "open"
    late = by_key(breach.clocks(facts(sensitive=True), preliminary_on=None, final_on=None, today=dt.date(2026, 12, 3)))
    assert late["final"].due == dt.date(2026, 12, 2)
    assert late["final"].state == "overdue"
