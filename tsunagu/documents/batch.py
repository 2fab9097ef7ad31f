"""The annual deduction-certificate batch (地震保険料控除証明書), normally run in October.

Work goes in chunks of policyholders. For each chunk the parent reads the data and computes the
amounts; a worker process draws one print file (all the chunk's mailed certificates, one font
subset) plus the vendor data file and the single PDFs for electronic delivery; the parent then
registers documents and certificate rows in one transaction. Holders already holding a current
certificate for the year are skipped, so a re-run or a run after a crash issues no duplicate.
"""

from __future__ import annotations

import contextlib
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
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from tsunagu.core import bulk, writes
from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AuditEvent, User
from tsunagu.customers.choices import ContactChannel, CustomerKind
from tsunagu.customers.models import Address
from tsunagu.policies.choices import InsuredObject, PolicyStatus
from tsunagu.policies.models import Coverage, Policy, PremiumPayment

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
from .worker import django_worker

CATEGORY_CODES = {d.Category.EARTHQUAKE: "1", d.Category.OLD_LONG_TERM: "2"}
INSURED_OBJECT_CODES = {"building": "1", "contents": "2", "both": "3"}
ELECTRONIC_CHANNELS = {ContactChannel.EMAIL, ContactChannel.WEB}
ProgressFn = Callable[[int, int], None]
ELECTRONIC_CHUNK = 50  # holders per chunk in the electronic stage
PLAN_IN_WORKERS_FROM = 10_000  # pending holders from which the workers also plan (`plan_in_workers=None`)


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
        & (Q(Exists(Coverage.objects.filter(policy_id=OuterRef("pk"), is_earthquake=True))) | old_long_term)
    )


@dataclass
class Skipped:
    customer_number: str
    policy_number: str
    reason: str


@dataclass(slots=True)
class DocumentRecord:
    """A `Document` row to insert (plain values; the batch never builds model instances)."""

    number: str
    customer_id: int
    tax_year: int
    version: int
    issued_by_id: int
    issued_at: dt.datetime
    delivery_channel: str
    delivery_name: str
    delivery_postal_code: str
    delivery_address: str
    storage_backend: str
    storage_key: str
    page_count: int
    batch_id: int | None
    note: str = ""
    doc_type: str = DocumentType.DEDUCTION_CERTIFICATE.value
    status: str = DocumentStatus.ISSUED.value
    page: int | None = None
    sha256: str = ""
    size_bytes: int = 0
    policy_id: int | None = None
    superseded_by_id: int | None = None
    case_id: int | None = None
    notice_for: dt.date | None = None
    id: int | None = None


@dataclass(slots=True)
class CertificateRecord:
    """A `DeductionCertificate` row to insert."""

    policy_id: int
    customer_id: int
    tax_year: int
    category: str
    status: str
    excluded: bool
    exclusion_reason: str
    issue_date: dt.date
    certified_amount: int
    declared_amount: int
    product_name: str
    insured_object: str
    location: str
    period_start: dt.date
    period_end: dt.date
    payment_mode: str
    version: int
    batch_id: int | None
    document_id: int | None = None
    created_at: dt.datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class AuditRecord:
    actor_id: int
    action: AuditAction
    target_type: str
    target_id: str
    summary: str
    data: dict[str, object]
    at: dt.datetime | None = None


@dataclass
class ChunkPlan:
    """What one chunk will register once its files are written."""

    documents: list[DocumentRecord] = field(default_factory=list)
    certificates: list[tuple[str | None, CertificateRecord]] = field(default_factory=list)  # (doc number, row)
    # Electronic stage of a vendor-data run: certificate rows already recorded, now given their document.
    attach: list[tuple[str, list[int]]] = field(default_factory=list)  # (doc number, certificate ids)
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
    # The printing vendor composes the mailed certificates from the data file (no print PDF); the
    # electronic deliveries' PDFs are drawn afterwards from the recorded rows (`issue_electronic`).
    vendor_prints: bool = False


# Columns read per candidate policy: plain tuples, one query per chunk (no model instances).
_POLICY_COLUMNS = (
    "id",
    "number",
    "policyholder_id",
    "payment_method",
    "payment_frequency",
    "status",
    "contract_date",
    "inception",
    "expiry",
    "term_years",
    "has_maturity_refund",
    "last_changed_on",
    "product__name",
    "building__insured_object",
    "building__location",
    "policyholder__kind",
    "policyholder__name",
    "policyholder__preferred_channel",
)
INSURED_OBJECT_LABELS = dict(InsuredObject.choices)
PAYMENT_MODE_LABELS = dict(CertificatePaymentMode.choices)
CATEGORY_LABELS = dict(CertificateCategory.choices)


def customer_number(customer_id: int) -> str:
    """`Customer.number` from the id alone (the same format; tests compare it with the property)."""
    return f"K{customer_id:09d}"


def _facts_for(policies: list[tuple[Any, ...]], tax_year: int) -> dict[int, ContractFacts]:
    ids = [p[0] for p in policies]
    quake = dict(
        Coverage.objects.filter(policy_id__in=ids, is_earthquake=True)
        .values("policy_id")
        .annotate(total=Sum("premium"))
        .values_list("policy_id", "total")
    )
    payments: dict[int, list[PaymentFact]] = defaultdict(list)
    rows = (
        PremiumPayment.objects.filter(
            policy_id__in=ids, paid_on__gte=dt.date(tax_year - 10, 1, 1), paid_on__lte=dt.date(tax_year, 12, 31)
        )
        .order_by("policy_id", "paid_on", "id")
        .values_list("policy_id", "paid_on", "amount", "earthquake_portion", "period_from", "period_to")
    )
    for policy_id, paid_on, amount, quake_portion, period_from, period_to in rows:
        payments[policy_id].append(PaymentFact(paid_on, amount, quake_portion, period_from, period_to))
    return {
        p[0]: ContractFacts(
            policy_id=p[0],
            number=p[1],
            holder_is_individual=p[15] == CustomerKind.INDIVIDUAL,
            payment_method=p[3],
            payment_frequency=p[4],
            status=p[5],
            contract_date=p[6],
            inception=p[7],
            expiry=p[8],
            term_years=p[9],
            has_maturity_refund=p[10],
            last_changed_on=p[11],
            earthquake_annual_premium=quake.get(p[0]) or 0,
            payments=tuple(payments.get(p[0], ())),  # ordered by paid_on in the query
        )
        for p in policies
    }


def _addresses(holder_ids: list[int]) -> dict[int, tuple[str, str, str, str, str]]:
    """Each holder's mailing address (the primary one, else the oldest)."""
    addresses: dict[int, tuple[str, str, str, str, str]] = {}
    for customer_id, *parts in (
        Address.objects.filter(customer_id__in=holder_ids)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "postal_code", "prefecture", "city", "street", "building")
    ):
        addresses.setdefault(customer_id, tuple(parts))  # type: ignore[arg-type]
    return addresses


def _document_versions(holder_ids: list[int], tax_year: int) -> dict[int, int]:
    """The latest certificate document version per holder for the year."""
    return dict(
        Document.objects.filter(
            doc_type=DocumentType.DEDUCTION_CERTIFICATE, customer_id__in=holder_ids, tax_year=tax_year
        )
        .values("customer_id")
        .annotate(v=Max("version"))
        .values_list("customer_id", "v")
    )


def plan_chunk(
    holder_ids: list[int],
    opts: BatchOptions,
    batch: DocumentBatch | None,
    actor: User,
    *,
    reissue: ReissueMode | None = None,
) -> ChunkPlan:
    """Read one chunk of policyholders and decide every row and file it will produce.

    Set-based: a handful of queries per chunk returning plain tuples; the amounts come from the pure
    rules (`certificate_data.contract_certificate`)."""
    plan = ChunkPlan(holders=len(holder_ids))
    # Chunks are ascending id pages, so a range reads them with a tiny query; holders in the range
    # but not in the chunk (done already) are dropped here.
    wanted = set(holder_ids)
    in_range = {"policyholder_id__gte": min(holder_ids), "policyholder_id__lte": max(holder_ids)}
    policies = [
        p
        for p in Policy.objects.filter(_candidate_policies(opts.tax_year), **in_range)
        .order_by("policyholder_id", "id")
        .values_list(*_POLICY_COLUMNS)
        if p[2] in wanted
    ]
    if not policies:
        return plan
    policy_ids = [p[0] for p in policies]
    facts = _facts_for(policies, opts.tax_year)
    addresses = _addresses(holder_ids)
    current: set[tuple[int, str]] = set()
    row_versions: dict[tuple[int, str], int] = {}
    if reissue is None:
        # By the policies' current holder: a row issued to an earlier holder still counts.
        current = set(
            DeductionCertificate.objects.filter(policy__in=Policy.objects.filter(**in_range), tax_year=opts.tax_year)
            .exclude(status=CertificateStatus.SUPERSEDED)
            .values_list("policy_id", "category")
        )
    else:
        row_versions = {
            (policy_id, category): v
            for policy_id, category, v in DeductionCertificate.objects.filter(
                policy_id__in=policy_ids, tax_year=opts.tax_year
            )
            .values("policy_id", "category")
            .annotate(v=Max("version"))
            .values_list("policy_id", "category", "v")
        }
    versions = _document_versions(holder_ids, opts.tax_year)
    sheets = _SheetMaker(opts, reissue)
    batch_id = batch.pk if batch is not None else None
    by_holder: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for policy in policies:
        by_holder[policy[2]].append(policy)
    now = timezone.now()
    for holder_id, holder_policies in by_holder.items():
        first = holder_policies[0]
        holder_number, holder_name, holder_channel = customer_number(holder_id), first[16], first[17]
        lines: list[CertificateLine] = []
        rows: list[CertificateRecord] = []
        for policy in holder_policies:
            policy_id, policy_number = policy[0], policy[1]
            result = contract_certificate(facts[policy_id], tax_year=opts.tax_year, issue_date=opts.issue_date)
            if result.skip_reason:
                plan.skipped.append(Skipped(holder_number, policy_number, result.skip_reason))
                continue
            has_building = policy[14] is not None
            for amounts in result.amounts:
                category = amounts.category.value
                if (policy_id, category) in current:
                    continue
                row = CertificateRecord(
                    policy_id=policy_id,
                    customer_id=holder_id,
                    tax_year=opts.tax_year,
                    category=category,
                    status=CertificateStatus.EXCLUDED.value if result.exclusion else CertificateStatus.ISSUED.value,
                    excluded=result.exclusion is not None,
                    exclusion_reason=result.exclusion.value if result.exclusion else "",
                    issue_date=opts.issue_date,
                    certified_amount=amounts.certified,
                    declared_amount=amounts.declared,
                    product_name=policy[12],
                    insured_object=policy[13] if has_building else "",
                    location=policy[14] if has_building else "",
                    period_start=policy[7],
                    period_end=policy[8],
                    payment_mode=PAYMENT_MODE_BY_FREQUENCY.get(policy[4], CertificatePaymentMode.OTHER.value),
                    version=row_versions.get((policy_id, category), 0) + 1,
                    batch_id=batch_id,
                )
                if result.exclusion:
                    plan.certificates.append((None, row))
                    continue
                rows.append(row)
                lines.append(_line(row, policy_number))
        if not rows:
            continue
        channel = DeliveryChannel.ELECTRONIC if holder_channel in ELECTRONIC_CHANNELS else DeliveryChannel.POST
        if reissue is not None and reissue.channel:
            channel = DeliveryChannel(reissue.channel)
        version = (versions.get(holder_id) or 0) + 1
        made = sheets.make(plan, holder_id, holder_name, addresses.get(holder_id), version, lines)
        if made is None:
            continue
        if opts.vendor_prints and channel == DeliveryChannel.ELECTRONIC:
            # Recorded now (checked printable above); its PDF and document come in the electronic stage.
            plan.certificates.extend((None, row) for row in rows)
            continue
        sheet, address = made
        plan.documents.append(sheets.document(sheet, version, holder_id, address, channel, batch_id, actor, now))
        plan.certificates.extend((sheet.document_number, row) for row in rows)
    plan.job = sheets.job(batch, holder_ids)
    return plan


class _SheetMaker:
    """Builds the holders' certificate sheets and document records of one chunk, and its print job."""

    def __init__(self, opts: BatchOptions, reissue: ReissueMode | None) -> None:
        self.opts, self.reissue = opts, reissue
        self.font = register_font(font_dir())
        self.issue_text = wareki_date(opts.issue_date)
        self.insurer = insurer_name()
        self.post: list[CertificateSheet] = []
        self.electronic: list[tuple[str, CertificateSheet]] = []

    def make(
        self,
        plan: ChunkPlan,
        holder_id: int,
        holder_name: str,
        address: tuple[str, str, str, str, str] | None,
        version: int,
        lines: list[CertificateLine],
    ) -> tuple[CertificateSheet, tuple[str, str]] | None:
        """The sheet and (postal code, address) — or None, with the reason recorded, when it cannot be printed."""
        holder_number = customer_number(holder_id)
        if address is None:
            plan.skipped.append(Skipped(holder_number, "", "契約者の住所が登録されていません"))
            return None
        postal_code, prefecture, city, street, building = address
        number = f"JC{self.opts.tax_year}-{holder_number}-{version:02d}"
        full_address = f"{prefecture}{city}{street} {building}".strip()
        reissue = self.reissue
        sheet = CertificateSheet(
            document_number=number,
            tax_year=self.opts.tax_year,
            issue_date_text=self.issue_text,
            holder_name=holder_name,
            postal_code=f"{postal_code[:3]}-{postal_code[3:]}",
            address=full_address,
            insurer_name=self.insurer,
            lines=tuple(lines),
            reissue_note=reissue.note if reissue else (f"再発行({version - 1}回目)" if version > 1 else ""),
        )
        missing = self.font.missing("".join(sheet.texts()))
        if missing:
            reason = f"フォントにない文字があるため印刷できません: {describe_missing(missing)}"
            plan.skipped.append(Skipped(holder_number, "", reason))
            return None
        return sheet, (postal_code, full_address)

    def document(
        self,
        sheet: CertificateSheet,
        version: int,
        holder_id: int,
        address: tuple[str, str],
        channel: DeliveryChannel,
        batch_id: int | None,
        actor: User,
        now: dt.datetime,
    ) -> DocumentRecord:
        """The document record of a printable sheet; the sheet joins the print file or the electronic files."""
        opts, reissue, number = self.opts, self.reissue, sheet.document_number
        key = f"deduction/{opts.tax_year}/electronic/{number}.pdf"
        if reissue is not None:  # a unique key: a concurrent attempt can never overwrite a registered file
            key = f"deduction/{opts.tax_year}/reissue/{number}-{uuid.uuid4().hex[:8]}.pdf"
        if channel == DeliveryChannel.ELECTRONIC:
            self.electronic.append((key, sheet))
        else:
            self.post.append(sheet)
        return DocumentRecord(
            number=number,
            customer_id=holder_id,
            tax_year=opts.tax_year,
            version=version,
            issued_by_id=actor.pk,
            issued_at=now,
            delivery_channel=channel.value,
            delivery_name=sheet.holder_name,
            delivery_postal_code=address[0],
            delivery_address=address[1],
            storage_backend=opts.storage.name,
            storage_key=key if channel == DeliveryChannel.ELECTRONIC else "",
            page_count=sheet.page_count,
            batch_id=batch_id,
            note=reissue.document_note if reissue else "",
        )

    def job(self, batch: DocumentBatch | None, holder_ids: list[int]) -> PrintJob | None:
        if not (self.post or self.electronic):
            return None
        year = self.opts.tax_year
        if batch is not None:
            base = f"deduction/{year}/print/batch{batch.pk:06d}-{holder_ids[0]:010d}"
        else:
            base = f"deduction/{year}/reissue/print-{holder_ids[0]:010d}-{uuid.uuid4().hex[:8]}"
        return PrintJob(
            storage=self.opts.storage,
            font_dir=font_dir(),
            tax_year=year,
            issue_date=self.opts.issue_date,
            print_key=f"{base}.pdf",
            data_key=f"{base}.csv",
            post=tuple(self.post),
            electronic=tuple(self.electronic),
            print_pdf=not self.opts.vendor_prints,
        )


def _unattached(tax_year: int) -> QuerySet[DeductionCertificate]:
    """Recorded, printable certificate rows still without a document (a vendor-data run's
    electronic deliveries, until the electronic stage draws them)."""
    return DeductionCertificate.objects.filter(
        tax_year=tax_year, status=CertificateStatus.ISSUED, excluded=False, document__isnull=True
    )


def _id_pages(rows: QuerySet[Any], column: str, size: int) -> Iterator[list[int]]:
    """The distinct values of `column` (a holder id) in ascending order, `size` at a time (keyset
    pages: memory stays flat)."""
    after = 0
    while True:
        ids = list(
            rows.filter(**{f"{column}__gt": after}).order_by(column).values_list(column, flat=True).distinct()[:size]
        )
        if not ids:
            return
        yield ids
        after = ids[-1]


def electronic_holder_chunks(tax_year: int, size: int) -> Iterator[list[int]]:
    return _id_pages(_unattached(tax_year), "customer_id", size)


def plan_electronic_chunk(
    holder_ids: list[int], opts: BatchOptions, batch: DocumentBatch | None, actor: User
) -> ChunkPlan:
    """The electronic documents of recorded rows: the PDF shows exactly the recorded amounts."""
    plan = ChunkPlan(holders=len(holder_ids))
    rows: dict[int, list[DeductionCertificate]] = defaultdict(list)
    for row in (
        _unattached(opts.tax_year)
        .filter(customer_id__in=holder_ids)
        .annotate(policy_number=F("policy__number"), holder_name=F("customer__name"))
        .order_by("customer_id", "policy_id", "category")
    ):
        rows[row.customer_id].append(row)
    addresses = _addresses(holder_ids)
    versions = _document_versions(holder_ids, opts.tax_year)
    sheets = _SheetMaker(opts, None)
    batch_id = batch.pk if batch is not None else None
    now = timezone.now()
    for holder_id, holder_rows in rows.items():
        lines = [_line(row, row.policy_number) for row in holder_rows]  # type: ignore[attr-defined]
        version = (versions.get(holder_id) or 0) + 1
        name = holder_rows[0].holder_name  # type: ignore[attr-defined]
        made = sheets.make(plan, holder_id, name, addresses.get(holder_id), version, lines)
        if made is None:
            continue
        sheet, address = made
        channel = DeliveryChannel.ELECTRONIC
        plan.documents.append(sheets.document(sheet, version, holder_id, address, channel, batch_id, actor, now))
        plan.attach.append((sheet.document_number, [row.pk for row in holder_rows]))
    plan.job = sheets.job(batch, holder_ids)
    return plan


def _line(row: CertificateRecord | DeductionCertificate, policy_number: str) -> CertificateLine:
    return CertificateLine(
        policy_number=policy_number,
        product_name=row.product_name,
        insured_object=INSURED_OBJECT_LABELS.get(row.insured_object, row.insured_object)
        if row.insured_object
        else "その他",
        location=row.location,
        period=f"{short_date(row.period_start)} 〜 {short_date(row.period_end)}",
        payment_mode=PAYMENT_MODE_LABELS.get(row.payment_mode, row.payment_mode),
        category=CATEGORY_LABELS[row.category],
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
            else:  # mailed: a page of the print file, or (vendor composes) records of the data file
                stored = (result.print_file or result.data_file) if result else None
                document.storage_key = stored.key if stored else ""
                document.page = result.pages[document.number][0] if result and result.print_file else None
            if stored is None:
                raise RuntimeError(f"帳票ファイルが作成されていません: {document.number}")
            document.sha256, document.size_bytes = stored.sha256, stored.size
        bulk.insert_records(Document, plan.documents, returning=("number",))
        bulk.copy_to_history(Document, [doc.id for doc in plan.documents if doc.id], user_id=actor.pk)
        ids = {doc.number: doc.id for doc in plan.documents}
        rows = []
        for number, row in plan.certificates:
            row.document_id = ids[number] if number else None
            rows.append(row)
        bulk.insert_records(DeductionCertificate, rows, returning=("policy_id", "category"))
        bulk.copy_to_history(DeductionCertificate, [row.id for row in rows if row.id], user_id=actor.pk)
        if plan.attach:
            for number, certificate_ids in plan.attach:
                attached = DeductionCertificate.objects.filter(pk__in=certificate_ids)
                writes.update_rows(attached, actor=actor, document_id=ids[number])
        batch_id = batch.pk if batch else None
        if plan.documents:
            # One event per registered chunk, naming its documents (each document's own history
            # row already records who issued it and when).
            mailed = sum(1 for doc in plan.documents if doc.delivery_channel == DeliveryChannel.POST)
            target = (
                (DocumentBatch._meta.label_lower, batch_id)
                if batch
                else (Document._meta.label_lower, ids[plan.documents[0].number])
            )
            event = AuditRecord(
                actor_id=actor.pk,
                action=AuditAction.DOCUMENT_ISSUE_DEDUCTION_CERTIFICATES,
                target_type=target[0],
                target_id=str(target[1]),
                summary=f"地震保険料控除証明書 {len(plan.documents):,}件を発行した"
                f"(郵送 {mailed:,}件・電子 {len(plan.documents) - mailed:,}件)",
                data={
                    "batch": batch_id,
                    "tax_year": plan.documents[0].tax_year,
                    "documents": [doc.number for doc in plan.documents],
                },
            )
            bulk.insert_records(AuditEvent, [event])
        readers = {doc.customer_id for doc in plan.documents}
        readers.update(row.customer_id for _, row in plan.certificates if not row.excluded)
        if readers:
            log_access(
                user=actor,
                customer_ids=sorted(readers),
                purpose=AccessPurpose.COMMAND,
                screen="deduction_certificates",
                detail={"batch": batch_id, "purpose": "地震保険料控除証明書の作成"},
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


def _pending(tax_year: int) -> QuerySet[Policy]:
    done = Document.objects.filter(
        customer_id=OuterRef("policyholder_id"),
        doc_type=DocumentType.DEDUCTION_CERTIFICATE,
        tax_year=tax_year,
        status=DocumentStatus.ISSUED,
    )
    return Policy.objects.filter(_candidate_policies(tax_year)).exclude(Exists(done))


def pending_holder_count(tax_year: int) -> int:
    """Policyholders with a candidate contract and no current certificate document for the year."""
    return _pending(tax_year).values("policyholder_id").distinct().count()


def pending_holder_chunks(tax_year: int, size: int) -> Iterator[list[int]]:
    """The pending policyholders in id order, `size` at a time."""
    return _id_pages(_pending(tax_year), "policyholder_id", size)


def _timed(chunks: Iterator[list[int]], timing: dict[str, float]) -> Iterator[list[int]]:
    while True:
        started = time.perf_counter()
        ids = next(chunks, None)
        timing["select_seconds"] += time.perf_counter() - started
        if ids is None:
            return
        yield ids


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
    `plan_in_workers`: None decides by the batch's size (see `_workers_can_plan` for when they can).
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
    record_event(
        actor=actor,
        action=AuditAction.DOCUMENT_CERTIFICATE_BATCH_START,
        target=batch,
        summary=f"{tax_year}年分 地震保険料控除証明書の一括発行を開始した"
        + ("(印刷業者向けデータ)" if vendor_prints else ""),
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    total = pending_holder_count(tax_year)
    timing["select_seconds"] += time.perf_counter() - started
    DocumentBatch.objects.filter(pk=batch.pk).update(total=total)
    skipped: list[Skipped] = []
    progress_of = _Progress(batch, total, progress)
    try:
        # A planning worker's start-up (Django, ~2 s) pays off on long batches only.
        wanted = plan_in_workers if plan_in_workers is not None else total >= PLAN_IN_WORKERS_FROM
        planning = workers > 0 and wanted and _workers_can_plan()
        timing["planned_in_workers"] = float(planning)
        with _pool(workers, planning=planning) as pool:
            holders = _timed(pending_holder_chunks(tax_year, chunk_size), timing)
            _run_stage(holders, plan_chunk, opts, batch, actor, pool, skipped, progress_of, timing, planning=planning)
            timing["records_stage_seconds"] = time.perf_counter() - started
            timing["records_stage_cpu_seconds"] = time.process_time() - cpu_started
            remaining = _unattached(tax_year).values("customer_id").distinct().count()
            if remaining:
                progress_of.grow(remaining)
                # Small chunks: single PDFs cost the same in any grouping, and this spreads them over the workers.
                holders = _timed(electronic_holder_chunks(tax_year, min(chunk_size, ELECTRONIC_CHUNK)), timing)
                stage = (plan_electronic_chunk, opts, batch, actor, pool, skipped, progress_of, timing)
                _run_stage(holders, *stage, planning=planning)
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
        action=AuditAction.DOCUMENT_CERTIFICATE_BATCH_COMPLETE,
        target=batch,
        summary=f"{tax_year}年分 地震保険料控除証明書を{batch.documents_issued:,}件発行した(例外 {batch.skipped:,}件)",
    )
    return batch


class _Progress:
    """Progress of a batch across its stages: the total grows when the electronic stage starts."""

    def __init__(self, batch: DocumentBatch, total: int, report: ProgressFn | None) -> None:
        self.batch, self.total, self.report = batch, total, report

    def grow(self, more: int) -> None:
        self.total += more
        DocumentBatch.objects.filter(pk=self.batch.pk).update(total=self.total)

    def advance(self, holders: int) -> None:
        if self.report is not None:
            self.report(holders, self.total)


def _workers_can_plan() -> bool:
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
def _pool(workers: int, *, planning: bool) -> Iterator[ProcessPoolExecutor | None]:
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


def _run_stage(
    chunks: Iterator[list[int]],
    planner: Planner,
    opts: BatchOptions,
    batch: DocumentBatch,
    actor: User,
    pool: ProcessPoolExecutor | None,
    skipped: list[Skipped],
    progress: _Progress,
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
                _finish((plan, None), batch, actor, skipped, progress, inline=True, timing=timing)
                continue
            in_flight.append((plan, pool.submit(run_print_job, plan.job) if plan.job else None))
        while len(in_flight) > opts.workers:
            _finish(in_flight.pop(0), batch, actor, skipped, progress, timing=timing)
    while in_flight:
        _finish(in_flight.pop(0), batch, actor, skipped, progress, timing=timing)


def _finish(
    item: InFlight,
    batch: DocumentBatch,
    actor: User,
    skipped: list[Skipped],
    progress: _Progress,
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
    progress.advance(plan.holders)


def _write_exceptions(opts: BatchOptions, batch: DocumentBatch, skipped: list[Skipped]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["顧客番号", "証券番号", "理由"])
    for item in skipped:
        writer.writerow([item.customer_number, item.policy_number, item.reason])
    key = f"deduction/{opts.tax_year}/reports/batch{batch.pk:06d}-exceptions.csv"
    opts.storage.put(key, out.getvalue().encode("utf-8"))
    return key
