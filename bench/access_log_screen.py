"""Benchmark the compliance auditor's access-log screen on a big log (compliance.selectors).

    DJANGO_DEBUG=1 .venv/bin/python bench/access_log_screen.py --rows 2000000
    DJANGO_DEBUG=1 .venv/bin/python bench/access_log_screen.py --rows 2000000 --db-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database is migrated; `--rows` access-log rows (90 days, 200 users, 100,000 customer ids,
in id order as live appends are) are inserted directly (not chained: the screen does not verify);
then each search the screen offers is timed (median of 5, milliseconds): the first page with no
filter, a deep page, one user, one customer, one day two months back, a purpose, a screen
fragment, one user over a month, and the auditor's home summary. Prints JSON lines
`access_log_screen_<case>_ms`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import db_kind, emit, log, manage, temp_database

BENCH = "access_log_screen"
USERS = 200
CUSTOMERS = 100_000
DAYS = 90
SCREENS = ("顧客詳細", "顧客検索", "ホーム", "案件詳細", "帳票", "担当案件")
PURPOSES = ("view", "search", "list", "view", "view", "export")


def _fill(rows: int) -> Any:
    from django.conf import settings
    from django.db import connection, transaction

    from tsunagu.core.access_log import LOG_COLUMNS
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import AccessLog, Department
    from tsunagu.core.services import user_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 201 users, quickly
    department = Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER)
    compliance = Department.objects.create(code="CP", name="コンプライアンス部", kind=DepartmentKind.COMPLIANCE)
    users = [
        user_create(
            actor=None,
            username=f"user{i:03d}",
            password="bench-pass-2026-x",
            display_name=f"利用者 {i:03d}",
            roles=[Role.OPERATOR],
            department=department,
        )
        for i in range(USERS)
    ]
    auditor = user_create(
        actor=None,
        username="auditor",
        password="bench-pass-2026-x",
        display_name="監査 担当",
        roles=[Role.COMPLIANCE_AUDITOR],
        department=compliance,
    )
    rng = random.Random(1)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS)
    step = dt.timedelta(days=DAYS) / rows
    table = AccessLog._meta.db_table
    columns = ", ".join(LOG_COLUMNS)
    placeholders = ", ".join(["%s"] * len(LOG_COLUMNS))
    batch: list[tuple[Any, ...]] = []
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    with transaction.atomic():
        for n in range(rows):
            user = users[rng.randrange(USERS)] if rng.random() > 0.02 else None
            at = start + step * n
            kind = rng.randrange(len(SCREENS))
            batch.append(
                (
                    0,
                    n + 1,
                    connection.ops.adapt_datetimefield_value(at),
                    user.pk if user else None,
                    user.username if user else "",
                    rng.randrange(1, CUSTOMERS),
                    PURPOSES[kind],
                    SCREENS[kind],
                    "{}",
                    "10.0.0.1",
                    "bench",
                    "0" * 64,
                    "0" * 64,
                )
            )
            if len(batch) == 20_000:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return auditor


def _time(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm the cache, as a second visit would
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--keep", default=None, help="a SQLite file or database URL to fill once and reuse")
    args = parser.parse_args()
    # --keep: a SQLite file, or the URL of an existing database, filled once and reused.
    kept = None
    if args.keep:
        kept = args.keep if "://" in args.keep else f"sqlite:///{Path(args.keep).resolve()}"
    with nullcontext(kept) if kept else temp_database(args.db_url, prefix="tsunagu_bench_log_screen") as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
        log(f"migrating {url}")
        manage(["migrate", "--noinput", "-v0"], database_url=url)
        import django

        django.setup()
        from unittest import mock

        from django.utils import timezone

        from tsunagu.compliance import selectors
        from tsunagu.core.models import User

        began = time.perf_counter()
        auditor = User.objects.filter(username="auditor").first() or _fill(args.rows)
        log(f"{args.rows:,} rows in {time.perf_counter() - began:.1f} s")
        today = timezone.localdate()
        F = selectors.AccessLogFilters
        one_user = list(auditor.__class__.objects.filter(username="user007").values_list("pk", flat=True))
        cases = {
            "first_page": (F(), 1),
            "page_200": (F(), 200),
            "one_user": (F(user_ids=one_user), 1),
            "one_user_month": (F(user_ids=one_user, date_from=today - dt.timedelta(days=30)), 1),
            "one_customer": (F(customer_id=4242), 1),
            "one_day_60_days_ago": (
                F(date_from=today - dt.timedelta(days=60), date_to=today - dt.timedelta(days=60)),
                1,
            ),
            "purpose_export": (F(purpose="export"), 1),
            "screen_fragment": (F(screen="帳票"), 1),
        }
        # The page's own list-read logging is not what is measured here.
        with mock.patch.object(selectors, "log_list", return_value=0):
            for name, (filters, page) in cases.items():
                ms = _time(lambda f=filters, p=page: selectors.access_log_page(user=auditor, filters=f, page=p))
                emit(BENCH, f"access_log_screen_{name}_ms", ms, "ms", rows=args.rows, db=db_kind(url))
        ms = _time(lambda: selectors.access_log_summary(user=auditor))
        emit(BENCH, "access_log_screen_auditor_summary_ms", ms, "ms", rows=args.rows, db=db_kind(url))


if __name__ == "__main__":
    main()
