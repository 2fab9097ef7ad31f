"""証券再発行: reissue a policy document from a 証券再発行 case whose 本人確認 is recorded.

The PDF shows the policy as it stands now and is marked 再発行 with its count and date. The file
is written first (a unique key, atomic write), then in one transaction: the previous version is
marked superseded, the new Document row is saved (history), an audit event is written, a download
link is made for electronic delivery, and the case moves 発行待ち → 完了 through the cases services.
A failure anywhere leaves no registered document (at most an unreferenced file).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case, IdentityVerification
from tsunagu.cases.services import case_transition
from tsunagu.cases.services.progress import case_facts
from tsunagu.cases.workflow import TRANSITIONS, completion_problems
from tsunagu.core import writes
from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Address, Customer
from tsunagu.policies.models import Policy

from .choices import DeliveryChannel, DocumentStatus, DocumentType
from .config import font_dir, get_storage, insurer_name
from .fonts import describe_missing, register_font
from .formatting import short_date, wareki_date
from .links import download_link_create
from .models import Document, DownloadLink
from .pdf import render
from .policy_sheet import CoverageRow, PolicySheet
from .storage import DocumentStorage

ADDRESS_CHANGE_FIRST = (
    "登録住所以外への郵送はできません。送付先を変更する場合は、先に住所変更(異動)の手続きを完了してください。"
)


@dataclass(frozen=True)
class IssuedDocument:
    document: Document
    link: DownloadLink | None = None
    token: str = ""  # the signed download token (electronic delivery only)


def policy_document_number(policy: Policy, version: int) -> str:
    return f"JP-{policy.number}-{version:02d}"


def registered_address(customer: Customer) -> Address | None:
    return Address.objects.filter(customer=customer).order_by("-is_primary", "id").first()


def address_text(address: Address) -> str:
    return f"{address.prefecture}{address.city}{address.street} {address.building}".strip()


def _address_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    for char in " 　〒-‐－―ー−":
        folded = folded.replace(char, "")
    return folded


def check_mail_destination(address: Address | None, requested: str | None) -> None:
    """Mail goes to the registered address only; anything else needs an address change first."""
    if address is None:
        raise ValidationError(
            {"delivery_channel": "登録住所がないため郵送できません。先に住所変更(異動)で住所を登録してください。"}
        )
    if requested and requested.strip():
        registered = _address_key(f"{address.postal_code}{address_text(address)}")
        wanted = _address_key(requested)
        if wanted not in (registered, _address_key(address_text(address))):
            raise ValidationError({"mail_to": ADDRESS_CHANGE_FIRST})


def ready_reissue_case(*, actor: User, case: Case, case_type: str) -> Case:
    """The fresh, scoped case row, or a Japanese refusal saying what is missing."""
    fresh = Case.objects.visible_to(actor).select_related("customer", "policy").filter(pk=case.pk).first()
    if fresh is None:
        raise PermissionDenied("この案件を操作する権限がありません。")
    label = CaseType(case_type).label
    if fresh.case_type != case_type:
        raise ValidationError(
            f"{label}は「{label}」の案件からのみ行えます(この案件は{fresh.get_case_type_display()})。"
        )
    if not fresh.is_open:
        raise ValidationError(f"この案件は「{fresh.get_status_display()}」のため、{label}できません。")
    if not IdentityVerification.objects.filter(case=fresh).exists():
        raise ValidationError(
            f"本人確認が記録されていないため{label}できません。先に案件で本人確認を記録してください。"
        )
    if not path_to_issue(fresh.case_type, fresh.status):
        raise ValidationError(f"この案件は「{fresh.get_status_display()}」のため、{label}できません。")
    problems = completion_problems(case_facts(fresh), CaseStatus.COMPLETED)
    if problems:
        raise ValidationError(problems)
    return fresh


_NOT_VIA = frozenset({CaseStatus.WITHDRAWN, CaseStatus.ESCALATED, CaseStatus.AWAITING_DOCUMENTS})


def path_to_issue(case_type: str, status: str) -> list[str]:
    """The shortest legal way from `status` to 発行待ち (e.g. 受付 → 対応中 → 発行待ち); [] if none.
    [発行待ち] when the case is there already."""
    if status == CaseStatus.AWAITING_ISSUE:
        return [status]
    table = TRANSITIONS[case_type]
    paths: list[list[str]] = [[status]]
    seen = {status}
    while paths:
        path = paths.pop(0)
        for nxt in sorted(table.get(path[-1], frozenset())):
            if nxt == CaseStatus.AWAITING_ISSUE:
                return [*path[1:], nxt]
            if nxt not in seen and nxt not in _NOT_VIA:
                seen.add(nxt)
                paths.append([*path, nxt])
    return []


def complete_reissue_case(*, actor: User, case: Case, summary: str) -> None:
    """… → 発行待ち → 完了 through the cases services (inside the caller's transaction)."""
    case.refresh_from_db()
    if case.status != CaseStatus.AWAITING_ISSUE:
        for status in path_to_issue(case.case_type, case.status):
            case_transition(actor=actor, case=case, to=status, note="帳票を発行するため状態を進めた")
    case_transition(actor=actor, case=case, to=CaseStatus.COMPLETED, resolution_summary=summary)


def _payment_text(policy: Policy) -> str:
    return f"{policy.get_payment_method_display()}・{policy.get_payment_frequency_display()}"


def _insured_object(policy: Policy) -> str:
    building = getattr(policy, "building", None)
    if building is not None:
        return f"{building.get_insured_object_display()} {building.location}({building.get_structure_class_display()})"
    vehicle = getattr(policy, "vehicle", None)
    if vehicle is not None:
        return f"{vehicle.model_name} {vehicle.registration_number}(ノンフリート{vehicle.nonfleet_grade}等級)"
    return ""


def policy_sheet(
    policy: Policy, *, number: str, version: int, issue_date: dt.date, address: Address | None
) -> PolicySheet:
    holder = policy.policyholder
    insured = tuple(
        f"{person.customer.name}({person.get_relation_display()})"
        for person in policy.insured_persons.select_related("customer").order_by("id")
    )
    agency = f"{policy.agency.name}(代理店コード {policy.agency.code})" if policy.agency else "ダイレクト(本社直扱)"
    return PolicySheet(
        document_number=number,
        insurer_name=insurer_name(),
        policy_number=policy.number,
        product_name=policy.product.name,
        line=policy.get_line_display(),
        holder_name=holder.name,
        postal_code=f"{address.postal_code[:3]}-{address.postal_code[3:]}" if address else "",
        address=address_text(address) if address else "",
        insured=insured,
        period=f"{short_date(policy.inception)} 〜 {short_date(policy.expiry)}",
        term_years=policy.term_years,
        coverages=tuple(
            CoverageRow(c.name, c.sum_insured, c.premium, c.is_earthquake) for c in policy.coverages.order_by("id")
        ),
        annual_premium=policy.annual_premium,
        payment=_payment_text(policy),
        agency=agency,
        reissue_label=f"再発行({version - 1}回目) {short_date(issue_date)}",
        issue_date_text=wareki_date(issue_date),
        insured_object=_insured_object(policy),
        status="" if policy.status == "in_force" else policy.get_status_display(),
    )


def policy_reissue(
    *,
    actor: User,
    case: Case,
    delivery_channel: str,
    mail_to: str | None = None,
    storage: DocumentStorage | None = None,
    issue_date: dt.date | None = None,
) -> IssuedDocument:
    """Reissue the case's policy document; the case is completed. Refused (nothing changed) when the
    case is not ready, the policy is out of scope, or mail is asked for another address."""
    if delivery_channel not in DeliveryChannel.values:
        raise ValidationError({"delivery_channel": "送付方法は郵送か電子を選んでください。"})
    case = ready_reissue_case(actor=actor, case=case, case_type=CaseType.POLICY_REISSUE)
    policy = (
        Policy.objects.visible_to(actor)
        .select_related("product", "agency", "policyholder")
        .filter(pk=case.policy_id or 0)
        .first()
    )
    if policy is None:
        raise PermissionDenied("この契約の証券を再発行する権限がありません。")
    holder = policy.policyholder
    address = registered_address(holder)
    if delivery_channel == DeliveryChannel.POST:
        check_mail_destination(address, mail_to)
    elif mail_to:
        raise ValidationError({"mail_to": "電子交付では送付先住所は指定できません。"})
    issue_date = issue_date or timezone.localdate()
    previous = (
        Document.objects.filter(policy=policy, doc_type=DocumentType.POLICY).aggregate(v=Max("version"))["v"] or 1
    )
    version = previous + 1  # version 1 is the original, issued before this system recorded it
    number = policy_document_number(policy, version)
    sheet = policy_sheet(policy, number=number, version=version, issue_date=issue_date, address=address)
    log_access(
        user=actor,
        customer_ids=[holder.pk, *policy.insured_persons.values_list("customer_id", flat=True)],
        purpose=AccessPurpose.VIEW,
        screen="証券再発行",
        detail={"policy": policy.number, "case": case.number},
    )
    font = register_font(font_dir())
    missing = [char for text in sheet.texts() for char in font.missing(text)]
    if missing:
        raise ValidationError(
            f"フォントにない文字があるため証券を作成できません: {describe_missing(list(dict.fromkeys(missing)))}。"
            "登録内容の表記を確認してください。"
        )
    storage = storage or get_storage()
    key = f"policy/{policy.number}/{number}-{uuid.uuid4().hex[:8]}.pdf"
    stored = storage.put(key, render([sheet], font, title="保険証券(再発行)"))
    channel_label = DeliveryChannel(delivery_channel).label
    try:
        with transaction.atomic():
            Case.objects.select_for_update().filter(pk=case.pk).first()
            old = list(
                Document.objects.select_for_update().filter(
                    policy=policy, doc_type=DocumentType.POLICY, status=DocumentStatus.ISSUED
                )
            )
            for doc in old:
                doc.status = DocumentStatus.SUPERSEDED
                writes.save(doc, actor=actor, clean=False, update_fields=["status"])
            document = Document(
                number=number,
                doc_type=DocumentType.POLICY,
                status=DocumentStatus.ISSUED,
                customer=holder,
                policy=policy,
                version=version,
                issued_by=actor,
                issued_at=timezone.now(),
                delivery_channel=delivery_channel,
                delivery_name=holder.name,
                delivery_postal_code=address.postal_code if address else "",
                delivery_address=address_text(address) if address else "",
                storage_backend=storage.name,
                storage_key=stored.key,
                page_count=sheet.page_count,
                sha256=stored.sha256,
                size_bytes=stored.size,
                case=case,
                note=f"証券再発行({version - 1}回目)",
            )
            writes.save(document, actor=actor, clean=False)
            for doc in old:
                doc.superseded_by = document
                writes.save(doc, actor=actor, clean=False, update_fields=["superseded_by"])
            link, token = (None, "")
            if delivery_channel == DeliveryChannel.ELECTRONIC:
                link, token = download_link_create(actor=actor, document=document)
            record_event(
                actor=actor,
                action=AuditAction.DOCUMENT_REISSUE_POLICY,
                target=document,
                summary=f"証券を再発行した: {policy.number}({version - 1}回目、{channel_label}、帳票番号 {number})",
                data={"case": case.number, "version": version, "channel": delivery_channel},
            )
            destination = (
                document.delivery_address if delivery_channel == DeliveryChannel.POST else "ダウンロードリンク"
            )
            complete_reissue_case(
                actor=actor,
                case=case,
                summary=f"証券を再発行した(帳票番号 {number}、{version - 1}回目、{channel_label}: {destination})",
            )
    except IntegrityError as exc:
        raise ValidationError("同じ証券の再発行が同時に行われました。画面を更新して確認してください。") from exc
    return IssuedDocument(document, link, token)
