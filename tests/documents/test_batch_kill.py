"""A certificate batch killed half-way (SIGKILL, no clean-up) resumes without duplicates.

Runs `manage.py` in subprocesses on a database file of its own (the suite's test database lives in
this process's transaction), so it runs once, in the SQLite suite.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import register_font

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="uses its own SQLite file through manage.py; run once, in the SQLite suite",
)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_killed_batch_resumes_without_duplicates(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    register_font(font_dir())
    (var / "fonts").symlink_to(font_dir())  # the instanced font, not made again (12 s)
    db = var / "kill.sqlite3"
    # A production-like process (DEBUG off): it needs keys of its own, not the published development ones.
    env = {
        **os.environ,
        "TSUNAGU_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TSUNAGU_ACCESS_LOG_KEY": secrets.token_urlsafe(40),
        "TSUNAGU_FIELD_KEYS": secrets.token_urlsafe(40),
    }
    assert manage(env, "migrate", "-v0").returncode == 0
    assert manage(env, "demo_data", "--customers", "1500", "-v0").returncode == 0

    batch = [*("deduction_certificates", "--tax-year", "2026", "--issue-date", "2026-10-15"), "--workers", "0"]
    documents = "SELECT count(*) FROM documents_document"
    running = "SELECT count(*) FROM documents_documentbatch WHERE status = 'running'"
    # The demo year already holds documents (reissues, a contract-notice batch): count the batch's own.
    before = count(db, documents)
    run = subprocess.Popen(
        [sys.executable, "manage.py", *batch, "--chunk-size", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if count(db, running) == 1 and count(db, documents) >= before + 5:
            run.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL, "the batch finished before it could be killed"

    killed_at = count(db, documents)
    assert killed_at >= before + 5
    assert count(db, running) == 1  # killed: nothing marked it failed
    # Nothing half-registered: every printable row has its document, every document its file.
    orphans = "SELECT count(*) FROM documents_deductioncertificate WHERE NOT excluded AND document_id IS NULL"
    assert count(db, orphans) == 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for key, sha in conn.execute("SELECT storage_key, sha256 FROM documents_document"):
            assert hashlib.sha256((var / "documents" / key).read_bytes()).hexdigest() == sha

    resumed = manage(env, *batch)
    assert resumed.returncode == 0, resumed.stderr
    total = count(db, documents)
    assert total > killed_at
    assert f"発行 {total - killed_at:,}件" in resumed.stdout
    current = "doc_type = 'deduction_certificate' AND tax_year = 2026 AND status = 'issued'"
    one_each = (
        "SELECT count(*) FROM (SELECT customer_id FROM documents_document "
        f"WHERE {current} GROUP BY customer_id HAVING count(*) > 1)"
    )
    assert count(db, one_each) == 0
    rows = "FROM documents_deductioncertificate WHERE tax_year = 2026 AND status != 'superseded'"
    distinct = f"SELECT count(*) FROM (SELECT DISTINCT policy_id, category {rows})"
    assert count(db, f"SELECT count(*) {rows}") == count(db, distinct)

    again = manage(env, *batch)
    assert again.returncode == 0
    assert "発行 0件" in again.stdout
    assert count(db, documents) == total
