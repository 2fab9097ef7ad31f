"""Signed checkpoints of the access log, kept outside the database.

A checkpoint records, for one database, each chain's last seq and hash at a moment, signed with
an HMAC of the access-log key. It is appended as one JSON line to a store the application can add
to but not rewrite: by default a file opened with O_APPEND (`TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE`;
make it append-only with `chattr +a`, or ship it to WORM storage), or any class named by
`TSUNAGU_ACCESS_LOG_CHECKPOINT_STORE` with `append(line)` and `lines()` (e.g. an object store
with object lock, one object per checkpoint). Verification trusts only lines whose signature
verifies, for the database it is run against.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from .access_log import Key, current_key, keyring
from .models import AccessLogHead


class CheckpointStore(Protocol):
    def append(self, line: str) -> None: ...

    def lines(self) -> Iterator[str]: ...


class FileCheckpointStore:
    """One JSON line per checkpoint, appended with O_APPEND (never opened for rewriting)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE)

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            # One write() of one short line: appends from several processes do not interleave.
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip():
                    yield line.rstrip("\n")


def checkpoint_store() -> CheckpointStore:
    store: CheckpointStore = import_string(settings.TSUNAGU_ACCESS_LOG_CHECKPOINT_STORE)()
    return store


def database_label() -> str:
    """Which database a checkpoint belongs to (from the settings, which an attacker inside the
    database cannot change): checkpoints of other databases in the same store are ignored."""
    db = connection.settings_dict
    return f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db.get('NAME') or ''}"


def _canonical(record: dict[str, Any]) -> bytes:
    body = {name: value for name, value in record.items() if name != "sig"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(record: dict[str, Any], key: Key) -> str:
    mac = key.checkpoints.copy()
    mac.update(_canonical(record))
    return str(mac.hexdigest())


def checkpoint_write(*, reason: str = "command") -> dict[str, Any]:
    """Sign the chains' current heads and append them to the store; returns the record."""
    heads = AccessLogHead.objects.order_by("id").values_list("id", "last_seq", "last_hash")
    chains = {str(chain): [seq, last_hash] for chain, seq, last_hash in heads if seq > 0}
    key = current_key()
    record: dict[str, Any] = {
        "v": 1,
        "db": database_label(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "reason": reason,
        "key_id": key.id,
        "rows": sum(seq for seq, _hash in chains.values()),
        "chains": chains,
    }
    record["sig"] = sign(record, key)
    checkpoint_store().append(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    return record


@dataclass(frozen=True)
class Checkpoint:
    line: int
    at: str
    chains: dict[int, tuple[int, str]]


@dataclass(frozen=True)
class BadCheckpoint:
    line: int
    reason: str


def checkpoints_read() -> tuple[list[Checkpoint], list[BadCheckpoint]]:
    """This database's checkpoints whose signature verifies, and the lines that do not."""
    label = database_label()
    keys = keyring()
    good: list[Checkpoint] = []
    bad: list[BadCheckpoint] = []
    for number, line in enumerate(checkpoint_store().lines(), start=1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError
        except ValueError:
            bad.append(BadCheckpoint(number, "JSON として読めません"))
            continue
        if record.get("db") != label:
            continue
        key = keys.get(str(record.get("key_id")))
        if key is None:
            bad.append(BadCheckpoint(number, f"未知の鍵ID「{record.get('key_id')}」で署名されています"))
            continue
        if not hmac.compare_digest(str(record.get("sig", "")), sign(record, key)):
            bad.append(BadCheckpoint(number, "署名が一致しません(偽造または改ざんの可能性)"))
            continue
        try:
            chains = {int(c): (int(seq), str(h)) for c, (seq, h) in record["chains"].items()}
        except (KeyError, TypeError, ValueError):
            bad.append(BadCheckpoint(number, "チェーンの記録が読めません"))
            continue
        good.append(Checkpoint(number, str(record.get("at", "")), chains))
    return good, bad
