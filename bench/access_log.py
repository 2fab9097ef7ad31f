"""Benchmark concurrent access-log appends (the write every personal-data read makes).

    .venv/bin/python bench/access_log.py --writers 50 --appends 200
    .venv/bin/python bench/access_log.py --writers 50 --appends 200 --db-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database (temporary SQLite file, or a throwaway PostgreSQL database on the server of
--db-url) is migrated; then `--writers` processes (as gunicorn workers would be) each call
`log_access` `--appends` times for one customer, as a customer page does. Afterwards the chain is
verified. Prints JSON lines: `access_log_appends_per_second`, `access_log_append_p95_ms`,
`access_log_errors`, `access_log_verified_rows`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import db_kind, emit, log, manage, percentile, temp_database

BENCH = "access_log"


def _writer(index: int, appends: int, go: Any, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import django

    django.setup()
    from django.db import connection

    from tsunagu.core.access_log import log_access
    from tsunagu.core.choices import AccessPurpose

    queue.put(None)  # ready: Django is imported
    go.wait()  # every writer starts at once
    errors: list[str] = []
    latencies: list[float] = []
    for n in range(appends):
        began = time.perf_counter()
        try:
            log_access(
                user=None, customer_ids=[index * 100_000 + n], purpose=AccessPurpose.VIEW, screen="bench", detail={}
            )
        except Exception as error:  # counted and reported: the point of the benchmark
            errors.append(f"{type(error).__name__}: {error}")
        latencies.append(time.perf_counter() - began)
    connection.close()
    queue.put((latencies, errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--db-url", default=None, help="既定: 一時的なSQLiteファイル")
    args = parser.parse_args()

    with temp_database(args.db_url, prefix="tsunagu_bench_access_log") as url, tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
        # A checkpoint file of this run only: the anchor belongs to this throwaway database.
        os.environ["TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE"] = str(Path(tmp) / "checkpoints.jsonl")
        manage(["migrate", "--verbosity", "0"], database_url=url)
        log(f"{db_kind(url)}: {args.writers} writers × {args.appends} appends")
        context = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
        go = context.Event()
        workers = [context.Process(target=_writer, args=(i, args.appends, go, queue)) for i in range(args.writers)]
        for worker in workers:
            worker.start()
        for _ in workers:
            queue.get()
        start = time.time()
        go.set()
        latencies: list[float] = []
        errors: list[str] = []
        for _ in workers:
            part, failed = queue.get()
            latencies.extend(part)
            errors.extend(failed)
        elapsed = time.time() - start
        for worker in workers:
            worker.join()

        import django

        django.setup()
        from tsunagu.core.access_log import verify_chain
        from tsunagu.core.models import AccessLog

        checked, broken = verify_chain()
        rows = AccessLog.objects.count()
        from django.db import connection

        connection.close()

    extra = {"db": db_kind(url), "writers": args.writers, "appends": args.appends}
    emit(
        BENCH,
        "access_log_appends_per_second",
        (args.writers * args.appends - len(errors)) / elapsed,
        "appends/s",
        **extra,
    )
    emit(BENCH, "access_log_append_p95_ms", percentile(latencies, 95) * 1000, "ms", **extra)
    emit(BENCH, "access_log_append_max_ms", max(latencies) * 1000, "ms", **extra)
    emit(BENCH, "access_log_errors", len(errors), "errors", **extra)
    emit(BENCH, "access_log_rows", rows, "rows", **extra)
    emit(BENCH, "access_log_verified", int(broken is None and checked == rows), "bool", **extra)
    for message in sorted(set(errors))[:5]:
        log(f"error: {message}")


if __name__ == "__main__":
    main()
