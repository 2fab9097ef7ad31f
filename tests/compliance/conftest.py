from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

import pytest
from django.conf import settings

from tsunagu.core.access_log import PastRead, log_access_backfill
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
DAY = dt.date(2026, 11, 10)  # a Tuesday, a business day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def reads(
    user: User,
    customers: Iterable[int | None],
    when: dt.datetime,
    purpose: AccessPurpose = AccessPurpose.VIEW,
    step_seconds: int = 30,
    **extra,
) -> int:
    """Backfill one read per customer, `step_seconds` apart from `when`."""
    rows = [
        PastRead(
            at=when + dt.timedelta(seconds=i * step_seconds), user=user, customer_ids=(c,), purpose=purpose, **extra
        )
        for i, c in enumerate(customers)
    ]
    return log_access_backfill(rows)


def one_read(user: User, customers: Iterable[int | None], when: dt.datetime, purpose: AccessPurpose, **extra) -> int:
    """One read naming many customers (an export)."""
    return log_access_backfill([PastRead(at=when, user=user, customer_ids=tuple(customers), purpose=purpose, **extra)])


@pytest.fixture(autouse=True)
def _checkpoints(settings, tmp_path):
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
