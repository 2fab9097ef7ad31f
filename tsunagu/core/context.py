"""Who is acting and from where, for code that runs with or without a web request.

Views get this from ActorMiddleware; management commands and tasks set it with `acting_as`,
so history rows and access logs always name a user.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class RequestContext:
    client_address: str = ""
    screen: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("tsunagu_request", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


@contextmanager
def request_context(*, client_address: str = "", screen: str = "") -> Iterator[None]:
    token = _current.set(RequestContext(client_address=client_address, screen=screen))
    try:
        yield
    finally:
        _current.reset(token)


def history_user(instance: object, actor: User | None) -> None:
    """Tell django-simple-history who changes `instance` (works without a request).

    Services use `core.writes.save(instance, actor=...)` (and its bulk variants), which do this and
    save; this remains for call sites not converted yet (cases, core.services, documents.links)."""
    instance._history_user = actor  # type: ignore[attr-defined]
