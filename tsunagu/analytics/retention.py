"""Rules of the 解約防止分析 (cancellation-retention analysis), pure: no database.

- the retention rate: (継続 + 条件変更して継続) ÷ requests (undecided requests count as not retained);
- competitor names typed by operators, normalised so that ＳＢＩ損保, ｻｸﾗ損害保険(株) and
  株式会社さくら損保 count once: NFKC (full/half width), hiragana read as katakana, legal forms
  (株式会社, (株), ㈱, 有限会社 …, in front or behind) and spaces removed
  (`core.normalize.split_legal_form`), 損害保険 read as 損保;
- the win-back timing: the competitor's contract most likely renews a year after our 解約日, so the
  customer is contacted from (解約日 + 1 year − lead time).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from tsunagu.core.normalize import collapse_spaces, hiragana_to_katakana, nfkc, split_legal_form

DEFAULT_LEAD_DAYS = 60
MAX_LEAD_DAYS = 180
DEFAULT_COMPLAINT_DAYS = 90
MAX_COMPLAINT_DAYS = 730
_SYNONYMS = (("損害保険", "損保"), ("海上火災保険", "損保"), ("火災海上保険", "損保"))


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole, None when there is nothing to divide (shown as 「—」, never 0%)."""
    return part / whole if whole else None


def competitor_key(name: str) -> str:
    """The grouping key of a competitor's name ("" for an empty one)."""
    if not collapse_spaces(nfkc(name or "")):
        return ""
    key, _form = split_legal_form(name)
    for long, short in _SYNONYMS:
        key = key.replace(long, short)
    return hiragana_to_katakana(key)


@dataclass
class CompetitorRow:
    key: str
    label: str  # the most frequent spelling (ties: the first in order)
    requests: int = 0
    retained: int = 0
    spellings: list[str] = field(default_factory=list)

    @property
    def retention_rate(self) -> float | None:
        return rate(self.retained, self.requests)


def merge_competitors(rows: Iterable[tuple[str, int, int]]) -> list[CompetitorRow]:
    """(raw name, requests, retained) per spelling → one row per competitor, most named first."""
    merged: dict[str, CompetitorRow] = {}
    counts: dict[str, Counter[str]] = {}
    for raw, requests, retained in rows:
        key = competitor_key(raw)
        if not key:
            continue
        row = merged.setdefault(key, CompetitorRow(key=key, label=""))
        row.requests += requests
        row.retained += retained
        spelling = collapse_spaces(raw)
        if spelling not in row.spellings:
            row.spellings.append(spelling)
        counts.setdefault(key, Counter())[spelling] += requests
    for key, row in merged.items():
        row.label = max(row.spellings, key=lambda s: (counts[key][s], -row.spellings.index(s)))
    return sorted(merged.values(), key=lambda r: (-r.requests, r.label))


def likely_renewal(cancelled_on: dt.date) -> dt.date:
    """The competitor's contract started about on our 解約日 (to keep the grade it must, §e.2), so it
    renews a year later (29 February → 28 February)."""
    try:
        return cancelled_on.replace(year=cancelled_on.year + 1)
    except ValueError:
        return cancelled_on.replace(year=cancelled_on.year + 1, day=28)


def contact_from(cancelled_on: dt.date, lead_days: int) -> dt.date:
    """The first day to contact the customer: `lead_days` before the likely renewal."""
    return likely_renewal(cancelled_on) - dt.timedelta(days=lead_days)


def cancelled_between_for_contact(start: dt.date, end: dt.date, lead_days: int) -> tuple[dt.date, dt.date]:
    """The 解約日 range whose contact day falls in [start, end] (the inverse of `contact_from`, so the
    database can filter on the stored date)."""

    def year_before(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    shift = dt.timedelta(days=lead_days)
    # A 解約日 of 29 February renews on 28 February: widen the lower end by a day, then filter exactly.
    return year_before(start + shift) - dt.timedelta(days=1), year_before(end + shift) + dt.timedelta(days=1)
