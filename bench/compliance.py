"""Benchmark compliance monitoring over a big access log.

    DJANGO_DEBUG=1 .venv/bin/python bench/compliance.py --rows 1000000
    DJANGO_DEBUG=1 .venv/bin/python bench/compliance.py --rows 10000000 --db-url postgres://postgres@127.0.0.1:5432/postgres

The database is built once per (rows, users, migrations, day) and kept between runs
(var/bench/compliance-*.sqlite3, or a PostgreSQL template database `tsunagu_bench_cmp_*`); each run
works on a copy, since the run itself raises alerts and appends rows. `--rebuild` forces a build.

The organisation (realistic, so that the alerts are a realistic count):

- users read about 70 log rows a day each (`--users`, default: a normal day's rows / 70);
  60 % call-center operators (they serve every customer: any of 100,000 customer ids), 10 % claims
  handlers (the claimants of their department's cases), 30 % agency staff, six to an agency (the
  agency's own 150 customers, linked by CustomerAgency); operators have cases of their own;
- business hours 9:00–18:00 on weekdays, views, searches, lists and a few exports;
- a few tens of planted anomalies (ANOMALIES below): bulk viewing, night viewing, reads outside the
  portfolio, one customer read again and again, export spikes, searches for non-customers, and two
  accounts that keep reading after their owner left.

Rows are bulk-loaded in id order as live appends are (COPY on PostgreSQL; executemany in big
transactions with relaxed pragmas on SQLite; the log's secondary indexes are dropped during the load
and rebuilt after), not chained: the rules do not verify the chain. Measured, on the copy:

- `compliance_all_rules_seconds`: every rule over the whole 90 days (`rules_run` with dates);
- `compliance_incremental_day_seconds`: one more day of `--day-rows` rows appended (default 200,000
  at 10M rows), then the scheduled run (only the days the new rows touch);
- `compliance_who_saw_p95_ms` (and p50): the who-saw-this-customer report for 200 customers that
  have rows; `--explain` prints the report query's plan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import PYTHON, REPO, cached_database, db_kind, emit, log, percentile

BENCH = "compliance"
BUILD = "4"  # bump when the generated data changes (invalidates the cached databases)
CUSTOMERS = 100_000  # customer ids the call center reads (the real rows are the portfolios)
DAYS = 90
ROWS_PER_USER_DAY = 70
AGENCY_STAFF = 6
AGENCY_CUSTOMERS = 150
CLAIMANTS = 3_000
# Filled rows go to a chain no live append uses (the report's own logging appends to chains 0…K-1).
BENCH_CHAIN = 999
NULL = "\\N"  # COPY's NULL
WORK = (("view", "顧客詳細"), ("view", "顧客詳細"), ("view", "顧客詳細"), ("search", "顧客検索"), ("list", "ホーム"))
JST = dt.timezone(dt.timedelta(hours=9))
# Planted anomalies over the 90 days: (kind, how many user-days). Two operators also leave 5 business
# days before the end (dormant_account: one alert per day they keep reading).
ANOMALIES = (("bulk", 4), ("night", 5), ("portfolio", 5), ("repeated", 4), ("exports", 3), ("search", 3))
LEAVERS = 2


@dataclass
class Population:
    users: list[tuple[int, str, str]]  # (id, username, kind: op / claims / agency)
    reads: dict[int, list[int]]  # user id → the customers that user's work reads (absent: any id)
    no_task: list[int]  # real customers without any case (repeated viewing targets)
    auditor: Any = None
    real: list[int] = field(default_factory=list)


# --- build ------------------------------------------------------------------------------------------------


def _org(users: int) -> None:
    from django.conf import settings

    from tsunagu.cases.choices import CaseChannel, CaseType
    from tsunagu.cases.models import Case
    from tsunagu.core import writes
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Agency, Branch, Department
    from tsunagu.core.services import user_create
    from tsunagu.customers.models import Customer, CustomerAgency

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cc = Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER)
    claims = Department.objects.create(code="CL", name="損害サービス部", kind=DepartmentKind.CLAIMS)
    cp = Department.objects.create(code="CP", name="コンプライアンス部", kind=DepartmentKind.COMPLIANCE)
    branch = Branch.objects.create(code="B1", name="本店")

    def user(name: str, role: Role, **where: Any) -> Any:
        return user_create(
            actor=None, username=name, password="bench-pass-2026-x", display_name=name, roles=[role], **where
        )

    auditor = user("auditor", Role.COMPLIANCE_AUDITOR, department=cp)
    n_agency = max(AGENCY_STAFF, users * 3 // 10)
    n_claims = max(2, users // 10)
    n_ops = max(2, users - n_agency - n_claims)
    agencies = [
        Agency.objects.create(code=f"A{i:04d}", name=f"代理店{i}", branch=branch)
        for i in range(n_agency // AGENCY_STAFF)
    ]
    log(f"  {n_ops} operators, {n_claims} claims handlers, {n_agency} agency staff in {len(agencies)} agencies")
    ops = [user(f"op{i:04d}", Role.OPERATOR, department=cc) for i in range(n_ops)]
    handlers = [user(f"cl{i:04d}", Role.CLAIMS_HANDLER, department=claims) for i in range(n_claims)]
    for i in range(n_agency):
        user(f"ag{i:04d}", Role.AGENCY_STAFF, agency=agencies[i % len(agencies)])

    count = len(agencies) * AGENCY_CUSTOMERS + CLAIMANTS + 2_000
    made = [Customer(kind="individual", name=f"顧客 {i}", name_kana=f"コキャク {i}") for i in range(count)]
    writes.bulk_create(made, actor=auditor, batch_size=2_000)
    real = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    links = [
        CustomerAgency(customer_id=real[a * AGENCY_CUSTOMERS + k], agency=agency)
        for a, agency in enumerate(agencies)
        for k in range(AGENCY_CUSTOMERS)
    ]
    writes.bulk_create(links, actor=auditor, batch_size=5_000)
    # Claims: one open case of the claims department per claimant; operators: two cases each.
    today = dt.date.today()
    first = len(agencies) * AGENCY_CUSTOMERS
    cases = [
        Case(
            number=f"BC{i:07d}",
            case_type=CaseType.ACCIDENT,
            channel=CaseChannel.PHONE,
            customer_id=real[first + i],
            subject="事故受付",
            assignee=handlers[i % len(handlers)],
            department=claims,
            opened_on=today - dt.timedelta(days=120),
            due_date=today + dt.timedelta(days=30),
            created_by=auditor,
        )
        for i in range(CLAIMANTS)
    ]
    rng = random.Random(2)
    cases += [
        Case(
            number=f"BO{i:07d}",
            case_type=CaseType.CHANGE,
            channel=CaseChannel.PHONE,
            customer_id=real[rng.randrange(len(real) - 1000)],
            subject="異動",
            assignee=ops[i // 2],
            department=cc,
            opened_on=today - dt.timedelta(days=60),
            due_date=today + dt.timedelta(days=30),
            created_by=auditor,
        )
        for i in range(len(ops) * 2)
    ]
    writes.bulk_create(cases, actor=auditor, batch_size=2_000)


def _population() -> Population:
    from tsunagu.cases.models import Case
    from tsunagu.core.models import User
    from tsunagu.customers.models import Customer, CustomerAgency

    agency_customers: dict[int, list[int]] = {}
    for agency_id, customer_id in CustomerAgency.objects.order_by("pk").values_list("agency_id", "customer_id"):
        agency_customers.setdefault(agency_id, []).append(customer_id)
    claimants = list(Case.objects.filter(number__startswith="BC").order_by("pk").values_list("customer_id", flat=True))
    with_case = set(Case.objects.values_list("customer_id", flat=True))
    real = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    pop = Population(users=[], reads={}, no_task=[c for c in real if c not in with_case][-1000:], real=real)
    for uid, username, agency_id in User.objects.order_by("pk").values_list("pk", "username", "agency_id"):
        if username.startswith("op"):
            pop.users.append((uid, username, "op"))
        elif username.startswith("cl"):
            pop.users.append((uid, username, "claims"))
            pop.reads[uid] = claimants
        elif username.startswith("ag"):
            pop.users.append((uid, username, "agency"))
            pop.reads[uid] = agency_customers[agency_id]
    pop.auditor = User.objects.get(username="auditor")
    return pop


Row = tuple[dt.datetime, int, str, int | None, str, str]  # at (UTC), user id, username, customer, purpose, screen


def _at(day: dt.date, rng: random.Random, start_hour: int = 9, hours: int = 9) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(start_hour), tzinfo=JST)
    return (local + dt.timedelta(microseconds=rng.randrange(hours * 3600 * 1_000_000))).astimezone(dt.UTC)


def _day(
    pop: Population, day: dt.date, count: int, rng: random.Random, planted: Iterable[tuple[str, int]]
) -> list[Row]:
    """One business day's rows (time order): each a user's read, 9:00–18:00 local, plus the anomalies."""
    users = pop.users
    picks = rng.choices(range(len(users)), k=count)
    rows: list[Row] = []
    for i in picks:
        uid, name, _kind = users[i]
        purpose, screen = WORK[rng.randrange(len(WORK))]
        own = pop.reads.get(uid)
        customer: int | None = own[rng.randrange(len(own))] if own else rng.randrange(1, CUSTOMERS)
        if purpose == "search" and rng.random() < 0.05:
            customer = None
        elif rng.random() < 0.01:
            purpose, screen = "export", "帳票"
        rows.append((_at(day, rng), uid, name, customer, purpose, screen))
    for kind, i in planted:
        uid, name, _kind = users[i]
        if kind == "bulk":  # 600 distinct customers in an afternoon
            rows += [
                (_at(day, rng, 13, 4), uid, name, c, "view", "顧客詳細") for c in rng.sample(range(1, CUSTOMERS), 600)
            ]
        elif kind == "night":  # 20 reads between 21:00 and 23:00
            rows += [
                (_at(day, rng, 21, 2), uid, name, rng.randrange(1, CUSTOMERS), "view", "顧客詳細") for _ in range(20)
            ]
        elif kind == "portfolio":  # 12 customers of other agencies (i is an agency user)
            others = [c for c in pop.real[: len(pop.real) - CLAIMANTS - 2000] if c not in set(pop.reads[uid])]
            rows += [(_at(day, rng), uid, name, c, "view", "顧客詳細") for c in rng.sample(others, 12)]
        elif kind == "repeated":  # one customer without a case, 15 times
            target = pop.no_task[rng.randrange(len(pop.no_task))]
            rows += [(_at(day, rng), uid, name, target, "view", "顧客詳細") for _ in range(15)]
        elif kind == "exports":  # 400 customers exported
            rows += [
                (_at(day, rng, 16, 2), uid, name, rng.randrange(1, CUSTOMERS), "export", "帳票") for _ in range(400)
            ]
        elif kind == "search":  # 15 searches that found nobody
            rows += [(_at(day, rng), uid, name, None, "search", "顧客検索") for _ in range(15)]
    rows.sort(key=lambda r: r[0])
    return rows


def _plant(pop: Population, days: list[dt.date], rng: random.Random) -> dict[dt.date, list[tuple[str, int]]]:
    by_kind = {k: [i for i, u in enumerate(pop.users) if u[2] == k] for k in ("op", "claims", "agency")}
    planted: dict[dt.date, list[tuple[str, int]]] = {}
    for kind, n in ANOMALIES:
        pool = by_kind["agency"] if kind == "portfolio" else by_kind["op"]
        for _ in range(n):
            planted.setdefault(days[rng.randrange(5, len(days))], []).append((kind, rng.choice(pool)))
    return planted


def _load(rows: Iterable[Row], *, start_seq: int) -> int:
    """Append rows to the log: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    from django.db import connection, transaction

    from tsunagu.core.access_log import LOG_COLUMNS

    n = 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        copy_sql = f"COPY core_accesslog ({', '.join(LOG_COLUMNS)}) FROM STDIN"
        with transaction.atomic(), connection.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            chunk: list[str] = []
            for at, uid, name, customer, purpose, screen in rows:
                chunk.append(
                    f"{BENCH_CHAIN}\t{start_seq + n}\t{at:%Y-%m-%d %H:%M:%S.%f}+00\t{uid}\t{name}\t"
                    f"{NULL if customer is None else customer}\t{purpose}\t{screen}\t{{}}\t10.0.0.1\tbench\t"
                    f"{'0' * 64}\t{'0' * 64}\n"
                )
                n += 1
                if len(chunk) == 50_000:
                    copy.write("".join(chunk))
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))
        return n
    sql = f"INSERT INTO core_accesslog ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join(['%s'] * len(LOG_COLUMNS))})"
    tail = ("{}", "10.0.0.1", "bench", "0" * 64, "0" * 64)
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for at, uid, name, customer, purpose, screen in rows:
            batch.append(
                (BENCH_CHAIN, start_seq + n, f"{at:%Y-%m-%d %H:%M:%S.%f}", uid, name, customer, purpose, screen, *tail)
            )
            n += 1
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    return n


@contextmanager
def _without_log_indexes() -> Iterator[None]:
    """Drop the log's secondary indexes for a bulk load and rebuild them after (much faster)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'core_accesslog' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'core_accesslog' "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'"
            )
        indexes = list(cursor.fetchall())
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for name, sql in indexes:
            began = time.perf_counter()
            cursor.execute(sql)
            log(f"  index {name}: {time.perf_counter() - began:.1f} s")


def _business_day(day: dt.date) -> bool:
    """Weekdays that are not public holidays nor the year-end closure (the default business calendar)."""
    import jpholiday

    md = (day.month, day.day)
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not (md >= (12, 29) or md <= (1, 3))


def _last_business_day(today: dt.date) -> dt.date:
    """The appended day of the incremental run: the last business day up to today."""
    while not _business_day(today):
        today -= dt.timedelta(days=1)
    return today


def _days(today: dt.date) -> list[dt.date]:
    """The business days of the 90 calendar days before the appended day."""
    end = _last_business_day(today)
    days = [end - dt.timedelta(days=k) for k in range(DAYS, 0, -1)]
    return [day for day in days if _business_day(day)]


def _build(rows: int, users: int, today: dt.date) -> None:
    """Fill the (migrated, empty) database of DATABASE_URL."""
    import django

    django.setup()
    from django.db import connection

    from tsunagu.core import writes
    from tsunagu.core.choices import EmploymentStatus
    from tsunagu.core.models import User

    began = time.perf_counter()
    _org(users)
    pop = _population()
    log(f"  organisation: {time.perf_counter() - began:.1f} s")
    days = _days(today)
    rng = random.Random(1)
    planted = _plant(pop, days, rng)
    per_day = max(1, rows // len(days))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
            cursor.execute("PRAGMA temp_store=MEMORY")
    began = time.perf_counter()
    n = 0
    with _without_log_indexes():
        for k, day in enumerate(days):
            n += _load(_day(pop, day, per_day, rng, planted.get(day, [])), start_seq=n + 1)
            if k % 10 == 9:
                log(f"  {n:,} rows ({time.perf_counter() - began:.0f} s)")
    log(f"  {n:,} rows loaded in {time.perf_counter() - began:.1f} s")
    # Two operators left five business days before the end and their accounts kept reading.
    ops = [u for u in pop.users if u[2] == "op"]
    for uid, _name, _kind in rng.sample(ops, LEAVERS):
        leaver = User.objects.get(pk=uid)
        leaver.employment_status = EmploymentStatus.LEFT
        leaver.status_since = days[-5]
        writes.save(leaver, actor=pop.auditor, reason="退職", clean=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE core_accesslog")
        else:
            cursor.execute("ANALYZE")


# --- the cached database --------------------------------------------------------------------------------


def _build_into(url: str, args: argparse.Namespace, today: dt.date) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings"}
    command = [PYTHON, __file__, "--build", "--rows", str(args.rows), "--users", str(args.users), "--today", str(today)]
    subprocess.run(command, cwd=REPO, env=env, check=True)


def _database(args: argparse.Namespace, today: dt.date) -> Any:
    """A copy of the cached built database (built first when missing or stale)."""
    return cached_database(
        f"compliance-{args.rows}",
        f"{BUILD}|{args.rows}|{args.users}|{today}",
        lambda url: _build_into(url, args, today),
        db_url=args.db_url,
        rebuild=args.rebuild,
    )


# --- timing ---------------------------------------------------------------------------------------------


@dataclass
class _Clock:
    wall: float = 0.0
    cpu: float = 0.0


class _Steps(logging.Handler):
    """Collects the per-rule (and evidence) wall and process-CPU seconds that compliance.detection logs
    at DEBUG. Process CPU is this process's: on SQLite it includes the database's work, on PostgreSQL
    only the client's (the server's work is in its backend process)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        detection = logging.getLogger("tsunagu.compliance.detection")
        detection.setLevel(logging.DEBUG)
        detection.addHandler(self)
        detection.propagate = False

    def emit(self, record: logging.LogRecord) -> None:  # type: ignore[override]
        if hasattr(record, "step"):
            self.records.append(record)

    @contextmanager
    def run(self, phase: str) -> Iterator[_Clock]:
        self.records.clear()
        clock = _Clock()
        wall, cpu = time.perf_counter(), time.process_time()
        yield clock
        clock.wall, clock.cpu = round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)
        log(f"{phase}: {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU")

    def emit_steps(self, phase: str, extra: dict[str, Any]) -> None:
        for r in self.records:
            step, wall_s, cpu_s = r.step, r.wall_s, r.cpu_s  # type: ignore[attr-defined]
            log(f"  {phase} {step}: {wall_s:.2f} s wall, {cpu_s:.2f} s CPU")
            emit(
                BENCH,
                "compliance_rule_seconds",
                round(wall_s, 3),
                "s",
                cpu_s=round(cpu_s, 3),
                phase=phase,
                step=step,
                **extra,
            )


# --- measure --------------------------------------------------------------------------------------------


def _plan(sql: str, params: Any) -> str:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        return "\n  ".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def _explain(customer_id: int, date_from: dt.date, date_to: dt.date, day: dt.date) -> None:
    """The plans of the who-saw report and of one monitoring day's query of each heavy rule (they should
    read the monitoring index alone: SQLite `COVERING INDEX core_accesslog_monitoring`, PostgreSQL an
    `Index Only Scan` with few heap fetches after VACUUM)."""
    from tsunagu.compliance import detection, reports

    sql, params = reports.who_saw_rows(customer_id, date_from, date_to).query.sql_with_params()
    log("who-saw plan:\n  " + _plan(sql, params))
    for label, sql, params in detection.sample_queries(day):
        log(f"{label} plan ({day}):\n  " + _plan(sql, params))


def measure(args: argparse.Namespace, today: dt.date) -> None:
    import django

    django.setup()
    from collections import Counter

    from django.db.models import Max
    from django.utils import timezone

    from tsunagu.compliance import reports
    from tsunagu.compliance.choices import RunKind, RunStatus
    from tsunagu.compliance.models import RuleRun
    from tsunagu.compliance.services import rules_run
    from tsunagu.core.models import AccessLog

    pop = _population()
    days = _days(today)
    total = AccessLog.objects.count()
    extra = {"rows": total, "users": len(pop.users), "db": db_kind(os.environ["DATABASE_URL"])}
    steps = _Steps()

    with steps.run("all") as clock:
        result = rules_run(actor=pop.auditor, date_from=days[0], date_to=days[-1])
    by_rule = dict(Counter(a.rule for a in result.alerts))
    # The same alerts on every database and after every change of the rules' queries: a digest of them.
    found = sorted(f"{a.key}|{a.rows}|{a.customers}|{a.score}" for a in result.alerts)
    digest = hashlib.sha256("\n".join(found).encode()).hexdigest()[:12]
    emit(
        BENCH,
        "compliance_all_rules_seconds",
        clock.wall,
        "s",
        cpu_s=clock.cpu,
        alerts=len(result.alerts),
        by_rule=by_rule,
        alerts_digest=digest,
        **extra,
    )
    steps.emit_steps("all", extra)

    # The scheduled run continues after the last row a previous scheduled run covered.
    now = timezone.now()
    RuleRun.objects.create(
        kind=RunKind.SCHEDULED,
        status=RunStatus.COMPLETED,
        started_by=pop.auditor,
        period_start=now,
        period_end=now,
        last_log_id=AccessLog.objects.aggregate(v=Max("id"))["v"] or 0,
    )
    rng = random.Random(3)
    ops = [i for i, u in enumerate(pop.users) if u[2] == "op"]
    planted = [("bulk", rng.choice(ops)), ("night", rng.choice(ops))]
    seq = (AccessLog.objects.filter(chain=BENCH_CHAIN).aggregate(v=Max("seq"))["v"] or 0) + 1
    _load(_day(pop, _last_business_day(today), args.day_rows, rng, planted), start_seq=seq)
    with steps.run("incremental") as clock:
        result = rules_run(actor=pop.auditor)
    emit(
        BENCH,
        "compliance_incremental_day_seconds",
        clock.wall,
        "s",
        cpu_s=clock.cpu,
        day_rows=result.run.total,
        alerts=len(result.created),
        **extra,
    )
    steps.emit_steps("incremental", extra)

    sample = rng.sample(pop.real, min(200, len(pop.real)))
    if args.explain:
        _explain(sample[0], days[0], today, days[-1])
    samples = []
    for customer_id in sample:
        began = time.perf_counter()
        reports.who_saw(user=pop.auditor, customer_id=customer_id, date_from=days[0], date_to=today)
        samples.append((time.perf_counter() - began) * 1000)
    emit(BENCH, "compliance_who_saw_p50_ms", round(percentile(samples, 50), 1), "ms", **extra)
    emit(BENCH, "compliance_who_saw_p95_ms", round(percentile(samples, 95), 1), "ms", **extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="access-log rows over 90 days (default 200,000)")
    parser.add_argument("--users", type=int, default=None, help="staff reading (default: a day's rows / 70)")
    parser.add_argument("--day-rows", type=int, default=None, help="rows of the appended day (default rows/50)")
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--rebuild", action="store_true", help="build the database even if a cached one fits")
    parser.add_argument("--explain", action="store_true", help="print the who-saw query plan")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # internal: fill DATABASE_URL
    parser.add_argument("--today", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(JST).date()
    per_day = args.rows // len(_days(today))
    args.users = args.users or max(20, per_day // ROWS_PER_USER_DAY)
    args.day_rows = args.day_rows or max(1, args.rows // 50)
    if args.build:
        _build(args.rows, args.users, today)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    with _database(args, today) as url:
        os.environ["DATABASE_URL"] = url
        measure(args, today)


if __name__ == "__main__":
    main()
