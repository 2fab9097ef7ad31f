"""Load demo data: the organization through the ORM, then customers in chunks through bulk inserts.

Memory stays bounded: each chunk of customers (default 2,000, about 70,000 rows) is generated,
written in one transaction and dropped before the next. Loading again adds more customers (drawn
from the seed and the number of customers already there, so they are new people); a database that
holds customers but no demo data is refused.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.db.models import Max

from tsunagu.cases.models import CaseNumberSequence
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.core.services import system_user
from tsunagu.customers.models import Customer
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Claim, Policy

from .generator import Chunk, Generator, Ids
from .operations.access_log import AccessLogResult, demo_access_log_load
from .operations.analytics import AnalyticsResult, demo_analytics_load, demo_models_load
from .operations.breaches import demo_breaches_load
from .operations.cases import OperationsResult, demo_operations_load
from .operations.data_subject_requests import demo_requests_load
from .operations.identity import IdentityResult, demo_identity_load
from .operations.kpis import KpisResult, demo_kpis_load
from .operations.practice import demo_practice_load
from .operations.registers import demo_registers_load
from .operations.retention import demo_holds_load
from .operations.surveys import SurveysResult, demo_surveys_load
from .operations.voice import VoiceResult, demo_voice_load
from .org import ensure_org
from .tables import EXPLICIT_ID_MODELS, specs
from .writer import BulkWriter, analyze, reset_sequences

DEMO_ACTION = AuditAction.DEMO_LOAD
HISTORY_REASON = "デモデータ投入"
SEARCH_INDEX_COMMAND = "rebuild_search_index"
DEFAULT_CHUNK_SIZE = 2_000


class DemoDataRefused(Exception):
    """Loading was refused; the message says why, in Japanese."""


@dataclass
class LoadResult:
    customers: int
    seed: int
    as_of: dt.date
    existing_customers: int
    counts: dict[str, int] = field(default_factory=dict)  # rows per table, history rows included
    setup_seconds: float = 0.0  # organization, products and demo users (password hashing dominates)
    generate_seconds: float = 0.0
    write_seconds: float = 0.0
    finish_seconds: float = 0.0  # sequences, audit event, planner statistics
    search_index_seconds: float | None = None  # None: no search index command to run
    identity: IdentityResult | None = None  # 名寄せ sources, match run, review pairs
    access_log: AccessLogResult | None = None  # 90 days of the demo users' reads
    identity_seconds: float = 0.0
    access_log_seconds: float = 0.0
    operations: OperationsResult | None = None  # cases of the demo year, issued documents, FAQ
    operations_seconds: float = 0.0
    surveys: SurveysResult | None = None  # surveys and two years of answers (with their invitations)
    voice: VoiceResult | None = None  # お客様の声, 回覧 and improvements of two years
    kpis: KpisResult | None = None  # KPI targets of four fiscal years and the monthly counts
    analytics: AnalyticsResult | None = None  # target lists with control groups and the agencies' results
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


ProgressCallback = Callable[[int, int], None]  # (customers written so far, rows written so far)


def _next_ids() -> Ids:
    def next_id(model: type[Customer] | type[Policy] | type[Claim] | type[Interaction]) -> int:
        return (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1

    return Ids(
        customer=next_id(Customer),
        policy=next_id(Policy),
        claim=next_id(Claim),
        interaction=next_id(Interaction),
        claim_numbers=dict(CaseNumberSequence.objects.values_list("year", "last")),
    )


def _move_claim_sequences(claim_numbers: dict[int, int]) -> None:
    """A claim registered later is numbered "J" + its case's number: the case numbering sequence
    moves past the demo's 事故番号 of each year, so a new claim never collides with a demo one."""
    for year, last in claim_numbers.items():
        sequence, _ = CaseNumberSequence.objects.get_or_create(year=year, defaults={"last": last})
        if sequence.last < last:
            sequence.last = last
            sequence.save(update_fields=["last"])


def _tune_connection() -> None:
    """Bigger page cache for index maintenance while loading (connection-scoped, SQLite only)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-262144")


def _write_chunk(writer: BulkWriter, chunk: Chunk, counts: dict[str, int]) -> None:
    with transaction.atomic():
        for name, spec in specs().items():
            rows = chunk.rows.get(name, [])
            history_dates = (
                chunk.customer_history_dates
                if name == "customers"
                else chunk.policy_history_dates
                if name == "policies"
                else []
            )
            writer.insert(spec, rows, history_dates=history_dates)
            counts[name] = counts.get(name, 0) + len(rows)
            if history_dates:
                counts[f"{name}_history"] = counts.get(f"{name}_history", 0) + len(history_dates)


def _generate(generator: Generator, size: int) -> Chunk:
    """One chunk with the cyclic garbage collector paused: the rows are acyclic tuples, and the
    collector's passes over them cost about 6% of the generation time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return generator.chunk(size)
    finally:
        if enabled:
            gc.enable()


def demo_data_load(
    *,
    customers: int,
    seed: int,
    as_of: dt.date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    search_index: bool = True,
    on_progress: ProgressCallback | None = None,
) -> LoadResult:
    started = time.perf_counter()
    existing = Customer.objects.count()
    if existing and not AuditEvent.objects.filter(action=DEMO_ACTION).exists():
        raise DemoDataRefused(
            f"このデータベースにはデモデータ以外の顧客が {existing:,} 件登録されているため、デモデータは投入しません。"
            "空のデータベースを指定してください(DATABASE_URL)。"
        )
    actor = system_user()
    with transaction.atomic():
        org = ensure_org(actor, existing + customers)
    result = LoadResult(customers=customers, seed=seed, as_of=as_of, existing_customers=existing)
    result.setup_seconds = time.perf_counter() - started
    generator = Generator(seed=f"tsunagu-demo:{seed}:{existing}", as_of=as_of, org=org, ids=_next_ids())
    writer = BulkWriter(history_user_id=actor.pk, history_reason=HISTORY_REASON)
    _tune_connection()
    # Generating and writing run one after the other on purpose: a generator thread was measured
    # 35% slower in total (GIL convoy with sqlite3's executemany), see docs/demo-data.md.
    done = 0
    while done < customers:
        size = min(chunk_size, customers - done)
        t0 = time.perf_counter()
        chunk = _generate(generator, size)
        t1 = time.perf_counter()
        _write_chunk(writer, chunk, result.counts)
        result.generate_seconds += t1 - t0
        result.write_seconds += time.perf_counter() - t1
        done += size
        if on_progress is not None:
            on_progress(done, writer.rows_written)
    t0 = time.perf_counter()
    with transaction.atomic():
        reset_sequences(EXPLICIT_ID_MODELS)
        _move_claim_sequences(generator.ids.claim_numbers)
        record_event(
            actor=actor,
            action=DEMO_ACTION,
            target=actor,
            summary=f"デモデータを投入した(顧客 {customers:,} 件、シード {seed})",
            data={"customers": customers, "seed": seed, "as_of": as_of.isoformat(), "rows": writer.rows_written},
        )
    analyze([spec.table for spec in specs().values()])
    result.finish_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    result.operations = demo_operations_load(seed=seed, as_of=as_of, existing_customers=existing, org=org, actor=actor)
    result.operations_seconds = time.perf_counter() - t0
    result.surveys = demo_surveys_load(
        seed=seed,
        as_of=as_of,
        existing_customers=existing,
        owner=org.users.get("complaints", actor),
        actor=actor,
        users=org.users,
    )
    result.voice = demo_voice_load(seed=seed, as_of=as_of, existing_customers=existing, actor=actor, users=org.users)
    demo_practice_load(seed=seed, as_of=as_of, actor=actor)  # before the KPIs, which count its records
    result.kpis = demo_kpis_load(as_of=as_of, actor=actor)
    result.analytics = demo_analytics_load(seed=seed, as_of=as_of, users=org.users)
    t0 = time.perf_counter()
    result.identity = demo_identity_load(
        actor=org.users.get("steward", actor), seed=seed, as_of=as_of, existing_customers=existing
    )
    result.identity_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    result.access_log = demo_access_log_load(users=org.users, seed=seed, as_of=as_of)
    result.access_log_seconds = time.perf_counter() - t0
    demo_breaches_load(access_log=result.access_log, users=org.users, as_of=as_of)
    demo_requests_load(users=org.users, as_of=as_of)
    demo_registers_load(users=org.users, as_of=as_of)
    demo_holds_load(users=org.users, as_of=as_of)
    demo_models_load(as_of=as_of, users=org.users)  # last: the models learn from everything above
    if search_index and SEARCH_INDEX_COMMAND in get_commands():
        t0 = time.perf_counter()
        call_command(SEARCH_INDEX_COMMAND)
        result.search_index_seconds = time.perf_counter() - t0
    result.seconds = time.perf_counter() - started
    return result
