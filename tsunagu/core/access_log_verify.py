"""Verify the access log: every chain, every row's HMAC, the heads, and the outside checkpoints.

Detected, each with the affected range (chain, seq, ids, time) in Japanese:
- a row rewritten (its HMAC no longer matches; recomputing a plain hash does not help without the key);
- rows deleted in the middle of a chain (a gap in seq);
- rows deleted at a chain's end or the whole table emptied, when a signed checkpoint says the
  chain was longer (heads live in the database and can be moved; checkpoints cannot);
- a head that disagrees with its chain, a row signed with an unknown or an older key after a newer
  one, a checkpoint line whose signature does not verify.
Rows appended after the last checkpoint are protected by the keyed chain against rewriting; their
deletion at the very end of a chain is detectable only once a checkpoint covers them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .access_log import GENESIS_HASH, LOG_COLUMNS, common_part, keyring, row_hash
from .models import AccessLog, AccessLogHead


@dataclass(frozen=True)
class Finding:
    message: str
    chain: int | None = None
    id: int | None = None  # the first affected (or nearest surviving) row's id, when known

    @property
    def reason(self) -> str:  # the name the old ChainBreak had
        return self.message


@dataclass
class Report:
    rows: int = 0
    chains: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _when(at: dt.datetime | None) -> str:
    return "?" if at is None else timezone.localtime(at).strftime("%Y/%m/%d %H:%M:%S")


# The appended columns and the id the database gave each row.
_COLUMNS = ("id", *LOG_COLUMNS)


def _rows() -> Iterator[tuple[Any, ...]]:
    return AccessLog.objects.order_by("chain", "seq").values_list(*_COLUMNS).iterator(chunk_size=5000)


@dataclass
class _Run:
    """Consecutive rows of one chain with the same problem, reported as one range."""

    kind: str
    chain: int
    first: tuple[int, int, dt.datetime]  # seq, id, at
    last: tuple[int, int, dt.datetime]


_KINDS = {
    "hmac": "行の内容が署名(HMAC)と一致しません: 書き換えられた可能性があります",
    "link": "前の行のハッシュとつながっていません: 前の行が書き換えられたか差し替えられた可能性があります",
    "key": "未知の鍵IDで署名されています: 鍵の設定漏れか偽造の可能性があります",
    "older_key": "新しい鍵の後に古い鍵で署名されています: 漏れた旧鍵による偽造の可能性があります",
}


def _run_message(run: _Run) -> Finding:
    (seq1, id1, at1), (seq2, id2, at2) = run.first, run.last
    where = f"seq {seq1}" if seq1 == seq2 else f"seq {seq1}〜{seq2}({seq2 - seq1 + 1} 行)"
    ids = f"id {id1}" if id1 == id2 else f"id {id1}〜{id2}"
    return Finding(
        f"チェーン {run.chain} の {where}、{ids}、{_when(at1)}〜{_when(at2)}: {_KINDS[run.kind]}。",
        chain=run.chain,
        id=id1,
    )


def verify_log(*, checkpoints: bool = True) -> Report:
    """Walk every chain in (chain, seq) order; with `checkpoints`, compare with the outside anchor."""
    from .access_log_checkpoints import checkpoints_read

    report = Report()
    keys = keyring()
    anchors: dict[int, tuple[int, str, str]] = {}  # chain -> (seq, hash, checkpoint time) of the latest
    if checkpoints:
        good, bad = checkpoints_read()
        report.checkpoints = len(good)
        for item in bad:
            report.findings.append(Finding(f"チェックポイントの {item.line} 行目: {item.reason}。"))
        for checkpoint in good:
            for chain, (seq, digest) in checkpoint.chains.items():
                if chain not in anchors or seq >= anchors[chain][0]:
                    anchors[chain] = (seq, digest, checkpoint.at)
    anchored_hash: dict[int, str] = {}  # chain -> hash of the row at the anchored seq, if present

    last: dict[int, tuple[int, int, dt.datetime, str]] = {}  # chain -> seq, id, at, hash of its last row
    runs: list[_Run] = []
    open_run: _Run | None = None
    newest_rank: dict[int, int] = {}
    chain, expected, prev_hash = -1, 1, GENESIS_HASH
    for row in _rows():
        row_id, row_chain, seq, at, user_id, username, customer_id, purpose, screen, detail, address, key_id = row[:12]
        row_prev, row_digest = row[12], row[13]
        report.rows += 1
        if row_chain != chain:
            chain, expected, prev_hash = row_chain, 1, GENESIS_HASH
        problem = None
        if seq > expected:
            before = last.get(chain)
            report.findings.append(_gap(chain, expected, seq - 1, before, (row_id, at)))
            prev_hash = row_prev  # resynchronise: the gap is the finding, not every link after it
        elif seq < expected:
            problem = "link"  # a duplicate position (only possible with the unique constraint dropped)
        if problem is None and row_prev != prev_hash:
            problem = "link"
        key = keys.get(key_id)
        if key is None:
            problem = problem or "key"
        else:
            if key.rank > newest_rank.get(chain, key.rank):
                problem = problem or "older_key"
            newest_rank[chain] = min(newest_rank.get(chain, key.rank), key.rank)
            common = common_part(
                key_id=key_id,
                at=at,
                user_id=user_id,
                username=username,
                purpose=purpose,
                screen=screen,
                detail=detail,
                client_address=address,
            )
            digest = row_hash(key, chain=chain, seq=seq, prev_hash=row_prev, customer_id=customer_id, common=common)
            if digest != row_digest:
                problem = "hmac"
        position = (seq, row_id, at)
        if problem is not None:
            if open_run and open_run.kind == problem and open_run.chain == chain and open_run.last[0] == seq - 1:
                open_run.last = position
            else:
                open_run = _Run(problem, chain, position, position)
                runs.append(open_run)
        if chain in anchors and anchors[chain][0] == seq:
            anchored_hash[chain] = row_digest
        last[chain] = (seq, row_id, at, row_digest)
        expected, prev_hash = max(expected, seq + 1), row_digest
    report.findings.extend(_run_message(run) for run in runs)
    report.chains = len(last)
    _check_heads(report, last)
    _check_anchors(report, last, anchors, anchored_hash)
    if checkpoints and report.rows and not anchors:
        report.warnings.append(
            "署名付きチェックポイントがありません: 末尾の行の削除は検出できません"
            "(manage.py access_log_checkpoint を定期実行してください)。"
        )
    return report


def _gap(
    chain: int, first: int, end: int, before: tuple[int, int, dt.datetime, str] | None, after: tuple[int, dt.datetime]
) -> Finding:
    count = end - first + 1
    where = f"seq {first}" if count == 1 else f"seq {first}〜{end}"
    if before is None:
        between = f"id {after[0]} より前、{_when(after[1])} 以前"
    else:
        between = f"id {before[1]} と {after[0]} の間、{_when(before[2])}〜{_when(after[1])}"
    return Finding(f"チェーン {chain} の {where}({count} 行)が削除されています({between})。", chain=chain, id=after[0])


def _check_heads(report: Report, last: dict[int, tuple[int, int, dt.datetime, str]]) -> None:
    heads = {h.id: h for h in AccessLogHead.objects.all()}
    for chain, (seq, row_id, at, digest) in sorted(last.items()):
        head = heads.get(chain)
        if head is None:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の先頭記録(AccessLogHead)がありません(最終行 seq {seq}、id {row_id})。", chain
                )
            )
        elif head.last_seq > seq:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の seq {seq + 1}〜{head.last_seq}({head.last_seq - seq} 行)が削除されています"
                    f"(末尾、id {row_id}・{_when(at)} より後)。",
                    chain,
                    row_id,
                )
            )
        elif head.last_seq < seq or head.last_hash != digest:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の先頭記録(seq {head.last_seq})が最終行(seq {seq}、id {row_id})と一致しません"
                    "(先頭記録が書き換えられた可能性)。",
                    chain,
                    row_id,
                )
            )
    for chain, head in sorted(heads.items()):
        if chain not in last and head.last_seq > 0:
            report.findings.append(
                Finding(f"チェーン {chain} の seq 1〜{head.last_seq} が全て削除されています(先頭記録による)。", chain)
            )


def _check_anchors(
    report: Report,
    last: dict[int, tuple[int, int, dt.datetime, str]],
    anchors: dict[int, tuple[int, str, str]],
    anchored_hash: dict[int, str],
) -> None:
    for chain, (seq, digest, at) in sorted(anchors.items()):
        when = _checkpoint_time(at)
        tail = last.get(chain)
        if tail is None:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の seq 1〜{seq}({seq} 行)が全て削除されています"
                    f"({when} のチェックポイントでは {seq} 行ありました)。",
                    chain,
                )
            )
        elif tail[0] < seq:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の seq {tail[0] + 1}〜{seq}({seq - tail[0]} 行)が削除されています"
                    f"(末尾、id {tail[1]}・{_when(tail[2])} より後。"
                    f"{when} のチェックポイントでは seq {seq} までありました)。",
                    chain,
                    tail[1],
                )
            )
        elif anchored_hash.get(chain) != digest:
            report.findings.append(
                Finding(
                    f"チェーン {chain} の seq {seq} 以前の行がチェックポイント({when})と一致しません"
                    "(書き換えられたか、作り直された可能性)。",
                    chain,
                )
            )


def _checkpoint_time(at: str) -> str:
    try:
        return _when(dt.datetime.fromisoformat(at))
    except ValueError:
        return at or "?"
