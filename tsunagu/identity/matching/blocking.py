"""Blocking keys: the index keys under which a record is found as a candidate for match_one.

They are the blocking rules of the batch run (comparisons.BLOCKING_RULES), written as strings:
two records share a key exactly when a blocking rule would compare them. None of them depends on
how a name is split, so a key computed for one record alone is the key of the batch run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tsunagu.identity.matching.comparisons import BLOCKING_RULES
from tsunagu.identity.matching.features import prepare_record


def keys_of_prepared(prepared: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    for rule in BLOCKING_RULES:
        values = [prepared.get(column) for column in rule.columns]
        if all(isinstance(v, str) and v for v in values):
            keys.append(f"{rule.name}:" + "|".join(str(v) for v in values))
    return keys


def blocking_keys(record: Mapping[str, Any]) -> list[str]:
    """The keys a record is blocked on (record fields as in RECORD_FIELDS, original values)."""
    return keys_of_prepared(prepare_record(record))
