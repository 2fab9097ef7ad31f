"""Benchmark of the deduction-certificate batch.

    .venv/bin/python bench/documents.py --policies 3000

Builds (or reuses) a SQLite database under var/bench/ with N policies (≈ N/3 policyholders): from
`manage.py demo_data` when that command exists, otherwise from a small built-in generator. Then runs
the certificate batch twice over all of them, with 2 worker processes, and prints JSON lines
({"bench": "documents", "metric": ..., "value": ..., "unit": ...}):

1. vendor data (`--vendor-prints`): every contract's certificate rows, the mailed certificates'
   documents and the printing vendor's data files -> `certificate_batch_seconds` (target: 1,000,000
   policies under 60 s); then its electronic stage draws the e-delivery PDFs from the rows.
2. PDFs (the default run): print files plus single electronic PDFs -> `certificate_pdfs_per_second`
   (target: at least 200 per second on the whole machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def emit(metric: str, value: float | int, unit: str, **extra: object) -> None:
    print(json.dumps({"bench": "documents", "metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def setup_django(policies: int, database_url: str | None) -> Path:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db = bench_dir / f"documents-{policies}.sqlite3"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no SQL logging in the measured loop
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return bench_dir


def build_data(policies: int, seed: int) -> str:
    """Fill the database unless it already holds the policies; returns how the data was made."""
    from django.core.management import get_commands

    from tsunagu.policies.models import Policy

    if Policy.objects.count() >= policies:
        return "reused"
    if "demo_data" in get_commands():
        from django.core.management import call_command

        call_command("demo_data", customers=max(1, policies // 3), seed=seed, verbosity=0)
        if Policy.objects.count() > 0:
            return "demo_data"
    _generate(policies, seed)
    return "bench_generator"


def _generate(policies: int, seed: int) -> None:
    """Plain bulk rows (no services, no history): only what the certificate batch reads."""
    from django.db import transaction

    from tsunagu.core.models import Branch
    from tsunagu.customers.models import Address, Customer
    from tsunagu.policies.models import Building, Coverage, Policy, PremiumPayment, Product

    rng = random.Random(seed)
    families = ["佐藤", "鈴木", "髙橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤", "吉田", "山田"]
    givens = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "結衣", "大輔", "直子"]
    cities = [("東京都", "千代田区", "千代田"), ("大阪府", "大阪市北区", "梅田"), ("愛知県", "名古屋市中区", "栄")]
    with transaction.atomic():
        Branch.objects.get_or_create(code="BENCH", defaults={"name": "ベンチ営業部"})
        product, _ = Product.objects.get_or_create(code="BENCH-FIRE", defaults={"name": "住まいの保険", "line": "fire"})
        holders = max(1, policies // 3)
        customers = []
        for i in range(holders):
            c = Customer(
                kind="individual",
                name=f"{rng.choice(families)} {rng.choice(givens)}",
                name_kana="ベンチ タロウ",
                preferred_channel="email" if i % 10 == 0 else "post",
            )
            c.refresh_keys()
            customers.append(c)
        Customer.objects.bulk_create(customers, batch_size=2000)
        addresses = []
        for c in customers:
            pref, city, town = rng.choice(cities)
            addresses.append(
                Address(
                    customer=c,
                    is_primary=True,
                    postal_code=f"{rng.randrange(1000000, 9999999)}",
                    prefecture=pref,
                    city=city,
                    street=f"{town}{rng.randint(1, 9)}-{rng.randint(1, 30)}",
                    building=f"ベンチマンション{rng.randint(101, 909)}",
                )
            )
        Address.objects.bulk_create(addresses, batch_size=2000)
        rows, coverages, buildings, payments = [], [], [], []
        for i in range(policies):
            monthly = i % 3 == 0
            inception = dt.date(2026, rng.randint(1, 6), 1) if monthly else dt.date(2025, rng.randint(1, 10), 1)
            rows.append(
                Policy(
                    number=f"BENCH{i:09d}",
                    line="fire",
                    product=product,
                    contract_date=inception,
                    inception=inception,
                    expiry=inception.replace(year=inception.year + 1),
                    term_years=1,
                    annual_premium=42_000,
                    payment_method="bank_transfer",
                    payment_frequency="monthly" if monthly else "annual",
                    policyholder=customers[i % holders],
                    sales_channel="direct",
                )
            )
        Policy.objects.bulk_create(rows, batch_size=2000)
        for i, p in enumerate(rows):
            quake = rng.choice([6_000, 12_000, 24_000, 36_000])
            coverages.append(Coverage(policy=p, name="地震保険", premium=quake, is_earthquake=True))
            buildings.append(Building(policy=p, location=f"東京都千代田区千代田{i % 9 + 1}-1", structure_class="H"))
            if p.payment_frequency == "monthly":
                m = p.inception.month
                while m <= 10:
                    day = dt.date(2026, m, 1)
                    payments.append(
                        PremiumPayment(
                            policy=p,
                            paid_on=day,
                            amount=3_500,
                            earthquake_portion=quake // 12,
                            period_from=day,
                            period_to=day,
                        )
                    )
                    m += 1
            else:
                due = p.inception.replace(year=2026)
                if due <= dt.date(2026, 10, 1):
                    payments.append(
                        PremiumPayment(
                            policy=p,
                            paid_on=due,
                            amount=42_000,
                            earthquake_portion=quake,
                            period_from=due,
                            period_to=due.replace(year=2027),
                        )
                    )
                else:
                    payments.append(
                        PremiumPayment(
                            policy=p,
                            paid_on=p.inception,
                            amount=42_000,
                            earthquake_portion=quake,
                            period_from=p.inception,
                            period_to=p.expiry,
                        )
                    )
        Coverage.objects.bulk_create(coverages, batch_size=2000)
        Building.objects.bulk_create(buildings, batch_size=2000)
        PremiumPayment.objects.bulk_create(payments, batch_size=5000)


def reset_documents() -> None:
    """Empty the document tables with plain DELETEs (the ORM's cascade and history signals take
    minutes for 100,000 documents)."""
    from django.db import connection, transaction

    from tsunagu.documents.models import (
        ContractNoticeReply,
        DeductionCertificate,
        Document,
        DocumentBatch,
        DownloadLink,
    )

    models = [
        # The demo year holds documents too (reissues with download links, notices with replies).
        ContractNoticeReply.history.model,  # type: ignore[attr-defined]
        ContractNoticeReply,
        DownloadLink.history.model,  # type: ignore[attr-defined]
        DownloadLink,
        DeductionCertificate.history.model,  # type: ignore[attr-defined]
        DeductionCertificate,
        Document.history.model,  # type: ignore[attr-defined]
        Document,
        DocumentBatch,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_batch(args: argparse.Namespace, bench_dir: Path, *, vendor_prints: bool) -> dict[str, float]:
    """One batch over every policy from empty document tables; its wall, CPU and counts."""
    from tsunagu.core.services import system_user
    from tsunagu.documents.services.certificate_batch import run_certificate_batch
    from tsunagu.documents.storage import LocalDirectoryStorage

    reset_documents()
    files = bench_dir / f"documents-{args.policies}-files"
    shutil.rmtree(files, ignore_errors=True)
    stats: dict[str, float] = {}
    parent, children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    batch = run_certificate_batch(
        stats=stats,
        actor=system_user(),
        tax_year=2026,
        issue_date=dt.date(2026, 10, 15),
        storage=LocalDirectoryStorage(files),
        workers=args.workers,
        chunk_size=args.chunk_size,
        vendor_prints=vendor_prints,
    )
    stats["seconds"] = time.perf_counter() - start
    stats["parent_cpu_seconds"] = cpu_seconds(resource.RUSAGE_SELF) - parent
    stats["worker_cpu_seconds"] = cpu_seconds(resource.RUSAGE_CHILDREN) - children
    stats["documents"] = batch.documents_issued
    stats["certificates"] = batch.certificates_written
    stats["excluded"] = batch.excluded
    stats["skipped"] = batch.skipped
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="既定: var/bench/ のSQLite")
    parser.add_argument("--build-only", action="store_true", help="データを作るだけ(バッチは実行しない)")
    parser.add_argument("--only", choices=["vendor", "pdf"], default=None, help="片方の実行だけ測る(既定: 両方)")
    args = parser.parse_args()

    bench_dir = setup_django(args.policies, args.database_url)
    t0 = time.perf_counter()
    source = build_data(args.policies, args.seed)
    emit("data_setup_seconds", round(time.perf_counter() - t0, 2), "s", source=source)
    if args.build_only:
        return

    if args.only != "pdf":
        vendor_run(args, bench_dir)
    if args.only != "vendor":
        pdf_run(args, bench_dir)
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # ru_maxrss covers the whole process: with freshly built data it includes demo_data; run twice
    # (the second run reuses the database) for the batches' own peak.
    emit("peak_memory_parent_mb", round(parent_mb, 1), "MiB", data=source)
    emit("peak_memory_worker_mb", round(worker_mb, 1), "MiB", data=source)


def vendor_run(args: argparse.Namespace, bench_dir: Path) -> None:
    """Records for every contract + the vendor's data files (the timed target), then e-delivery PDFs."""
    data = run_batch(args, bench_dir, vendor_prints=True)
    electronic_seconds = data["seconds"] - data["records_stage_seconds"]
    emit(
        "certificate_batch_seconds",
        round(data["records_stage_seconds"], 2),
        "s",
        policies=args.policies,
        workers=args.workers,
        note="vendor data: certificate rows of every contract, mailed documents, vendor data files",
        parent_cpu_seconds=round(data["records_stage_cpu_seconds"], 2),
        certificates=int(data["certificates"]),
        excluded=int(data["excluded"]),
        skipped=int(data["skipped"]),
    )
    emit("policies_per_second", round(args.policies / data["records_stage_seconds"], 1), "policies/s")
    emit(
        "certificate_vendor_run_seconds",
        round(data["seconds"], 2),
        "s",
        note="the whole vendor-data run: records stage, then the electronic PDFs drawn from the rows",
        electronic_stage_seconds=round(electronic_seconds, 2),
        documents=int(data["documents"]),
        **{k: round(data[k], 2) for k in ("select_seconds", "plan_seconds", "wait_seconds", "register_seconds")},
    )
    # CPU seconds do not depend on how busy the shared machine is.
    emit(
        "certificate_records_cpu_seconds",
        round(data["parent_cpu_seconds"], 2),
        "s",
        note="parent process of the vendor-data run (read, compute, register; electronic stage included)",
        worker_cpu_seconds=round(data["worker_cpu_seconds"], 2),
    )


def pdf_run(args: argparse.Namespace, bench_dir: Path) -> None:
    """Print files (one font subset per 500 holders) plus single electronic PDFs."""
    pdf = run_batch(args, bench_dir, vendor_prints=False)
    emit(
        "certificate_pdfs_per_second",
        round(pdf["documents"] / pdf["seconds"], 1),
        "certificates/s",
        seconds=round(pdf["seconds"], 2),
        documents=int(pdf["documents"]),
        certificates=int(pdf["certificates"]),
        skipped=int(pdf["skipped"]),
    )
    emit(
        "certificate_pdf_run_timing",
        round(pdf["seconds"], 2),
        "s",
        **{k: round(pdf[k], 2) for k in ("select_seconds", "plan_seconds", "wait_seconds", "register_seconds")},
        parent_cpu_seconds=round(pdf["parent_cpu_seconds"], 2),
    )
    emit(
        "certificate_pdfs_per_worker_cpu_second",
        round(pdf["documents"] / pdf["worker_cpu_seconds"], 1) if pdf["worker_cpu_seconds"] else 0,
        "certificates/s",
        worker_cpu_seconds=round(pdf["worker_cpu_seconds"], 2),
    )


if __name__ == "__main__":
    main()
