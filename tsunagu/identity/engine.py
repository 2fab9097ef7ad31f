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


def frame(records: Iterable[dict[str, str | None]]) -> Any:
    """A DataFrame of matcher records with every field present (the engine's `prepare` input)."""
    import pandas as pd

    module = matching()
    return pd.DataFrame(list(records), columns=list(module.RECORD_FIELDS))


def record_for(pk: int, source_code: str, canonical: dict[str, str]) -> dict[str, str | None]:
    return matcher_record(str(pk), source_code, canonical)
