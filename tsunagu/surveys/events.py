"""In-process notification that responses were recorded, for what is kept beside them.

`services.responses` (every way an answer arrives: web, staff entry, import) calls
`responses_recorded` inside the write's transaction; the monthly aggregates (`aggregates`) and the
follow-ups (`services.follow_ups`) subscribe in `SurveysConfig.ready`, so neither can disagree with
the committed responses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Subscriber = Callable[[Sequence[Any], Any], object]  # (responses, actor); the result is ignored
_subscribers: list[Subscriber] = []


def subscribe_responses_recorded(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def responses_recorded(responses: Sequence[Any], actor: Any) -> None:
    if not responses:
        return
    for subscriber in _subscribers:
        subscriber(responses, actor)
