"""Worker processes of the certificate batch: up to `workers` chunks drawn (and, for long batches,
planned) in spawned processes while the parent selects and registers each chunk in order."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from django.conf import settings
from django.db import connection

from tsunagu.core.jobs import Job
from tsunagu.core.models import User

from ..models import DocumentBatch
from ..printing import PrintResult, run_print_job
from ..worker import django_worker
from .exceptions import Skipped
from .records import BatchOptions, ChunkPlan
from .registration import register_chunk


def timed(chunks: Iterator[list[int]], timing: dict[str, float]) -> Iterator[list[int]]:
    while True:
        started = time.perf_counter()
        ids = next(chunks, None)
        timing["select_seconds"] += time.perf_counter() - started
        if ids is None:
            return
        yield ids


def workers_can_plan() -> bool:
    """Worker processes read the database themselves only where they see what the parent sees:
    outside a transaction (tests run inside one) and on a database another process can open."""
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    return not connection.in_atomic_block and not in_memory


def plan_and_print(
    planner: Planner, holder_ids: list[int], opts: BatchOptions, batch: DocumentBatch, actor: User
) -> tuple[ChunkPlan, PrintResult | None]:
    """One chunk planned and its files written, in a worker; the parent only registers it."""
    plan = planner(holder_ids, opts, batch, actor)
    return plan, (run_print_job(plan.job) if plan.job else None)


@contextlib.contextmanager
def worker_pool(workers: int, *, planning: bool) -> Iterator[ProcessPoolExecutor | None]:
    if workers <= 0:
        yield None
        return
    # "spawn": workers start clean (no copy of the parent's database connections). Drawing workers
    # need no Django; planning workers set it up on the parent's database.
    initializer: dict[str, Any] = {}
    if planning:
        initializer = {
            "initializer": django_worker,
            "initargs": (settings.SETTINGS_MODULE, dict(connection.settings_dict)),
        }
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), **initializer) as pool:
        yield pool


Planner = Callable[[list[int], BatchOptions, DocumentBatch | None, User], ChunkPlan]
# A chunk being drawn: (plan, print job) when the parent planned it, (None, plan and print) when a worker did.
InFlight = tuple[ChunkPlan | None, "Future[Any] | None"]


def run_stage(
    chunks: Iterator[list[int]],
    planner: Planner,
    opts: BatchOptions,
    batch: DocumentBatch,
    actor: User,
    pool: ProcessPoolExecutor | None,
    skipped: list[Skipped],
    job: Job,
    timing: dict[str, float],
    *,
    planning: bool = False,
) -> None:
    """Plan chunks (in the parent, or with `planning` in the workers) while up to `workers` chunks
    are drawn; register each in order, in the parent."""
    in_flight: list[InFlight] = []
    for ids in chunks:
        if pool is not None and planning:
            in_flight.append((None, pool.submit(plan_and_print, planner, ids, opts, batch, actor)))
        else:
            started = time.perf_counter()
            plan = planner(ids, opts, batch, actor)
            timing["plan_seconds"] += time.perf_counter() - started
            if pool is None:
                _finish((plan, None), batch, actor, skipped, job, inline=True, timing=timing)
                continue
            in_flight.append((plan, pool.submit(run_print_job, plan.job) if plan.job else None))
        while len(in_flight) > opts.workers:
            _finish(in_flight.pop(0), batch, actor, skipped, job, timing=timing)
    while in_flight:
        _finish(in_flight.pop(0), batch, actor, skipped, job, timing=timing)


def _finish(
    item: InFlight,
    batch: DocumentBatch,
    actor: User,
    skipped: list[Skipped],
    job: Job,
    *,
    inline: bool = False,
    timing: dict[str, float],
) -> None:
    planned, future = item
    started = time.perf_counter()
    result: PrintResult | None
    if planned is None:  # planned and drawn by a worker
        assert future is not None
        plan, result = future.result()
    else:
        plan = planned
        if inline and plan.job is not None:
            result = run_print_job(plan.job)
        else:
            result = future.result() if future is not None else None
    registered = time.perf_counter()
    timing["wait_seconds"] += registered - started
    register_chunk(plan, result, batch, actor)
    timing["register_seconds"] += time.perf_counter() - registered
    skipped.extend(plan.skipped)
    job.advance(plan.holders)
