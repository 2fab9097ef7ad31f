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


def migrations_digest() -> str:
    """A digest of every migration file: what a database built earlier must be brought up to."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(REPO.glob("tsunagu/*/migrations/*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _migrate_forward(url: str, marker: Path) -> None:
    """Bring a cached database up to the current migrations (e.g. a new index) instead of rebuilding."""
    digest = migrations_digest()
    if not marker.exists() or marker.read_text() != digest:
        began = time.perf_counter()
        manage(["migrate", "--noinput", "-v0"], database_url=url)
        log(f"migrated the cached database in {time.perf_counter() - began:.1f} s")
        marker.write_text(digest)


def _migrate_empty(url: str) -> None:
    """Migrate an empty database: on SQLite a copy of the migrated template bench/voice.py keeps
    (a full `migrate` takes minutes on a busy machine), on PostgreSQL `migrate` itself."""
    path = sqlite_path(url)
    if path is None:
        manage(["migrate", "--noinput", "-v0"], database_url=url)
        return
    from bench.voice import migrated_database

    with migrated_database(None) as empty:
        shutil.copyfile(empty.removeprefix("sqlite:///"), path)


@contextmanager
def cached_database(name: str, key: str, build: Any, *, db_url: str | None, rebuild: bool = False) -> Iterator[str]:
    """A throwaway copy of a database that `build(url)` fills once and that is kept between runs.

    `name` names the cache (e.g. "compliance-10000000"), `key` says what was built (bump it when the
    generator changes: an older copy of `name` is then dropped). `build` receives the URL of an empty,
    migrated database (on SQLite a copy of bench/voice.py's migrated template) and fills it. The cache
    is var/bench/NAME-KEY.sqlite3 or the PostgreSQL template database tsunagu_bench_NAME_KEY; it is
    migrated forward when migration files change (an index added since does not force a rebuild).
    Yields the URL of a fresh copy, dropped after the run."""
    import hashlib

    stamp = hashlib.sha256(key.encode()).hexdigest()[:10]
    var = REPO / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    if not db_url or db_url.startswith("sqlite"):
        for old in var.glob(f"{name}-*.sqlite3"):
            if old.name != f"{name}-{stamp}.sqlite3" or rebuild:
                old.unlink()
        cached = var / f"{name}-{stamp}.sqlite3"
        if not cached.exists():
            building = cached.with_suffix(".building")
            building.unlink(missing_ok=True)
            log(f"building {name} into {building} (cached for the next runs)")
            began = time.perf_counter()
            _migrate_empty(f"sqlite:///{building}")
            build(f"sqlite:///{building}")
            log(f"built {name} in {time.perf_counter() - began:.1f} s")
            building.rename(cached)
            cached.with_suffix(".migrations").write_text(migrations_digest())  # built at today's migrations
        _migrate_forward(f"sqlite:///{cached}", cached.with_suffix(".migrations"))
        with temp_database(None, prefix=f"tsunagu_bench_{name}") as url:
            began = time.perf_counter()
            shutil.copyfile(cached, url.removeprefix("sqlite:///"))
            log(f"copied the cached database in {time.perf_counter() - began:.1f} s")
            yield url
        return
    import psycopg

    parts = urlsplit(db_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    base = f"tsunagu_bench_{name.replace('-', '_')}"
    template = f"{base}_{stamp}"

    def at(database: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))

    with psycopg.connect(admin, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{base}_%"])]
        for old in names:
            if old != template or rebuild:
                conn.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        exists = template in names and not rebuild
    if not exists:
        building = f"{template}_building"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{building}"')
        log(f"building {name} into {building} (cached for the next runs)")
        began = time.perf_counter()
        _migrate_empty(at(building))
        build(at(building))
        log(f"built {name} in {time.perf_counter() - began:.1f} s")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        (var / f"{template}.migrations").write_text(migrations_digest())
    _migrate_forward(at(template), var / f"{template}.migrations")
    run = f"{base}_run_{os.getpid()}_{int(time.time())}"
    began = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{run}" TEMPLATE "{template}"')
    log(f"copied the cached database in {time.perf_counter() - began:.1f} s")
    try:
        yield at(run)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)')
