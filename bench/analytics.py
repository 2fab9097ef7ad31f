"""Benchmark the analytics pipeline on a demo book: features + training (out-of-time) + scoring.

    .venv/bin/python bench/analytics.py                   # 1,000 customers, temporary SQLite
    .venv/bin/python bench/analytics.py --customers 20000 --db-url postgres://postgres@127.0.0.1:5432/postgres

Prints JSON lines: train_seconds, score_seconds (features + scoring of every active model + writing
the scores), peak_rss_mb, the out-of-time auc_churn / auc_next_product on the demo data, and, when
../shared/data/lapse/eudirectlapse.rda is present, the motor lapse data's held-out AUC (a 25% split)
through the same modelling core as propensity_train.

    .venv/bin/python bench/analytics.py --target-list 100000 --only-target-list [--db-url URL]

target_list_seconds: a target list of N customers built by the product's service (segment read with
the score and agency subqueries, seeded 10% control group, bulk insert, history copied by the
database, audit event) on a synthetic book of N ÷ 0.9 customers (every tenth without consent, so not
listed) with next-product scores, in a fresh database copied from a migrated template (bench/voice.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import REPO, db_kind, emit, log, manage, temp_database

BENCH = "analytics"
LAPSE = REPO.parent / "shared" / "data" / "lapse" / "eudirectlapse.rda"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def demo_book(customers: int, *, seed: int, db_url: str | None, as_of: dt.date) -> None:
    with temp_database(db_url, prefix="tsunagu_bench_analytics") as url:
        tags = {"customers": customers, "db": db_kind(url)}
        manage(["migrate", "--noinput", "-v", "0"], database_url=url)
        log(f"# demo_data --customers {customers}")
        manage(
            ["demo_data", "--customers", str(customers), "--seed", str(seed), "--as-of", as_of.isoformat(),
             "--no-progress", "--no-search-index"],
            database_url=url,
        )  # fmt: skip
        train = 0.0
        for kind in ("churn", "next_product"):
            t0 = time.perf_counter()
            out = manage(["analytics_train", "--kind", kind, "--as-of", as_of.isoformat()], database_url=url).stdout
            train += time.perf_counter() - t0
            log(out.strip())
            auc = re.search(r"期間外AUC ([0-9.]+)", out)
            base = re.search(r"ロジスティック回帰 ([0-9.]+)", out)
            if auc:
                emit(BENCH, f"auc_{kind}", float(auc.group(1)), "AUC", **tags)
            if base:
                emit(BENCH, f"auc_{kind}_baseline", float(base.group(1)), "AUC", **tags)
        emit(BENCH, "train_seconds", train, "s", **tags)
        t0 = time.perf_counter()
        log(manage(["analytics_score", "--as-of", as_of.isoformat()], database_url=url).stdout.strip())
        emit(BENCH, "score_seconds", time.perf_counter() - t0, "s", **tags)
        emit(BENCH, "peak_rss_mb", peak_rss_mb(), "MiB", **tags)


def lapse_auc() -> None:
    if not LAPSE.exists():
        log(f"# {LAPSE} がないため外部データの評価を省略します")
        return
    import polars as pl
    import pyreadr

    sys.path.insert(0, str(REPO))
    from tsunagu.analytics.modeling import train_binary
    from tsunagu.analytics.modeling.metrics import auc

    frame = pl.from_pandas(pyreadr.read_r(str(LAPSE))["eudirectlapse"]).sample(fraction=1.0, shuffle=True, seed=1)
    cut = int(frame.height * 0.75)
    t0 = time.perf_counter()
    model = train_binary(frame[:cut], target="lapse")
    held_out = frame[cut:]
    value = auc(held_out["lapse"].to_numpy(), model.predict(held_out))
    emit(BENCH, "auc_lapse_holdout", value or 0.0, "AUC", rows=frame.height, reference_logistic=0.63)
    emit(BENCH, "auc_lapse_baseline_validation", model.metadata["metrics"]["baseline"]["auc"], "AUC")
    emit(BENCH, "lapse_train_seconds", time.perf_counter() - t0, "s", rows=cut)


def target_list_bench(size: int, *, db_url: str | None, profile: bool = False) -> None:
    sys.path.insert(0, str(REPO))
    from bench import voice as base

    with base.migrated_database(db_url):
        import django

        django.setup()
        import numpy as np
        from django.db import connection, transaction
        from django.utils import timezone

        from tsunagu.analytics import segments, target_services
        from tsunagu.analytics.choices import ListBasis
        from tsunagu.analytics.models import ModelVersion, Score
        from tsunagu.core import bulk
        from tsunagu.core.writes import update_rows
        from tsunagu.customers.models import Customer, CustomerAgency

        customers = size * 10 // 9 + 10
        t0 = time.perf_counter()
        _branches, agencies, analyst, _owner, _staff = base._org()
        ids = list(base._customers(customers))
        # Every tenth customer withholds consent: the segment must leave them out.
        update_rows(Customer.objects.filter(pk__in=ids[::10]), actor=None, contact_consent=False)
        model = ModelVersion.objects.create(
            kind="next_product", version=1, artifact="{}", trained_by=analyst, is_active=True
        )
        rng = np.random.default_rng(1)
        scores = rng.random(len(ids))
        today = timezone.localdate()
        reasons = Score._meta.get_field("reasons").get_db_prep_save(
            [{"feature": "lines_held", "text": "保有種目: 火災", "contribution": 0.2}], connection
        )
        when = connection.ops.adapt_datetimefield_value(timezone.now())
        day = connection.ops.adapt_datefield_value(today)
        with transaction.atomic():
            bulk.insert_tuples(
                CustomerAgency,
                ("customer_id", "agency_id", "since"),
                [(pk, agencies[i % len(agencies)].pk, day) for i, pk in enumerate(ids)],
            )
            columns = (
                "customer_id", "kind", "model_id", "score", "product_line", "reasons", "marketing_allowed", "as_of",
                "scored_at",
            )  # fmt: skip
            rows = [
                (pk, "next_product", model.pk, float(s), "fire", reasons, True, day, when)
                for pk, s in zip(ids, scores, strict=True)
            ]
            bulk.insert_tuples(Score, columns, rows)
        tags = {"entries": size, "customers": customers, "db": connection.vendor}
        log(f"# target list: book of {customers:,} built in {time.perf_counter() - t0:.1f}s")
        profiler = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        target = target_services.target_list_create(
            actor=analyst,
            name="ベンチ",
            basis=ListBasis.NEXT_PRODUCT,
            segment=segments.Segment(as_of=today, score_kind="next_product", limit=size),
            control_percent=10,
            seed=1,
        )
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        emit(BENCH, "target_list_seconds", time.perf_counter() - t0, "s", target=10, **tags)
        assert target.treatment_count + target.control_count == size, (target.treatment_count, target.control_count)
        emit(BENCH, "peak_rss_mb", peak_rss_mb(), "MiB", **tags)


def main() -> None:
    parser = argparse.ArgumentParser(description="分析(予測モデル)のベンチマーク")
    parser.add_argument("--customers", type=int, default=1000, help="デモデータの顧客数(既定: 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="", help="デモデータと学習の基準日(既定: 今日)")
    parser.add_argument("--db-url", default=None, help="PostgreSQL のURL(一時データベースを作成・削除)")
    parser.add_argument("--target-list", type=int, default=0, help="ターゲットリストの人数(例: 100000、既定: 測らない)")
    parser.add_argument("--only-target-list", action="store_true", help="ターゲットリストの作成だけを測る")
    parser.add_argument(
        "--profile", action="store_true", help="ターゲットリストの作成を cProfile で測り、上位を標準エラーに出す"
    )
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    if not args.only_target_list:
        lapse_auc()
        demo_book(args.customers, seed=args.seed, db_url=args.db_url, as_of=as_of)
    if args.target_list:
        target_list_bench(args.target_list, db_url=args.db_url, profile=args.profile)


if __name__ == "__main__":
    main()
