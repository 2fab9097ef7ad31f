"""The certificate batch's plain records: what a chunk will register, its options, and the codes
and labels the sheets print. No database access here (the batch never builds model instances)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from tsunagu.core.choices import AuditAction
from tsunagu.customers.choices import ContactChannel
from tsunagu.policies.choices import InsuredObject

from .. import deduction as d
from ..choices import CertificateCategory, CertificatePaymentMode, DocumentStatus, DocumentType
from ..printing import PrintJob
from ..storage import DocumentStorage
from .exceptions import Skipped

CATEGORY_CODES = {d.Category.EARTHQUAKE: "1", d.Category.OLD_LONG_TERM: "2"}
INSURED_OBJECT_CODES = {"building": "1", "contents": "2", "both": "3"}
ELECTRONIC_CHANNELS = {ContactChannel.EMAIL, ContactChannel.WEB}
ProgressFn = Callable[[int, int], None]
ELECTRONIC_CHUNK = 50  # holders per chunk in the electronic stage
PLAN_IN_WORKERS_FROM = 10_000  # pending holders from which the workers also plan (`plan_in_workers=None`)


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
POLICY_COLUMNS = (
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
