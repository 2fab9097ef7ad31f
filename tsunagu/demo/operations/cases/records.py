"""The plain records the case simulation passes around, and its clock (JST, naive)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

JST = dt.timedelta(hours=9)


class Stop(Exception):
    """The simulation reached the reference date (or the moment the case was forgotten)."""


class PolicyInfo(NamedTuple):
    id: int
    number: str
    line: str
    status: str
    inception: dt.date
    expiry: dt.date
    agency_id: int | None
    payment_method: str
    payment_frequency: str
    product_id: int
    annual_premium: int
    term_years: int


class ClaimInfo(NamedTuple):
    id: int
    number: str
    policy_id: int
    accident_date: dt.date
    place: str
    accident_type: str
    reported_on: dt.date
    reported_via: str
    handler_id: int | None


@dataclass
class Issue:
    """A reissue the documents step performs through the documents services at `at` (JST, naive)."""

    kind: str  # CaseType.POLICY_REISSUE / CERTIFICATE_REISSUE
    case_id: int
    actor_id: int
    at: dt.datetime
    delivery_channel: str
    tax_year: int | None = None


@dataclass
class Generated:
    issued: list[Issue] = field(default_factory=list)
    cancelled_policies: list[tuple[int, dt.date, dt.datetime, int]] = field(default_factory=list)
    # Claims of the accident cases: (claim id, case still open, the case's assignee, last moment, last actor).
    accident_claims: list[tuple[int, bool, int | None, dt.datetime, int]] = field(default_factory=list)


def _utc(local: dt.datetime) -> dt.datetime:
    return local - JST
