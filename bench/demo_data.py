"""Benchmark `manage.py demo_data`: a fresh database per size, migrate, load, report JSON lines.

    .venv/bin/python bench/demo_data.py                      # SQLite, 10,000 and 100,000 customers
    .venv/bin/python bench/demo_data.py --sizes 10000
    .venv/bin/python bench/demo_data.py --db-url postgres://postgres@127.0.0.1:5432/postgres

Rates are computed from the load time the command measures itself (`--stats-file`), without the
search-index rebuild, which is reported on its own line when the search app provides one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import db_kind, emit, log, manage, sqlite_path, temp_database

BENCH = "demo_data"


def run_one(customers: int, *, seed: int, db_url: str | None) -> None:
    with temp_database(db_url, prefix="tsunagu_bench_demo") as url:
        kind = db_kind(url)
        tags = {"customers": customers, "db": kind}
        t0 = time.perf_counter()
        manage(["migrate", "--noinput", "-v", "0"], database_url=url)
        emit(BENCH, "migrate_seconds", time.perf_counter() - t0, "s", **tags)
        with tempfile.TemporaryDirectory() as tmp:
            stats_path = Path(tmp) / "stats.json"
            log(f"# demo_data --customers {customers} ({kind})")
            t0 = time.perf_counter()
            result = manage(
                ["demo_data", "--customers", str(customers), "--seed", str(seed), "--no-progress",
                 "--stats-file", str(stats_path)],
                database_url=url,
            )  # fmt: skip
            wall = time.perf_counter() - t0
            log(result.stdout.strip())
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
        search = stats["search_index_seconds"]
        load = stats["seconds"] - (search or 0.0)
        rows = stats["rows"]
        emit(BENCH, "seconds", load, "s", rows=rows, **tags)
        emit(BENCH, "customers_per_s", customers / load, "customers/s", **tags)
        emit(BENCH, "rows_per_s", rows / load, "rows/s", rows=rows, **tags)
        for phase in ("setup", "generate", "write", "finish"):
            emit(BENCH, f"{phase}_seconds", stats[f"{phase}_seconds"], "s", **tags)
        emit(BENCH, "command_wall_seconds", wall, "s", **tags)
        if search is not None:
            emit(BENCH, "search_index_seconds", search, "s", **tags)
        for table in ("policies", "interactions", "claims", "payments"):
            emit(BENCH, f"{table}_rows", stats["counts"].get(table, 0), "rows", **tags)
        path = sqlite_path(url)
        if path is not None and path.exists():
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
            emit(BENCH, "database_mib", size / 2**20, "MiB", **tags)


def main() -> None:
    parser = argparse.ArgumentParser(description="demo_data のベンチマーク(新しい一時データベースに投入して計測)")
    parser.add_argument("--sizes", default="10000,100000", help="顧客数(カンマ区切り、既定: 10000,100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--db-url",
        default=None,
        help="PostgreSQL のURL(そのサーバーに一時データベースを作成・削除)。省略時は一時SQLite",
    )
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        run_one(size, seed=args.seed, db_url=args.db_url)


if __name__ == "__main__":
    main()
