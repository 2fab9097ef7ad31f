"""The annual deduction-certificate batch (地震保険料控除証明書), normally run in October.

Work goes in chunks of policyholders, stage by stage (modules of this package):
selection (pending holders, facts) → rendering (amounts, sheets: `plan_chunk`) → drawing in worker
processes (`processes`) → registration in one transaction per chunk (`registration`) → the
exceptions report (`exceptions`). The job's lifecycle (start, progress, failure, completion, audit)
is `tsunagu.core.jobs.Job` on the `DocumentBatch` row. Holders already holding a current
certificate for the year are skipped, so a re-run or a run after a crash issues no duplicate.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from tsunagu.core.choices import AuditAction
from tsunagu.core.jobs import Job, ProgressFn
from tsunagu.core.models import User

from .. import deduction as d
from ..choices import DocumentType
from ..config import font_dir, get_storage
from ..fonts import register_font
from ..models import DocumentBatch
from ..storage import DocumentStorage
from .exceptions import Skipped, write_exceptions
from .processes import run_stage, timed, worker_pool, workers_can_plan
from .records import ELECTRONIC_CHUNK, PLAN_IN_WORKERS_FROM, BatchOptions
from .rendering import plan_chunk, plan_electronic_chunk
from .selection import electronic_holder_chunks, pending_holder_chunks, pending_holder_count, unattached


def run_certificate_batch(
    *,
    actor: User,
    tax_year: int,
    issue_date: dt.date | None = None,
    storage: DocumentStorage | None = None,
    workers: int = 2,
    chunk_size: int = 500,
    vendor_prints: bool = False,
    plan_in_workers: bool | None = None,
    progress: ProgressFn | None = None,
    stats: dict[str, float] | None = None,
) -> DocumentBatch:
    """Run (or resume) the batch for `tax_year`; returns the batch row with its counts.

    Two stages: every holder's certificate rows with the mailed documents (print file, or with
    `vendor_prints` only the vendor's data file), then the electronic deliveries whose rows were
    recorded without a document (a vendor-data run draws them from the rows once all are recorded).
    `plan_in_workers`: None decides by the batch's size (see `processes.workers_can_plan` for when they can).
    `stats`, when given, receives the parent's seconds spent selecting, planning (read + compute),
    waiting for the workers and registering, and `records_stage_seconds` / `records_stage_cpu_seconds`
    (the benchmark reports them)."""
    timing = stats if stats is not None else {}
    for name in ("select_seconds", "plan_seconds", "wait_seconds", "register_seconds"):
        timing.setdefault(name, 0.0)
    opts = BatchOptions(
        tax_year=tax_year,
        issue_date=issue_date or timezone.localdate(),
        storage=storage or get_storage(),
        chunk_size=chunk_size,
        workers=workers,
        rules=d.rules_for(tax_year),
        vendor_prints=vendor_prints,
    )
    register_font(font_dir())  # make the font once, before workers start
    batch = DocumentBatch.objects.create(
        kind=DocumentType.DEDUCTION_CERTIFICATE, tax_year=tax_year, issue_date=opts.issue_date, started_by=actor
    )
    job = Job.start(
        batch,
        actor=actor,
        action=AuditAction.DOCUMENT_CERTIFICATE_BATCH_START,
        summary=f"{tax_year}年分 地震保険料控除証明書の一括発行を開始した"
        + ("(印刷業者向けデータ)" if vendor_prints else ""),
        progress=progress,
    )
    skipped: list[Skipped] = []
    with job.running():
        started, cpu_started = time.perf_counter(), time.process_time()
        total = pending_holder_count(tax_year)
        timing["select_seconds"] += time.perf_counter() - started
        job.set(total=total)
        # A planning worker's start-up (Django, ~2 s) pays off on long batches only.
        wanted = plan_in_workers if plan_in_workers is not None else total >= PLAN_IN_WORKERS_FROM
        planning = workers > 0 and wanted and workers_can_plan()
        timing["planned_in_workers"] = float(planning)
        with worker_pool(workers, planning=planning) as pool:
            holders = timed(pending_holder_chunks(tax_year, chunk_size), timing)
            run_stage(holders, plan_chunk, opts, batch, actor, pool, skipped, job, timing, planning=planning)
            timing["records_stage_seconds"] = time.perf_counter() - started
            timing["records_stage_cpu_seconds"] = time.process_time() - cpu_started
            remaining = unattached(tax_year).values("customer_id").distinct().count()
            if remaining:
                job.grow(remaining)
                # Small chunks: single PDFs cost the same in any grouping, and this spreads them over the workers.
                holders = timed(electronic_holder_chunks(tax_year, min(chunk_size, ELECTRONIC_CHUNK)), timing)
                stage = (plan_electronic_chunk, opts, batch, actor, pool, skipped, job, timing)
                run_stage(holders, *stage, planning=planning)
        key = f"deduction/{opts.tax_year}/reports/batch{batch.pk:06d}-exceptions.csv"
        write_exceptions(job, opts.storage, key, skipped)
    done = job.complete(
        actor=actor,
        action=AuditAction.DOCUMENT_CERTIFICATE_BATCH_COMPLETE,
        summary=lambda row: (
            f"{tax_year}年分 地震保険料控除証明書を{row.documents_issued:,}件発行した(例外 {row.skipped:,}件)"
        ),
    )
    assert isinstance(done, DocumentBatch)
    return done
