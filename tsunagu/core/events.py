"""In-process notifications that a customer's data changed, for indexes kept by higher layers.

Lower apps (customers, policies, interactions) call `customer_changed` from their services inside
the write's transaction; higher apps (search) subscribe in AppConfig.ready. Subscribers run in the
same transaction, so an index can never disagree with the committed data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Subscriber = Callable[[list[int]], None]
_subscribers: list[Subscriber] = []


def subscribe_customer_changed(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def customer_changed(customer_ids: Iterable[int]) -> None:
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    for subscriber in _subscribers:
        subscriber(ids)
