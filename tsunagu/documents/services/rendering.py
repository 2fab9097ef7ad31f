"""Planning a chunk: the amounts from the pure rules, the sheets to draw and the rows to register.

`plan_chunk` (records stage, and one holder's reissue/correction) and `plan_electronic_chunk`
(electronic stage: PDFs drawn from the rows already recorded) return a `ChunkPlan` whose print job a
worker process runs; nothing is written here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.db.models import F, Max
from django.utils import timezone

from tsunagu.core.models import User
from tsunagu.policies.models import Policy

from .. import deduction as d
from ..certificate_data import PAYMENT_MODE_BY_FREQUENCY, contract_certificate
from ..choices import CertificatePaymentMode, CertificateStatus, DeliveryChannel
from ..config import font_dir, insurer_name
from ..fonts import describe_missing, register_font
from ..formatting import short_date, wareki_date
from ..models import DeductionCertificate, DocumentBatch
from ..pdf import CertificateLine, CertificateSheet
from ..printing import PrintJob
from .exceptions import Skipped
from .records import (
    CATEGORY_CODES,
    CATEGORY_LABELS,
    ELECTRONIC_CHANNELS,
    INSURED_OBJECT_CODES,
    INSURED_OBJECT_LABELS,
    PAYMENT_MODE_LABELS,
    POLICY_COLUMNS,
    BatchOptions,
    CertificateRecord,
    ChunkPlan,
    DocumentRecord,
    ReissueMode,
    customer_number,
)
from .selection import addresses_of, candidate_policies, document_versions, facts_for, unattached


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
        for p in Policy.objects.filter(candidate_policies(opts.tax_year), **in_range)
        .order_by("policyholder_id", "id")
        .values_list(*POLICY_COLUMNS)
        if p[2] in wanted
    ]
    if not policies:
        return plan
    policy_ids = [p[0] for p in policies]
    facts = facts_for(policies, opts.tax_year)
    addresses = addresses_of(holder_ids)
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
    versions = document_versions(holder_ids, opts.tax_year)
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


def plan_electronic_chunk(
    holder_ids: list[int], opts: BatchOptions, batch: DocumentBatch | None, actor: User
) -> ChunkPlan:
    """The electronic documents of recorded rows: the PDF shows exactly the recorded amounts."""
    plan = ChunkPlan(holders=len(holder_ids))
    rows: dict[int, list[DeductionCertificate]] = defaultdict(list)
    for row in (
        unattached(opts.tax_year)
        .filter(customer_id__in=holder_ids)
        .annotate(policy_number=F("policy__number"), holder_name=F("customer__name"))
        .order_by("customer_id", "policy_id", "category")
    ):
        rows[row.customer_id].append(row)
    addresses = addresses_of(holder_ids)
    versions = document_versions(holder_ids, opts.tax_year)
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
