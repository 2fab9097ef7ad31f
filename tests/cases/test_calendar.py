"""Business-day calendar: holidays, Golden Week, year-end closing, SLA dates and the command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from tsunagu.cases.calendar import BusinessCalendar, CalendarError, build_calendar, public_holidays

D = dt.date


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 1, 12), "成人の日"),
        (D(2026, 3, 20), "春分の日"),
        (D(2026, 4, 29), "昭和の日"),
        (D(2026, 5, 6), "振替休日"),  # 5/3 is a Sunday
        (D(2026, 9, 21), "敬老の日"),
        (D(2026, 9, 22), "国民の休日"),  # between 敬老の日 and 秋分の日
        (D(2026, 9, 23), "秋分の日"),
        (D(2026, 11, 23), "勤労感謝の日"),
        (D(2027, 3, 21), "春分の日"),
        (D(2027, 3, 22), "振替休日"),
        (D(2027, 5, 5), "こどもの日"),
        (D(2027, 2, 11), "建国記念の日"),
        (D(2025, 11, 24), "振替休日"),
        (D(2024, 2, 12), "振替休日"),
    ],
)
def test_public_holidays(day, name):
    assert public_holidays(day.year)[day] == name


def test_public_holidays_come_from_the_maintained_library():
    """The hand-written rules named 2019-10-14 スポーツの日; it was still 体育の日 (renamed in 2020)."""
    import jpholiday

    assert public_holidays(2019)[D(2019, 10, 14)] == "体育の日"
    assert public_holidays(2020)[D(2020, 7, 24)] == "スポーツの日"  # Olympics special law
    for year in range(2019, 2031):
        assert set(public_holidays(year)) == {day for day, _name in jpholiday.year_holidays(year)}


def test_yearly_closed_days_are_configuration(settings, db):
    from tsunagu.cases.business_calendar import current_calendar

    settings.TSUNAGU_YEARLY_CLOSED_DAYS = ["06-02"]
    calendar = current_calendar()
    assert calendar.closed_reason(D(2026, 6, 2)) == "休業日(毎年)"
    assert calendar.add_business_days(D(2026, 6, 1), 1) == D(2026, 6, 3)
    with pytest.raises(CalendarError, match="MM-DD"):
        build_calendar(yearly_closed=["6/2"])


def test_2027_golden_week_has_no_substitute():
    golden = {d for d in public_holidays(2027) if D(2027, 4, 28) <= d <= D(2027, 5, 7)}
    assert golden == {D(2027, 4, 29), D(2027, 5, 3), D(2027, 5, 4), D(2027, 5, 5)}


CAL = build_calendar()


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 4, 28), 1, D(2026, 4, 30)),  # 4/29 昭和の日
        (D(2026, 4, 28), 3, D(2026, 5, 7)),  # GW 5/2–5/6 incl. 振替休日 5/6
        (D(2026, 5, 1), 1, D(2026, 5, 7)),
        (D(2026, 5, 1), 5, D(2026, 5, 13)),
        (D(2027, 4, 28), 2, D(2027, 5, 6)),
        (D(2027, 4, 30), 1, D(2027, 5, 6)),
        (D(2026, 12, 25), 1, D(2026, 12, 28)),
        (D(2026, 12, 28), 1, D(2027, 1, 4)),  # 12/29–1/3 closed
        (D(2026, 12, 28), 5, D(2027, 1, 8)),
        (D(2027, 1, 8), 1, D(2027, 1, 12)),  # 1/11 成人の日
        (D(2027, 12, 28), 1, D(2028, 1, 4)),
        (D(2026, 9, 18), 1, D(2026, 9, 24)),  # Silver Week 2026
        (D(2026, 6, 5), 0, D(2026, 6, 5)),
        (D(2026, 5, 3), 1, D(2026, 5, 7)),  # a start on a holiday is not counted
    ],
)
def test_sla_dates(start, days, expected):
    assert CAL.add_business_days(start, days) == expected


def test_year_end_is_configurable_and_exceptions_apply():
    no_closing = build_calendar(year_end=None)
    assert no_closing.add_business_days(D(2026, 12, 28), 1) == D(2026, 12, 29)
    short = build_calendar(year_end=["12-30", "01-03"])
    assert short.add_business_days(D(2026, 12, 28), 1) == D(2026, 12, 29)
    custom = BusinessCalendar(extra_closed=frozenset({D(2026, 6, 2)}), extra_open=frozenset({D(2026, 6, 6)}))
    assert custom.add_business_days(D(2026, 6, 1), 1) == D(2026, 6, 3)
    assert custom.add_business_days(D(2026, 6, 5), 1) == D(2026, 6, 6)


def test_business_days_between():
    assert CAL.business_days_between(D(2026, 4, 28), D(2026, 5, 7)) == 3
    assert CAL.business_days_between(D(2026, 5, 7), D(2026, 5, 7)) == 0


@pytest.mark.parametrize("bad", [["12/29", "01-03"], ["12-29"], ["02-30", "01-03"]])
def test_bad_year_end_setting(bad):
    with pytest.raises(CalendarError, match=r"MM-DD|2つ"):
        build_calendar(year_end=bad)


def test_out_of_range_year():
    with pytest.raises(CalendarError, match="2099"):
        public_holidays(2100)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [("2026-04-28", "3", "2026-05-07"), ("2026-12-28", "1", "2027-01-04"), ("2027-04-28", "2", "2027-05-06")],
)
def test_business_days_command(capsys, start, days, expected):
    call_command("business_days", "--from", start, "--add", days)
    assert capsys.readouterr().out.strip() == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "message"),
    [
        ("2026-02-30", "1", "YYYY-MM-DD"),
        ("20260428", "1", "YYYY-MM-DD"),
        ("2026-04-28", "-2", "0以上"),
        ("2026-04-28", "三", "0以上"),
        ("2150-01-01", "1", "2099"),
    ],
)
def test_business_days_command_refuses_bad_input(start, days, message):
    with pytest.raises(CommandError, match=message):
        call_command("business_days", "--from", start, "--add", days)


@pytest.mark.django_db
def test_calendar_exception_rows_are_used(capsys):
    from tsunagu.cases.models import CalendarException

    CalendarException.objects.create(date=D(2026, 6, 2), is_closed=True, note="システム移行")
    call_command("business_days", "--from", "2026-06-01", "--add", "1")
    assert capsys.readouterr().out.strip() == "2026-06-03"


@pytest.mark.django_db
def test_record_overdue_counts_command(capsys):
    call_command("record_overdue_counts", "--date", "2026-06-01")
    assert "2026-06-01" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("record_overdue_counts", "--date", "6/1")
