"""Benchmark compliance monitoring over a big access log.

    DJANGO_DEBUG=1 .venv/bin/python bench/compliance.py --rows 200000
    DJANGO_DEBUG=1 .venv/bin/python bench/compliance.py --rows 10000000 --db-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database is migrated and filled with `--rows` access-log rows over 90 days (200 users:
call-center operators, claims handlers and agency staff; 100,000 customer ids; business hours on
weekdays; views, searches, lists and exports), inserted directly in id order as live appends are
(not chained: the rules do not verify the chain). Measured:

- `compliance_all_rules_seconds`: every rule over the whole 90 days (`rules_run` with dates);
- `compliance_incremental_day_seconds`: one more day of `--day-rows` rows appended, then the
  scheduled run (only the days the new rows touch);
- `compliance_who_saw_p95_ms` (and p50): the who-saw-this-customer report for 200 customers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import db_kind, emit, log, manage, percentile, temp_database

BENCH = "compliance"
CUSTOMERS = 100_000
REAL_CUSTOMERS = 200  # customers that exist as rows (the report reads one through visible_to)
DAYS = 90
# Filled rows go to a chain no live append uses (the report's own logging appends to chains 0…K-1).
BENCH_CHAIN = 999
WORK = (("view", "顧客詳細"), ("view", "顧客詳細"), ("view", "顧客詳細"), ("search", "顧客検索"), ("list", "ホーム"))


def _org() -> dict[str, Any]:
    from django.conf import settings

    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Agency, Branch, Department
    from tsunagu.core.services import user_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cc = Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER)
    claims = Department.objects.create(code="CL", name="損害サービス部", kind=DepartmentKind.CLAIMS)
    cp = Department.objects.create(code="CP", name="コンプライアンス部", kind=DepartmentKind.COMPLIANCE)
    branch = Branch.objects.create(code="B1", name="本店")
    agencies = [Agency.objects.create(code=f"A{i:03d}", name=f"代理店{i}", branch=branch) for i in range(10)]

    def user(name: str, role: Role, **where: Any) -> Any:
        return user_create(
            actor=None, username=name, password="bench-pass-2026-x", display_name=name, roles=[role], **where
        )

    users = [user(f"op{i:03d}", Role.OPERATOR, department=cc) for i in range(150)]
    users += [user(f"cl{i:03d}", Role.CLAIMS_HANDLER, department=claims) for i in range(20)]
    users += [user(f"ag{i:03d}", Role.AGENCY_STAFF, agency=agencies[i % 10]) for i in range(30)]
    auditor = user("auditor", Role.COMPLIANCE_AUDITOR, department=cp)
    return {"users": users, "auditor": auditor}


def _customers(auditor: Any) -> list[int]:
    from tsunagu.core import writes
    from tsunagu.customers.models import Customer

    made = [Customer(kind="individual", name=f"顧客 {i}", name_kana=f"コキャク {i}") for i in range(REAL_CUSTOMERS)]
    writes.bulk_create(made, actor=auditor)
    return list(Customer.objects.order_by("pk").values_list("pk", flat=True))


def _rows(users: list[Any], count: int, days: list[dt.date], rng: random.Random, real: list[int]) -> Any:
    """Rows in time order: each one a user's read on a business day, 9:00–18:00 local."""
    from django.db import connection

    tz = dt.timezone(dt.timedelta(hours=9))
    per_day = max(1, count // len(days))
    for day in days:
        base = dt.datetime.combine(day, dt.time(9), tzinfo=tz)
        offsets = sorted(rng.randrange(9 * 3600) for _ in range(per_day))
        for seconds in offsets:
            user = users[rng.randrange(len(users))]
            purpose, screen = WORK[rng.randrange(len(WORK))]
            customer: int | None = (
                real[rng.randrange(len(real))] if rng.random() < 0.01 else rng.randrange(1, CUSTOMERS)
            )
            if purpose == "search" and rng.random() < 0.05:
                customer = None
            elif rng.random() < 0.01:
                purpose, screen = "export", "帳票"
            at = base + dt.timedelta(seconds=seconds, microseconds=rng.randrange(1_000_000))
            yield (
                0,
                0,
                connection.ops.adapt_datetimefield_value(at),
                user.pk,
                user.username,
                customer,
                purpose,
                screen,
                "{}",
                "10.0.0.1",
                "bench",
                "0" * 64,
                "0" * 64,
            )


def _insert(rows: Any) -> int:
    from django.db import connection, transaction

    from tsunagu.core.access_log import LOG_COLUMNS
    from tsunagu.core.models import AccessLog

    marks = ", ".join(["%s"] * len(LOG_COLUMNS))
    sql = f"INSERT INTO {AccessLog._meta.db_table} ({', '.join(LOG_COLUMNS)}) VALUES ({marks})"
    start = (
        AccessLog.objects.filter(chain=BENCH_CHAIN).order_by("-seq").values_list("seq", flat=True).first() or 0
    ) + 1
    batch: list[tuple[Any, ...]] = []
    n = 0
    with transaction.atomic():
        for row in rows:
            batch.append((BENCH_CHAIN, start + n, *row[2:]))
            n += 1
            if len(batch) == 20_000:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AccessLog._meta.db_table}" if connection.vendor == "postgresql" else "ANALYZE")
    return n


def _business_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day < end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="access-log rows over 90 days (default 200,000)")
    parser.add_argument("--day-rows", type=int, default=None, help="rows of the appended day (default rows/60)")
    parser.add_argument("--db-url", default=None)
    args = parser.parse_args()
    day_rows = args.day_rows or max(1, args.rows // 60)
    with temp_database(args.db_url, prefix="tsunagu_bench_compliance") as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
        log(f"migrating {url}")
        manage(["migrate", "--noinput", "-v0"], database_url=url)
        import django

        django.setup()
        from django.db.models import Max
        from django.utils import timezone

        from tsunagu.compliance import reports
        from tsunagu.compliance.choices import RunKind, RunStatus
        from tsunagu.compliance.models import RuleRun
        from tsunagu.compliance.services import rules_run
        from tsunagu.core.models import AccessLog

        rng = random.Random(1)
        org = _org()
        real = _customers(org["auditor"])
        today = timezone.localdate()
        days = _business_days(today - dt.timedelta(days=DAYS + 1), today - dt.timedelta(days=1))
        began = time.perf_counter()
        inserted = _insert(_rows(org["users"], args.rows, days, rng, real))
        log(f"{inserted:,} rows in {time.perf_counter() - began:.1f} s")
        extra = {"rows": inserted, "db": db_kind(url)}

        began = time.perf_counter()
        result = rules_run(actor=org["auditor"], date_from=days[0], date_to=days[-1])
        emit(
            BENCH,
            "compliance_all_rules_seconds",
            round(time.perf_counter() - began, 2),
            "s",
            alerts=len(result.alerts),
            **extra,
        )

        # The scheduled run continues after the last row a previous scheduled run covered.
        now = timezone.now()
        RuleRun.objects.create(
            kind=RunKind.SCHEDULED,
            status=RunStatus.COMPLETED,
            started_by=org["auditor"],
            period_start=now,
            period_end=now,
            last_log_id=AccessLog.objects.aggregate(v=Max("id"))["v"] or 0,
        )
        _insert(_rows(org["users"], day_rows, [today], rng, real))
        began = time.perf_counter()
        result = rules_run(actor=org["auditor"])
        emit(
            BENCH,
            "compliance_incremental_day_seconds",
            round(time.perf_counter() - began, 2),
            "s",
            day_rows=result.run.total,
            **extra,
        )

        samples = []
        for customer_id in rng.sample(real, min(200, len(real))):
            began = time.perf_counter()
            reports.who_saw(user=org["auditor"], customer_id=customer_id, date_from=days[0], date_to=today)
            samples.append((time.perf_counter() - began) * 1000)
        emit(BENCH, "compliance_who_saw_p50_ms", round(percentile(samples, 50), 1), "ms", **extra)
        emit(BENCH, "compliance_who_saw_p95_ms", round(percentile(samples, 95), 1), "ms", **extra)


if __name__ == "__main__":
    main()
