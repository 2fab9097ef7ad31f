"""The configured business calendar: settings for the year-end closing plus admin-edited exceptions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError

from .calendar import BusinessCalendar, build_calendar
from .models import CalendarException


def current_calendar() -> BusinessCalendar:
    """The public holidays (jpholiday) plus the insurer's own closed days: `TSUNAGU_YEAR_END_HOLIDAYS`
    (default ("12-29", "01-03"); None disables), `TSUNAGU_YEARLY_CLOSED_DAYS` (MM-DD closed every
    year, default none) and the CalendarException rows (one-off closed or open days, admin)."""
    year_end = getattr(settings, "TSUNAGU_YEAR_END_HOLIDAYS", ("12-29", "01-03"))
    yearly = getattr(settings, "TSUNAGU_YEARLY_CLOSED_DAYS", ())
    closed: list[dt.date] = []
    opened: list[dt.date] = []
    try:
        for day, is_closed in CalendarException.objects.values_list("date", "is_closed"):
            (closed if is_closed else opened).append(day)
    except DatabaseError:
        # Not migrated yet (e.g. a bare checkout running the calendar command): no exceptions.
        pass
    return build_calendar(year_end=year_end, yearly_closed=yearly, extra_closed=closed, extra_open=opened)
