"""Business-day calendar: Japanese public holidays and the insurer's closed days. Pure, no Django.

The public holidays (国民の祝日, 振替休日, 国民の休日 and the special-law moves such as the 2020/2021
Olympics) come from the maintained `jpholiday` library, so a change of the law or the official
equinox announcement is a dependency update, not a code change here. What is the insurer's own
(the year-end closing, by default 12/29–1/3, yearly closed days such as a foundation day, and
one-off extra closed or open days) comes from configuration and is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jpholiday

# The library knows the law since 1948; dates beyond 2099 are far past any SLA and the equinox
# days there are not announced, so a date outside this range is refused as an input error.
MIN_YEAR, MAX_YEAR = 1955, 2099
SUBSTITUTE = "振替休日"

DEFAULT_YEAR_END: tuple[tuple[int, int], tuple[int, int]] = ((12, 29), (1, 3))


class CalendarError(ValueError):
    """Raised for dates outside the supported range or bad settings (message in Japanese)."""


@lru_cache(maxsize=256)
def public_holidays(year: int) -> dict[dt.date, str]:
    """Every public holiday of `year` with its name (from jpholiday; substitutes named 振替休日)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(f"祝日を計算できるのは{MIN_YEAR}年から{MAX_YEAR}年までです(指定: {year}年)。")
    days: dict[dt.date, str] = {}
    for day, name in jpholiday.year_holidays(year):
        # jpholiday names a substitute "憲法記念日 振替休日"; staff know it as 振替休日.
        days[day] = SUBSTITUTE if name.endswith(SUBSTITUTE) else name
    return dict(sorted(days.items()))


def parse_month_day(text: str) -> tuple[int, int]:
    """'12-29' → (12, 29)."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        dt.date(2000, month, day)  # leap year: accepts 02-29
    except ValueError as error:
        raise CalendarError(f"月日は MM-DD の形式で指定してください(指定: {text!r})。") from error
    return month, day


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekends, public holidays, the year-end closing, yearly closed days (MM-DD, e.g. a
    foundation day) and one-off extra closed/open days."""

    year_end: tuple[tuple[int, int], tuple[int, int]] | None = DEFAULT_YEAR_END
    yearly_closed: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    extra_closed: frozenset[dt.date] = field(default_factory=frozenset)
    extra_open: frozenset[dt.date] = field(default_factory=frozenset)

    def _in_year_end(self, day: dt.date) -> bool:
        if self.year_end is None:
            return False
        start, end = self.year_end
        key = (day.month, day.day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end  # wraps over the new year

    def closed_reason(self, day: dt.date) -> str | None:
        """Why `day` is not a business day, or None when it is one."""
        if day in self.extra_open:
            return None
        if day in self.extra_closed:
            return "休業日(個別設定)"
        holiday = public_holidays(day.year).get(day)
        if holiday:
            return holiday
        if self._in_year_end(day):
            return "年末年始休業"
        if (day.month, day.day) in self.yearly_closed:
            return "休業日(毎年)"
        if day.weekday() == 5:
            return "土曜日"
        if day.weekday() == 6:
            return "日曜日"
        return None

    def is_business_day(self, day: dt.date) -> bool:
        return self.closed_reason(day) is None

    def add_business_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` business days after `start` (start itself not counted); 0 → start."""
        if days < 0:
            raise CalendarError(f"営業日数には0以上の整数を指定してください(指定: {days})。")
        current = start
        remaining = days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """Business days in (start, end]: how many business days passed from start to end."""
        if end <= start:
            return 0
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return count


def build_calendar(
    *,
    year_end: Iterable[str] | None = ("12-29", "01-03"),
    yearly_closed: Iterable[str] = (),
    extra_closed: Iterable[dt.date] = (),
    extra_open: Iterable[dt.date] = (),
) -> BusinessCalendar:
    """A calendar from settings-style values (`year_end=None` disables the year-end closing;
    `yearly_closed` lists MM-DD days closed every year)."""
    closing = None
    if year_end is not None:
        parts = list(year_end)
        if len(parts) != 2:
            raise CalendarError("年末年始休業は開始日と終了日の2つを MM-DD で指定してください。")
        closing = (parse_month_day(parts[0]), parse_month_day(parts[1]))
    return BusinessCalendar(
        year_end=closing,
        yearly_closed=frozenset(parse_month_day(text) for text in yearly_closed),
        extra_closed=frozenset(extra_closed),
        extra_open=frozenset(extra_open),
    )
