"""Shared helpers for the benchmarks in bench/: JSON-line output and throwaway databases.

Every benchmark prints one JSON object per measurement on stdout, e.g.
`{"bench": "demo_data", "metric": "customers_per_s", "value": 812.3, "unit": "customers/s", ...}`,
and keeps its human-readable chatter on stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def emit(bench: str, metric: str, value: float | int, unit: str, **extra: Any) -> None:
    """Print one measurement as a JSON line (floats rounded to 4 significant decimals)."""
    if isinstance(value, float):
        value = round(value, 4)
    record = {"bench": bench, "metric": metric, "value": value, "unit": unit, **extra}
    print(json.dumps(record, ensure_ascii=False), flush=True)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100), linearly interpolated between ranks; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def db_kind(url: str) -> str:
    scheme = urlsplit(url).scheme
    return "postgresql" if scheme.startswith("postgres") else scheme or "sqlite"


@contextmanager
def temp_database(db_url: str | None = None, *, prefix: str = "tsunagu_bench") -> Iterator[str]:
    """A fresh, empty database for one run: a temporary SQLite file, or a uniquely named PostgreSQL
    database on the server of `db_url` (created and dropped with psycopg). Yields its DATABASE_URL."""
    if not db_url or db_url.startswith("sqlite"):
        directory = tempfile.mkdtemp(prefix=f"{prefix}_")
        try:
            yield f"sqlite:///{directory}/bench.sqlite3"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    import psycopg

    parts = urlsplit(db_url)
    name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000)}"
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))  # libpq takes postgres:// too
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(args: Sequence[str], *, database_url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `manage.py ARGS` against `database_url`; stdout is captured, stderr passes through."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [PYTHON, str(REPO / "manage.py"), *args], cwd=REPO, env=env, check=check, text=True, stdout=subprocess.PIPE
    )


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite:///"):
        return None
    return Path(database_url.removeprefix("sqlite://"))
