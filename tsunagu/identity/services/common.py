"""Helpers shared by the identity services: who may act, linking records, one index update."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import PermissionDenied

from tsunagu.core import permissions, writes
from tsunagu.core.models import User
from tsunagu.core.services import SYSTEM_USERNAME

STEWARD_ONLY = "名寄せの操作はデータスチュワードだけが行えます。"


def is_steward(user: User | Any) -> bool:
    """Data stewards are HQ staff (a department, never an agency) with the data_steward role."""
    return permissions.has(user, permissions.IDENTITY_STEWARD)


def ensure_steward(actor: User) -> None:
    """Services accept data stewards and the batch actor (commands and tasks run as `system`)."""
    if getattr(actor, "username", None) == SYSTEM_USERNAME and actor.pk is not None:
        return
    if not is_steward(actor):
        raise PermissionDenied(STEWARD_ONLY)


def save_customer_link(record: Any, actor: User | None, reason: str) -> None:
    """Save a source record whose only change is its customer (a row the service just read and
    a customer it just scoped): no full_clean (its FK and unique checks cost ~5 queries a row)."""
    writes.save(record, actor=actor, reason=reason, clean=False, update_fields=["customer"])


# --- one search-index update per identity action ---------------------------------------------
# A golden customer is created with addresses, phones and e-mails, a merge moves dozens of rows:
# each of those writes re-indexes the customer (core.events.customer_changed → search). Inside
# `one_index_update()` the per-write updates are suspended and the customers they named are
# re-indexed once, before the block ends, in the same transaction (the index still never
# disagrees with committed data).

_collected: ContextVar[set[int] | None] = ContextVar("tsunagu_identity_changed_customers", default=None)


def collect_changed(customer_ids: list[int]) -> None:
    """core.events subscriber (IdentityConfig.ready): remember the ids while a block is open."""
    collected = _collected.get()
    if collected is not None:
        collected.update(customer_ids)


@contextmanager
def one_index_update() -> Iterator[None]:
    """Use inside the action's transaction. Nested blocks join the outer one."""
    from tsunagu.search.services import indexing_suspended, search_index_update

    if _collected.get() is not None:
        yield
        return
    ids: set[int] = set()
    token = _collected.set(ids)
    try:
        with indexing_suspended():
            yield
    finally:
        _collected.reset(token)
    search_index_update(sorted(ids))
