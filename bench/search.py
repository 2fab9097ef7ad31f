"""Benchmark customer search and the customer 360 page on demo data.

    .venv/bin/python bench/search.py --customers 100000
    .venv/bin/python bench/search.py --customers 100000 --db-url postgres://postgres@127.0.0.1:5432/postgres

The demo database is built once per size with `manage.py demo_data --customers N --seed 1` and
reused: SQLite in var/bench/search-N.sqlite3; PostgreSQL as database `tsunagu_bench_search_N` on the
server of --db-url (created if missing). The search index is rebuilt and timed on every run
(`--no-rebuild` skips it). Queries are drawn from the data (seeded), 1,000 per kind (`--queries`):

- kana_prefix      the family-name reading in hiragana ("やまだ")
- kanji_2char      the first two characters of the family name ("山田")
- phone_last4_name family name and the last 4 digits of a phone ("山田 5678")
- full_phone       a phone number as stored ("090-1234-5678")
- policy_number    a policy number, lower-cased with a hyphen ("a210-0001847")

Search is timed through the search service (`search_customers`, as the views call it, access log
included); the 360 page through Django's test client (server time, DEBUG off). `--role branch` runs
both as a branch user (営業拠点, like the demo's branch1: the customers of every agency of branch BR01,
scoped by core/scoping.py) instead of a head-office operator: the same queries (hits outside the branch
are filtered away, so fewer rows come back) and 360 pages of customers that user may open. Prints JSON lines:
{"bench": "search", "metric": "search_p95_ms", "value": …, "unit": "ms", …} and per-kind p50/p95/p99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import percentile

REPO = Path(__file__).resolve().parent.parent
BENCH = "search"
KINDS = ("kana_prefix", "kanji_2char", "phone_last4_name", "full_phone", "policy_number")


def emit(metric: str, value: float | int, unit: str, **extra: Any) -> None:
    if isinstance(value, float):
        value = round(value, 3)
    print(
        json.dumps({"bench": BENCH, "metric": metric, "value": value, "unit": unit, **extra}, ensure_ascii=False),
        flush=True,
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summary(times: list[float]) -> str:
    return " ".join(f"p{p} {percentile(times, p):7.2f}" for p in (50, 95, 99)) + " ms"


# --- the database --------------------------------------------------------------------------------


def database_url(customers: int, db_url: str | None) -> str:
    if not db_url or db_url.startswith("sqlite"):
        path = REPO / "var" / "bench" / f"search-{customers}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    parts = urlsplit(db_url)
    name = f"tsunagu_bench_search_{customers}"
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def manage(args: list[str], url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=REPO, env=env, check=True, stdout=sys.stderr)


def customer_count(url: str) -> int:
    code = (
        "import django; django.setup(); from tsunagu.customers.models import Customer; print(Customer.objects.count())"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def ensure_data(customers: int, url: str) -> float | None:
    """Migrate, and load demo data unless the database already holds exactly N customers."""
    manage(["migrate", "--noinput", "-v", "0"], url)
    count = customer_count(url)
    if count == customers:
        log(f"# reusing {url} ({count:,} customers)")
        return None
    if count:
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite://"))
            log(f"# {path} holds {count:,} customers, not {customers:,}: rebuilding it")
            for file in path.parent.glob(path.name + "*"):
                file.unlink()
            manage(["migrate", "--noinput", "-v", "0"], url)
        else:
            raise SystemExit(
                f"{url} には顧客が {count:,} 件あります({customers:,} 件ではない)。データベースを削除してください。"
            )
    log(f"# demo_data --customers {customers} --seed 1")
    started = time.perf_counter()
    manage(["demo_data", "--customers", str(customers), "--seed", "1", "--no-search-index"], url)
    return time.perf_counter() - started


# --- queries from the data ---------------------------------------------------------------------------


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def draw_queries(n: int, seed: int) -> dict[str, list[str]]:
    from django.db.models import Max, Min

    from tsunagu.customers.models import Customer, Phone
    from tsunagu.policies.models import Policy

    rng = random.Random(seed)
    bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    while any(len(q) < n for q in queries.values()):
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2000)]
        people = Customer.objects.filter(pk__in=ids, kind="individual").exclude(family_name="").order_by("?")
        phones: dict[int, list[str]] = {}
        for cid, number in Phone.objects.filter(customer_id__in=ids).values_list("customer_id", "number"):
            phones.setdefault(cid, []).append(number)
        for c in people.values("id", "family_name", "name_kana"):
            family, reading = c["family_name"], c["name_kana"].split(" ")[0]
            if len(queries["kana_prefix"]) < n:
                queries["kana_prefix"].append(to_hiragana(reading))
            if len(family) >= 2 and len(queries["kanji_2char"]) < n:
                queries["kanji_2char"].append(family[:2])
            numbers = phones.get(c["id"], [])
            if numbers and len(queries["phone_last4_name"]) < n:
                digits = "".join(ch for ch in rng.choice(numbers) if ch.isdigit())
                queries["phone_last4_name"].append(f"{family} {digits[-4:]}")
            if numbers and len(queries["full_phone"]) < n:
                queries["full_phone"].append(rng.choice(numbers))
        policy_bounds = Policy.objects.aggregate(low=Min("id"), high=Max("id"))
        pids = [rng.randint(policy_bounds["low"], policy_bounds["high"]) for _ in range(200)]
        for number in Policy.objects.filter(pk__in=pids).values_list("number", flat=True):
            if len(queries["policy_number"]) < n:
                queries["policy_number"].append(f"{number[:4]}-{number[4:]}".lower())
    for kind in KINDS:
        rng.shuffle(queries[kind])
    return queries


def draw_customers(n: int, seed: int, user: Any = None) -> list[int]:
    """n customer ids at random; with `user`, only customers that user may open (their scope)."""
    from django.db.models import Max, Min

    from tsunagu.customers.models import Customer

    rng = random.Random(seed + 1)
    customers = Customer.objects.all() if user is None else Customer.objects.visible_to(user)
    bounds = customers.aggregate(low=Min("id"), high=Max("id"))
    ids: list[int] = []
    while len(ids) < n:
        wanted = [rng.randint(bounds["low"], bounds["high"]) for _ in range(n * 4)]
        ids += list(customers.filter(pk__in=wanted).values_list("id", flat=True))
    return ids[:n]


def bench_user(role: str) -> Any:
    """The user the searches and pages run as: a head-office operator, or a branch user of BR01."""
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Branch, Department, User
    from tsunagu.core.services import user_create

    username = "bench_operator" if role == "operator" else "bench_branch"
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    if role == "operator":
        department, _ = Department.objects.get_or_create(
            code="BENCH", defaults={"name": "ベンチ用コールセンター", "kind": DepartmentKind.CALL_CENTER}
        )
        return user_create(
            actor=None, username=username, password="bench-operator-pass-2026",
            display_name="ベンチ オペレーター", roles=[Role.OPERATOR], department=department,
        )  # fmt: skip
    branch = Branch.objects.filter(code="BR01").first()
    if branch is None:
        raise SystemExit("営業拠点 BR01 がありません(デモデータの拠点です)。")
    return user_create(
        actor=None, username=username, password="bench-branch-pass-2026",
        display_name="ベンチ 営業拠点", roles=[Role.BRANCH_STAFF], branch=branch,
    )  # fmt: skip


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


# --- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="顧客検索・顧客360のベンチマーク")
    parser.add_argument("--customers", type=int, default=10_000, help="顧客数(既定 10000)")
    parser.add_argument("--db-url", default=None, help="PostgreSQL サーバーのURL(省略時は SQLite)")
    parser.add_argument("--queries", type=int, default=1000, help="種類ごとの検索回数(既定 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-rebuild", action="store_true", help="検索索引を作り直さない(計測済みの索引を使う)")
    parser.add_argument(
        "--role",
        choices=("operator", "branch"),
        default="operator",
        help="誰として検索・顧客360を開くか: operator(本社のオペレーター、既定)か branch(営業拠点 BR01 の担当)",
    )
    args = parser.parse_args()

    url = database_url(args.customers, args.db_url)
    load_seconds = ensure_data(args.customers, url)

    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tsunagu.config.settings"
    # The demo database was written with DEBUG's development keys (sensitive fields are encrypted with
    # them), so the settings load as `make run` does; DEBUG is then turned off before any query or
    # template: no query log and no template debug, as in production.
    os.environ["DJANGO_DEBUG"] = "1"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tsunagu.customers.models import Customer
    from tsunagu.search.models import CustomerDoc
    from tsunagu.search.selectors import search_customers
    from tsunagu.search.services import search_index_size_bytes

    tags = {"customers": args.customers, "db": connection.vendor, "role": args.role}
    if load_seconds is not None:
        emit("demo_data_seconds", load_seconds, "s", **tags)
    if not args.no_rebuild or not CustomerDoc.objects.exists():
        log("# rebuild_search_index")
        started = time.perf_counter()
        call_command("rebuild_search_index", stdout=sys.stderr)
        emit("index_build_s", time.perf_counter() - started, "s", **tags)
    size = search_index_size_bytes()
    if size is not None:
        emit("index_size_mb", size / 2**20, "MiB", **tags)

    user = bench_user(args.role)
    if args.role == "branch":
        emit("branch_customers", Customer.objects.visible_to(user).count(), "customers", **tags)

    log(f"# drawing {args.queries} queries per kind from the data")
    queries = draw_queries(args.queries, args.seed)
    for q in [q for kind in KINDS for q in queries[kind][:20]]:  # warm the caches
        search_customers(user=user, q=q, limit=20)

    everything: list[float] = []
    for kind in KINDS:
        times: list[float] = []
        hits = 0
        for q in queries[kind]:
            started = time.perf_counter()
            # One operator running thousands of searches in minutes is no person's pace: the check for a
            # repeat of the same query (one read of the user's last 30 minutes of log rows, ~2 ms at
            # 5,000 rows) would grow through the run, so it is left out; every search is logged.
            results = search_customers(user=user, q=q, limit=20, screen="bench", log_window=dt.timedelta(0))
            times.append((time.perf_counter() - started) * 1000)
            hits += len(results.rows)
        everything += times
        for p in (50, 95, 99):
            emit(f"search_{kind}_p{p}_ms", percentile(times, p), "ms", queries=len(times), **tags)
        emit(f"search_{kind}_mean_results", hits / len(times), "rows", **tags)
        log(f"  {kind:17s} {summary(times)}")
    for p in (50, 95, 99):
        emit(f"search_p{p}_ms", percentile(everything, p), "ms", queries=len(everything), **tags)

    client = Client()  # secure=True below: without DEBUG the settings redirect plain HTTP to HTTPS (301)
    client.force_login(user)
    ids = draw_customers(args.queries, args.seed, user if args.role == "branch" else None)
    for cid in ids[:20]:
        client.get(f"/customers/{cid}/", secure=True)
    page_times = []
    for cid in ids:
        started = time.perf_counter()
        response = client.get(f"/customers/{cid}/", secure=True)
        page_times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/customers/{cid}/ answered {response.status_code}")
    for p in (50, 95, 99):
        emit(f"customer360_p{p}_ms", percentile(page_times, p), "ms", pages=len(page_times), **tags)
    log(f"  customer360       {summary(page_times)}")


if __name__ == "__main__":
    main()
