"""Concurrent readers append to the access log at once (PostgreSQL: one lock per chain, SKIP LOCKED)
and the result is complete and verifiable: no lost, duplicated or mislinked rows."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tsunagu.core.access_log import log_access
from tsunagu.core.access_log_checkpoints import checkpoint_write
from tsunagu.core.access_log_verify import verify_log
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, AccessLogHead

THREADS = 12
APPENDS = 25


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS = 0
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 0
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_many_threads_lose_nothing_and_verify():
    if connection.vendor != "postgresql":
        pytest.skip("row locks per chain are PostgreSQL's; SQLite serialises every write anyway")
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def reader(index: int) -> None:
        try:
            start.wait()
            for n in range(APPENDS):
                customers = [index * 1000 + n] if n % 5 else [index * 1000 + n, -1, -2]  # some multi-row reads
                log_access(user=None, customer_ids=customers, purpose=AccessPurpose.VIEW, screen=f"t{index}")
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    per_thread = sum(3 if n % 5 == 0 else 1 for n in range(APPENDS))
    assert AccessLog.objects.count() == THREADS * per_thread
    for index in range(THREADS):
        assert AccessLog.objects.filter(screen=f"t{index}").count() == per_thread
    # More than one chain took part: appends did not all queue on one lock.
    assert AccessLog.objects.values("chain").distinct().count() > 1
    heads = AccessLogHead.objects.all()
    assert sum(head.last_seq for head in heads) == THREADS * per_thread
    checkpoint_write()
    report = verify_log()
    assert (report.ok, report.rows, report.findings) == (True, THREADS * per_thread, [])


@pytest.mark.django_db
def test_raising_the_number_of_chains_puts_the_new_chains_to_use(settings):
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 2
    for n in range(20):
        log_access(user=None, customer_ids=[n], purpose=AccessPurpose.VIEW)
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 8
    for n in range(80):
        log_access(user=None, customer_ids=[n], purpose=AccessPurpose.VIEW)
    assert set(AccessLogHead.objects.values_list("id", flat=True)) == set(range(8))
    assert AccessLog.objects.filter(chain__gte=2).exists()
    assert verify_log().ok
