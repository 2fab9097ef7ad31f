"""Bench: server time of the department queue and overdue-list pages over many cases.

Builds `--cases` cases (default 100,000; the target is 1,000,000) in a temporary database with bulk
inserts, then times the views through Django's test client (in-process: server time only) and prints
JSON lines: {"bench": "cases", "metric": ..., "value": ..., "unit": ...}.

    .venv/bin/python bench/cases.py --cases 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu .venv/bin/python bench/cases.py --cases 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # server time as deployed: no query recording

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 10_000


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"bench": "cases", "metric": metric, "value": round(value, 2), "unit": unit, **extra}), flush=True)


def build(n_cases: int, seed: int) -> tuple[object, object]:
    from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType
    from tsunagu.cases.models import Case
    from tsunagu.cases.workflow import CLOSED_STATUSES
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Department
    from tsunagu.core.services import user_create
    from tsunagu.customers.models import Customer

    rng = random.Random(seed)
    departments = [
        Department.objects.create(code=code, name=name, kind=kind)
        for code, name, kind in (
            ("CL", "損害サービス部", DepartmentKind.CLAIMS),
            ("PA", "契約管理部", DepartmentKind.POLICY_ADMIN),
            ("CC", "コールセンター", DepartmentKind.CALL_CENTER),
            ("CR", "お客様相談室", DepartmentKind.CUSTOMER_RELATIONS),
        )
    ]
    operator = user_create(
        actor=None,
        username="bench_operator",
        password="bench-pass-2026",
        display_name="ベンチ",
        roles=[Role.OPERATOR],
        department=departments[0],
    )
    n_customers = max(1, n_cases // 5)
    for start in range(0, n_customers, BATCH):
        Customer.objects.bulk_create(
            [
                Customer(
                    kind="individual", name=f"顧客 {i}", name_kana="コキャク", name_key=f"顧客{i}", kana_key="コキャク"
                )
                for i in range(start, min(n_customers, start + BATCH))
            ]
        )
    first_customer = Customer.objects.order_by("id").values_list("id", flat=True).first() or 1
    today = timezone.localdate()
    statuses = list(CaseStatus.values)
    weights = [5, 8, 2, 2, 1, 1, 60, 21]  # most cases are closed, as in a real book
    types = list(CaseType.values)
    channels = list(CaseChannel.values)
    started = time.perf_counter()
    for start in range(0, n_cases, BATCH):
        rows = []
        for i in range(start, min(n_cases, start + BATCH)):
            status = rng.choices(statuses, weights)[0]
            opened = today - dt.timedelta(days=rng.randint(0, 720))
            rows.append(
                Case(
                    number=f"C-B-{i:08d}",
                    case_type=rng.choice(types),
                    channel=rng.choice(channels),
                    customer_id=first_customer + rng.randrange(n_customers),
                    subject="ベンチ案件",
                    status=status,
                    is_open=status not in CLOSED_STATUSES,
                    department=rng.choice(departments),
                    assignee=operator if rng.random() < 0.01 else None,
                    opened_on=opened,
                    due_date=opened + dt.timedelta(days=rng.randint(1, 14))
                    if status in CLOSED_STATUSES
                    else today + dt.timedelta(days=rng.randint(-30, 20)),
                    created_by=operator,
                )
            )
        Case.objects.bulk_create(rows)
    emit("build_seconds", time.perf_counter() - started, "s", cases=n_cases)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return operator, departments[0]


def timed(client: object, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.test import Client

        operator, claims = build(args.cases, args.seed)
        client = Client()
        client.force_login(operator)  # type: ignore[arg-type]
        pages = {
            "queue_page": f"/cases/queue/?department={claims.pk}",  # type: ignore[attr-defined]
            "queue_page_5": f"/cases/queue/?department={claims.pk}&page=5",  # type: ignore[attr-defined]
            "overdue_list": "/cases/overdue/",
            "my_cases": "/cases/mine/",
        }
        for name, url in pages.items():
            timed(client, url, 2)  # warm caches
            times = sorted(timed(client, url, args.repeat))
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            emit(f"{name}_p50_ms", statistics.median(times), "ms", cases=args.cases, db=connection.vendor)
            emit(f"{name}_p95_ms", p95, "ms", cases=args.cases, db=connection.vendor)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
