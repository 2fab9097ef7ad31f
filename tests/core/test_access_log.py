"""The keyed, checkpointed access log: every row names who read whose data, and tampering — rewriting,
deleting, truncating, emptying — is detected, with the affected range, even by an attacker who
recomputes hashes and moves the heads (but has neither the key nor the checkpoint store)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.core.helpers import access_rows, execute_sql
from tsunagu.core import context
from tsunagu.core.access_log import (
    GENESIS_HASH,
    _keyring,
    common_part,
    current_key,
    key_id_of,
    log_access,
    reset_checkpoint_counter,
    row_hash,
    verify_chain,
)
from tsunagu.core.access_log_checkpoints import checkpoint_write
from tsunagu.core.access_log_verify import verify_log
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, AccessLogHead, AppendOnlyError

pytestmark = pytest.mark.django_db

OTHER_KEY = "another-key-that-is-long-enough-0123456789"


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Each test its own checkpoint file; automatic checkpoints only where a test turns them on."""
    path = tmp_path / "checkpoints.jsonl"
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = str(path)
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS = 0
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 0
    reset_checkpoint_counter()
    return path


@pytest.fixture
def one_chain(settings):
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 1


@pytest.fixture
def five_rows(hq_operator, one_chain):
    """Five rows in chain 0, for customers 101 … 105."""
    with context.request_context(client_address="192.0.2.1", screen="/customers/"):
        for customer_id in range(101, 106):
            log_access(user=hq_operator, customer_ids=[customer_id], purpose=AccessPurpose.VIEW, screen="顧客詳細")
    return access_rows()


def verify_command(*args: str) -> tuple[int, str, str]:
    """Run `manage.py verify_access_log`: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_access_log", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def messages() -> list[str]:
    return [finding.message for finding in verify_log().findings]


def resign(row: AccessLog, key, **changes) -> str:
    """The HMAC an attacker holding `key` would write for `row` with `changes`."""
    values = {f: getattr(row, f) for f in ("at", "user_id", "username", "purpose", "screen", "detail")}
    values |= {"client_address": row.client_address, **changes}
    common = common_part(key_id=row.key_id, **values)
    return row_hash(
        key, chain=row.chain, seq=row.seq, prev_hash=row.prev_hash, customer_id=row.customer_id, common=common
    )


# --- What a row records ---------------------------------------------------------------------------


def test_each_row_records_the_user_the_customer_the_purpose_the_screen_and_the_client_address(five_rows, hq_operator):
    assert [(row.chain, row.seq) for row in five_rows] == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]
    first = five_rows[0]
    assert (first.user, first.username, first.customer_id, first.purpose, first.screen, first.client_address) == (
        hq_operator,
        "hq_operator",
        101,
        "view",
        "顧客詳細",
        "192.0.2.1",
    )
    assert first.key_id == current_key().id
    assert abs(first.at - timezone.now()) < dt.timedelta(minutes=1)


def test_each_row_carries_the_hash_of_the_row_before_and_the_head_the_last(five_rows):
    assert five_rows[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(five_rows):
        assert after.prev_hash == before.hash
    head = AccessLogHead.objects.get(id=0)
    assert (head.last_seq, head.last_hash) == (5, five_rows[-1].hash)


def test_the_hash_is_keyed_not_a_plain_sha256(five_rows):
    row = five_rows[2]
    assert row.hash == resign(row, current_key())
    other = dataclasses.replace(next(iter(_keyring(OTHER_KEY, ()).values())), id=row.key_id)
    assert row.hash != resign(row, other)


def test_the_key_comes_from_the_settings_and_is_not_stored(five_rows, settings):
    assert current_key().id == key_id_of(settings.TSUNAGU_ACCESS_LOG_KEY)
    stored = json.dumps(list(AccessLog.objects.values_list()), default=str)
    assert settings.TSUNAGU_ACCESS_LOG_KEY not in stored


def test_one_read_of_several_customers_writes_one_row_each_in_one_chain_and_an_empty_read_one_row(hq_operator):
    log_access(user=hq_operator, customer_ids=[7, 8, 9], purpose=AccessPurpose.SEARCH, detail={"q": "山田"})
    log_access(user=hq_operator, customer_ids=[], purpose=AccessPurpose.SEARCH, detail={"q": "該当なし"})
    rows = access_rows()
    assert [(row.customer_id, row.detail) for row in rows] == [
        (7, {"q": "山田"}),
        (8, {"q": "山田"}),
        (9, {"q": "山田"}),
        (None, {"q": "該当なし"}),
    ]
    first_three = rows[:3]
    assert len({row.chain for row in first_three}) == 1
    assert [row.seq for row in first_three] == [first_three[0].seq, first_three[0].seq + 1, first_three[0].seq + 2]
    assert verify_chain() == (4, None)


def test_reads_spread_over_the_configured_number_of_chains(hq_operator, settings):
    settings.TSUNAGU_ACCESS_LOG_CHAINS = 4
    for customer_id in range(60):
        log_access(user=hq_operator, customer_ids=[customer_id], purpose=AccessPurpose.VIEW)
    chains = set(AccessLog.objects.values_list("chain", flat=True))
    assert chains <= {0, 1, 2, 3}
    assert len(chains) > 1
    assert verify_log().ok


def test_anonymous_reads_are_logged_without_a_user():
    log_access(user=AnonymousUser(), customer_ids=[1], purpose=AccessPurpose.API)
    [row] = access_rows()
    assert (row.user, row.username) == (None, "")
    assert verify_chain() == (1, None)


def test_a_batch_of_thousands_of_customers_verifies(hq_operator):
    assert log_access(user=hq_operator, customer_ids=range(1, 3001), purpose=AccessPurpose.COMMAND) == 3000
    report = verify_log()
    assert (report.rows, report.ok) == (3000, True)


# --- Verification: intact ---------------------------------------------------------------------------


def test_an_intact_log_verifies_and_the_command_exits_0(five_rows):
    checkpoint_write()
    status, out, err = verify_command()
    assert status == 0
    assert "OK: アクセスログ 5 行(チェーン 1 本、チェックポイント 1 件と照合)は正常です。" in out
    assert err == ""


def test_an_empty_log_verifies():
    assert verify_chain() == (0, None)
    assert verify_command()[0] == 0


def test_without_any_checkpoint_the_command_warns_that_tail_deletion_is_not_detectable(five_rows):
    status, _out, err = verify_command()
    assert status == 0
    assert "署名付きチェックポイントがありません" in err


def test_the_chain_continues_after_verification(five_rows, hq_operator):
    log_access(user=hq_operator, customer_ids=[106], purpose=AccessPurpose.EXPORT)
    assert verify_chain() == (6, None)


# --- Rewriting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [("screen", "改ざん"), ("customer_id", 999), ("client_address", "10.0.0.1"), ("purpose", "export")],
)
def test_changing_a_column_of_row_3_by_raw_sql_is_detected_with_its_range(five_rows, column, value):
    target = five_rows[2]
    execute_sql(f"UPDATE core_accesslog SET {column} = %s WHERE id = %s", [value, target.id])
    assert messages() == [
        f"チェーン 0 の seq 3、id {target.id}、{timezone.localtime(target.at):%Y/%m/%d %H:%M:%S}〜"
        f"{timezone.localtime(target.at):%Y/%m/%d %H:%M:%S}: 行の内容が署名(HMAC)と一致しません: "
        "書き換えられた可能性があります。"
    ]
    status, _out, err = verify_command()
    assert status == 1
    assert "NG: アクセスログ 5 行" in err
    assert f"チェーン 0 の seq 3、id {target.id}" in err


def test_changing_the_time_of_a_row_is_detected(five_rows):
    execute_sql(
        "UPDATE core_accesslog SET at = %s WHERE id = %s", [five_rows[3].at - dt.timedelta(hours=1), five_rows[3].id]
    )
    [finding] = verify_log().findings
    assert "seq 4" in finding.message
    assert finding.id == five_rows[3].id


def test_rewriting_the_last_row_and_recomputing_a_plain_sha256_is_detected(five_rows):
    """The attack that passed before: the row's hash was a plain SHA-256 anyone could recompute."""
    last = five_rows[-1]
    payload = json.dumps([last.prev_hash, last.chain, last.seq, "改ざん"], ensure_ascii=False)
    forged = hashlib.sha256(payload.encode()).hexdigest()
    execute_sql("UPDATE core_accesslog SET screen = %s, hash = %s WHERE id = %s", ["改ざん", forged, last.id])
    execute_sql("UPDATE core_accessloghead SET last_hash = %s WHERE id = 0", [forged])
    [finding] = verify_log().findings
    assert f"チェーン 0 の seq 5、id {last.id}" in finding.message
    assert "署名(HMAC)と一致しません" in finding.message
    assert verify_command()[0] == 1


def test_rewriting_a_row_and_re_signing_it_with_a_wrong_key_is_detected(five_rows):
    row = AccessLog.objects.get(id=five_rows[2].id)
    wrong = dataclasses.replace(next(iter(_keyring(OTHER_KEY, ()).values())), id=row.key_id)
    forged = resign(row, wrong, screen="改ざん")
    execute_sql("UPDATE core_accesslog SET screen = %s, hash = %s WHERE id = %s", ["改ざん", forged, row.id])
    found = messages()
    # The forged row fails its HMAC, and row 4 no longer links to it.
    assert any("seq 3" in m and "署名(HMAC)と一致しません" in m for m in found)
    assert any("seq 4" in m and "前の行のハッシュとつながっていません" in m for m in found)
    assert verify_command()[0] == 1


def test_a_row_re_signed_with_the_right_key_verifies_which_is_why_the_key_stays_out_of_the_database(five_rows):
    """The other side of the threat model: whoever holds the key can forge (so keep it elsewhere)."""
    row = AccessLog.objects.get(id=five_rows[4].id)
    forged = resign(row, current_key(), screen="改ざん")
    execute_sql("UPDATE core_accesslog SET screen = %s, hash = %s WHERE id = %s", ["改ざん", forged, row.id])
    execute_sql("UPDATE core_accessloghead SET last_hash = %s WHERE id = 0", [forged])
    assert verify_log(checkpoints=False).ok


def test_a_row_claiming_an_unknown_key_is_reported(five_rows):
    execute_sql("UPDATE core_accesslog SET key_id = %s WHERE id = %s", ["ffffffffffff", five_rows[1].id])
    [finding] = verify_log().findings
    assert "seq 2" in finding.message
    assert "未知の鍵ID" in finding.message


# --- Deleting, truncating, emptying ---------------------------------------------------------------


def test_deleting_a_middle_row_is_detected_with_the_ids_and_times_around_it(five_rows):
    before, gone, after = five_rows[1], five_rows[2], five_rows[3]
    execute_sql("DELETE FROM core_accesslog WHERE id = %s", [gone.id])
    [finding] = verify_log().findings
    assert finding.message.startswith(
        f"チェーン 0 の seq 3(1 行)が削除されています(id {before.id} と {after.id} の間、"
    )
    status, _out, err = verify_command()
    assert status == 1
    assert "seq 3(1 行)が削除されています" in err


def test_deleting_the_first_row_is_detected(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id = %s", [five_rows[0].id])
    [finding] = verify_log().findings
    assert f"チェーン 0 の seq 1(1 行)が削除されています(id {five_rows[1].id} より前" in finding.message


def test_deleting_the_last_rows_without_moving_the_head_is_detected(five_rows):
    execute_sql("DELETE FROM core_accesslog WHERE id >= %s", [five_rows[3].id])
    [finding] = verify_log().findings
    assert f"チェーン 0 の seq 4〜5(2 行)が削除されています(末尾、id {five_rows[2].id}" in finding.message


def test_deleting_the_last_rows_and_moving_the_head_is_detected_by_the_checkpoint(five_rows):
    checkpoint_write()
    execute_sql("DELETE FROM core_accesslog WHERE id >= %s", [five_rows[3].id])
    execute_sql("UPDATE core_accessloghead SET last_seq = 3, last_hash = %s WHERE id = 0", [five_rows[2].hash])
    assert verify_log(checkpoints=False).ok  # the database alone is consistent again …
    [finding] = verify_log().findings  # … but the signed checkpoint outside it says otherwise
    assert f"チェーン 0 の seq 4〜5(2 行)が削除されています(末尾、id {five_rows[2].id}" in finding.message
    assert "のチェックポイントでは seq 5 までありました" in finding.message
    status, _out, err = verify_command()
    assert status == 1
    assert "seq 4〜5(2 行)が削除されています" in err


def test_emptying_the_log_and_its_heads_is_detected_by_the_checkpoint(five_rows):
    checkpoint_write()
    execute_sql("DELETE FROM core_accesslog")
    execute_sql("DELETE FROM core_accessloghead")
    [finding] = verify_log().findings
    assert finding.message.startswith("チェーン 0 の seq 1〜5(5 行)が全て削除されています(")
    status, _out, err = verify_command()
    assert status == 1
    assert "NG: アクセスログ 0 行" in err


def test_emptying_the_log_but_not_the_heads_is_detected_without_a_checkpoint(five_rows):
    execute_sql("DELETE FROM core_accesslog")
    assert "チェーン 0 の seq 1〜5 が全て削除されています(先頭記録による)。" in messages()


def test_rebuilding_the_chain_from_scratch_with_fewer_rows_is_detected_by_the_checkpoint(five_rows, hq_operator):
    checkpoint_write()
    execute_sql("DELETE FROM core_accesslog")
    execute_sql("DELETE FROM core_accessloghead")
    log_access(user=hq_operator, customer_ids=[1, 2, 3, 4, 5, 6], purpose=AccessPurpose.VIEW)
    # Six fresh, correctly signed rows (the application wrote them), but not the rows checkpointed.
    assert verify_log(checkpoints=False).ok
    assert any("seq 5 以前の行がチェックポイント" in m for m in messages())


# --- Checkpoints ----------------------------------------------------------------------------------


def test_the_checkpoint_command_appends_a_signed_line_per_run(five_rows, checkpoint_file):
    out = StringIO()
    call_command("access_log_checkpoint", stdout=out)
    call_command("access_log_checkpoint", stdout=StringIO())
    assert "チェックポイントを書き込みました: 5 行、チェーン 1 本" in out.getvalue()
    first, second = (json.loads(line) for line in checkpoint_file.read_text().splitlines())
    assert first["chains"] == {"0": [5, five_rows[-1].hash]}
    assert (first["rows"], first["key_id"], len(first["sig"])) == (5, current_key().id, 64)
    assert second["chains"] == first["chains"]


def test_a_forged_checkpoint_line_is_reported(five_rows, checkpoint_file):
    record = checkpoint_write()
    record["chains"] = {"0": [2, five_rows[1].hash]}
    record["rows"] = 2
    with checkpoint_file.open("a") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.write("not json\n")
    assert messages() == [
        "チェックポイントの 2 行目: 署名が一致しません(偽造または改ざんの可能性)。",
        "チェックポイントの 3 行目: JSON として読めません。",
    ]


def test_checkpoints_of_another_database_are_ignored(five_rows, checkpoint_file):
    record = checkpoint_write()
    record["db"] = "postgresql:db.example:5432:other"
    record["chains"] = {"0": [500, "0" * 64]}
    checkpoint_file.write_text(json.dumps(record) + "\n")
    report = verify_log()
    assert (report.ok, report.checkpoints) == (True, 0)


def test_log_access_writes_a_checkpoint_by_itself_every_n_rows(
    five_rows, settings, checkpoint_file, hq_operator, django_capture_on_commit_callbacks
):
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 3
    reset_checkpoint_counter()
    with django_capture_on_commit_callbacks(execute=True):
        log_access(user=hq_operator, customer_ids=[1, 2], purpose=AccessPurpose.VIEW)
    assert not checkpoint_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        log_access(user=hq_operator, customer_ids=[3], purpose=AccessPurpose.VIEW)
    [line] = checkpoint_file.read_text().splitlines()
    assert json.loads(line)["chains"]["0"][0] == 8
    assert json.loads(line)["reason"] == "auto"


def test_the_automatic_checkpoint_is_written_after_commit_not_for_a_rolled_back_read(
    five_rows, settings, checkpoint_file, hq_operator, django_capture_on_commit_callbacks
):
    settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = 1
    reset_checkpoint_counter()

    def read_then_fail() -> None:
        with transaction.atomic():
            log_access(user=hq_operator, customer_ids=[1], purpose=AccessPurpose.VIEW)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        read_then_fail()
    assert callbacks == []
    assert not checkpoint_file.exists()


# --- Keys: rotation -------------------------------------------------------------------------------


def test_after_a_key_rotation_old_rows_verify_with_the_old_key_listed(five_rows, settings, hq_operator):
    old = settings.TSUNAGU_ACCESS_LOG_KEY
    settings.TSUNAGU_ACCESS_LOG_KEY = OTHER_KEY
    settings.TSUNAGU_ACCESS_LOG_OLD_KEYS = [old]
    log_access(user=hq_operator, customer_ids=[106], purpose=AccessPurpose.VIEW)
    assert AccessLog.objects.get(seq=6).key_id == key_id_of(OTHER_KEY) != five_rows[0].key_id
    assert verify_log().ok
    settings.TSUNAGU_ACCESS_LOG_OLD_KEYS = []
    assert any("seq 1〜5(5 行)" in m and "未知の鍵ID" in m for m in messages())


def test_a_row_signed_with_an_old_key_after_the_new_one_is_reported(five_rows, settings, hq_operator):
    old = settings.TSUNAGU_ACCESS_LOG_KEY
    settings.TSUNAGU_ACCESS_LOG_KEY = OTHER_KEY
    settings.TSUNAGU_ACCESS_LOG_OLD_KEYS = [old]
    log_access(user=hq_operator, customer_ids=[106], purpose=AccessPurpose.VIEW)
    # Someone holding only the retired key appends a row after the rotation.
    settings.TSUNAGU_ACCESS_LOG_KEY, settings.TSUNAGU_ACCESS_LOG_OLD_KEYS = old, []
    log_access(user=hq_operator, customer_ids=[107], purpose=AccessPurpose.VIEW)
    settings.TSUNAGU_ACCESS_LOG_KEY, settings.TSUNAGU_ACCESS_LOG_OLD_KEYS = OTHER_KEY, [old]
    [finding] = verify_log().findings
    assert "seq 7" in finding.message
    assert "古い鍵で署名されています" in finding.message


# --- The application refuses to change the log ----------------------------------------------------


def test_saving_an_existing_row_again_is_refused(five_rows):
    row = AccessLog.objects.get(id=five_rows[2].id)
    row.screen = "改ざん"
    with pytest.raises(AppendOnlyError, match="アクセスログは変更できません"):
        row.save()
    assert AccessLog.objects.get(id=row.id).screen == "顧客詳細"


def test_deleting_a_row_is_refused(five_rows):
    with pytest.raises(AppendOnlyError, match="アクセスログは削除できません"):
        AccessLog.objects.get(id=five_rows[2].id).delete()
    assert AccessLog.objects.count() == 5


def test_bulk_updates_and_deletes_through_the_orm_are_refused(five_rows):
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(id=five_rows[2].id).update(screen="改ざん")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(id__gte=five_rows[3].id).delete()
    assert verify_chain() == (5, None)


def test_a_second_row_at_the_same_chain_position_is_refused(five_rows):
    forged = AccessLog(
        chain=0,
        seq=3,
        at=timezone.now(),
        username="intruder",
        purpose="view",
        screen="偽装",
        key_id="x",
        prev_hash=five_rows[1].hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert AccessLog.objects.get(chain=0, seq=3).username == "hq_operator"
    assert verify_chain() == (5, None)
