"""Business-day calendar: Japanese public holidays and the insurer's closed days. Pure, no Django.

The public-holiday rules follow 国民の祝日に関する法律 as amended up to 2018 (valid for 2019–2099;
the 2020/2021 Olympic moves are listed as exceptions). Besides the law's holidays this applies
振替休日 (a holiday on Sunday moves to the next non-holiday) and 国民の休日 (a day between two
holidays). Company closed days (the year-end holidays 12/29–1/3 by default) and one-off extra
closed or open days come from configuration and are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

MIN_YEAR, MAX_YEAR = 2019, 2099

# (month, day, name) fixed-date holidays.
_FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元日"),
    (2, 11, "建国記念の日"),
    (2, 23, "天皇誕生日"),
    (4, 29, "昭和の日"),
    (5, 3, "憲法記念日"),
    (5, 4, "みどりの日"),
    (5, 5, "こどもの日"),
    (8, 11, "山の日"),
    (11, 3, "文化の日"),
    (11, 23, "勤労感謝の日"),
)
# (month, nth Monday, name): the Happy Monday holidays.
_HAPPY_MONDAY: tuple[tuple[int, int, str], ...] = (
    (1, 2, "成人の日"),
    (7, 3, "海の日"),
    (9, 3, "敬老の日"),
    (10, 2, "スポーツの日"),
)
# Special laws: dates removed and added (2019 enthronement, 2020/2021 Olympics).
_REMOVED: frozenset[dt.date] = frozenset(
    {dt.date(2019, 2, 23), dt.date(2020, 7, 20), dt.date(2020, 8, 11), dt.date(2020, 10, 12)}
    | {dt.date(2021, 7, 19), dt.date(2021, 8, 11), dt.date(2021, 10, 11)}
)
_ADDED: dict[dt.date, str] = {
    dt.date(2019, 4, 30): "国民の休日",
    dt.date(2019, 5, 1): "天皇の即位の日",
    dt.date(2019, 5, 2): "国民の休日",
    dt.date(2019, 10, 22): "即位礼正殿の儀の行われる日",
    dt.date(2020, 7, 23): "海の日",
    dt.date(2020, 7, 24): "スポーツの日",
    dt.date(2020, 8, 10): "山の日",
    dt.date(2021, 7, 22): "海の日",
    dt.date(2021, 7, 23): "スポーツの日",
    dt.date(2021, 8, 8): "山の日",
}

DEFAULT_YEAR_END: tuple[tuple[int, int], tuple[int, int]] = ((12, 29), (1, 3))


class CalendarError(ValueError):
    """Raised for dates outside the supported range or bad settings (message in Japanese)."""


def _nth_monday(year: int, month: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (0 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (nth - 1))


def _equinox_day(year: int, base: float) -> int:
    # The standard approximation, exact for 1980–2099.
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


@lru_cache(maxsize=256)
def public_holidays(year: int) -> dict[dt.date, str]:
    """Every public holiday of `year` with its name."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(f"祝日を計算できるのは{MIN_YEAR}年から{MAX_YEAR}年までです(指定: {year}年)。")
    days: dict[dt.date, str] = {dt.date(year, m, d): name for m, d, name in _FIXED}
    days.update({_nth_monday(year, m, n): name for m, n, name in _HAPPY_MONDAY})
    days[dt.date(year, 3, _equinox_day(year, 20.8431))] = "春分の日"
    days[dt.date(year, 9, _equinox_day(year, 23.2488))] = "秋分の日"
    days = {day: name for day, name in days.items() if day not in _REMOVED}
    days.update({day: name for day, name in _ADDED.items() if day.year == year})
    # 国民の休日: a weekday squeezed between two holidays.
    for day in sorted(days):
        between = day + dt.timedelta(days=1)
        if between.weekday() != 6 and between not in days and between + dt.timedelta(days=1) in days:
            days[between] = "国民の休日"
    # 振替休日: a holiday on Sunday moves to the next day that is not a holiday.
    for day in sorted(days):
        if day.weekday() == 6 and days[day] != "振替休日":
            substitute = day + dt.timedelta(days=1)
            while substitute in days:
                substitute += dt.timedelta(days=1)
            days[substitute] = "振替休日"
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
    """Weekends, public holidays, the year-end closing and one-off extra closed/open days."""

    year_end: tuple[tuple[int, int], tuple[int, int]] | None = DEFAULT_YEAR_END
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
    extra_closed: Iterable[dt.date] = (),
    extra_open: Iterable[dt.date] = (),
) -> BusinessCalendar:
    """A calendar from settings-style values (`year_end=None` disables the year-end closing)."""
    closing = None
    if year_end is not None:
        parts = list(year_end)
        if len(parts) != 2:
            raise CalendarError("年末年始休業は開始日と終了日の2つを MM-DD で指定してください。")
        closing = (parse_month_day(parts[0]), parse_month_day(parts[1]))
    return BusinessCalendar(year_end=closing, extra_closed=frozenset(extra_closed), extra_open=frozenset(extra_open))
