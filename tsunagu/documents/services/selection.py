"""Which policyholders a certificate batch works on, and the plain facts read per chunk.

Pending holders come in keyset pages (ascending ids, flat memory); per chunk a handful of
`values_list` queries return tuples: the contracts' facts, the holders' mailing addresses and the
latest document versions. Electronic deliveries recorded without a document are selected the same way."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum

from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Address
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Coverage, Policy, PremiumPayment

from .. import deduction as d
from ..certificate_data import ContractFacts, PaymentFact
from ..choices import CertificateStatus, DocumentStatus, DocumentType
from ..models import DeductionCertificate, Document


def candidate_policies(tax_year: int) -> Q:
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


def facts_for(policies: list[tuple[Any, ...]], tax_year: int) -> dict[int, ContractFacts]:
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


def addresses_of(holder_ids: list[int]) -> dict[int, tuple[str, str, str, str, str]]:
    """Each holder's mailing address (the primary one, else the oldest)."""
    addresses: dict[int, tuple[str, str, str, str, str]] = {}
    for customer_id, *parts in (
        Address.objects.filter(customer_id__in=holder_ids)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "postal_code", "prefecture", "city", "street", "building")
    ):
        addresses.setdefault(customer_id, tuple(parts))  # type: ignore[arg-type]
    return addresses


def document_versions(holder_ids: list[int], tax_year: int) -> dict[int, int]:
    """The latest certificate document version per holder for the year."""
    return dict(
        Document.objects.filter(
            doc_type=DocumentType.DEDUCTION_CERTIFICATE, customer_id__in=holder_ids, tax_year=tax_year
        )
        .values("customer_id")
        .annotate(v=Max("version"))
        .values_list("customer_id", "v")
    )


def _pending(tax_year: int) -> QuerySet[Policy]:
    done = Document.objects.filter(
        customer_id=OuterRef("policyholder_id"),
        doc_type=DocumentType.DEDUCTION_CERTIFICATE,
        tax_year=tax_year,
        status=DocumentStatus.ISSUED,
    )
    return Policy.objects.filter(candidate_policies(tax_year)).exclude(Exists(done))


def pending_holder_count(tax_year: int) -> int:
    """Policyholders with a candidate contract and no current certificate document for the year."""
    return _pending(tax_year).values("policyholder_id").distinct().count()


def pending_holder_chunks(tax_year: int, size: int) -> Iterator[list[int]]:
    """The pending policyholders in id order, `size` at a time."""
    return id_pages(_pending(tax_year), "policyholder_id", size)


def unattached(tax_year: int) -> QuerySet[DeductionCertificate]:
    """Recorded, printable certificate rows still without a document (a vendor-data run's
    electronic deliveries, until the electronic stage draws them)."""
    return DeductionCertificate.objects.filter(
        tax_year=tax_year, status=CertificateStatus.ISSUED, excluded=False, document__isnull=True
    )


def id_pages(rows: QuerySet[Any], column: str, size: int) -> Iterator[list[int]]:
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
    return id_pages(unattached(tax_year), "customer_id", size)
