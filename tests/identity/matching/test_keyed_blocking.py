"""DuckDB blocks on one hash key per rule (engines.blocking_keys_sql) and finds the pairs that the
rules written on their columns find, with the same scores."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pytest

from tsunagu.identity.matching import Matcher, engines, prepare

pytest.importorskip("splink")


def test_each_rule_of_equal_columns_becomes_one_key():
    keyed, keys = engines.blocking_keys_sql(
        ["l.kana_key = r.kana_key AND l.dob_y = r.dob_y", "l.mobile_n = r.mobile_n"]
    )
    assert keyed == ["l.__tsunagu_block_0 = r.__tsunagu_block_0", "l.__tsunagu_block_1 = r.__tsunagu_block_1"]
    assert keys == {
        "__tsunagu_block_0": "CASE WHEN kana_key IS NOT NULL AND dob_y IS NOT NULL THEN hash(kana_key, dob_y) END",
        "__tsunagu_block_1": "CASE WHEN mobile_n IS NOT NULL THEN hash(mobile_n) END",
    }


def test_a_linkage_restriction_is_kept_and_other_rules_are_left_as_they_are():
    restricted = (
        "(l.dob = r.dob AND l.addr = r.addr) AND NOT (l.source_system = r.source_system AND l.source_system IN ('A'))"
    )
    lift = "l.mobile_n = r.mobile_n AND l.giv_kanji = r.giv_kanji AND l.fam_kanji IS DISTINCT FROM r.fam_kanji"
    mixed = "l.dob = r.addr"
    keyed, keys = engines.blocking_keys_sql([restricted, lift, mixed])
    assert keyed == [
        "l.__tsunagu_block_0 = r.__tsunagu_block_0 AND NOT (l.source_system = r.source_system"
        " AND l.source_system IN ('A'))",
        lift,
        mixed,
    ]
    assert list(keys) == ["__tsunagu_block_0"]


def test_a_key_is_null_where_a_column_is_and_equal_only_for_equal_values():
    _keyed, keys = engines.blocking_keys_sql(["l.a = r.a AND l.b = r.b"])
    frame = pd.DataFrame({"a": ["x", "x", "x", None, "xy"], "b": ["1", "1", "2", "1", ""]})
    con = duckdb.connect()
    con.register("frame", frame)
    values = [row[0] for row in con.sql(f"SELECT {keys['__tsunagu_block_0']} FROM frame").fetchall()]
    assert values[0] == values[1]
    assert values[2] != values[0]
    assert values[3] is None
    assert values[4] not in (values[0], values[2])  # ("xy", "") is not ("x", "y") either


class _PlainDuckDB(engines.DuckDBEngine):
    """Blocks on the rules as written (Splink's own query)."""

    def register_for_blocking(self, db_api: Any, features: pd.DataFrame, rules: list[str]) -> tuple[Any, list[str]]:
        return db_api.register(features), rules


def test_keyed_blocking_scores_the_pairs_of_the_written_rules(matcher: Matcher, records: pd.DataFrame, monkeypatch):
    prepared = prepare(records)
    used: list[list[str]] = []
    register = engines.DuckDBEngine.register_for_blocking

    def spy(self: engines.DuckDBEngine, db_api: Any, features: pd.DataFrame, rules: list[str]):
        table, keyed = register(self, db_api, features, rules)
        used.append(keyed)
        return table, keyed

    monkeypatch.setattr(engines.DuckDBEngine, "register_for_blocking", spy)
    keyed = matcher.predict(prepared, min_probability=0.0, with_evidence=False, engine=engines.DuckDBEngine())
    plain = matcher.predict(prepared, min_probability=0.0, with_evidence=False, engine=_PlainDuckDB())
    assert used
    assert all("__tsunagu_block_" in rule for rule in used[0])
    assert len(keyed) > 1000
    pd.testing.assert_frame_equal(keyed, plain)
