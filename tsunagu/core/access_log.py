"""The hash-chained access log: append and verify.

Every read of a customer's personal data goes through `log_access`. Each row's hash covers its
own fields and the previous row's hash, so editing, deleting or reordering any row breaks the
chain from that row on; `verify_chain` finds the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import bulk, context
from .choices import AccessPurpose
from .models import AccessLog, AccessLogHead, User

GENESIS_HASH = "0" * 64


def row_hash(
    *,
    prev_hash: str,
    id: int,
    at_iso: str,
    user_id: int | None,
    username: str,
    customer_id: int | None,
    purpose: str,
    screen: str,
    detail: dict[str, Any],
    client_address: str,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            id,
            at_iso,
            user_id,
            username,
            customer_id,
            purpose,
            screen,
            detail,
            client_address,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _hash_of(log: AccessLog, prev_hash: str) -> str:
    return row_hash(
        prev_hash=prev_hash,
        id=log.id,
        at_iso=log.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        user_id=log.user_id,
        username=log.username,
        customer_id=log.customer_id,
        purpose=log.purpose,
        screen=log.screen,
        detail=log.detail,
        client_address=log.client_address,
    )


_LOG_COLUMNS = (
    "id",
    "at",
    "user_id",
    "username",
    "customer_id",
    "purpose",
    "screen",
    "detail",
    "client_address",
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
    # One read, one moment: every row of the call shares the timestamp (and its ISO form in the hash).
    at = timezone.now()
    at_iso = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    user_id = user.pk if user is not None and user.is_authenticated else None
    username = getattr(user, "username", "") or ""
    screen = (screen or ctx.screen)[:100]
    detail = detail or {}
    # Values in database form once per call: batches log tens of thousands of reads at once.
    at_db = connection.ops.adapt_datetimefield_value(at)
    detail_db = AccessLog._meta.get_field("detail").get_db_prep_save(detail, connection)  # type: ignore[union-attr]
    with transaction.atomic():
        head, _ = AccessLogHead.objects.select_for_update().get_or_create(id=1)
        rows: list[tuple[Any, ...]] = []
        for customer_id in ids:
            row_id, prev_hash = head.last_id + 1, head.last_hash
            digest = row_hash(
                prev_hash=prev_hash,
                id=row_id,
                at_iso=at_iso,
                user_id=user_id,
                username=username,
                customer_id=customer_id,
                purpose=purpose.value,
                screen=screen,
                detail=detail,
                client_address=ctx.client_address,
            )
            values = (row_id, at_db, user_id, username, customer_id, purpose.value, screen, detail_db)
            rows.append((*values, ctx.client_address, prev_hash, digest))
            head.last_id, head.last_hash = row_id, digest
        bulk.insert_tuples(AccessLog, _LOG_COLUMNS, rows)
        head.save(update_fields=["last_id", "last_hash"])
    return len(rows)


@dataclass(frozen=True)
class ChainBreak:
    id: int
    reason: str


def _iter_log() -> Iterator[AccessLog]:
    return AccessLog.objects.order_by("id").iterator(chunk_size=5000)


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Recompute the chain. Returns (rows checked, first break or None)."""
    prev_hash, expected_id, checked = GENESIS_HASH, 1, 0
    for log in _iter_log():
        if log.id != expected_id:
            return checked, ChainBreak(expected_id, f"行 {expected_id} が欠落しています(次の行は {log.id})。")
        if log.prev_hash != prev_hash:
            return checked, ChainBreak(log.id, "前の行のハッシュと一致しません(前の行が改ざん・削除された可能性)。")
        if _hash_of(log, prev_hash) != log.hash:
            return checked, ChainBreak(log.id, "行の内容がハッシュと一致しません(この行が改ざんされた可能性)。")
        prev_hash, expected_id, checked = log.hash, expected_id + 1, checked + 1
    head = AccessLogHead.objects.filter(id=1).first()
    if head is None and checked:
        # The head records the last row; without it, deleting rows at the end would go unnoticed.
        return checked, ChainBreak(expected_id, "最終行の記録(AccessLogHead)がありません(末尾の行が削除された可能性)。")
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, prev_hash):
        return checked, ChainBreak(expected_id, f"末尾の行が欠落しています(記録上の最終行は {head.last_id})。")
    return checked, None
