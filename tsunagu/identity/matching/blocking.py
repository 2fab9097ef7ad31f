"""Blocking keys: the index keys under which a record is found as a candidate for match_one.

They are the blocking rules of the batch run (comparisons.BLOCKING_RULES), written as strings:
two records share a key exactly when a blocking rule would compare them. None of them depends on
how a name is split, so a key computed for one record alone is the key of the batch run.
Corporations add the keys of their own candidate pairs (corporate.index_keys: trade name, its
reading, its sound, contact points, 法人番号).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from tsunagu.identity.matching import corporate
from tsunagu.identity.matching.comparisons import BLOCKING_RULES
from tsunagu.identity.matching.features import is_prepared, prepare, prepare_record


def keys_of_prepared(prepared: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    for rule in BLOCKING_RULES:
        values = [prepared.get(column) for column in rule.columns]
        if all(isinstance(v, str) and v for v in values):
            keys.append(f"{rule.name}:" + "|".join(str(v) for v in values))
    return keys


def blocking_keys(record: Mapping[str, Any]) -> list[str]:
    """The keys a record is blocked on (record fields as in RECORD_FIELDS, original values)."""
    prepared = prepare_record(record)
    return keys_of_prepared(prepared) + corporate.index_keys(pd.DataFrame([prepared]))[0]


def blocking_keys_many(records: pd.DataFrame) -> list[list[str]]:
    """blocking_keys() for every row of `records` (raw or prepared), in one vectorized pass."""
    prepared = records if is_prepared(records) else prepare(records, learn=False)
    columns = {c for rule in BLOCKING_RULES for c in rule.columns}
    data = {c: prepared[c].astype(object).where(prepared[c].notna(), None).tolist() for c in columns}
    corporate_keys = corporate.index_keys(prepared)
    return [keys_of_prepared({c: data[c][i] for c in columns}) + corporate_keys[i] for i in range(len(prepared))]
