"""控除証明書の再発行・訂正: one policyholder's certificate for one tax year, issued again.

- Reissue (紛失など): from a 控除証明書再発行 case with 本人確認 recorded, for the current year or up
  to 5 years back (a refund claim can be filed for 5 years, §a.1). The case is completed.
- Correction (訂正): a contract was cancelled or changed after the certificate was issued. The
  amounts are computed again; when they differ, the old certificate (document and rows) is marked
  superseded and a new version is issued. `certificates_needing_correction` finds the candidates
  (policy changed after its certificate row was written) and flags their rows 要訂正 first.

Both recompute from the current facts with the batch's own planning code, write the file first and
register everything in one transaction, so a failure leaves no half-registered certificate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case
from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from . import deduction as d
from .choices import CertificateStatus, DeliveryChannel, DocumentStatus, DocumentType
from .config import get_storage
from .links import download_link_create
from .models import DeductionCertificate, Document
from .printing import run_print_job
from .reissue import (
    IssuedDocument,
    check_mail_destination,
    complete_reissue_case,
    ready_reissue_case,
    registered_address,
)
from .services.records import BatchOptions, ChunkPlan, ReissueMode
from .services.registration import register_chunk
from .services.rendering import plan_chunk
from .storage import DocumentStorage

REISSUE_YEARS_BACK = 5


def reissue_years(today: dt.date) -> range:
    return range(today.year - REISSUE_YEARS_BACK, today.year + 1)


def _check_year(tax_year: int, today: dt.date) -> None:
    years = reissue_years(today)
    if tax_year not in years:
        raise ValidationError(
            {
                "tax_year": f"控除証明書を再発行できるのは{years[0]}年分から{years[-1]}年分までです"
                f"(過去{REISSUE_YEARS_BACK}年分まで。指定: {tax_year}年分)。"
            }
        )
    try:
        d.rules_for(tax_year)
    except d.DeductionInputError as exc:
        raise ValidationError({"tax_year": str(exc)}) from exc


def _current_amounts(customer: Customer, tax_year: int) -> dict[tuple[int, str], tuple[int, int]]:
    return {
        (p, c): (certified, declared)
        for p, c, certified, declared in DeductionCertificate.objects.filter(
            customer=customer, tax_year=tax_year, excluded=False
        )
        .exclude(status=CertificateStatus.SUPERSEDED)
        .values_list("policy_id", "category", "certified_amount", "declared_amount")
    }


def _plan(
    *, actor: User, customer: Customer, tax_year: int, issue_date: dt.date, storage: DocumentStorage, mode: ReissueMode
) -> ChunkPlan:
    opts = BatchOptions(
        tax_year=tax_year, issue_date=issue_date, storage=storage, workers=0, rules=d.rules_for(tax_year)
    )
    plan = plan_chunk([customer.pk], opts, None, actor, reissue=mode)
    plan.certificates = [(number, row) for number, row in plan.certificates if number]  # excluded rows stay as they are
    if not plan.documents:
        reasons = (
            "、".join(dict.fromkeys(s.reason for s in plan.skipped)) or "対象となる地震保険・旧長期の契約がありません"
        )
        raise ValidationError(f"{tax_year}年分の地震保険料控除証明書を作成できません: {reasons}")
    return plan


def _issue(
    *,
    actor: User,
    customer: Customer,
    tax_year: int,
    plan: ChunkPlan,
    case: Case | None,
    summary: str,
    action: AuditAction,
) -> IssuedDocument:
    """Write the file, then in one transaction supersede the old certificate and register the new one."""
    assert plan.job is not None
    result = run_print_job(plan.job)
    try:
        with transaction.atomic():
            old_docs = list(
                Document.objects.select_for_update().filter(
                    customer=customer,
                    tax_year=tax_year,
                    doc_type=DocumentType.DEDUCTION_CERTIFICATE,
                    status=DocumentStatus.ISSUED,
                )
            )
            for doc in old_docs:
                doc.status = DocumentStatus.SUPERSEDED
                writes.save(doc, actor=actor, clean=False, update_fields=["status"])
            old_rows = list(
                DeductionCertificate.objects.select_for_update()
                .filter(customer=customer, tax_year=tax_year, excluded=False)
                .exclude(status=CertificateStatus.SUPERSEDED)
            )
            for row in old_rows:
                row.status = CertificateStatus.SUPERSEDED
                writes.save(row, actor=actor, clean=False, update_fields=["status"])
            for document in plan.documents:
                document.case_id = case.pk if case is not None else None
            register_chunk(plan, result, None, actor)
            new = Document.objects.get(number=plan.documents[0].number)
            for doc in old_docs:
                doc.superseded_by = new
                writes.save(doc, actor=actor, clean=False, update_fields=["superseded_by"])
            link, token = (None, "")
            if new.delivery_channel == DeliveryChannel.ELECTRONIC:
                link, token = download_link_create(actor=actor, document=new)
            record_event(
                actor=actor,
                action=action,
                target=new,
                summary=f"{summary}: {new.number}({new.get_delivery_channel_display()})",
                data={
                    "tax_year": tax_year,
                    "version": new.version,
                    "superseded": [doc.number for doc in old_docs],
                    "case": case.number if case else None,
                },
            )
            if case is not None:
                complete_reissue_case(
                    actor=actor,
                    case=case,
                    summary=f"{tax_year}年分の地震保険料控除証明書を再発行した(帳票番号 {new.number}、"
                    f"{new.get_delivery_channel_display()})",
                )
    except IntegrityError as exc:
        raise ValidationError("同じ控除証明書の発行が同時に行われました。画面を更新して確認してください。") from exc
    return IssuedDocument(new, link, token)


def certificate_reissue(
    *,
    actor: User,
    case: Case,
    tax_year: int,
    delivery_channel: str | None = None,
    mail_to: str | None = None,
    storage: DocumentStorage | None = None,
    issue_date: dt.date | None = None,
) -> IssuedDocument:
    """Reissue a lost certificate from a 控除証明書再発行 case; the case is completed."""
    if delivery_channel is not None and delivery_channel not in DeliveryChannel.values:
        raise ValidationError({"delivery_channel": "送付方法は郵送か電子を選んでください。"})
    issue_date = issue_date or timezone.localdate()
    _check_year(tax_year, issue_date)
    case = ready_reissue_case(actor=actor, case=case, case_type=CaseType.CERTIFICATE_REISSUE)
    customer = Customer.objects.visible_to(actor).filter(pk=case.customer_id).first()
    if customer is None:
        raise PermissionDenied("この顧客の控除証明書を再発行する権限がありません。")
    if delivery_channel == DeliveryChannel.POST:
        check_mail_destination(registered_address(customer), mail_to)
    previous = Document.objects.filter(
        customer=customer, tax_year=tax_year, doc_type=DocumentType.DEDUCTION_CERTIFICATE
    ).count()
    mode = ReissueMode(
        note=f"再発行({max(previous, 1)}回目)", channel=delivery_channel, document_note="控除証明書再発行"
    )
    plan = _plan(
        actor=actor,
        customer=customer,
        tax_year=tax_year,
        issue_date=issue_date,
        storage=storage or get_storage(),
        mode=mode,
    )
    return _issue(
        actor=actor,
        customer=customer,
        tax_year=tax_year,
        plan=plan,
        case=case,
        summary=f"{tax_year}年分 地震保険料控除証明書を再発行した",
        action=AuditAction.DOCUMENT_REISSUE_DEDUCTION_CERTIFICATE,
    )


def certificate_correct(
    *,
    actor: User,
    customer: Customer,
    tax_year: int,
    reason: str,
    storage: DocumentStorage | None = None,
    issue_date: dt.date | None = None,
) -> IssuedDocument:
    """Issue a corrected certificate when a contract changed after issue; the old one is superseded.

    Refused when no certificate was issued for the year, or when the amounts did not change.
    """
    if not reason.strip():
        raise ValidationError({"reason": "訂正の理由を入力してください(例: 解約、補償内容の変更)。"})
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied("この顧客の控除証明書を訂正する権限がありません。")
    current = _current_amounts(customer, tax_year)
    if not current:
        raise ValidationError(f"{tax_year}年分の控除証明書は発行されていないため、訂正できません。")
    issue_date = issue_date or timezone.localdate()
    mode = ReissueMode(note="訂正版", document_note=f"訂正: {reason.strip()}"[:200])
    try:
        plan = _plan(
            actor=actor,
            customer=customer,
            tax_year=tax_year,
            issue_date=issue_date,
            storage=storage or get_storage(),
            mode=mode,
        )
    except ValidationError:
        plan = ChunkPlan()
    new = {(row.policy_id, row.category): (row.certified_amount, row.declared_amount) for _, row in plan.certificates}
    if new == current:
        _clear_flags(actor, customer, tax_year)
        raise ValidationError("証明額・申告額に変更がないため、訂正の必要はありません。")
    if not plan.documents:
        raise ValidationError(
            f"{tax_year}年分の訂正後の控除証明書を作成できません"
            f"({'、'.join(s.reason for s in plan.skipped) or '控除の対象となる保険料がなくなりました'})。"
        )
    return _issue(
        actor=actor,
        customer=customer,
        tax_year=tax_year,
        plan=plan,
        case=None,
        summary=f"{tax_year}年分 地震保険料控除証明書を訂正した({reason.strip()})",
        action=AuditAction.DOCUMENT_CORRECT_DEDUCTION_CERTIFICATE,
    )


def _clear_flags(actor: User, customer: Customer, tax_year: int) -> None:
    flagged = DeductionCertificate.objects.filter(
        customer=customer, tax_year=tax_year, status=CertificateStatus.NEEDS_CORRECTION
    )
    writes.update_rows(flagged, actor=actor, reason="金額に変更がないため要訂正を解除", status=CertificateStatus.ISSUED)


@dataclass(frozen=True)
class CorrectionCandidate:
    customer_id: int
    policy_numbers: tuple[str, ...]


def certificates_needing_correction(*, actor: User, tax_year: int) -> list[CorrectionCandidate]:
    """Holders whose contract changed (cancellation, 異動) after their certificate row was written;
    their rows are flagged 要訂正 (with history) so the flag is visible even before correction."""
    rows = list(
        DeductionCertificate.objects.filter(
            tax_year=tax_year, excluded=False, status__in=[CertificateStatus.ISSUED, CertificateStatus.NEEDS_CORRECTION]
        )
        .filter(policy__updated_at__gt=F("created_at"))
        .select_related("policy")
        .order_by("customer_id", "policy_id")
    )
    by_customer: dict[int, list[str]] = {}
    with transaction.atomic():
        for row in rows:
            by_customer.setdefault(row.customer_id, []).append(row.policy.number)
            if row.status != CertificateStatus.NEEDS_CORRECTION:
                row.status = CertificateStatus.NEEDS_CORRECTION
                writes.save(row, actor=actor, clean=False, update_fields=["status"])
    return [CorrectionCandidate(cid, tuple(dict.fromkeys(numbers))) for cid, numbers in by_customer.items()]


def run_corrections(
    *, actor: User, tax_year: int, customer_ids: Iterable[int] | None = None, storage: DocumentStorage | None = None
) -> tuple[list[Document], list[tuple[int, str]]]:
    """Correct every flagged holder; returns (issued documents, [(customer id, reason not corrected)])."""
    candidates = certificates_needing_correction(actor=actor, tax_year=tax_year)
    wanted = set(customer_ids) if customer_ids is not None else None
    issued: list[Document] = []
    problems: list[tuple[int, str]] = []
    for candidate in candidates:
        if wanted is not None and candidate.customer_id not in wanted:
            continue
        customer = Customer.objects.get(pk=candidate.customer_id)
        try:
            result = certificate_correct(
                actor=actor,
                customer=customer,
                tax_year=tax_year,
                reason=f"契約内容の変更・解約({'、'.join(candidate.policy_numbers)})",
                storage=storage,
            )
        except ValidationError as error:
            problems.append((candidate.customer_id, " ".join(error.messages)))
        else:
            issued.append(result.document)
    return issued, problems
