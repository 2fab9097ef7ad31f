"""Type-specific panels: created with the case, edited by their own services, applied on completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Department, User
from tsunagu.customers.choices import NameChangeReason
from tsunagu.customers.services import AddressInput, address_add, customer_change_name
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod
from tsunagu.policies.services import policy_change_payment, policy_schedule_cancellation

from ..choices import CancellationOutcome, CancellationReason, CaseType, ChangeKind, EventKind
from ..models import (
    CancellationRequest,
    Case,
    ChangeRequest,
    ComplaintCategory,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
    KnowledgeArticle,
)
from .accident import accident_panel
from .common import bump, event, lock_case, save

# Keys each 異動 sub-type needs in new_values, with their labels for messages.
CHANGE_FIELDS: dict[str, dict[str, str]] = {
    ChangeKind.ADDRESS: {
        "postal_code": "郵便番号",
        "prefecture": "都道府県",
        "city": "市区町村",
        "street": "町域・番地",
    },
    ChangeKind.NAME: {"name": "新しい氏名", "name_kana": "新しいフリガナ"},
    ChangeKind.PAYMENT: {"payment_method": "払込方法"},
    ChangeKind.VEHICLE: {"model_name": "新しい車名・型式", "registration_number": "新しい登録番号"},
    ChangeKind.COVERAGE: {"description": "変更する補償の内容"},
    ChangeKind.OTHER: {"description": "変更内容"},
}
COMPLAINT_EDITABLE = frozenset(
    {
        "category",
        "customer_request",
        "fact_finding",
        "cause",
        "countermeasure",
        "explained_on",
        "explained_by",
        "apologized",
        "adr_referred_on",
        "adr_reference",
        "adr_outcome",
        "recurrence_prevention",
    }
)


def can_see_complaint_sensitive(user: User) -> bool:
    return permissions.has(user, permissions.COMPLAINT_SENSITIVE)


def validate_change_values(sub_type: str, values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
    missing = [label for key, label in CHANGE_FIELDS.get(sub_type, {}).items() if not cleaned.get(key)]
    if missing:
        raise ValidationError({"new_values": f"変更後の内容が不足しています: {'、'.join(missing)}"})
    if sub_type == ChangeKind.PAYMENT:
        if cleaned["payment_method"] not in PaymentMethod.values:
            raise ValidationError({"new_values": f"払込方法「{cleaned['payment_method']}」はありません。"})
        if cleaned.get("payment_frequency") and cleaned["payment_frequency"] not in PaymentFrequency.values:
            raise ValidationError({"new_values": f"払込回数「{cleaned['payment_frequency']}」はありません。"})
    if sub_type == ChangeKind.NAME and cleaned.get("reason", "other") not in NameChangeReason.values:
        raise ValidationError({"new_values": f"氏名変更の理由「{cleaned['reason']}」はありません。"})
    return cleaned


def create_panel(*, actor: User, case: Case, extra: dict[str, Any]) -> None:
    """Create the type panel for a new case (inside case_create's transaction)."""
    if case.case_type == CaseType.CHANGE:
        save(
            ChangeRequest(
                case=case,
                new_values=validate_change_values(case.sub_type, extra.get("new_values") or {}),
                effective_date=extra.get("effective_date"),
                premium_difference=extra.get("premium_difference"),
            ),
            actor,
        )
    elif case.case_type == CaseType.ACCIDENT:
        accident_panel(actor=actor, case=case, extra=extra)
    elif case.case_type == CaseType.INQUIRY:
        save(
            InquiryDetail(
                case=case,
                category=case.sub_type or "other",
                question=(extra.get("question") or case.description or case.subject).strip(),
                answer=(extra.get("answer") or "").strip(),
            ),
            actor,
        )
    elif case.case_type == CaseType.COMPLAINT:
        category = extra.get("category")
        if not isinstance(category, ComplaintCategory):
            category = ComplaintCategory.objects.filter(pk=category or 0, is_active=True).first()
        if category is None:
            raise ValidationError({"category": "苦情分類を選んでください。"})
        request_text = (extra.get("customer_request") or "").strip()
        if not request_text:
            raise ValidationError({"customer_request": "お客さまのご要望を入力してください。"})
        save(ComplaintDetail(case=case, category=category, customer_request=request_text), actor)
    elif case.case_type == CaseType.CANCELLATION:
        reason = extra.get("reason") or ""
        if reason not in CancellationReason.values:
            raise ValidationError({"reason": "解約理由を選んでください。"})
        save(
            CancellationRequest(
                case=case,
                reason=reason,
                reason_text=(extra.get("reason_text") or "").strip(),
                competitor=(extra.get("competitor") or "").strip(),
            ),
            actor,
        )


def change_update(
    *,
    actor: User,
    case: Case,
    new_values: dict[str, Any] | None = None,
    effective_date: dt.date | None = None,
    premium_difference: int | None = None,
    expected_version: int | None = None,
) -> ChangeRequest:
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        change = ChangeRequest.objects.get(case=case)
        if change.applied_at is not None:
            raise ValidationError("この異動は既に反映済みのため変更できません。")
        if new_values is not None:
            change.new_values = validate_change_values(case.sub_type, new_values)
        if effective_date is not None:
            change.effective_date = effective_date
        if premium_difference is not None:
            change.premium_difference = premium_difference
        save(change, actor)
        bump(case, actor)
        event(case, actor, EventKind.DETAIL, f"異動内容を更新した(保険料差額: {change.premium_difference_label})")
    return change


def apply_change(*, actor: User, case: Case) -> None:
    """On completion: write the change through the customers/policies services (history kept)."""
    change = ChangeRequest.objects.select_for_update().get(case=case)
    values = validate_change_values(case.sub_type, change.new_values)
    on = change.effective_date or timezone.localdate()
    customer = case.customer
    if case.sub_type == ChangeKind.ADDRESS:
        address_add(
            actor=actor,
            customer=customer,
            primary=True,
            data=AddressInput(
                postal_code=values["postal_code"],
                prefecture=values["prefecture"],
                city=values["city"],
                street=values["street"],
                building=values.get("building", ""),
            ),
        )
        applied = "住所を変更した"
    elif case.sub_type == ChangeKind.NAME:
        customer_change_name(
            actor=actor,
            customer=customer,
            name=values["name"],
            name_kana=values["name_kana"],
            family_name=values.get("family_name", ""),
            given_name=values.get("given_name", ""),
            reason=NameChangeReason(values.get("reason", NameChangeReason.OTHER)),
            changed_on=on,
        )
        applied = f"氏名を「{values['name']}」に変更した"
    elif case.sub_type == ChangeKind.PAYMENT and case.policy is not None:
        policy_change_payment(
            actor=actor,
            policy=case.policy,
            payment_method=values["payment_method"],
            payment_frequency=values.get("payment_frequency") or None,
            on=on,
        )
        applied = "払込方法を変更した"
    else:
        applied = "変更内容を記録した(契約内容への反映は契約計上で行う)"
    change.applied_at = timezone.now()
    save(change, actor)
    event(
        case,
        actor,
        EventKind.APPLIED,
        f"{applied}(保険料差額: {change.premium_difference_label})",
        data={"new_values": values, "premium_difference": change.premium_difference},
        audit_action=AuditAction.CASE_APPLY_CHANGE,
    )


def identity_verify(
    *,
    actor: User,
    case: Case,
    method: str,
    document_type: str = "",
    verified_at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> IdentityVerification:
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        if case.case_type not in (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE):
            raise ValidationError("本人確認を記録できるのは証券再発行・控除証明書再発行の案件だけです。")
        if not case.is_open:
            raise ValidationError("完了・取下げ済みの案件には本人確認を記録できません。")
        verification = IdentityVerification.objects.filter(case=case).first() or IdentityVerification(case=case)
        verification.method = method
        verification.document_type = document_type
        verification.verified_by = actor
        verification.verified_at = verified_at or timezone.now()
        verification.note = note.strip()
        save(verification, actor)
        bump(case, actor)
        event(
            case,
            actor,
            EventKind.DETAIL,
            f"本人確認を記録した({verification.get_method_display()})",
            audit_action=AuditAction.CASE_VERIFY_IDENTITY,
        )
    return verification


def inquiry_answer(
    *,
    actor: User,
    case: Case,
    answer: str,
    article_ids: list[int] | None = None,
    expected_version: int | None = None,
) -> InquiryDetail:
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        inquiry = InquiryDetail.objects.get(case=case)
        inquiry.answer = answer.strip()
        save(inquiry, actor)
        bump(case, actor)
        if article_ids is not None:
            inquiry.articles.set(KnowledgeArticle.objects.filter(pk__in=article_ids, is_published=True))
        event(case, actor, EventKind.DETAIL, "回答を記録した", body=inquiry.answer)
    return inquiry


def complaint_update(
    *, actor: User, case: Case, expected_version: int | None = None, **changes: Any
) -> ComplaintDetail:
    unknown = set(changes) - COMPLAINT_EDITABLE - {"departments_involved"}
    if unknown:
        raise ValidationError(f"変更できない項目です: {', '.join(sorted(unknown))}")
    if set(changes) & set(ComplaintDetail.SENSITIVE_FIELDS) and not can_see_complaint_sensitive(actor):
        raise PermissionDenied("事実確認メモ・ADRの記録は苦情対応担当とコンプライアンスだけが入力できます。")
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        complaint = ComplaintDetail.objects.get(case=case)
        departments: list[Department] | None = changes.pop("departments_involved", None)
        for name, value in changes.items():
            setattr(complaint, name, value.strip() if isinstance(value, str) else value)
        save(complaint, actor)
        bump(case, actor)
        if departments is not None:
            complaint.departments_involved.set(departments)
        # Sensitive values stay out of the timeline: only which fields changed is recorded.
        labels = [str(getattr(ComplaintDetail._meta.get_field(name), "verbose_name", name)) for name in sorted(changes)]
        event(case, actor, EventKind.DETAIL, f"苦情の記録を更新した: {'、'.join(labels) or '関係部署'}")
    return complaint


def cancellation_record(
    *,
    actor: User,
    case: Case,
    offer_made: str = "",
    outcome: str = "",
    effective_date: dt.date | None = None,
    refund_note: str = "",
    expected_version: int | None = None,
) -> CancellationRequest:
    """Record the guidance given and the customer's decision (respected as given)."""
    errors: dict[str, str] = {}
    if outcome and outcome not in CancellationOutcome.values:
        errors["outcome"] = f"結果「{outcome}」はありません。"
    if outcome == CancellationOutcome.CANCELLED and effective_date is None:
        errors["effective_date"] = "解約の場合は解約日を入力してください。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        if effective_date is not None and effective_date < case.opened_on:
            raise ValidationError(
                {
                    "effective_date": f"解約日は申出日({case.opened_on:%Y/%m/%d})以降にしてください"
                    "(遡っての解約はできません)。"
                }
            )
        request = CancellationRequest.objects.get(case=case)
        request.offer_made = offer_made.strip()
        request.outcome = outcome
        request.effective_date = effective_date
        request.refund_note = refund_note.strip()
        save(request, actor)
        bump(case, actor)
        label = request.get_outcome_display() if outcome else "未定"
        event(case, actor, EventKind.DETAIL, f"解約申出の結果を記録した: {label}", body=request.offer_made)
    return request


def apply_cancellation(*, actor: User, case: Case) -> None:
    request = CancellationRequest.objects.get(case=case)
    if request.outcome == CancellationOutcome.CANCELLED and case.policy is not None and request.effective_date:
        # The cancellation takes effect on its date (stored on the policy); until then the policy
        # stays 有効 (解約予定). See docs/policies.md.
        policy = policy_schedule_cancellation(
            actor=actor, policy=case.policy, on=request.effective_date, reason=f"案件 {case.number}"
        )
        basis = policy.refund_basis_on(request.effective_date)
        when = "解約予定とした" if policy.cancellation_pending else "解約にした"
        event(
            case,
            actor,
            EventKind.APPLIED,
            f"契約 {policy.number} を{when}(解約日 {request.effective_date:%Y/%m/%d}、"
            f"返戻保険料 {basis.refund:,}円・{basis.method_label})",
            body=basis.explanation,
            audit_action=AuditAction.CASE_APPLY_CANCELLATION,
        )
