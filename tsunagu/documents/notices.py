"""契約内容のお知らせ: the monthly batch for long-term policies (term > 1 year).

    manage.py contract_notices --month 2026-05

A policy in force whose anniversary (応当日, the inception's month and day; 29 February → 28th)
falls in the month, after its first year and before its expiry, gets one notice for that
anniversary. The constraint (policy, 応当日) makes a duplicate impossible; a re-run selects only
policies without one. Each chunk draws its print file first, then registers documents, history,
audit events and access-log rows in one transaction (a crash leaves only unreferenced files).
Finally the month's per-agency mailing lists (CSV) are written from the registered documents, and
an exceptions report lists what was skipped and why.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from tsunagu.core import bulk, csv_export, normalize
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.jobs import Job
from tsunagu.core.models import AuditEvent, User
from tsunagu.customers.choices import ContactChannel
from tsunagu.customers.models import Address
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Coverage, Policy

from .choices import DeliveryChannel, DocumentStatus, DocumentType
from .config import font_dir, get_storage, insurer_name
from .fonts import describe_missing, register_font
from .formatting import short_date, wareki_date
from .models import Document, DocumentBatch
from .notice_sheet import NoticeCoverage, NoticeSheet
from .printing import PrintJob, PrintResult, run_print_job
from .services.exceptions import Skipped, write_exceptions
from .storage import DocumentStorage

ProgressFn = Callable[[int, int], None]
ELECTRONIC_CHANNELS = {ContactChannel.EMAIL, ContactChannel.WEB}
MAILING_HEADER = [
    "代理店コード",
    "代理店名",
    "帳票番号",
    "証券番号",
    "顧客番号",
    "契約者名",
    "郵便番号",
    "住所",
    "応当日",
    "保険終期",
    "地震保険",
    "送付方法",
]
DIRECT_CODE = "DIRECT"


def month_start(text: str) -> dt.date:
    """'2026-05' → 2026-05-01; anything else → ValueError with a Japanese message."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"対象月はYYYY-MMで指定してください(指定値: 「{text}」)。") from exc


def anniversary(inception: dt.date, year: int) -> dt.date:
    try:
        return inception.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def notice_number(month: dt.date, policy: Policy) -> str:
    return f"JN{month:%Y%m}-{policy.number}"


def pending_policies(month: dt.date) -> list[int]:
    """Long-term policies in force with their anniversary in `month` and no notice for it yet."""
    done = Document.objects.filter(
        doc_type=DocumentType.CONTRACT_NOTICE, notice_for__year=month.year, notice_for__month=month.month
    ).values("policy_id")
    return list(
        Policy.objects.filter(
            status=PolicyStatus.IN_FORCE,
            term_years__gt=1,
            inception__month=month.month,
            inception__year__lt=month.year,
            expiry__gt=month,
        )
        .exclude(pk__in=done)
        .order_by("id")
        .values_list("id", flat=True)
    )


@dataclass
class NoticePlan:
    documents: list[Document] = field(default_factory=list)
    job: PrintJob | None = None
    skipped: list[Skipped] = field(default_factory=list)
    policies: int = 0


def _problem(policy: Policy, due: dt.date, coverages: list[Coverage]) -> str:
    if policy.contract_date > policy.inception:
        return f"日付が不正です(契約日 {policy.contract_date:%Y-%m-%d} が保険始期 {policy.inception:%Y-%m-%d} より後)"
    if not (policy.inception < due < policy.expiry):
        return f"日付が不正です(応当日 {due:%Y-%m-%d} が保険期間外)"
    if policy.annual_premium <= 0 or not coverages:
        return "保険料・補償のデータがありません"
    return ""


def plan_notices(
    policy_ids: list[int],
    *,
    month: dt.date,
    issue_date: dt.date,
    batch: DocumentBatch,
    actor: User,
    storage: DocumentStorage,
) -> NoticePlan:
    plan = NoticePlan(policies=len(policy_ids))
    policies = list(
        Policy.objects.filter(pk__in=policy_ids)
        .select_related("product", "agency", "policyholder", "building")
        .prefetch_related(Prefetch("coverages", queryset=Coverage.objects.order_by("id")))
        .order_by("id")
    )
    holder_ids = {p.policyholder_id for p in policies}
    addresses: dict[int, Address] = {}
    for found in Address.objects.filter(customer_id__in=holder_ids).order_by("customer_id", "-is_primary", "id"):
        addresses.setdefault(found.customer_id, found)
    font = register_font(font_dir())
    issue_text, now = wareki_date(issue_date), timezone.now()
    post: list[NoticeSheet] = []
    electronic: list[tuple[str, NoticeSheet]] = []
    for policy in policies:
        holder = policy.policyholder
        due = anniversary(policy.inception, month.year)
        coverages = list(policy.coverages.all())
        problem = _problem(policy, due, coverages)
        address = addresses.get(holder.pk)
        if not problem and address is None:
            problem = "契約者の住所が登録されていません"
        if problem:
            plan.skipped.append(Skipped(holder.number, policy.number, problem))
            continue
        assert address is not None
        number = notice_number(month, policy)
        building = getattr(policy, "building", None)
        full_address = f"{address.prefecture}{address.city}{address.street} {address.building}".strip()
        sheet = NoticeSheet(
            document_number=number,
            insurer_name=insurer_name(),
            holder_name=holder.name,
            postal_code=f"{address.postal_code[:3]}-{address.postal_code[3:]}",
            address=full_address,
            issue_date_text=issue_text,
            policy_number=policy.number,
            product_name=policy.product.name,
            period=f"{short_date(policy.inception)} 〜 {short_date(policy.expiry)}({policy.term_years}年)",
            anniversary_text=f"{short_date(due)}({due.year - policy.inception.year + 1}年目)",
            coverages=tuple(NoticeCoverage(c.name, c.sum_insured) for c in coverages),
            annual_premium=policy.annual_premium,
            payment=f"{policy.get_payment_method_display()}・{policy.get_payment_frequency_display()}",
            location=building.location if building else "",
            building_use=building.get_use_display() if building else "",
            has_earthquake=any(c.is_earthquake for c in coverages),
            agency=f"{policy.agency.name}({policy.agency.code})" if policy.agency else "ダイレクト(本社直扱)",
        )
        missing = [char for text in sheet.texts() for char in font.missing(text)]
        if missing:
            reason = f"フォントにない文字があるため印刷できません: {describe_missing(list(dict.fromkeys(missing)))}"
            plan.skipped.append(Skipped(holder.number, policy.number, reason))
            continue
        channel = (
            DeliveryChannel.ELECTRONIC if holder.preferred_channel in ELECTRONIC_CHANNELS else DeliveryChannel.POST
        )
        key = f"notices/{month:%Y-%m}/electronic/{number}.pdf"
        plan.documents.append(
            Document(
                number=number,
                doc_type=DocumentType.CONTRACT_NOTICE,
                status=DocumentStatus.ISSUED,
                customer=holder,
                policy=policy,
                version=1,
                issued_by=actor,
                issued_at=now,
                delivery_channel=channel,
                delivery_name=holder.name,
                delivery_postal_code=address.postal_code,
                delivery_address=full_address,
                storage_backend=storage.name,
                storage_key=key if channel == DeliveryChannel.ELECTRONIC else "",
                page_count=1,
                batch=batch,
                notice_for=due,
            )
        )
        if channel == DeliveryChannel.ELECTRONIC:
            electronic.append((key, sheet))
        else:
            post.append(sheet)
    if post or electronic:
        base = f"notices/{month:%Y-%m}/print/batch{batch.pk:06d}-{policy_ids[0]:010d}"
        plan.job = PrintJob(
            storage=storage,
            font_dir=font_dir(),
            tax_year=month.year,
            issue_date=issue_date,
            print_key=f"{base}.pdf",
            data_key="",
            post=tuple(post),
            electronic=tuple(electronic),
            title="契約内容のお知らせ",
            vendor_file=False,
        )
    return plan


def register_notices(plan: NoticePlan, result: PrintResult | None, batch: DocumentBatch, actor: User) -> None:
    with transaction.atomic():
        for document in plan.documents:
            if document.delivery_channel == DeliveryChannel.ELECTRONIC:
                stored = result.electronic.get(document.number) if result else None
            else:
                stored = result.print_file if result else None
                document.storage_key = stored.key if stored else ""
                document.page = result.pages[document.number][0] if result else None
            if stored is None:
                raise RuntimeError(f"帳票ファイルが作成されていません: {document.number}")
            document.sha256, document.size_bytes = stored.sha256, stored.size
        bulk.insert(plan.documents, key="number")
        bulk.insert_history(plan.documents, user_id=actor.pk)
        bulk.insert(
            [
                AuditEvent(
                    actor=actor,
                    action=AuditAction.DOCUMENT_ISSUE_CONTRACT_NOTICE,
                    target_type=Document._meta.label_lower,
                    target_id=str(doc.pk),
                    summary=f"契約内容のお知らせ {doc.number} を発行した({doc.get_delivery_channel_display()})",
                    data={"batch": batch.pk, "anniversary": doc.notice_for.isoformat() if doc.notice_for else None},
                )
                for doc in plan.documents
            ]
        )
        if plan.documents:
            log_access(
                user=actor,
                customer_ids=sorted({doc.customer_id for doc in plan.documents}),
                purpose=AccessPurpose.COMMAND,
                screen="contract_notices",
                detail={"batch": batch.pk, "purpose": "契約内容のお知らせの作成"},
            )
        Job(batch).add(documents_issued=len(plan.documents), skipped=len(plan.skipped), processed=plan.policies)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_contract_notices(
    *,
    actor: User,
    month: dt.date,
    issue_date: dt.date | None = None,
    storage: DocumentStorage | None = None,
    chunk_size: int = 500,
    progress: ProgressFn | None = None,
) -> DocumentBatch:
    """Run (or resume) the notices of `month` (its first day); returns the batch row with its counts."""
    month = month.replace(day=1)
    storage = storage or get_storage()
    issue_date = issue_date or timezone.localdate()
    register_font(font_dir())
    pending = pending_policies(month)
    batch = DocumentBatch.objects.create(
        kind=DocumentType.CONTRACT_NOTICE,
        target_month=f"{month:%Y-%m}",
        issue_date=issue_date,
        started_by=actor,
        total=len(pending),
    )
    job = Job.start(
        batch,
        actor=actor,
        action=AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_START,
        summary=f"{month:%Y年%m月}応当の契約内容のお知らせの作成を開始した(対象 {len(pending):,}件)",
        progress=progress,
    )
    skipped: list[Skipped] = []
    with job.running():
        for ids in _chunks(pending, chunk_size):
            plan = plan_notices(ids, month=month, issue_date=issue_date, batch=batch, actor=actor, storage=storage)
            result = run_print_job(plan.job) if plan.job else None
            register_notices(plan, result, batch, actor)
            skipped.extend(plan.skipped)
            job.advance(plan.policies)
        mailing = write_mailing_lists(actor=actor, month=month, storage=storage, batch=batch)
        key = f"notices/{month:%Y-%m}/reports/batch{batch.pk:06d}-exceptions.csv"
        write_exceptions(job, storage, key, skipped)
    done = job.complete(
        actor=actor,
        action=AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_COMPLETE,
        summary=lambda row: (
            f"{month:%Y年%m月}応当の契約内容のお知らせを{row.documents_issued:,}件作成した"
            f"(例外 {row.skipped:,}件、送付リスト {len(mailing)}代理店)"
        ),
        data={"mailing_lists": mailing},
    )
    assert isinstance(done, DocumentBatch)
    return done


def _agency_code(doc: Document) -> str:
    return doc.policy.agency.code if doc.policy and doc.policy.agency else DIRECT_CODE


def mailing_documents(documents: QuerySet[Document], month: dt.date) -> QuerySet[Document]:
    """The month's issued notices of `documents`, in mailing-list order (agency code, policy number),
    with what `mailing_row` reads."""
    return (
        documents.filter(
            doc_type=DocumentType.CONTRACT_NOTICE,
            notice_for__year=month.year,
            notice_for__month=month.month,
            status=DocumentStatus.ISSUED,
        )
        .select_related("policy__agency", "customer")
        .annotate(has_quake=Exists(Coverage.objects.filter(policy=OuterRef("policy_id"), is_earthquake=True)))
        .order_by(F("policy__agency__code").asc(nulls_first=True), "policy__number")
    )


def _postal(text: str) -> str:
    """1954257 → 195-4257, as staff and agencies write it (anything not 7 digits as given)."""
    digits = normalize.postal_code_digits(text or "")
    return normalize.format_postal_code(digits) if len(digits) == 7 else (text or "")


def mailing_row(doc: Document) -> list[str]:
    """One line of a mailing list (columns `MAILING_HEADER`, docs/formats/contract_notices.md)."""
    assert doc.policy is not None
    agency = doc.policy.agency
    return [
        agency.code if agency else DIRECT_CODE,
        agency.name if agency else "本社直扱",
        doc.number,
        doc.policy.number,
        doc.customer.number,
        doc.delivery_name,
        _postal(doc.delivery_postal_code),
        doc.delivery_address,
        f"{doc.notice_for:%Y/%m/%d}" if doc.notice_for else "",
        f"{doc.policy.expiry:%Y/%m/%d}",
        "有" if getattr(doc, "has_quake", False) else "無",
        doc.get_delivery_channel_display(),
    ]


def mailing_list_key(month: dt.date, agency_code: str) -> str:
    return f"notices/{month:%Y-%m}/mailing/{agency_code}.csv"


def write_mailing_lists(*, actor: User, month: dt.date, storage: DocumentStorage, batch: DocumentBatch) -> list[str]:
    """Per-agency CSV of the month's mailed notices (all runs of the month, each notice once),
    rewritten on every run. UTF-8 with BOM so agencies can open it in Excel. Logged as an export."""
    rows = mailing_documents(Document.objects.all(), month)
    keys: list[str] = []
    for code, docs in groupby(rows.iterator(chunk_size=2000), key=_agency_code):
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(MAILING_HEADER)
        customers: set[int] = set()
        for doc in docs:
            writer.writerow(mailing_row(doc))
            customers.add(doc.customer_id)
        key = mailing_list_key(month, code)
        storage.put(key, out.getvalue().encode("utf-8-sig"))
        log_access(
            user=actor,
            customer_ids=sorted(customers),
            purpose=AccessPurpose.EXPORT,
            screen="contract_notices",
            detail={"batch": batch.pk, "mailing_list": key},
        )
        keys.append(key)
    return keys
