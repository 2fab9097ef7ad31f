"""Badges on search results that come from apps above `search` in the layering (e.g. open cases).

`search` cannot import those apps, so they register a provider at start-up (`AppConfig.ready`).
A provider takes the searching user and the customer ids of one result page and returns badge
labels per customer, scoped to what that user may see, in one grouped query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tsunagu.core.models import User

BadgeProvider = Callable[[User, Sequence[int]], dict[int, list[str]]]

_providers: list[BadgeProvider] = []


def register_badge_provider(provider: BadgeProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def badges_for(user: User, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not customer_ids:
        return found
    for provider in _providers:
        for customer_id, labels in provider(user, customer_ids).items():
            found.setdefault(customer_id, []).extend(labels)
    return found
