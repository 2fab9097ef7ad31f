"""The one door to the matching engine (tsunagu.identity.matching, Splink/DuckDB).

The engine is imported lazily: Django starts, imports and merges without loading DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .records import matcher_record


def matching() -> Any:
    from tsunagu.identity import matching as module

    return module


def blocking_keys(record: dict[str, str | None]) -> list[str]:
    return sorted(set(matching().blocking_keys(record)))


def blocking_keys_many(records: list[dict[str, str | None]]) -> list[list[str]]:
    """Keys for many records at once: one prepare() for the lot (per record it costs ~0.2 s);
    a corporation's keys (its trade name, reading, 法人番号 …) included, as blocking_keys()."""
    if not records:
        return []
    return blocking_keys_of_prepared(matching().prepare(frame(records)))


def blocking_keys_of_prepared(prepared: Any) -> list[list[str]]:
    """blocking_keys_many() of records prepared already (a full run's features): the keys do not
    depend on the lexicon that split the names, so any preparation of the records gives them."""
    return [sorted(set(keys)) for keys in matching().blocking_keys_many(prepared)]


def frame(records: Iterable[dict[str, str | None]]) -> Any:
    """A DataFrame of matcher records with every field present (the engine's `prepare` input),
    the optional ones (法人番号) included; text as Arrow strings, built in chunks."""
    return matching().records_frame(records)


def record_for(pk: int, source_code: str, canonical: dict[str, str]) -> dict[str, str | None]:
    return matcher_record(str(pk), source_code, canonical)
