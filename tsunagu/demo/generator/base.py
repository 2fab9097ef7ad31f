"""Shared state and small helpers of the demo generator (no database access in here)."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Generic, TypeVar

from faker import Faker

from ..org import OrgRefs
from ..writer import Row

T = TypeVar("T")
JST_OFFSET = dt.timedelta(hours=9)
DAY = dt.timedelta(days=1)


class Weighted(Generic[T]):
    """Items with weights; `pick` is one random() and a bisect."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


@dataclass
class Ids:
    """Next id per table for the tables whose ids the generator assigns."""

    customer: int
    policy: int
    claim: int
    interaction: int
    # Last 事故番号 per year (J{year}{n:06d}, the product's numbering: "J" + the accident case's number
    # without "C-", hyphens removed); read from and moved back into the case numbering sequence so nothing collides.
    claim_numbers: dict[int, int] = field(default_factory=dict)


@dataclass
class Chunk:
    """Rows for a batch of customers, per table, in the column order of `tables.py`."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    customer_history_dates: list[dt.datetime] = field(default_factory=list)
    policy_history_dates: list[dt.datetime] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, ()))

    @property
    def total_rows(self) -> int:
        return (
            sum(len(r) for r in self.rows.values()) + len(self.customer_history_dates) + len(self.policy_history_dates)
        )


@dataclass(slots=True)
class PolicyInfo:
    """What later steps (claims, contacts) need to know about a generated policy."""

    id: int
    number: str
    line: str
    agency_id: int | None
    contract_date: dt.date
    inception: dt.date
    end: dt.date  # expiry, or the cancellation date
    status: str


@dataclass(slots=True)
class ClaimInfo:
    id: int
    number: str
    policy: PolicyInfo
    reported_on: dt.date
    closed_on: dt.date | None


@dataclass(slots=True)
class CustomerInfo:
    id: int
    corporate: bool
    age: int | None
    since: dt.date  # first contract date: contacts start here
    agency_id: int | None  # the agency that usually serves the customer (None: direct)
    place_summary: str  # prefecture and city of the home address
    policies: list[PolicyInfo] = field(default_factory=list)
    agency_since: dict[int, dt.date] = field(default_factory=dict)
    claims: list[ClaimInfo] = field(default_factory=list)


class GeneratorBase:
    """Seeded randomness, the reference date and the organization's ids."""

    def __init__(self, *, seed: str, as_of: dt.date, org: OrgRefs, ids: Ids) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("ja_JP")
        self.faker.seed_instance(self.rng.getrandbits(32))
        self.as_of = as_of
        # The latest moment any generated timestamp may take: the end of the day before as_of (JST).
        self.latest_date = as_of - DAY
        self.org = org
        self.ids = ids
        self.agencies: Weighted[int] = Weighted(
            [(agency_id, 1.0 / (rank + 2) ** 0.8) for rank, agency_id in enumerate(org.agency_ids)]
        )
        # An agency's place in code order: per-agency demo rates hang on it, not on the id (ids differ
        # between loads on PostgreSQL; the same seed must give the same data).
        self.agency_rank: dict[int, int] = {agency_id: rank for rank, agency_id in enumerate(org.agency_ids)}

    # -- randomness helpers -------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]."""
        return low + int(self.rng.random() * (high - low + 1))

    def one_of(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=int(self.rng.random() * ((end - start).days + 1)))

    def moment(self, day: dt.date, *, first_hour: int = 9, last_hour: int = 18) -> dt.datetime:
        """A time on `day` in JST office hours, returned as naive UTC (how Django stores it)."""
        seconds = int(self.rng.random() * (last_hour - first_hour + 1) * 3600)
        local = dt.datetime(day.year, day.month, day.day, first_hour) + dt.timedelta(seconds=seconds)
        return local - JST_OFFSET

    def round_yen(self, value: float, unit: int = 10) -> int:
        return max(unit, int(value / unit) * unit)

    @staticmethod
    def add_years(day: dt.date, years: int) -> dt.date:
        try:
            return day.replace(year=day.year + years)
        except ValueError:  # 29 February
            return day.replace(year=day.year + years, day=28)

    @staticmethod
    def add_months(day: dt.date, months: int) -> dt.date:
        month_index = day.month - 1 + months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        for candidate in (day.day, 30, 29, 28):
            try:
                return dt.date(year, month, min(day.day, candidate))
            except ValueError:
                continue
        raise AssertionError("unreachable")

    def agency_pick(self) -> int:
        return self.agencies.pick(self.rng)
