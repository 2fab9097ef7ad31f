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


# --- retention (tests/compliance/test_retention*.py) ---------------------------------------------


@pytest.fixture
def retention_periods(db):
    """The migration's default retention periods (a transactional test's flush may have removed them)."""
    import importlib

    from django.apps import apps

    from tsunagu.compliance.models import RetentionPeriod

    if not RetentionPeriod.objects.exists():
        importlib.import_module("tsunagu.compliance.migrations.0006_retention").seed_periods(apps, None)


def closed_case(actor: User, customer, policy, case_type: str, sub_type: str = "", **extra):
    """A case opened through the service, then marked closed (test setup: the workflow is not under
    test where retention needs a closed case)."""
    from django.db import models
    from django.utils import timezone

    from tests.cases.conftest import open_case
    from tsunagu.cases.models import Case

    case = open_case(actor, customer, policy, case_type, sub_type, **extra)
    models.QuerySet(Case).filter(pk=case.pk).update(is_open=False, closed_at=timezone.now())
    case.refresh_from_db()
    return case


def closed_accident_case(actor: User, customer, policy):
    """A closed motor accident case whose report holds every kind of free text retention clears."""
    from django.utils import timezone

    from tsunagu.cases.choices import CaseType

    return closed_case(
        actor,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 30, 14, 0)),
        place="東京都千代田区 自宅前の交差点",
        accident_type="対人",
        description="交差点で歩行者の田中様と接触",
        parties="相手方 田中次郎様 090-9999-0000",
        injuries="右足骨折",
        police_report_number="千代田123",
    )


def closed_complaint_case(actor: User, customer, policy):
    """A closed complaint with the customer's request and fact finding (cleared by retention) and the
    cause and countermeasure (kept: the company's own analysis)."""
    from tsunagu.cases.choices import CaseType
    from tsunagu.cases.models import ComplaintCategory, ComplaintDetail
    from tsunagu.core import writes

    category = ComplaintCategory.objects.get(code="C1")
    case = closed_case(actor, customer, policy, CaseType.COMPLAINT, category=category.pk, customer_request="謝罪と説明")
    writes.update_rows(
        ComplaintDetail.objects.filter(case=case),
        actor=actor,
        reason="事実確認",
        fact_finding="入院中の母への連絡漏れを確認",
        cause="担当者の連絡漏れ",
        countermeasure="週次の進捗連絡を必須化",
    )
    return case
