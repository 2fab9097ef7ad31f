"""The batch's planning as it was before the tuple-based fast path (commit 2f2c9eb), kept as the
oracle that tests compare the fast path with. Reads Django model instances; not used by the app."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Sum
from django.utils import timezone

from tsunagu.core.models import User
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Address
from tsunagu.documents import deduction as d
from tsunagu.documents.certificate_data import (
    PAYMENT_MODE_BY_FREQUENCY,
    ContractFacts,
    PaymentFact,
    contract_certificate,
)
from tsunagu.documents.choices import (
    CertificateCategory,
    CertificatePaymentMode,
    CertificateStatus,
    DeliveryChannel,
    DocumentStatus,
    DocumentType,
)
from tsunagu.documents.config import font_dir, insurer_name
from tsunagu.documents.fonts import describe_missing, register_font
from tsunagu.documents.formatting import short_date, wareki_date
from tsunagu.documents.models import DeductionCertificate, Document, DocumentBatch
from tsunagu.documents.pdf import CertificateLine, CertificateSheet
from tsunagu.documents.services.exceptions import Skipped
from tsunagu.documents.services.records import (
    CATEGORY_CODES,
    ELECTRONIC_CHANNELS,
    INSURED_OBJECT_CODES,
    BatchOptions,
    ReissueMode,
)
from tsunagu.documents.services.selection import candidate_policies
from tsunagu.policies.models import Coverage, Policy, PremiumPayment


@dataclass
class ReferencePlan:
    documents: list[Document] = field(default_factory=list)
    certificates: list[tuple[str | None, DeductionCertificate]] = field(default_factory=list)
    post: list[CertificateSheet] = field(default_factory=list)
    electronic: list[tuple[str, CertificateSheet]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    holders: int = 0


def certificate_number(tax_year, customer, version):
    return f"JC{tax_year}-{customer.number}-{version:02d}"


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
) -> ReferencePlan:
    """Read one chunk of policyholders and decide every row and file it will produce."""
    plan = ReferencePlan(holders=len(holder_ids))
    policies = list(
        Policy.objects.filter(candidate_policies(opts.tax_year), policyholder_id__in=holder_ids)
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
    plan.post, plan.electronic = post, electronic
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
