"""Where Splink runs: DuckDB (in process, the default) or Spark (`local[*]` or a cluster).

The engine is chosen here and nowhere else: `engine(name, master=...)` builds one, `use(engine)`
makes it the one Matcher.train / predict use in this context (a command or a bench picks it once),
`current()` is what they read. The model, the rule layer and the thresholds do not depend on it:

- comparisons are written once (comparisons.py, DuckDB SQL: the model JSON stores that form) and
  `Engine.settings()` turns them into the engine's dialect (for Spark one function name differs:
  `jaro_winkler_similarity` is DuckDB's own function called in a vectorised Python UDF, since the
  Scala UDF JAR's `jaro_winkler` gives other values on longer strings; `damerau_levenshtein` is the
  JAR's, which ships inside the splink wheel and is registered when the session starts; nothing is
  downloaded);
- Splink samples records (u estimation, EM) and chunks the u estimation by a hash of the record
  id, and DuckDB's and Spark's hash functions differ; the Spark engine computes DuckDB's hash (in a
  vectorised Python UDF), so both engines train on the same records (see the known differences);
- one-record scoring (Matcher.match_one) stays on DuckDB whatever the engine: it is a few
  milliseconds in process, and a Spark job per record would cost seconds.

Known differences (docs/identity-ii.md §5, §12): with the JAR's Jaro-Winkler (up to 0.14 from
DuckDB's on addresses) probabilities differed by up to 0.007 on gen2; with DuckDB's, by 6e-14.
Damerau-Levenshtein is the JAR's: it counts UTF-16 units where DuckDB counts characters, so a
kanji outside the BMP (𠮷) counts as two characters on Spark.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import pandas as pd

from tsunagu.identity.matching import memory, spark_functions
from tsunagu.identity.matching.comparisons import EQUAL_COLUMN_RE

DUCKDB = "duckdb"
SPARK = "spark"
ENGINES = (DUCKDB, SPARK)
DEFAULT_SPARK_MASTER = "local[*]"
# Heap of the driver JVM when the master is local (the executors run in it and hold the persisted
# tables): Spark's default 1g runs out of heap on FEBRL4 (10,000 records; docs/identity-ii.md
# §5.3). SPARK_DRIVER_MEMORY or `driver_memory=` overrides it.
DEFAULT_LOCAL_DRIVER_MEMORY = "6g"

# DuckDB function → Spark SQL function (the rest are the same in both, or the splink JAR's UDFs).
_SPARK_FUNCTIONS = {"jaro_winkler_similarity": "tsunagu_duckdb_jaro_winkler"}
_SPARK_FUNCTION_RE = re.compile(r"\b(" + "|".join(_SPARK_FUNCTIONS) + r")\s*\(", re.IGNORECASE)
# The Python UDF that gives Spark DuckDB's hash (see _patch_spark_hashing).
_HASH_UDF = "tsunagu_duckdb_hash"
# The Python UDF that gives Spark DuckDB's jaro_winkler_similarity.
_JARO_WINKLER_UDF = _SPARK_FUNCTIONS["jaro_winkler_similarity"]


class EngineError(ValueError):
    """An engine that cannot run here (unknown name, no Java for Spark)."""


class DuckDBEngine:
    """Splink on an in-process DuckDB connection. `memory_limit` (e.g. "1GB") and `threads` bound
    what one connection takes (None: DuckDB's defaults, 80 % of RAM and every core)."""

    name = DUCKDB
    # Linkers that may work at once, each on its own connection (u estimation: its queries run on
    # one core each, so one linker per core).
    concurrent_linkers = max(1, os.cpu_count() or 1)

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None) -> None:
        self.memory_limit = memory_limit
        self.threads = threads

    def db_api(self) -> Any:
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect()
        connection.execute("SET preserve_insertion_order = false")
        # What a query frees in bulk (its hash tables) goes back to the system when it ends, not at
        # DuckDB's default of 512 MiB: at a million records the prediction's result was fetched while
        # ~0.4 GiB of freed join memory was still held (peak −140 MiB; no slower).
        connection.execute("SET allocator_bulk_deallocation_flush_threshold = '0MB'")
        if self.memory_limit:
            connection.execute(f"SET memory_limit = '{self.memory_limit}'")
            connection.execute(f"SET temp_directory = '{tempfile.gettempdir()}/tsunagu-duckdb'")
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        return DuckDBAPI(connection=connection)

    def release(self, db_api: Any) -> None:
        """Close the API's connection once its results are in pandas: DuckDB frees what the step
        built (a million records: the training's tables, ~0.4 GiB, were still held during the
        prediction, the linker's reference cycles waiting for the garbage collector), and what the
        process freed goes back to the system before the next step allocates (memory.py)."""
        db_api.duckdb_con.close()
        memory.release()

    def settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return dict(settings)

    def register_for_blocking(self, db_api: Any, features: pd.DataFrame, rules: list[str]) -> tuple[Any, list[str]]:
        """`features` registered for a prediction by `rules`, and the rules to give Splink.

        Splink blocks with one query: each rule's join carries every column of the rules before
        it, to leave out the pairs they found. At a million records those string columns were the
        prediction's peak (+850 MiB for twenty rules). Here each equi-join rule is keyed on one
        64-bit hash of its columns, computed by a view as DuckDB reads the frame: the joins carry
        one number per rule (+580 MiB, and 20 % faster). The same pairs come out: equal values
        have equal hashes; unequal ones collide with a chance of 2^-64 for a pair, which would
        only compare a pair the rule does not name (joins and exclusions read the same keys)."""
        keyed, keys = blocking_keys_sql(rules)
        if not keys:
            return db_api.register(features), rules
        name = f"tsunagu_features_{next(_FEATURE_TABLES)}"
        db_api.duckdb_con.register(f"{name}_arrow", features)
        columns = ", ".join(f"{sql} AS {key}" for key, sql in keys.items())
        db_api.duckdb_con.execute(f"CREATE VIEW {name} AS SELECT *, {columns} FROM {name}_arrow")
        return db_api.register(name), keyed

    def __repr__(self) -> str:
        return f"DuckDBEngine(memory_limit={self.memory_limit!r}, threads={self.threads!r})"


_FEATURE_TABLES = itertools.count()
# A rule of equal columns, and a linkage's restriction of one (model._restricted: "(…) AND NOT (…)").
_EQUAL_COLUMNS_RULE_RE = re.compile(r"^l\.(\w+) = r\.\1(?: AND l\.(\w+) = r\.\2)*$")
_RESTRICTED_RULE_RE = re.compile(r"^\((?P<rule>.*)\)(?P<restriction> AND NOT \(.*\))$")


def blocking_keys_sql(rules: list[str]) -> tuple[list[str], dict[str, str]]:
    """Each rule of equal columns ("l.a = r.a AND l.b = r.b", with a trailing "AND NOT (...)")
    as an equality of one key column, and each key column's DuckDB expression (null where a
    column is null, as the equality of that column would not hold). Other rules as they are."""
    keyed: list[str] = []
    keys: dict[str, str] = {}
    for rule in rules:
        restricted = _RESTRICTED_RULE_RE.match(rule)
        equal, restriction = (restricted["rule"], restricted["restriction"]) if restricted else (rule, "")
        if not _EQUAL_COLUMNS_RULE_RE.match(equal):
            keyed.append(rule)
            continue
        columns = EQUAL_COLUMN_RE.findall(equal)
        key = f"__tsunagu_block_{len(keys)}"
        present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        keys[key] = f"CASE WHEN {present} THEN hash({', '.join(columns)}) END"
        keyed.append(f"l.{key} = r.{key}{restriction}")
    return keyed, keys


class SparkEngine:
    """Splink on PySpark. `master`: `local[*]` (every core of this machine), `local[2]`, or a
    cluster's `spark://host:7077`. The session is started on first use and kept for the process
    (a SparkSession is one per JVM)."""

    name = SPARK
    _lock = threading.Lock()
    # One session, whose next API releases the last one's tables: one linker at a time.
    concurrent_linkers = 1

    def __init__(
        self,
        master: str = DEFAULT_SPARK_MASTER,
        *,
        driver_memory: str | None = None,
        shuffle_partitions: int | None = None,
        app_name: str = "tsunagu-matching",
    ) -> None:
        self.master = master or DEFAULT_SPARK_MASTER
        self.driver_memory = driver_memory
        self.shuffle_partitions = shuffle_partitions
        self.app_name = app_name
        self._api: Any = None

    def session(self) -> Any:
        with self._lock:
            return self._session()

    def _session(self) -> Any:
        import shutil

        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            raise EngineError("Spark エンジンには Java (17 以上) が必要です。java が見つかりません。")
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location

        # Python workers (the sampling UDF) run this interpreter, with its packages.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        if self.master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        partitions = self.shuffle_partitions or _default_partitions(self.master)
        builder = (
            SparkSession.builder.master(self.master)
            .appName(self.app_name)
            .config("spark.jars", similarity_jar_location())
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.default.parallelism", str(partitions))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.adaptive.enabled", "true")
        )
        driver_memory = self.driver_memory
        if not driver_memory and self.master.startswith("local") and not os.environ.get("SPARK_DRIVER_MEMORY"):
            driver_memory = DEFAULT_LOCAL_DRIVER_MEMORY
        if driver_memory:
            builder = builder.config("spark.driver.memory", driver_memory)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        _register_hash_udf(spark)
        return spark

    def db_api(self) -> Any:
        """A new Splink API on the session, after releasing the tables of the previous ones (see
        `release_tables`): each Matcher.train / predict step builds its own API and linker."""
        from splink import SparkAPI

        spark = self.session()
        self.release_tables(spark)
        _patch_spark_hashing()
        # "persist": intermediate tables stay in the executors (memory, then disk); no checkpoint
        # directory to configure.
        return SparkAPI(
            spark_session=spark,
            break_lineage_method="persist",
            num_partitions_on_repartition=int(spark.conf.get("spark.sql.shuffle.partitions")),
        )

    def release_tables(self, spark: Any = None) -> None:
        """Free what earlier Splink APIs left in the session: the tables they persisted (with a
        local master the executors are the driver, so in the driver's heap) and their temp views
        (`__splink__…`; a view's plan holds the rows registered from pandas). Without it the dev set
        (20,057 records) ran out of a 6g heap at its prediction, in Spark's optimizer while
        registering the next input (`drop table if exists __splink__input_table_0` re-plans the
        cached tables built on the old one); with it the run finished (docs/identity-ii.md §5.3, §12).

        The session is the matcher's own and one batch runs in it at a time (a command or a bench):
        a linker made before this call must not be used after it (Matcher does not: each step
        turns its Splink output into pandas before the next step starts)."""
        from pyspark.sql import SparkSession

        spark = spark or SparkSession.getActiveSession()
        if spark is None:
            return
        # Everything at once: uncaching one table re-plans the cached tables built on it.
        spark.catalog.clearCache()
        for table in spark.catalog.listTables():
            if table.isTemporary and table.name.startswith("__splink__"):
                spark.catalog.dropTempView(table.name)

    def release(self, db_api: Any) -> None:
        """Nothing now: the session is shared, and the next `db_api()` releases what this one left."""

    def register_for_blocking(self, db_api: Any, features: pd.DataFrame, rules: list[str]) -> tuple[Any, list[str]]:
        """`features` registered for a prediction by `rules`, and the rules to give Splink (as they are)."""
        return db_api.register(features), rules

    def settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return to_spark(settings)

    def stop(self) -> None:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()

    def __repr__(self) -> str:
        return f"SparkEngine(master={self.master!r})"


Engine = DuckDBEngine | SparkEngine


def engine(name: str | None = None, *, master: str | None = None, **options: Any) -> Engine:
    """The engine called `name` ("duckdb" or "spark"; None: DuckDB). `master` for Spark only."""
    chosen = (name or DUCKDB).strip().lower()
    if chosen == DUCKDB:
        return DuckDBEngine(**options)
    if chosen == SPARK:
        return SparkEngine(master or DEFAULT_SPARK_MASTER, **options)
    raise EngineError(f"照合エンジン「{name}」は使えません。{' / '.join(ENGINES)} のいずれかを指定してください。")


_current: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("tsunagu_matching_engine", default=None)
_default = DuckDBEngine()


def current() -> Engine:
    """The engine of this context (DuckDB unless `use` chose another)."""
    return _current.get() or _default


@contextmanager
def use(chosen: Engine) -> Iterator[Engine]:
    """Run Matcher.train / predict inside this block on `chosen`."""
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


# --- SQL dialect -------------------------------------------------------------------------------


def spark_sql(sql: str) -> str:
    """A comparison condition written for DuckDB, in Spark SQL."""
    return _SPARK_FUNCTION_RE.sub(lambda m: _SPARK_FUNCTIONS[m.group(1).lower()] + "(", sql)


def to_spark(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Splink settings (comparisons in DuckDB SQL, as stored) for a Spark linker. Blocking rules
    carry their dialect ("duckdb") and Splink transpiles them itself."""
    out = deepcopy(dict(settings))
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            condition = level.get("sql_condition")
            if isinstance(condition, str):
                level["sql_condition"] = spark_sql(condition)
    if "sql_dialect" in out:
        out["sql_dialect"] = SPARK
    return out


def to_duckdb(trained: Mapping[str, Any], canonical: Mapping[str, Any]) -> dict[str, Any]:
    """A model Splink saved from a Spark linker, with the comparison conditions and blocking rules
    of `canonical` (the DuckDB settings it was built from: same comparisons, same levels, same
    order): the model JSON always holds DuckDB SQL, whichever engine trained it."""
    out = deepcopy(dict(trained))
    source = {c["output_column_name"]: c["comparison_levels"] for c in canonical.get("comparisons", [])}
    for comparison in out.get("comparisons", []):
        levels = source.get(comparison.get("output_column_name"))
        if levels is None or len(levels) != len(comparison.get("comparison_levels", [])):
            raise EngineError(f"比較 {comparison.get('output_column_name')} の水準が学習前と一致しません。")
        for level, original in zip(comparison["comparison_levels"], levels, strict=True):
            level["sql_condition"] = original["sql_condition"]
    if "blocking_rules_to_generate_predictions" in canonical:
        out["blocking_rules_to_generate_predictions"] = deepcopy(canonical["blocking_rules_to_generate_predictions"])
    if "sql_dialect" in out:
        out["sql_dialect"] = DUCKDB
    return out


# --- sampling and chunking: DuckDB's hash on Spark --------------------------------------------


def _register_hash_udf(spark: Any) -> None:
    """The Python UDFs that give Spark DuckDB's functions: the hash and Jaro-Winkler. Pickled by
    value: a cluster's executors (`spark://…`) cannot import tsunagu (with a local master they ran
    in this directory, which hid it: "No module named 'tsunagu'" on a standalone cluster)."""
    from pyspark.sql.functions import pandas_udf

    _pickle_spark_functions_by_value()
    spark.udf.register(_HASH_UDF, pandas_udf(spark_functions.duckdb_hashes, "string"))  # type: ignore[call-overload]
    spark.udf.register(_JARO_WINKLER_UDF, pandas_udf(spark_functions.duckdb_jaro_winkler, "double"))  # type: ignore[call-overload]


def _pickle_spark_functions_by_value() -> None:
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(spark_functions)


def _spark_hash_expression(col_expression: str) -> str:
    """DuckDB's hash of the expression, as DECIMAL(20, 0) (a UBIGINT does not fit Spark's BIGINT)."""
    return f"CAST({_HASH_UDF}(CAST(({col_expression}) AS STRING)) AS DECIMAL(20, 0))"


def _spark_bucket_expression(col_expression: str, modulus: int) -> str:
    """DuckDB dialect's bucket: `hash(x) % modulus`."""
    if modulus <= 0:
        raise ValueError("modulus must be positive")
    return f"CAST({_spark_hash_expression(col_expression)} % {int(modulus)} AS BIGINT)"


def _patch_spark_hashing() -> None:
    """Splink's SparkDialect is a singleton (one instance per dialect class): its hash becomes
    DuckDB's. Splink uses it to sample records (u estimation, EM) and to chunk the u estimation's
    pairs, which it may stop early: with Spark's own hash the two engines would train on other
    records and give other models."""
    from splink.internals.dialects import SparkDialect

    dialect = SparkDialect()
    dialect.hash_function_expression = _spark_hash_expression  # type: ignore[method-assign]
    dialect.hash_bucket_expression = _spark_bucket_expression  # type: ignore[method-assign]


def _default_partitions(master: str) -> int:
    """Shuffle partitions: a few per core locally (Spark's default 200 is for clusters)."""
    match = re.fullmatch(r"local\[(\d+|\*)(?:,\d+)?\]", master.strip())
    if master.strip() == "local":
        return 2
    if match:
        cores = (os.cpu_count() or 2) if match.group(1) == "*" else int(match.group(1))
        return max(2, 2 * cores)
    return 200
