"""The Spark engine (matching/engines.py) gives the DuckDB engine's results.

The comparison with Spark needs Java (CI has Java 17); without it that test is skipped with a
message. It runs Spark `local[2]` with a small driver: a few hundred records, one model trained on
DuckDB, pairs predicted on both engines. Training on Spark against DuckDB is compared by
`bench/identity.py --engine spark` (docs/identity-ii.md § Spark engine): it takes minutes.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.identity.matching.generator import generate_records
from tsunagu.identity.matching import Matcher, engines, prepare, spark_functions
from tsunagu.identity.matching.comparisons import comparisons_for
from tsunagu.identity.matching.features import FEATURE_COLUMNS

JAVA = shutil.which("java")


def _pairs(frame: pd.DataFrame, cut: float = 0.0) -> set[tuple[str, str]]:
    chosen = frame[frame["match_probability"] >= cut]
    return set(zip(chosen["record_id_l"].astype(str), chosen["record_id_r"].astype(str), strict=True))


def test_spark_sql_renames_only_jaro_winkler() -> None:
    settings = {"sql_dialect": "duckdb", "comparisons": comparisons_for(FEATURE_COLUMNS)}
    spark = engines.to_spark(settings)
    text = json.dumps(spark)
    assert "jaro_winkler_similarity" not in text
    assert "tsunagu_duckdb_jaro_winkler(fam_kanji_l, fam_kanji_r) >= 0.92" in text
    assert "damerau_levenshtein(fam_kana_l, fam_kana_r) <= 1" in text  # same name in the JAR
    assert spark["sql_dialect"] == "spark"
    # The stored settings are untouched, and to_duckdb restores them from a Spark-saved model.
    assert "jaro_winkler_similarity" in json.dumps(settings)
    assert engines.to_duckdb(spark, settings) == {**settings, "sql_dialect": "duckdb"}


def test_spark_jaro_winkler_is_duckdbs() -> None:
    # The JAR's jaro_winkler gives 0.684 here (docs/identity-ii.md §5.1); Spark calls this instead.
    left = pd.Series(["八王子市栄町1-5-19", None, "タナカ"])
    right = pd.Series(["八王子市青葉台7-29-17", "タナカ", "タナカ"])
    scores = spark_functions.duckdb_jaro_winkler(left, right)
    assert scores[0] == pytest.approx(0.8226190476)
    assert pd.isna(scores[1])
    assert scores[2] == 1.0


def test_to_duckdb_refuses_a_model_of_other_levels() -> None:
    settings = {"comparisons": comparisons_for(FEATURE_COLUMNS)}
    other = engines.to_spark(settings)
    other["comparisons"][0]["comparison_levels"].pop()
    with pytest.raises(engines.EngineError, match="水準"):
        engines.to_duckdb(other, settings)


def test_engine_factory_and_context() -> None:
    assert engines.engine(None).name == "duckdb"
    spark = engines.engine("Spark", master="spark://cluster:7077")
    assert isinstance(spark, engines.SparkEngine)
    assert spark.master == "spark://cluster:7077"
    default = engines.engine("spark")
    assert isinstance(default, engines.SparkEngine)
    assert default.master == "local[*]"
    with pytest.raises(engines.EngineError, match="照合エンジン「postgres」は使えません"):
        engines.engine("postgres")
    assert engines.current().name == "duckdb"
    with engines.use(spark):
        assert engines.current() is spark
    assert engines.current().name == "duckdb"


@pytest.mark.skipif(JAVA is None, reason="Spark エンジンの比較には Java 17 が必要です (java not found on PATH)")
def test_spark_predicts_the_duckdb_pairs() -> None:
    frame = generate_records(300, seed=5)
    prepared = prepare(frame.drop(columns=["cluster_id", "household_id", "variations"]))
    matcher = Matcher.train(prepared, engine=engines.DuckDBEngine())
    spark = engines.SparkEngine("local[2]", driver_memory="512m", shuffle_partitions=2)
    on_duckdb = matcher.predict(prepared, min_probability=0.0, with_evidence=False, engine=engines.DuckDBEngine())
    on_spark = matcher.predict(prepared, min_probability=0.0, with_evidence=False, engine=spark)
    assert len(on_duckdb) > 100  # households and duplicates: a real comparison
    assert _pairs(on_spark) == _pairs(on_duckdb)
    linked = _pairs(on_duckdb, matcher.thresholds.auto_link)
    assert linked
    assert _pairs(on_spark, matcher.thresholds.auto_link) == linked
    both = on_duckdb.merge(on_spark, on=["record_id_l", "record_id_r"], suffixes=("_d", "_s"))
    assert (both["match_probability_d"] - both["match_probability_s"]).abs().max() < 1e-9
    assert (both["rule_d"].fillna("") == both["rule_s"].fillna("")).all()


@pytest.mark.skipif(JAVA is None, reason="Spark エンジンの比較には Java 17 が必要です (java not found on PATH)")
def test_a_new_spark_api_releases_the_tables_of_the_last() -> None:
    from splink import Linker

    spark_engine = engines.SparkEngine("local[2]", driver_memory="512m", shuffle_partitions=2)
    first = spark_engine.db_api()
    records = pd.DataFrame({"unique_id": ["1", "2", "3"], "name": ["tanaka", "tanaka", "suzuki"]})
    settings = {
        "link_type": "dedupe_only",
        "probability_two_random_records_match": 0.1,
        "blocking_rules_to_generate_predictions": ["l.name = r.name"],
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"sql_condition": "name_l IS NULL OR name_r IS NULL", "is_null_level": True},
                    {"sql_condition": "name_l = name_r", "m_probability": 0.9, "u_probability": 0.1},
                    {"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 0.9},
                ],
            }
        ],
    }
    predictions = Linker(first.register(records), settings, log_level=None).inference.predict()
    spark = spark_engine.session()
    assert spark.catalog.isCached(predictions.physical_name)  # Splink persists what it builds
    assert [t.name for t in spark.catalog.listTables() if t.name.startswith("__splink__")]

    spark_engine.db_api()
    assert not [t.name for t in spark.catalog.listTables() if t.name.startswith("__splink__")]
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()


def test_the_spark_functions_travel_to_executors_without_the_project(tmp_path) -> None:
    """A cluster's executors cannot import tsunagu: the UDFs must unpickle where only pandas and
    duckdb are installed (here: a fresh interpreter outside the project directory)."""
    import subprocess
    import sys

    from pyspark import cloudpickle

    engines._pickle_spark_functions_by_value()  # as _register_hash_udf does when the session starts
    blob = cloudpickle.dumps((spark_functions.duckdb_jaro_winkler, spark_functions.duckdb_hashes))
    code = (
        "import pickle, sys; import pandas as pd\n"
        "jaro_winkler, hashes = pickle.loads(sys.stdin.buffer.read())\n"
        "print(jaro_winkler(pd.Series(['タナカ']), pd.Series(['タナカ']))[0], hashes(pd.Series(['x']))[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], input=blob, cwd=tmp_path, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    score, digest = result.stdout.decode().split()
    assert float(score) == 1.0
    assert digest == str(spark_functions.duckdb_hashes(pd.Series(["x"]))[0])
