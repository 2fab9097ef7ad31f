"""The annual deduction-certificate batch (地震保険料控除証明書), normally run in October.

Work goes in chunks of policyholders. For each chunk the parent reads the data and computes the
amounts; a worker process draws one print file (all the chunk's mailed certificates, one font
subset) plus the vendor data file and the single PDFs for electronic delivery; the parent then
registers documents and certificate rows in one transaction. Holders already holding a current
certificate for the year are skipped, so a re-run or a run after a crash issues no duplicate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AuditEvent, User
from tsunagu.customers.choices import ContactChannel, CustomerKind
from tsunagu.customers.models import Address, Customer
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Coverage, Policy, PremiumPayment

from . import bulk
from . import deduction as d
from .certificate_data import PAYMENT_MODE_BY_FREQUENCY, ContractFacts, PaymentFact, contract_certificate
from .choices import (
    BatchStatus,
    CertificateCategory,
    CertificatePaymentMode,
    CertificateStatus,
    DeliveryChannel,
    DocumentStatus,
    DocumentType,
)
from .config import font_dir, get_storage, insurer_name
from .fonts import describe_missing, register_font
from .formatting import short_date, wareki_date
from .models import DeductionCertificate, Document, DocumentBatch
from .pdf import CertificateLine, CertificateSheet
from .printing import PrintJob, PrintResult, run_print_job
from .storage import DocumentStorage

CATEGORY_CODES = {d.Category.EARTHQUAKE: "1", d.Category.OLD_LONG_TERM: "2"}
INSURED_OBJECT_CODES = {"building": "1", "contents": "2", "both": "3"}
ELECTRONIC_CHANNELS = {ContactChannel.EMAIL, ContactChannel.WEB}
ProgressFn = Callable[[int, int], None]


def certificate_number(tax_year: int, customer: Customer, version: int) -> str:
    return f"JC{tax_year}-{customer.number}-{version:02d}"


def _candidate_policies(tax_year: int) -> Q:
    start, end = dt.date(tax_year, 1, 1), dt.date(tax_year, 12, 31)
    old_long_term = Q(
        has_maturity_refund=True,
        contract_date__lte=d.OLD_LONG_TERM_CUTOFF,
        inception__lte=d.OLD_LONG_TERM_CUTOFF,
        term_years__gte=10,
    )
    return (
        Q(inception__lte=end, expiry__gte=start)
        & ~Q(status=PolicyStatus.VOIDED)
        & (Q(pk__in=Coverage.objects.filter(is_earthquake=True).values("policy_id")) | old_long_term)
    )


@dataclass
class Skipped:
    customer_number: str
    policy_number: str
    reason: str


@dataclass
class ChunkPlan:
    """What one chunk will register once its files are written."""

    documents: list[Document] = field(default_factory=list)
    certificates: list[tuple[str | None, DeductionCertificate]] = field(default_factory=list)  # (doc number, row)
    job: PrintJob | None = None
    skipped: list[Skipped] = field(default_factory=list)
    holders: int = 0


@dataclass(frozen=True)
class ReissueMode:
    """A single holder's certificate issued again: every category, next versions, old ones superseded."""

    note: str  # printed beside the title, e.g. 再発行(1回目) or 訂正版
    channel: str | None = None  # None: the customer's preferred channel
    document_note: str = ""


@dataclass
class BatchOptions:
    tax_year: int
    issue_date: dt.date
    storage: DocumentStorage
    chunk_size: int = 500
    workers: int = 2
    rules: d.DeductionRules = d.DEFAULT_RULES


def _facts_for(policies: list[Policy], tax_year: int) -> dict[int, ContractFacts]:
    ids = [p.pk for p in policies]
    quake = dict(
        Coverage.objects.filter(policy_id__in=ids, is_earthquake=True)
        .values("policy_id")
        .annotate(total=Sum("premium"))
        .values_list("policy_id", "total")
    )
    payments: dict[int, list[PaymentFact]] = defaultdict(list)
    rows = PremiumPayment.objects.filter(
        policy_id__in=ids, paid_on__gte=dt.date(tax_year - 10, 1, 1), paid_on__lte=dt.date(tax_year, 12, 31)
    ).values_list("policy_id", "paid_on", "amount", "earthquake_portion", "period_from", "period_to")
    for policy_id, paid_on, amount, quake_portion, period_from, period_to in rows:
        payments[policy_id].append(PaymentFact(paid_on, amount, quake_portion, period_from, period_to))
    return {
        p.pk: ContractFacts(
            policy_id=p.pk,
            number=p.number,
            holder_is_individual=p.policyholder.kind == CustomerKind.INDIVIDUAL,
            payment_method=p.payment_method,
            payment_frequency=p.payment_frequency,
            status=p.status,
            contract_date=p.contract_date,
            inception=p.inception,
            expiry=p.expiry,
            term_years=p.term_years,
            has_maturity_refund=p.has_maturity_refund,
            last_changed_on=p.last_changed_on,
            earthquake_annual_premium=quake.get(p.pk) or 0,
            payments=tuple(sorted(payments.get(p.pk, []), key=lambda x: x.paid_on)),
        )
        for p in policies
    }


def plan_chunk(
    holder_ids: list[int],
    opts: BatchOptions,
    batch: DocumentBatch | None,
    actor: User,
    *,
    reissue: ReissueMode | None = None,
) -> ChunkPlan:
    """Read one chunk of policyholders and decide every row and file it will produce."""
    plan = ChunkPlan(holders=len(holder_ids))
    policies = list(
        Policy.objects.filter(_candidate_policies(opts.tax_year), policyholder_id__in=holder_ids)
        .select_related("product", "building", "policyholder")
        .order_by("policyholder_id", "id")
    )
    facts = _facts_for(policies, opts.tax_year)
    addresses: dict[int, Address] = {}
    for found in Address.objects.filter(customer_id__in=holder_ids).order_by("customer_id", "-is_primary", "id"):
        addresses.setdefault(found.customer_id, found)
    current = set(
        DeductionCertificate.objects.filter(policy__in=[p.pk for p in policies], tax_year=opts.tax_year)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .values_list("policy_id", "category")
    )
    row_versions: dict[tuple[int, str], int] = {}
    if reissue is not None:
        current = set()
        row_versions = {
            (policy_id, category): v
            for policy_id, category, v in DeductionCertificate.objects.filter(
                policy__in=[p.pk for p in policies], tax_year=opts.tax_year
            )
            .values("policy_id", "category")
            .annotate(v=Max("version"))
            .values_list("policy_id", "category", "v")
        }
    versions = dict(
        Document.objects.filter(
            doc_type=DocumentType.DEDUCTION_CERTIFICATE, customer_id__in=holder_ids, tax_year=opts.tax_year
        )
        .values("customer_id")
        .annotate(v=Max("version"))
        .values_list("customer_id", "v")
    )
    font = register_font(font_dir())
    issue_text = wareki_date(opts.issue_date)
    by_holder: dict[int, list[Policy]] = defaultdict(list)
    for policy in policies:
        by_holder[policy.policyholder_id].append(policy)
    post: list[CertificateSheet] = []
    electronic: list[tuple[str, CertificateSheet]] = []
    now = timezone.now()
    for holder_id, holder_policies in by_holder.items():
        holder = holder_policies[0].policyholder
        lines: list[CertificateLine] = []
        rows: list[DeductionCertificate] = []
        for policy in holder_policies:
            result = contract_certificate(facts[policy.pk], tax_year=opts.tax_year, issue_date=opts.issue_date)
            if result.skip_reason:
                plan.skipped.append(Skipped(holder.number, policy.number, result.skip_reason))
                continue
            building = getattr(policy, "building", None)
            for amounts in result.amounts:
                if (policy.pk, amounts.category.value) in current:
                    continue
                row = DeductionCertificate(
                    policy=policy,
                    customer=holder,
                    tax_year=opts.tax_year,
                    category=amounts.category.value,
                    status=CertificateStatus.EXCLUDED if result.exclusion else CertificateStatus.ISSUED,
                    excluded=result.exclusion is not None,
                    exclusion_reason=result.exclusion.value if result.exclusion else "",
                    issue_date=opts.issue_date,
                    certified_amount=amounts.certified,
                    declared_amount=amounts.declared,
                    product_name=policy.product.name,
                    insured_object=building.insured_object if building else "",
                    location=building.location if building else "",
                    period_start=policy.inception,
                    period_end=policy.expiry,
                    payment_mode=PAYMENT_MODE_BY_FREQUENCY.get(policy.payment_frequency, CertificatePaymentMode.OTHER),
                    version=row_versions.get((policy.pk, amounts.category.value), 0) + 1,
                    batch=batch,
                )
                if result.exclusion:
                    plan.certificates.append((None, row))
                    continue
                rows.append(row)
                lines.append(_line(row, policy.number))
        if not rows:
            continue
        address = addresses.get(holder_id)
        if address is None:
            plan.skipped.append(Skipped(holder.number, "", "契約者の住所が登録されていません"))
            continue
        version = (versions.get(holder_id) or 0) + 1
        number = certificate_number(opts.tax_year, holder, version)
        full_address = f"{address.prefecture}{address.city}{address.street} {address.building}".strip()
        sheet = CertificateSheet(
            document_number=number,
            tax_year=opts.tax_year,
            issue_date_text=issue_text,
            holder_name=holder.name,
            postal_code=f"{address.postal_code[:3]}-{address.postal_code[3:]}",
            address=full_address,
            insurer_name=insurer_name(),
            lines=tuple(lines),
            reissue_note=reissue.note if reissue else (f"再発行({version - 1}回目)" if version > 1 else ""),
        )
        missing = [c for text in sheet.texts() for c in font.missing(text)]
        if missing:
            reason = f"フォントにない文字があるため印刷できません: {describe_missing(list(dict.fromkeys(missing)))}"
            plan.skipped.append(Skipped(holder.number, "", reason))
            continue
        channel = (
            DeliveryChannel.ELECTRONIC if holder.preferred_channel in ELECTRONIC_CHANNELS else DeliveryChannel.POST
        )
        if reissue is not None and reissue.channel:
            channel = DeliveryChannel(reissue.channel)
        key = f"deduction/{opts.tax_year}/electronic/{number}.pdf"
        if reissue is not None:  # a unique key: a concurrent attempt can never overwrite a registered file
            key = f"deduction/{opts.tax_year}/reissue/{number}-{uuid.uuid4().hex[:8]}.pdf"
        document = Document(
            number=number,
            doc_type=DocumentType.DEDUCTION_CERTIFICATE,
            status=DocumentStatus.ISSUED,
            customer=holder,
            tax_year=opts.tax_year,
            version=version,
            issued_by=actor,
            issued_at=now,
            delivery_channel=channel,
            delivery_name=holder.name,
            delivery_postal_code=address.postal_code,
            delivery_address=full_address,
            storage_backend=opts.storage.name,
            storage_key=key if channel == DeliveryChannel.ELECTRONIC else "",
            page_count=sheet.page_count,
            batch=batch,
            note=reissue.document_note if reissue else "",
        )
        plan.documents.append(document)
        plan.certificates.extend((number, row) for row in rows)
        if channel == DeliveryChannel.ELECTRONIC:
            electronic.append((key, sheet))
        else:
            post.append(sheet)
    if post or electronic:
        if batch is not None:
            base = f"deduction/{opts.tax_year}/print/batch{batch.pk:06d}-{holder_ids[0]:010d}"
        else:
            base = f"deduction/{opts.tax_year}/reissue/print-{holder_ids[0]:010d}-{uuid.uuid4().hex[:8]}"
        plan.job = PrintJob(
            storage=opts.storage,
            font_dir=font_dir(),
            tax_year=opts.tax_year,
            issue_date=opts.issue_date,
            print_key=f"{base}.pdf",
            data_key=f"{base}.csv",
            post=tuple(post),
            electronic=tuple(electronic),
        )
    return plan


def _line(row: DeductionCertificate, policy_number: str) -> CertificateLine:
    return CertificateLine(
        policy_number=policy_number,
        product_name=row.product_name,
        insured_object=row.get_insured_object_display() if row.insured_object else "その他",
        location=row.location,
        period=f"{short_date(row.period_start)} 〜 {short_date(row.period_end)}",
        payment_mode=row.get_payment_mode_display(),
        category=CertificateCategory(row.category).label,
        certified=row.certified_amount,
        declared=row.declared_amount,
        category_code=CATEGORY_CODES[d.Category(row.category)],
        payment_mode_code=row.payment_mode,
        insured_object_code=INSURED_OBJECT_CODES.get(row.insured_object, "4"),
    )


def register_chunk(plan: ChunkPlan, result: PrintResult | None, batch: DocumentBatch | None, actor: User) -> int:
    """Register the chunk's documents and certificate rows in one transaction, after the files exist."""
    with transaction.atomic():
        for document in plan.documents:
            if document.delivery_channel == DeliveryChannel.ELECTRONIC:
                stored = result.electronic[document.number] if result else None
                document.page = None
            else:
                stored = result.print_file if result else None
                document.storage_key = stored.key if stored else ""
                document.page = result.pages[document.number][0] if result else None
            if stored is None:
                raise RuntimeError(f"帳票ファイルが作成されていません: {document.number}")
            document.sha256, document.size_bytes = stored.sha256, stored.size
        bulk.insert(plan.documents, key="number")
        bulk.insert_history(plan.documents, user_id=actor.pk)
        by_number = {doc.number: doc for doc in plan.documents}
        rows = []
        for number, row in plan.certificates:
            row.document = by_number[number] if number else None
            rows.append(row)
        DeductionCertificate.objects.bulk_create(rows)
        bulk.insert_history(rows, user_id=actor.pk)
        bulk.insert(
            [
                AuditEvent(
                    actor=actor,
                    action="document.issue_deduction_certificate",
                    target_type=Document._meta.label_lower,
                    target_id=str(doc.pk),
                    summary=f"地震保険料控除証明書 {doc.number} を発行した({doc.get_delivery_channel_display()})",
                    data={"batch": batch.pk if batch else None, "tax_year": doc.tax_year, "version": doc.version},
                )
                for doc in plan.documents
            ]
        )
        if plan.documents:
            log_access(
                user=actor,
                customer_ids=[doc.customer_id for doc in plan.documents],
                purpose=AccessPurpose.COMMAND,
                screen="deduction_certificates",
                detail={"batch": batch.pk if batch else None, "purpose": "地震保険料控除証明書の作成"},
            )
        if batch is not None:
            DocumentBatch.objects.filter(pk=batch.pk).update(
                documents_issued=F("documents_issued") + len(plan.documents),
                certificates_written=F("certificates_written") + sum(1 for _, r in plan.certificates if not r.excluded),
                excluded=F("excluded") + sum(1 for _, r in plan.certificates if r.excluded),
                skipped=F("skipped") + len(plan.skipped),
                processed=F("processed") + plan.holders,
            )
    return len(plan.documents)


def pending_holders(tax_year: int) -> list[int]:
    """Policyholders with a candidate contract and no current certificate document for the year."""
    done = Document.objects.filter(
        doc_type=DocumentType.DEDUCTION_CERTIFICATE, tax_year=tax_year, status=DocumentStatus.ISSUED
    ).values("customer_id")
    return list(
        Policy.objects.filter(_candidate_policies(tax_year))
        .exclude(policyholder_id__in=done)
        .order_by("policyholder_id")
        .values_list("policyholder_id", flat=True)
        .distinct()
    )


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_certificate_batch(
    *,
    actor: User,
    tax_year: int,
    issue_date: dt.date | None = None,
    storage: DocumentStorage | None = None,
    workers: int = 2,
    chunk_size: int = 500,
    progress: ProgressFn | None = None,
    stats: dict[str, float] | None = None,
) -> DocumentBatch:
    """Run (or resume) the batch for `tax_year`; returns the batch row with its counts.

    `stats`, when given, receives the parent's seconds spent planning (read + compute), waiting for
    the PDF workers and registering (the benchmark reports them)."""
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
    )
    register_font(font_dir())  # make the font once, before workers start
    batch = DocumentBatch.objects.create(
        kind=DocumentType.DEDUCTION_CERTIFICATE, tax_year=tax_year, issue_date=opts.issue_date, started_by=actor
    )
    record_event(
        actor=actor,
        action="document.certificate_batch_start",
        target=batch,
        summary=f"{tax_year}年分 地震保険料控除証明書の一括発行を開始した",
    )
    started = time.perf_counter()
    holders = pending_holders(tax_year)
    timing["select_seconds"] += time.perf_counter() - started
    total = len(holders)
    DocumentBatch.objects.filter(pk=batch.pk).update(total=total)
    skipped: list[Skipped] = []
    try:
        if workers > 0:
            # "spawn": workers start clean (no copy of the parent's database connections) and need no Django.
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                in_flight: list[tuple[ChunkPlan, Future[PrintResult] | None]] = []
                for ids in _chunks(holders, chunk_size):
                    started = time.perf_counter()
                    plan = plan_chunk(ids, opts, batch, actor)
                    timing["plan_seconds"] += time.perf_counter() - started
                    in_flight.append((plan, pool.submit(run_print_job, plan.job) if plan.job else None))
                    while len(in_flight) > workers:
                        _finish(in_flight.pop(0), batch, actor, skipped, total, progress, timing=timing)
                while in_flight:
                    _finish(in_flight.pop(0), batch, actor, skipped, total, progress, timing=timing)
        else:
            for ids in _chunks(holders, chunk_size):
                started = time.perf_counter()
                plan = plan_chunk(ids, opts, batch, actor)
                timing["plan_seconds"] += time.perf_counter() - started
                _finish((plan, None), batch, actor, skipped, total, progress, inline=True, timing=timing)
    except BaseException as exc:
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    batch.refresh_from_db()
    if skipped:
        batch.exceptions_key = _write_exceptions(opts, batch, skipped)
    batch.status, batch.finished_at = BatchStatus.COMPLETED, timezone.now()
    batch.save(update_fields=["exceptions_key", "status", "finished_at"])
    record_event(
        actor=actor,
        action="document.certificate_batch_complete",
        target=batch,
        summary=f"{tax_year}年分 地震保険料控除証明書を{batch.documents_issued:,}件発行した(例外 {batch.skipped:,}件)",
    )
    return batch


def _finish(
    item: tuple[ChunkPlan, Future[PrintResult] | None],
    batch: DocumentBatch,
    actor: User,
    skipped: list[Skipped],
    total: int,
    progress: ProgressFn | None,
    *,
    inline: bool = False,
    timing: dict[str, float],
) -> None:
    plan, future = item
    started = time.perf_counter()
    if inline and plan.job is not None:
        result: PrintResult | None = run_print_job(plan.job)
    else:
        result = future.result() if future is not None else None
    registered = time.perf_counter()
    timing["wait_seconds"] += registered - started
    register_chunk(plan, result, batch, actor)
    timing["register_seconds"] += time.perf_counter() - registered
    skipped.extend(plan.skipped)
    if progress is not None:
        progress(plan.holders, total)


def _write_exceptions(opts: BatchOptions, batch: DocumentBatch, skipped: list[Skipped]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["顧客番号", "証券番号", "理由"])
    for item in skipped:
        writer.writerow([item.customer_number, item.policy_number, item.reason])
    key = f"deduction/{opts.tax_year}/reports/batch{batch.pk:06d}-exceptions.csv"
    opts.storage.put(key, out.getvalue().encode("utf-8"))
    return key
