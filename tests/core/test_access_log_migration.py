"""Migration 0004: the old single plain-SHA-256 chain is verified, then re-signed with the key as
chain 0; a tampered old chain stops the migration instead of being laundered by re-signing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tsunagu.core.access_log import current_key, log_access
from tsunagu.core.access_log_verify import verify_log
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, AccessLogHead

BEFORE = [("core", "0003_api_token")]
AFTER = [("core", "0005_access_log_database_ids")]
AT = dt.datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS = 0
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 0


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Going back to core 0003 unapplies every later migration of every app that depends on core:
    leave the database at the newest migrations, as the other tests expect it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def legacy_rows(count: int) -> list[str]:
    """Write `count` rows and the head exactly as the code before 0004 did; returns their hashes."""
    prev, hashes = "0" * 64, []
    at_db = connection.ops.adapt_datetimefield_value(AT)
    with connection.cursor() as cursor:
        for row_id in range(1, count + 1):
            fields = [row_id, AT.isoformat(timespec="microseconds"), None, "operator", 100 + row_id, "view"]
            fields += ["顧客詳細", {"n": row_id}, "192.0.2.1"]
            payload = json.dumps([prev, *fields], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(payload.encode()).hexdigest()
            values = [row_id, at_db, "operator", 100 + row_id, "view", "顧客詳細", json.dumps({"n": row_id})]
            values += ["192.0.2.1", prev, digest]
            cursor.execute(
                "INSERT INTO core_accesslog (id, at, user_id, username, customer_id, purpose, screen, detail, "
                "client_address, prev_hash, hash) VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s)",
                values,
            )
            prev = digest
            hashes.append(digest)
        cursor.execute("INSERT INTO core_accessloghead (id, last_id, last_hash) VALUES (1, %s, %s)", [count, prev])
    return hashes


@pytest.mark.django_db(transaction=True)
def test_an_intact_old_chain_is_re_signed_as_chain_0_and_the_log_continues():
    migrate(BEFORE)
    legacy_rows(4)
    migrate(AFTER)
    rows = list(AccessLog.objects.order_by("id"))
    assert [(row.id, row.chain, row.seq, row.customer_id) for row in rows] == [
        (1, 0, 1, 101),
        (2, 0, 2, 102),
        (3, 0, 3, 103),
        (4, 0, 4, 104),
    ]
    assert {row.key_id for row in rows} == {current_key().id}
    assert (rows[0].at, rows[3].detail) == (AT, {"n": 4})
    assert list(AccessLogHead.objects.values_list("id", "last_seq", "last_hash")) == [(0, 4, rows[-1].hash)]
    assert verify_log().ok
    log_access(user=None, customer_ids=[200], purpose=AccessPurpose.VIEW)
    newest = AccessLog.objects.order_by("-id").first()
    assert newest.id == 5  # the database's id sequence continues after the migrated rows
    assert verify_log().ok


@pytest.mark.django_db(transaction=True)
def test_a_tampered_old_chain_stops_the_migration():
    migrate(BEFORE)
    legacy_rows(3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_accesslog SET screen = '改ざん' WHERE id = 2")
    with pytest.raises(RuntimeError, match=r"既存のアクセスログ\(行 2 付近\)が旧方式の検証に失敗しました"):
        migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_accesslog")
        cursor.execute("DELETE FROM core_accessloghead")
    migrate(AFTER)
