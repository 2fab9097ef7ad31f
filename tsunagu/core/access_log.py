"""The keyed, striped access log: append.

Every read of a customer's personal data goes through `log_access`. Rows belong to one of
`TSUNAGU_ACCESS_LOG_CHAINS` independent chains; each row's `hash` is an HMAC-SHA256 (key from
`TSUNAGU_ACCESS_LOG_KEY`, never stored in the database) over its own fields, its chain position and
the previous row's hash in that chain. Without the key nobody can rewrite a row and recompute a
hash that verifies; deleting rows leaves a gap in `seq` or, at a chain's end, disagrees with the
signed checkpoints kept outside the database (`core.access_log_checkpoints`).
Verification lives in `core.access_log_verify`; the design is in docs/access-log.md.

Why several chains: one chain means one lock that every reading request takes in turn. An append
locks one chain's head only (on PostgreSQL the first head that no one else holds, `SKIP LOCKED`),
so K writers append at once; ids come from the database sequence, so chains never collide.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import bulk, context
from .choices import AccessPurpose
from .models import AccessLog, AccessLogHead, User

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64


# --- Keys ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    id: str
    rank: int  # 0 = current key, 1 = the key before it, …: a chain never goes back to an older key
    rows: Any  # hmac object for row hashes, copied per row (cheaper than hmac.new each time)
    checkpoints: Any  # hmac object for checkpoint signatures


def _derive(secret: bytes, purpose: str) -> bytes:
    """Separate subkeys for row hashes, checkpoint signatures and the key id (domain separation)."""
    return hmac.new(secret, f"tsunagu access-log {purpose} v1".encode(), hashlib.sha256).digest()


def key_id_of(secret: str) -> str:
    """A public name for a key (12 hex digits of an HMAC of a fixed text): stored with each row and
    checkpoint so that verification picks the right key after a rotation."""
    return _derive(secret.encode(), "key id").hex()[:12]


@lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> dict[str, Key]:
    keys: dict[str, Key] = {}
    for rank, secret in enumerate((current, *old)):
        raw = secret.encode()
        key = Key(
            id=key_id_of(secret),
            rank=rank,
            rows=hmac.new(_derive(raw, "rows"), digestmod=hashlib.sha256),
            checkpoints=hmac.new(_derive(raw, "checkpoints"), digestmod=hashlib.sha256),
        )
        keys.setdefault(key.id, key)
    return keys


def keyring() -> dict[str, Key]:
    """Every key that verification accepts, by key id; the current key has rank 0."""
    return _keyring(settings.TSUNAGU_ACCESS_LOG_KEY, tuple(settings.TSUNAGU_ACCESS_LOG_OLD_KEYS))


def current_key() -> Key:
    return next(key for key in keyring().values() if key.rank == 0)


# --- Row hashes ------------------------------------------------------------------------------------


def common_part(
    *,
    key_id: str,
    at: dt.datetime,
    user_id: int | None,
    username: str,
    purpose: str,
    screen: str,
    detail: dict[str, Any],
    client_address: str,
) -> str:
    """The fields one `log_access` call writes into every row, serialised once per call (batches
    log tens of thousands of customers at once)."""
    return json.dumps(
        [
            key_id,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            user_id,
            username,
            purpose,
            screen,
            detail,
            client_address,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def row_hash(key: Key, *, chain: int, seq: int, prev_hash: str, customer_id: int | None, common: str) -> str:
    # Chain, seq, prev_hash and customer id are digits, hex or "null", so "|" cannot be forged into
    # them; `common` is JSON and comes last.
    mac = key.rows.copy()
    customer = "null" if customer_id is None else str(int(customer_id))
    mac.update(f"{chain}|{seq}|{prev_hash}|{customer}|{common}".encode())
    return str(mac.hexdigest())


# --- Append ----------------------------------------------------------------------------------------

LOG_COLUMNS = (
    "chain",
    "seq",
    "at",
    "user_id",
    "username",
    "customer_id",
    "purpose",
    "screen",
    "detail",
    "client_address",
    "key_id",
    "prev_hash",
    "hash",
)


def log_access(
    *,
    user: User | None,
    customer_ids: Iterable[int | None],
    purpose: AccessPurpose,
    screen: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one row per customer read (or one row with no customer, e.g. an empty search);
    returns how many rows were written."""
    ctx = context.current()
    ids = list(customer_ids) or [None]
    # One read, one moment: every row of the call shares the timestamp.
    at = timezone.now()
    user_id = user.pk if user is not None and user.is_authenticated else None
    username = getattr(user, "username", "") or ""
    screen = (screen or ctx.screen)[:100]
    detail = detail or {}
    key = current_key()
    common = common_part(
        key_id=key.id,
        at=at,
        user_id=user_id,
        username=username,
        purpose=purpose.value,
        screen=screen,
        detail=detail,
        client_address=ctx.client_address,
    )
    # Values in database form once per call.
    at_db = connection.ops.adapt_datetimefield_value(at)
    detail_db = AccessLog._meta.get_field("detail").get_db_prep_save(detail, connection)  # type: ignore[union-attr]
    fixed = (at_db, user_id, username)
    tail = (purpose.value, screen, detail_db, ctx.client_address, key.id)
    with _sqlite_writer_queue(), transaction.atomic():
        chain, seq, prev_hash = _lock_a_head()
        rows: list[tuple[Any, ...]] = []
        for customer_id in ids:
            seq += 1
            digest = row_hash(key, chain=chain, seq=seq, prev_hash=prev_hash, customer_id=customer_id, common=common)
            rows.append((chain, seq, *fixed, customer_id, *tail, prev_hash, digest))
            prev_hash = digest
        _append_rows(chain, seq, prev_hash, rows)
    return len(rows)


def _append_rows(chain: int, seq: int, prev_hash: str, rows: list[tuple[Any, ...]]) -> None:
    """Store signed rows (LOG_COLUMNS order) and move the locked head to the last of them."""
    bulk.insert_tuples(AccessLog, LOG_COLUMNS, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AccessLogHead._meta.db_table} SET last_seq = %s, last_hash = %s WHERE id = %s",
            [seq, prev_hash, chain],
        )
    transaction.on_commit(_counted(len(rows)))


@dataclass(frozen=True)
class PastRead:
    """One read that happened at `at` (like one `log_access` call): for `log_access_backfill`."""

    at: dt.datetime  # aware, not in the future
    user: User | None
    customer_ids: tuple[int | None, ...]
    purpose: AccessPurpose
    screen: str = ""
    detail: dict[str, Any] | None = None
    client_address: str = ""


BACKFILL_ROWS_PER_CHAIN_LOCK = 5_000


def log_access_backfill(reads: Iterable[PastRead]) -> int:
    """Append reads that happened in the past (demo data, imports from an older system) through the
    same chains as `log_access`: oldest first, a chain's head locked and moved per group of about
    5,000 rows, each row signed with the current key over its own (past) time. Returns rows written.
    Refuses naive or future times (ValueError) before writing anything."""
    ordered = sorted(reads, key=lambda read: read.at)
    now = timezone.now()
    for read in ordered:
        if timezone.is_naive(read.at):
            raise ValueError("アクセスログの日時にタイムゾーンがありません。")
        if read.at > now:
            raise ValueError(f"未来の日時({read.at.isoformat()})はアクセスログに書き込めません。")
    key = current_key()
    detail_field = AccessLog._meta.get_field("detail")
    written = 0
    start = 0
    while start < len(ordered):
        # One chain per group; later groups lock a (possibly) different head, so every chain's rows
        # stay in time order and the load spreads over the chains as live appends do.
        end, size = start, 0
        while end < len(ordered) and (size == 0 or size < BACKFILL_ROWS_PER_CHAIN_LOCK):
            size += max(1, len(ordered[end].customer_ids))
            end += 1
        with _sqlite_writer_queue(), transaction.atomic():
            chain, seq, prev_hash = _lock_a_head()
            rows: list[tuple[Any, ...]] = []
            for read in ordered[start:end]:
                user = read.user
                user_id = user.pk if user is not None and user.is_authenticated else None
                username = getattr(user, "username", "") or ""
                screen, detail = read.screen[:100], read.detail or {}
                common = common_part(
                    key_id=key.id,
                    at=read.at,
                    user_id=user_id,
                    username=username,
                    purpose=read.purpose.value,
                    screen=screen,
                    detail=detail,
                    client_address=read.client_address,
                )
                at_db = connection.ops.adapt_datetimefield_value(read.at)
                detail_db = detail_field.get_db_prep_save(detail, connection)  # type: ignore[union-attr]
                for customer_id in read.customer_ids or (None,):
                    seq += 1
                    digest = row_hash(
                        key, chain=chain, seq=seq, prev_hash=prev_hash, customer_id=customer_id, common=common
                    )
                    values = {
                        "chain": chain,
                        "seq": seq,
                        "at": at_db,
                        "user_id": user_id,
                        "username": username,
                        "customer_id": customer_id,
                        "purpose": read.purpose.value,
                        "screen": screen,
                        "detail": detail_db,
                        "client_address": read.client_address,
                        "key_id": key.id,
                        "prev_hash": prev_hash,
                        "hash": digest,
                    }
                    rows.append(tuple(values[column] for column in LOG_COLUMNS))
                    prev_hash = digest
            _append_rows(chain, seq, prev_hash, rows)
        written += len(rows)
        start = end
    return written


# A list screen shown again within this time does not log the same customers again (docs/access-log.md
# § 一覧画面の記録).
LIST_REPEAT_WINDOW = dt.timedelta(minutes=30)


def log_list(
    *,
    user: User,
    customer_ids: Iterable[int | None],
    screen: str,
    detail: dict[str, Any] | None = None,
    window: dt.timedelta = LIST_REPEAT_WINDOW,
) -> int:
    """A list screen showed these customers' data: one LIST row per customer (the indexed column an
    auditor searches by), except customers this user was already logged as seeing on this same
    screen within `window` (reloads, paging back, the home page after every save). Returns rows
    written. One indexed read ((user, at)) decides; a race between two tabs at worst writes both."""
    ids = sorted({int(i) for i in customer_ids if i is not None})
    if not ids:
        return 0
    screen = screen[:100]
    if user is not None and user.is_authenticated and window.total_seconds() > 0:
        seen = set(
            AccessLog.objects.filter(
                user=user, at__gte=timezone.now() - window, screen=screen, customer_id__in=ids
            ).values_list("customer_id", flat=True)
        )
        ids = [i for i in ids if i not in seen]
        if not ids:
            return 0
    return log_access(user=user, customer_ids=ids, purpose=AccessPurpose.LIST, screen=screen, detail=detail)


def chain_count() -> int:
    return max(1, int(settings.TSUNAGU_ACCESS_LOG_CHAINS))


def _lock_a_head() -> tuple[int, int, str]:
    """Lock one chain's head for this transaction: (chain, last seq, last hash)."""
    chains = chain_count()
    ensured = (connection.alias, str(connection.settings_dict["NAME"]), chains)
    if ensured not in _heads_ensured:
        # Once per process and chain count: heads of chains added by raising K exist before the
        # SKIP LOCKED pick below, which only ever chooses among existing heads.
        _create_heads(chains)
        _heads_ensured.add(ensured)
    if connection.features.has_select_for_update_skip_locked:
        # Any head no one else holds right now; only when all K are busy does this wait.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, last_seq, last_hash FROM {AccessLogHead._meta.db_table} WHERE id < %s "
                "ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED",
                [chains],
            )
            found = cursor.fetchone()
        if found is not None:
            return int(found[0]), int(found[1]), str(found[2])
        _create_heads(chains)
    chain = random.randrange(chains)
    # SQLite: the IMMEDIATE transaction already holds the database's single write lock. Plain SQL
    # here and below: the ORM's query building was a third of an append's time (profiled).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT id, last_seq, last_hash FROM {AccessLogHead._meta.db_table} WHERE id = %s{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [chain])
        found = cursor.fetchone()
        if found is None:
            _create_heads(chains)
            cursor.execute(sql, [chain])
            found = cursor.fetchone()
    return int(found[0]), int(found[1]), str(found[2])


_heads_ensured: set[tuple[str, str, int]] = set()


def _create_heads(chains: int) -> None:
    AccessLogHead.objects.bulk_create(
        [AccessLogHead(id=chain, last_seq=0, last_hash=GENESIS_HASH) for chain in range(chains)],
        ignore_conflicts=True,
    )


@contextmanager
def _sqlite_writer_queue() -> Iterator[None]:
    """On a SQLite file, appenders of all processes queue on a file lock before BEGIN IMMEDIATE.

    SQLite's busy handler polls with growing sleeps, so under 20+ concurrent writers some wait
    ~10 s (measured; past busy_timeout that is "database is locked"); a blocking flock hands the
    lock over in order. Only for the outermost transaction: inside an outer one this process may
    already hold the database lock, and waiting for the file lock then would deadlock."""
    path = _sqlite_lock_path()
    if path is None or connection.in_atomic_block:
        yield
        return
    with _locked(path):
        yield


def _sqlite_lock_path() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"] or "")
    if not name or name.startswith("file:") or ":memory:" in name:
        return None
    return Path(f"{name}-accesslog.lock")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- Automatic checkpoints -------------------------------------------------------------------------

_pending = {"rows": 0, "since": time.monotonic()}


def _counted(rows: int) -> Callable[[], None]:
    def after_commit() -> None:
        _pending["rows"] += rows
        every_rows = int(settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS)
        every_seconds = float(settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS)
        due_rows = every_rows > 0 and _pending["rows"] >= every_rows
        due_time = every_seconds > 0 and time.monotonic() - _pending["since"] >= every_seconds
        if not (due_rows or due_time):
            return
        _pending["rows"], _pending["since"] = 0, time.monotonic()
        from .access_log_checkpoints import checkpoint_write

        try:
            checkpoint_write(reason="auto")
        except Exception:
            # The read itself succeeded and is logged; a missing anchor shows up in verification
            # (and in this error), it must not turn every page into a 500.
            logger.exception("アクセスログのチェックポイントを書き込めませんでした。")

    return after_commit


def reset_checkpoint_counter() -> None:
    _pending["rows"], _pending["since"] = 0, time.monotonic()


# --- Compatibility ---------------------------------------------------------------------------------


def verify_chain() -> tuple[int, Any]:
    """(rows checked, first problem or None) for the chain in the database alone, without the
    outside checkpoints; `manage.py verify_access_log` checks both."""
    from .access_log_verify import verify_log

    report = verify_log(checkpoints=False)
    return report.rows, (report.findings[0] if report.findings else None)
