"""Reads of 機微情報 (sensitive fields) in the one access log: which fields, whose, on what ground.

`core.masking` decides whether a user is shown a sensitive field's clear text and calls `note` for
every field it reveals; this module writes that into `core_accesslog` through `log_access` (never a
second log), as rows of purpose `sensitive` (機微情報の閲覧) beside the read's own row:

    customer_id  the person whose data was shown
    screen       the page or API operation (the request path unless the caller names it)
    detail       {"via": "view" | "api" | "export", "fields": [...], "labels": [...], "basis": [...]}
                 — the channel of the read, the field keys of `masking.SENSITIVE`, their Japanese
                 names and, per field, the permission that allowed the clear text (its purpose)

Within a web request (`batched`, entered by core.middleware.ActorMiddleware) the fields shown are
gathered and written once at the end of the request: one row per customer for the whole page, however
many panels showed which field. A failure to write propagates, so the page is not sent without its
log row. Outside a request (commands, tasks, a service called directly) each `note` writes at once.
Design and choice: docs/access-log.md § 機微情報の閲覧.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .choices import AccessPurpose


@dataclass(frozen=True)
class Shown:
    """One sensitive field shown in clear text."""

    field: str  # key of core.masking.SENSITIVE, e.g. "accident.injuries"
    label: str  # its Japanese name
    basis: str  # the permission (purpose) that allowed it, e.g. "cases.accident_sensitive"


@dataclass
class _Pending:
    user: Any
    customer_id: int | None
    via: str
    screen: str
    fields: dict[str, Shown] = field(default_factory=dict)


_batch: ContextVar[dict[tuple[Any, ...], _Pending] | None] = ContextVar("tsunagu_sensitive_reads", default=None)


def note(*, user: Any, customer_id: int | None, shown: Sequence[Shown], via: AccessPurpose, screen: str = "") -> None:
    """The user was shown these fields of this customer in clear text: log it (now, or at the end of
    the request when inside `batched`)."""
    if not shown:
        return
    pending = _batch.get()
    if pending is None:
        _write([_Pending(user, customer_id, via.value, screen, {s.field: s for s in shown})])
        return
    key = (getattr(user, "pk", None), customer_id, via.value, screen)
    entry = pending.setdefault(key, _Pending(user, customer_id, via.value, screen))
    for s in shown:
        entry.fields.setdefault(s.field, s)


@contextmanager
def batched() -> Iterator[None]:
    """Gather the sensitive reads of one request and write them when it ends (one row per user,
    customer, channel and screen). Nested use joins the outer batch."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set({})
    try:
        yield
        pending = list((_batch.get() or {}).values())
    finally:
        _batch.reset(token)
    _write(pending)


def detail_of(entry: _Pending) -> dict[str, Any]:
    shown = sorted(entry.fields.values(), key=lambda s: s.field)
    return {
        "via": entry.via,
        "fields": [s.field for s in shown],
        "labels": [s.label for s in shown],
        "basis": [s.basis for s in shown],
    }


def _write(entries: list[_Pending]) -> None:
    from .access_log import log_access

    # Customers shown the same fields on the same screen share one call (one transaction).
    groups: dict[tuple[Any, ...], tuple[_Pending, list[int | None]]] = {}
    for entry in entries:
        detail = detail_of(entry)
        key = (getattr(entry.user, "pk", None), entry.screen, entry.via, *detail["fields"], "|", *detail["basis"])
        groups.setdefault(key, (entry, []))[1].append(entry.customer_id)
    for entry, customer_ids in groups.values():
        log_access(
            user=entry.user,
            customer_ids=customer_ids,
            purpose=AccessPurpose.SENSITIVE,
            screen=entry.screen,
            detail=detail_of(entry),
        )
