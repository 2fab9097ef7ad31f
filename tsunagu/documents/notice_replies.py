"""Customers' answers to 契約内容のお知らせ. 変更あり opens a 異動 case and the agency gets a task."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tsunagu.cases.choices import CaseChannel, CaseType, ChangeKind
from tsunagu.cases.services import CaseInput, case_add_task, case_create
from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.policies.models import Policy

from .choices import DocumentType
from .models import ContractNoticeReply, Document
from .notice_sheet import CHANGE_TRIGGERS


def contract_notice_reply_record(
    *,
    actor: User,
    document: Document,
    has_changes: bool,
    triggers: list[str] | None = None,
    note: str = "",
    channel: str = CaseChannel.POST,
) -> ContractNoticeReply:
    """Record the reply once per notice. 変更あり: a 異動 case (その他, with the ticked items) is
    opened through the cases services, and the agency (or the case's queue) gets a follow-up task."""
    triggers = list(dict.fromkeys(triggers or []))
    unknown = [t for t in triggers if t not in CHANGE_TRIGGERS]
    if unknown:
        raise ValidationError({"triggers": f"確認項目にない変更です: {'、'.join(unknown)}"})
    if has_changes and not triggers and not note.strip():
        raise ValidationError({"triggers": "変更ありの場合は、該当する項目か変更内容を入力してください。"})
    if not has_changes and triggers:
        raise ValidationError({"triggers": "変更なしの回答に変更項目は指定できません。"})
    with transaction.atomic():
        notice = (
            Document.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("policy", "customer")
            .filter(pk=document.pk, doc_type=DocumentType.CONTRACT_NOTICE)
            .first()
        )
        if notice is None or notice.policy is None:
            raise PermissionDenied("この契約内容のお知らせを扱う権限がありません。")
        if not Policy.objects.visible_to(actor).filter(pk=notice.policy.pk).exists():
            raise PermissionDenied("この契約を扱う権限がありません。")
        existing = ContractNoticeReply.objects.filter(document=notice).select_related("case").first()
        if existing is not None:
            where = f"(異動案件 {existing.case.number})" if existing.case else ""
            raise ValidationError(f"このお知らせへの回答は既に記録されています{where}。")
        labels = [CHANGE_TRIGGERS[t][0] for t in triggers]
        case = None
        if has_changes:
            description = f"契約内容のお知らせ({notice.number})へのご回答: 変更あり({'、'.join(labels) or '記入あり'})"
            if note.strip():
                description += f"\nお客さまの記入: {note.strip()}"
            case = case_create(
                actor=actor,
                data=CaseInput(
                    case_type=CaseType.CHANGE,
                    sub_type=ChangeKind.OTHER,
                    channel=channel,
                    customer=notice.customer,
                    policy=notice.policy,
                    subject=f"契約内容のお知らせ回答(変更あり): {'、'.join(labels) or '記入あり'}",
                    description=description,
                    extra={"new_values": {"description": description}},
                ),
            )
            agency = notice.policy.agency
            who = f"代理店「{agency.name}」" if agency else "担当部署"
            case_add_task(
                actor=actor,
                case=case,
                title=f"{who}: お知らせへの変更ありのご回答についてお客さまに連絡し、変更内容を確認する",
                due_days=3,
                department=None if agency else case.department,
            )
        reply = ContractNoticeReply(
            document=notice,
            has_changes=has_changes,
            triggers=triggers,
            note=note.strip(),
            case=case,
            recorded_by=actor,
        )
        writes.save(reply, actor=actor, clean=False)
        record_event(
            actor=actor,
            action=AuditAction.DOCUMENT_RECORD_NOTICE_REPLY,
            target=notice,
            summary=f"契約内容のお知らせ {notice.number} の回答を記録した"
            f"({'変更あり: ' + '、'.join(labels) if has_changes else '変更なし'}"
            f"{'、異動案件 ' + case.number if case else ''})",
            data={"triggers": triggers, "case": case.number if case else None},
        )
    return reply
