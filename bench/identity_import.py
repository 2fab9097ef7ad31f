"""Bench: the Django side of identity resolution — import throughput and incremental match latency.

Builds a temporary database, imports `--rows` synthetic Japanese customer rows (default 100,000)
from one CSV through the import service (validation, upsert, history, blocking keys), trains the
matcher on `--train` of them, then imports `--probes` single-row files of variants of existing
people and times each record's incremental match (blocking-key lookup + Matcher.match_one) and
its resolution (link or new golden customer). Prints JSON lines (bench/_util.py format).

    .venv/bin/python bench/identity_import.py --rows 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu .venv/bin/python bench/identity_import.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django

django.setup()

from django.db import connection  # noqa: E402

from bench._util import db_kind, emit, log, percentile  # noqa: E402

BENCH = "identity_import"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--train", type=int, default=20_000, help="records the matcher is trained on")
    parser.add_argument("--probes", type=int, default=50)
    args = parser.parse_args()

    from tests.identity import generator
    from tests.identity.conftest import COLUMNS, csv_bytes
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Department
    from tsunagu.core.services import user_create

    kind = db_kind(os.environ.get("DATABASE_URL", "sqlite"))
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from tsunagu.identity import engine
        from tsunagu.identity.models import MatchModel, SourceRecord
        from tsunagu.identity.services.importing import records_import
        from tsunagu.identity.services.matching import matcher_load, model_train
        from tsunagu.identity.services.resolution import match_one, resolve_one
        from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

        department = Department.objects.create(code="CRM", name="CRM", kind=DepartmentKind.CRM)
        steward = user_create(
            actor=None, username="steward", password="x" * 16, display_name="s", roles=[Role.DATA_STEWARD],
            department=department,
        )  # fmt: skip
        for code, priority in (("AGENCY", 20), ("WEB", 50)):
            source = source_system_register(actor=steward, code=code, name=code, priority=priority)
            mapping_profile_save(actor=steward, source=source, columns=COLUMNS)
        people = generator.people(args.rows, seed=11)
        data = csv_bytes([generator.row(f"A{i}", p) for i, p in enumerate(people)])
        log(f"importing {args.rows} rows ({len(data) / 1e6:.1f} MB) on {kind}")
        started = time.perf_counter()
        result = records_import(actor=steward, source_code="AGENCY", data=data, file_name="a.csv", match=False)
        seconds = time.perf_counter() - started
        emit(
            BENCH,
            "import_rows_per_s",
            args.rows / seconds,
            "rows/s",
            rows=args.rows,
            db=kind,
            seconds=round(seconds, 1),
        )
        log(f"created {result.batch.created_count}, invalid {result.batch.invalid_count}")
        started = time.perf_counter()
        again = records_import(actor=steward, source_code="AGENCY", data=data, file_name="a.csv", match=False)
        seconds = time.perf_counter() - started
        emit(
            BENCH,
            "reimport_unchanged_rows_per_s",
            args.rows / seconds,
            "rows/s",
            unchanged=again.batch.unchanged_count,
            db=kind,
        )

        rows = SourceRecord.objects.select_related("source").order_by("pk")[: args.train]
        frame = engine.frame(engine.record_for(r.pk, r.source.code, r.features) for r in rows)
        started = time.perf_counter()
        model_train(actor=steward, frame=frame)
        emit(BENCH, "train_seconds", time.perf_counter() - started, "s", records=len(frame), db=kind)
        model, matcher = matcher_load() or (None, None)
        assert isinstance(model, MatchModel)

        rng = random.Random(5)
        match_ms: list[float] = []
        total_ms: list[float] = []
        linked = 0
        for i in range(args.probes):
            person = people[rng.randrange(len(people))]
            probe = csv_bytes([generator.row(f"W{i}", generator.variant(person, rng))])
            records_import(actor=steward, source_code="WEB", data=probe, file_name="w.csv", match=False)
            record = SourceRecord.objects.select_related("source").get(source__code="WEB", external_id=f"W{i}")
            t0 = time.perf_counter()
            match_one(record, matcher)
            t1 = time.perf_counter()
            resolve_one(actor=steward, record=record, model=model, matcher=matcher)
            t2 = time.perf_counter()
            match_ms.append((t1 - t0) * 1000)
            total_ms.append((t2 - t1 + t1 - t0) * 1000)
            record.refresh_from_db()
            linked += SourceRecord.objects.filter(customer_id=record.customer_id).count() > 1
        for name, values in (("incremental_match_ms", match_ms), ("incremental_match_and_resolve_ms", total_ms)):
            emit(BENCH, f"{name}_p50", statistics.median(values), "ms", probes=args.probes, db=kind, existing=args.rows)
            emit(BENCH, f"{name}_p95", percentile(values, 95), "ms", probes=args.probes, db=kind, existing=args.rows)
        emit(BENCH, "incremental_linked_share", linked / args.probes, "ratio", probes=args.probes)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
