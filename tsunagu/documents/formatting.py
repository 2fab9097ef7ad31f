"""How dates and money are printed on documents (pure, no Django)."""

from __future__ import annotations

import datetime as dt

from tsunagu.core.normalize import ERAS


def _era_year(date: dt.date) -> str:
    for era in ERAS:
        if date >= era.start:
            n = date.year - era.start.year + 1
            return f"{era.name}{'元' if n == 1 else n}年"
    return f"{date.year}年"


def wareki_date(date: dt.date) -> str:
    """令和8年(2026年)10月15日 — the era year with the Western year, as customers expect."""
    return f"{_era_year(date)}({date.year}年){date.month}月{date.day}日"


def wareki_year(year: int) -> str:
    """A tax year (年分) is named by the era in force at its end: 2019 → 令和元年(2019年)."""
    return f"{_era_year(dt.date(year, 12, 31))}({year}年)"


def short_date(date: dt.date) -> str:
    """Compact form for tables: R8.10.15 is hard to read for customers, so use 2026年10月15日."""
    return f"{date.year}年{date.month}月{date.day}日"


def yen(amount: int) -> str:
    return f"{amount:,}円"
