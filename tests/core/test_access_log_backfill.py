"""`log_access_backfill`: past reads appended through the same keyed chains as `log_access`, so the
log verifies, with checkpoints, and tampering with a backfilled row is detected like any other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.core.helpers import execute_sql
from tsunagu.core.access_log import PastRead, log_access, log_access_backfill, reset_checkpoint_counter
from tsunagu.core.access_log_checkpoints import checkpoint_write
from tsunagu.core.access_log_verify import verify_log
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, AccessLogHead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = str(path)
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS = 0
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 0
    reset_checkpoint_counter()
    return path


def _reads(user, days: int = 5) -> list[PastRead]:
    now = timezone.now()
    out = []
    for day in range(days, 0, -1):
        at = now - dt.timedelta(days=day, hours=1)
        out.append(
            PastRead(at=at, user=user, customer_ids=(day, day + 100), purpose=AccessPurpose.VIEW, screen="顧客詳細")
        )
        out.append(
            PastRead(
                at=at + dt.timedelta(minutes=3),
                user=user,
                customer_ids=(),
                purpose=AccessPurpose.SEARCH,
                screen="顧客検索",
                detail={"q": "佐藤", "result_ids": []},
                client_address="10.20.0.5",
            )
        )
    return out


def test_backfilled_rows_keep_their_past_times_and_verify_with_checkpoints(hq_operator):
    log_access(user=hq_operator, customer_ids=[1], purpose=AccessPurpose.VIEW, screen="顧客詳細")
    live = AccessLog.objects.get()
    checkpoint_write(reason="command")
    reads = _reads(hq_operator)
    written = log_access_backfill(reversed(reads))  # any order in, oldest first in each chain
    assert written == 5 * 3
    checkpoint_write(reason="command")
    report = verify_log(checkpoints=True)
    assert report.findings == [], report.findings
    backfilled = AccessLog.objects.exclude(pk=live.pk).order_by("chain", "seq")
    expected = sorted(read.at for read in reads for _ in range(max(1, len(read.customer_ids))))
    assert sorted(r.at for r in backfilled) == expected
    empty_search = backfilled.filter(purpose=AccessPurpose.SEARCH)
    assert empty_search.count() == 5
    assert {r.customer_id for r in empty_search} == {None}
    assert {r.client_address for r in empty_search} == {"10.20.0.5"}
    assert all(r.username == hq_operator.username and r.user_id == hq_operator.pk for r in backfilled)
    for chain in {r.chain for r in backfilled}:
        times = [r.at for r in backfilled.filter(chain=chain)]
        assert times == sorted(times)
    heads = {h.pk: (h.last_seq, h.last_hash) for h in AccessLogHead.objects.filter(last_seq__gt=0)}
    assert heads
    for chain, (seq, digest) in heads.items():
        last = AccessLog.objects.filter(chain=chain).order_by("-seq").first()
        assert last is not None
        assert (last.seq, last.hash) == (seq, digest)


def test_a_large_backfill_spreads_over_chains_and_live_appends_continue_the_chains(hq_operator, settings, monkeypatch):
    from tsunagu.core import access_log

    monkeypatch.setattr(access_log, "BACKFILL_ROWS_PER_CHAIN_LOCK", 4)
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 3
    log_access_backfill(_reads(hq_operator, days=20))
    assert AccessLog.objects.values("chain").distinct().count() > 1
    log_access(user=hq_operator, customer_ids=[7, 8], purpose=AccessPurpose.VIEW, screen="顧客詳細")
    checkpoint_write(reason="command")
    assert verify_log(checkpoints=True).findings == []


def test_a_rewritten_backfilled_row_is_detected(hq_operator):
    log_access_backfill(_reads(hq_operator))
    row = AccessLog.objects.order_by("id")[3]
    execute_sql("UPDATE core_accesslog SET customer_id = 999 WHERE id = %s", [row.pk])
    findings = verify_log(checkpoints=False).findings
    assert findings
    assert "書き換えられた可能性" in str(findings[0])


def test_future_or_naive_times_are_refused_and_nothing_is_written(hq_operator):
    future = PastRead(
        at=timezone.now() + dt.timedelta(hours=1), user=hq_operator, customer_ids=(1,), purpose=AccessPurpose.VIEW
    )
    with pytest.raises(ValueError, match="未来の日時"):
        log_access_backfill([*_reads(hq_operator), future])
    naive = PastRead(at=dt.datetime(2026, 1, 5, 10, 0), user=hq_operator, customer_ids=(1,), purpose=AccessPurpose.VIEW)
    with pytest.raises(ValueError, match="タイムゾーン"):
        log_access_backfill([naive])
    assert AccessLog.objects.count() == 0
