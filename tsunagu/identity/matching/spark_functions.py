"""DuckDB's functions as vectorised Python UDFs for Spark (engines.SparkEngine registers them).

This module imports nothing of tsunagu: Spark pickles the functions by value (engines.py), so a
cluster's executors need pandas, pyarrow and duckdb, not this project, to run them.
"""

from __future__ import annotations

import pandas as pd


def duckdb_hashes(ids: pd.Series) -> pd.Series:
    """DuckDB's `hash(id)` (an unsigned 64-bit integer, as text) for a batch of ids: what Splink's
    DuckDB dialect samples records and chunks pairs by."""
    import duckdb

    frame = pd.DataFrame({"id": ids.astype(object)})
    connection = duckdb.connect()
    try:
        connection.register("ids", frame)
        result = connection.execute("SELECT CAST(hash(id) AS VARCHAR) AS h FROM ids").df()
    finally:
        connection.close()
    return result["h"]


def duckdb_jaro_winkler(left: pd.Series, right: pd.Series) -> pd.Series:
    """DuckDB's `jaro_winkler_similarity(l, r)` for a batch of pairs (null in, null out): the JAR's
    `jaro_winkler` differs from it on longer strings (addresses: up to 0.14)."""
    import duckdb

    frame = pd.DataFrame({"l": left.astype(object), "r": right.astype(object)})
    connection = duckdb.connect()
    try:
        connection.register("pairs", frame)
        sql = "SELECT jaro_winkler_similarity(CAST(l AS VARCHAR), CAST(r AS VARCHAR)) AS s FROM pairs"
        return connection.execute(sql).df()["s"].astype("float64")
    finally:
        connection.close()
