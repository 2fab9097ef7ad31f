"""The hash-chained access log: every row names who read whose data, and tampering is detected."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.core.helpers import access_rows, execute_sql
from tsunagu.core import context
from tsunagu.core.access_log import GENESIS_HASH, log_access, verify_chain
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, AccessLogHead, AppendOnlyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_rows(hq_operator):
    """Five chained rows, for customers 101 … 105."""
    with context.request_context(client_address="192.0.2.1", screen="/customers/"):
        for customer_id in range(101, 106):
            log_access(user=hq_operator, customer_ids=[customer_id], purpose=AccessPurpose.VIEW, screen="顧客詳細")
    return access_rows()


def verify_command() -> tuple[int, str, str]:
    """Run `manage.py verify_access_log`: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_access_log", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_each_row_records_the_user_the_customer_the_purpose_the_screen_and_the_client_address(five_rows, hq_operator):
    assert [row.id for row in five_rows] == [1, 2, 3, 4, 5]
    first = five_rows[0]
    assert (first.user, first.username, first.customer_id, first.purpose, first.screen, first.client_address) == (
        hq_operator,
        "hq_operator",
        101,
        "view",
        "顧客詳細",
        "192.0.2.1",
    )
    assert abs(first.at - timezone.now()) < dt.timedelta(minutes=1)


def test_each_row_carries_the_hash_of_the_row_before(five_rows):
    assert five_rows[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(five_rows):
        assert after.prev_hash == before.hash
    head = AccessLogHead.objects.get()
    assert (head.last_id, head.last_hash) == (5, five_rows[-1].hash)


def test_one_read_of_several_customers_writes_one_row_each_and_an_empty_read_writes_one_row(hq_operator):
    log_access(user=hq_operator, customer_ids=[7, 8, 9], purpose=AccessPurpose.SEARCH, detail={"q": "山田"})
    log_access(user=hq_operator, customer_ids=[], purpose=AccessPurpose.SEARCH, detail={"q": "該当なし"})
    assert [(row.customer_id, row.detail) for row in access_rows()] == [
        (7, {"q": "山田"}),
        (8, {"q": "山田"}),
        (9, {"q": "山田"}),
        (None, {"q": "該当なし"}),
    ]
    assert verify_chain() == (4, None)


def test_anonymous_reads_are_logged_without_a_user():
    log_access(user=AnonymousUser(), customer_ids=[1], purpose=AccessPurpose.API)
    [row] = access_rows()
    assert (row.user, row.username) == (None, "")
    assert verify_chain() == (1, None)


def test_an_intact_chain_verifies_and_the_command_exits_0(five_rows):
    assert verify_chain() == (5, None)
    status, out, err = verify_command()
    assert status == 0
    assert "OK: アクセスログ 5 行のハッシュチェーンは正常です。" in out
    assert err == ""


def test_an_empty_log_verifies():
    assert verify_chain() == (0, None)
    assert verify_command()[0] == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [("screen", "改ざん"), ("customer_id", 999), ("client_address", "10.0.0.1"), ("purpose", "export")],
)
def test_changing_a_column_of_row_3_of_5_by_raw_sql_is_detected_at_row_3(five_rows, column, value):
    execute_sql(f"UPDATE core_accesslog SET {column} = %s WHERE id = 3", [value])
    checked, broken = verify_chain()
    assert checked == 2
    assert broken.id == 3
    assert "この行が改ざんされた可能性" in broken.reason
    status, _out, err = verify_command()
    assert status == 1
    assert "NG: アクセスログの行 3 でチェーンが壊れています" in err
    assert "それより前の 2 行は正常です" in err


def test_changing_the_detail_or_time_of_a_row_is_detected(five_rows):
    execute_sql("UPDATE core_accesslog SET at = %s WHERE id = 4", [five_rows[3].at - dt.timedelta(hours=1)])
    assert verify_chain()[1].id == 4


def test_rewriting_a_row_with_a_matching_hash_breaks_the_link_to_the_next_row(five_rows):
    from tsunagu.core.access_log import _hash_of

    row = AccessLog.objects.get(id=3)
    row.screen = "改ざん"
    forged = _hash_of(row, row.prev_hash)
    execute_sql("UPDATE core_accesslog SET screen = %s, hash = %s WHERE id = 3", ["改ざん", forged])
    checked, broken = verify_chain()
    assert (checked, broken.id) == (3, 4)
    assert "前の行のハッシュと一致しません" in broken.reason


def test_deleting_row_3_of_5_by_raw_sql_is_detected_at_row_3(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id = 3")
    checked, broken = verify_chain()
    assert (checked, broken.id) == (2, 3)
    assert "行 3 が欠落しています(次の行は 4)" in broken.reason
    status, _out, err = verify_command()
    assert status == 1
    assert "行 3 でチェーンが壊れています" in err


def test_deleting_the_last_row_by_raw_sql_is_detected(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id = 5")
    checked, broken = verify_chain()
    assert (checked, broken.id) == (4, 5)
    assert "末尾の行が欠落しています(記録上の最終行は 5)" in broken.reason
    status, _out, err = verify_command()
    assert status == 1
    assert "行 5 でチェーンが壊れています" in err


def test_deleting_the_last_row_and_the_head_by_raw_sql_is_detected(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id = 5")
    execute_sql("DELETE FROM core_accessloghead")
    checked, broken = verify_chain()
    assert (checked, broken.id) == (4, 5)
    assert "最終行の記録(AccessLogHead)がありません" in broken.reason
    assert verify_command()[0] == 1


def test_deleting_the_first_row_is_detected_at_row_1(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id = 1")
    checked, broken = verify_chain()
    assert (checked, broken.id) == (0, 1)


def test_saving_an_existing_row_again_is_refused(five_rows):
    row = AccessLog.objects.get(id=3)
    row.screen = "改ざん"
    with pytest.raises(AppendOnlyError, match="アクセスログは変更できません"):
        row.save()
    assert AccessLog.objects.get(id=3).screen == "顧客詳細"


def test_deleting_a_row_is_refused(five_rows):
    with pytest.raises(AppendOnlyError, match="アクセスログは削除できません"):
        AccessLog.objects.get(id=3).delete()
    assert AccessLog.objects.count() == 5


def test_bulk_updates_and_deletes_through_the_orm_are_refused(five_rows):
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(id=3).update(screen="改ざん")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(id__gte=4).delete()
    assert verify_chain() == (5, None)


def test_a_new_row_given_an_existing_id_does_not_overwrite_that_row(five_rows):
    forged = AccessLog(
        id=3,
        at=timezone.now(),
        username="intruder",
        purpose="view",
        screen="偽装",
        prev_hash=five_rows[1].hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert AccessLog.objects.get(id=3).username == "hq_operator"
    assert verify_chain() == (5, None)


def test_the_chain_continues_after_verification(five_rows, hq_operator):
    log_access(user=hq_operator, customer_ids=[106], purpose=AccessPurpose.EXPORT)
    assert verify_chain() == (6, None)
