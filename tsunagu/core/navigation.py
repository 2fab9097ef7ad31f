"""The main menu, built from permissions in one place.

Each app registers its entries (usually from its AppConfig.ready); base.html renders the entries
the user may use, in order, and marks the current one. A later module adds its menu item with one
call, without touching base.html:

    from tsunagu.core import navigation, permissions

    navigation.register(
        navigation.Entry(label="音声", url_name="voice:home", permission=permissions.VOICE_USE, order=60)
    )

`permission` is a name from `core.permissions` (the only place role checks live) or
`navigation.ANY_USER` for every signed-in user. `children` are the entry's sub-items (案件: 担当案件 /
部署キュー / 期限超過), each with its own permission. `badge` is an optional callable
`badge(user) -> int | None` for a small count beside the label; it runs on every page, so it must
be one indexed query at most, and it must never show personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from . import permissions

ANY_USER = "*"  # every signed-in, active user


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    permission: str = ANY_USER
    order: int = 100
    badge: Callable[[Any], int | None] | None = None
    children: tuple[Entry, ...] = ()
    # URL prefixes (besides the entry's own URL) under which the entry is the current one.
    active_prefixes: tuple[str, ...] = ()
    query: str = ""  # appended to the reversed URL ("?mine=1")


@dataclass
class MenuItem:
    label: str
    url: str
    current: bool
    score: int = 0  # how specifically the current path matches (see _match)
    badge: int | None = None
    children: list[MenuItem] = field(default_factory=list)


_REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    """Add (or replace, keyed by url_name) a top-level entry. Safe to call more than once."""
    _REGISTRY[entry.url_name] = entry
    return entry


def unregister(url_name: str) -> None:
    _REGISTRY.pop(url_name, None)


def entries() -> list[Entry]:
    return sorted(_REGISTRY.values(), key=lambda e: (e.order, e.label))


def allowed(user: Any, entry: Entry) -> bool:
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return entry.permission == ANY_USER or permissions.has(user, entry.permission)


def _url(entry: Entry) -> str | None:
    try:
        url = reverse(entry.url_name)
    except NoReverseMatch:
        return None  # the app that registered it is not routed (e.g. in a trimmed test URLconf)
    return url + entry.query


def _match(entry: Entry, url: str, path: str) -> int:
    """How specifically `path` belongs to the entry: the length of the longest matching URL prefix
    (its own URL or one of `active_prefixes`); 0 when it does not."""
    bare = url.split("?", 1)[0]
    if bare == "/":
        return 1 if path == "/" else 0
    prefixes = (bare, *entry.active_prefixes)
    return max((len(prefix) for prefix in prefixes if path.startswith(prefix)), default=0)


def _mark_current(items: list[MenuItem]) -> None:
    """Only the most specific matching item of a level is current."""
    best = max(items, key=lambda item: item.score, default=None)
    for item in items:
        item.current = best is not None and item is best and item.score > 0


def _item(user: Any, entry: Entry, path: str) -> MenuItem | None:
    if not allowed(user, entry):
        return None
    url = _url(entry)
    if url is None:
        return None
    children = [c for c in (_item(user, child, path) for child in entry.children) if c is not None]
    _mark_current(children)
    score = max(_match(entry, url, path), *(c.score for c in children), 0)
    badge = entry.badge(user) if entry.badge is not None else None
    if badge is None and any(c.badge for c in children):
        badge = sum(c.badge or 0 for c in children)  # the parent shows its children's counts
    return MenuItem(label=entry.label, url=url, current=False, score=score, badge=badge or None, children=children)


def menu_for(user: Any, path: str = "/") -> list[MenuItem]:
    """The entries this user may use, in order; `current` marks the page at `path`."""
    items = [item for item in (_item(user, entry, path) for entry in entries()) if item is not None]
    _mark_current(items)
    return items


# --- Who is signed in ------------------------------------------------------------------------------

_TRAILING_AFFILIATION = re.compile(r"\s*[(（]([^()（）]*)[)）]\s*$")


def user_label(user: Any) -> tuple[str, str]:
    """(name, affiliation) for the header: the name once and one affiliation once.

    Display names often carry an affiliation in brackets ("加藤 翔太(代理店)"); that is dropped
    from the name, and the affiliation shown is the agency's, department's or branch's name (the bracketed
    text only when the user belongs to none)."""
    name = str(getattr(user, "display_name", "") or getattr(user, "username", "") or "")
    bracketed = ""
    if (match := _TRAILING_AFFILIATION.search(name)) is not None and match.start() > 0:
        bracketed = match.group(1).strip()
        name = name[: match.start()].strip()
    agency = getattr(user, "agency", None) if getattr(user, "agency_id", None) else None
    department = getattr(user, "department", None) if getattr(user, "department_id", None) else None
    branch = getattr(user, "branch", None) if getattr(user, "branch_id", None) else None
    organisation = agency or department or branch
    return name, (str(organisation.name) if organisation is not None else bracketed)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: `navigation` (menu items) and `who` (name, affiliation), both
    computed only when a template uses them."""
    user = getattr(request, "user", None)
    return {
        "navigation": SimpleLazyObject(lambda: menu_for(user, request.path)),
        "who": SimpleLazyObject(lambda: dict(zip(("name", "affiliation"), user_label(user), strict=True))),
    }
