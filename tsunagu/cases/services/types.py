"""Type-specific panels: created with the case, edited by their own services, applied on completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import normalize, permissions
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Department, User
from tsunagu.customers.choices import PREFECTURES, NameChangeReason
from tsunagu.customers.services import AddressInput, address_move, customer_change_name
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod
from tsunagu.policies.models import Policy
from tsunagu.policies.services import policy_change_payment, policy_schedule_cancellation

from ..choices import CancellationOutcome, CancellationReason, CaseStatus, CaseType, ChangeKind, EventKind
from ..models import (
    CancellationRequest,
    Case,
    ChangeRequest,
    ComplaintCategory,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
    KnowledgeArticle,
    RetentionGuidance,
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
# Japanese labels of every key a 異動's new_values may hold (the case page, the timeline).
CHANGE_VALUE_LABELS: dict[str, str] = {
    "postal_code": "郵便番号",
    "prefecture": "都道府県",
    "city": "市区町村",
    "street": "町域・番地",
    "building": "建物名",
    "name": "氏名",
    "name_kana": "フリガナ",
    "family_name": "姓",
    "given_name": "名",
    "reason": "氏名変更の理由",
    "payment_method": "払込方法",
    "payment_frequency": "払込回数",
    "model_name": "車名・型式",
    "registration_number": "登録番号",
    "description": "変更内容",
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
        "recurrence_prevention",
    }
)


def can_see_complaint_sensitive(user: User) -> bool:
    return permissions.has(user, permissions.COMPLAINT_SENSITIVE)


# A premium difference beyond this (either way) is a typing error, not a mid-term change.
PREMIUM_DIFFERENCE_LIMIT = 10_000_000
# The 異動日 must lie within this many days of the day the request was received (and inside the
# policy's term when the case is about a policy).
EFFECTIVE_DATE_WINDOW_DAYS = 366
UNSET: Any = object()


def change_value_problems(sub_type: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The cleaned 異動 values and, per key of `new_values`, what is wrong with each (Japanese).

    Pure: forms use it for inline errors, the services for the final check."""
    cleaned = {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
    problems: dict[str, str] = {}
    for key, label in CHANGE_FIELDS.get(sub_type, {}).items():
        if not cleaned.get(key):
            problems[key] = f"{label}を入力してください。"
    if cleaned.get("postal_code"):
        digits = normalize.postal_code_digits(cleaned["postal_code"])
        if len(digits) != 7:
            shown = cleaned["postal_code"][:20]
            problems["postal_code"] = f"郵便番号「{shown}」は7桁の数字で入力してください(例: 100-0001)。"
        else:
            cleaned["postal_code"] = digits
    if cleaned.get("prefecture") and cleaned["prefecture"] not in PREFECTURES:
        problems["prefecture"] = f"都道府県「{cleaned['prefecture'][:20]}」はありません。47都道府県から選んでください。"
    if cleaned.get("name_kana"):
        if normalize.is_kana_reading(cleaned["name_kana"]):
            cleaned["name_kana"] = normalize.to_katakana_reading(cleaned["name_kana"])
        else:
            problems["name_kana"] = "フリガナはカタカナ(またはひらがな)で入力してください。"
    if cleaned.get("payment_method") and cleaned["payment_method"] not in PaymentMethod.values:
        problems["payment_method"] = f"払込方法「{cleaned['payment_method'][:20]}」はありません。"
    if cleaned.get("payment_frequency") and cleaned["payment_frequency"] not in PaymentFrequency.values:
        problems["payment_frequency"] = f"払込回数「{cleaned['payment_frequency'][:20]}」はありません。"
    if sub_type == ChangeKind.NAME and cleaned.get("reason", "other") not in NameChangeReason.values:
        problems["reason"] = f"氏名変更の理由「{cleaned['reason'][:20]}」はありません。"
    return cleaned, problems


def validate_change_values(sub_type: str, values: dict[str, Any]) -> dict[str, Any]:
    cleaned, problems = change_value_problems(sub_type, values)
    missing = [label for key, label in CHANGE_FIELDS.get(sub_type, {}).items() if not cleaned.get(key)]
    if missing:
        raise ValidationError({"new_values": f"変更後の内容が不足しています: {'、'.join(missing)}"})
    if problems:
        raise ValidationError(dict(problems))
    return cleaned


def change_date_problems(
    *, opened_on: dt.date, policy: Policy | None, effective_date: dt.date | None, premium_difference: int | None
) -> dict[str, str]:
    """The 異動日 within a year of the request and inside the policy's term; a sane premium difference."""
    problems: dict[str, str] = {}
    if effective_date is not None:
        window = dt.timedelta(days=EFFECTIVE_DATE_WINDOW_DAYS)
        if not opened_on - window <= effective_date <= opened_on + window:
            problems["effective_date"] = (
                f"異動日は受付日({opened_on:%Y/%m/%d})の前後1年以内で入力してください"
                f"(入力: {effective_date:%Y/%m/%d})。"
            )
        elif policy is not None and effective_date < policy.inception:
            problems["effective_date"] = f"異動日は契約の始期({policy.inception:%Y/%m/%d})以降にしてください。"
        elif policy is not None and effective_date > policy.expiry:
            problems["effective_date"] = f"異動日は契約の満期({policy.expiry:%Y/%m/%d})以前にしてください。"
    if premium_difference is not None and abs(premium_difference) > PREMIUM_DIFFERENCE_LIMIT:
        problems["premium_difference"] = (
            f"保険料差額は ±{PREMIUM_DIFFERENCE_LIMIT:,}円 以内で入力してください(入力: {premium_difference:,}円)。"
        )
    return problems


def _check_change_dates(case: Case, effective_date: dt.date | None, premium_difference: int | None) -> None:
    problems = change_date_problems(
        opened_on=case.opened_on,
        policy=case.policy,
        effective_date=effective_date,
        premium_difference=premium_difference,
    )
    if problems:
        raise ValidationError(problems)


def create_panel(*, actor: User, case: Case, extra: dict[str, Any]) -> None:
    """Create the type panel for a new case (inside case_create's transaction)."""
    if case.case_type == CaseType.CHANGE:
        new_values = validate_change_values(case.sub_type, extra.get("new_values") or {})
        _check_change_dates(case, extra.get("effective_date"), extra.get("premium_difference"))
        save(
            ChangeRequest(
                case=case,
                new_values=new_values,
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
    effective_date: dt.date | None = UNSET,
    premium_difference: int | None = UNSET,
    expected_version: int | None = None,
) -> ChangeRequest:
    """Correct the 異動 details while the case is open (checked as at intake). Arguments left out
    stay as they are; None clears the date or the premium difference. Only real changes are
    recorded (history row and a timeline entry naming each item before → after)."""
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        change = ChangeRequest.objects.get(case=case)
        if change.applied_at is not None or not case.is_open:
            raise ValidationError("この異動は既に反映済み、または案件が完了・取下げ済みのため変更できません。")
        values = change.new_values if new_values is None else validate_change_values(case.sub_type, new_values)
        date = change.effective_date if effective_date is UNSET else effective_date
        premium = change.premium_difference if premium_difference is UNSET else premium_difference
        _check_change_dates(case, date, premium)
        changed: list[str] = []
        for key in sorted(set(change.new_values) | set(values)):
            before, after = change.new_values.get(key, ""), values.get(key, "")
            if before != after:
                changed.append(f"{change_value_label(key)}: {before or '—'} → {after or '—'}")
        if date != change.effective_date:
            changed.append(f"異動日: {_ymd(change.effective_date)} → {_ymd(date)}")
        if premium != change.premium_difference:
            old_label = change.premium_difference_label
            change.premium_difference = premium
            changed.append(f"保険料差額: {old_label} → {change.premium_difference_label}")
        if not changed:
            raise ValidationError("変更された項目はありません。")
        change.new_values, change.effective_date = values, date
        save(change, actor)
        bump(case, actor)
        event(case, actor, EventKind.DETAIL, "異動内容を訂正した", body="\n".join(changed), data={"changed": changed})
    return change


def _ymd(day: dt.date | None) -> str:
    return f"{day:%Y/%m/%d}" if day else "—"


def change_value_label(key: str) -> str:
    return CHANGE_VALUE_LABELS.get(key, key)


def current_values(case: Case) -> dict[str, str]:
    """What the 異動 replaces, as it stands now (kept on the request when it is applied)."""
    if case.sub_type == ChangeKind.ADDRESS:
        address = case.customer.addresses.filter(is_primary=True).first() or case.customer.addresses.first()
        if address is None:
            return {}
        keys = ("postal_code", "prefecture", "city", "street", "building")
        return {key: str(getattr(address, key)) for key in keys if getattr(address, key)}
    if case.sub_type == ChangeKind.NAME:
        return {"name": case.customer.name, "name_kana": case.customer.name_kana}
    if case.sub_type == ChangeKind.PAYMENT and case.policy is not None:
        return {"payment_method": case.policy.payment_method, "payment_frequency": case.policy.payment_frequency}
    return {}


def apply_change(*, actor: User, case: Case, today: dt.date | None = None) -> None:
    """On completion: write the change through the customers/policies services (history kept).

    A 異動 dated after today is not applied yet: it stays 反映予定 (applied_at empty) and
    `changes_apply_due` (the daily `apply_scheduled_changes` command) applies it on its 異動日.
    Applying twice does nothing."""
    change = ChangeRequest.objects.select_for_update().get(case=case)
    if change.applied_at is not None:
        return
    today = today or timezone.localdate()
    if change.effective_date is not None and change.effective_date > today:
        event(
            case,
            actor,
            EventKind.DETAIL,
            f"異動日 {change.effective_date:%Y/%m/%d} に反映する予定とした(反映予定)",
            data={"scheduled_on": change.effective_date.isoformat()},
        )
        return
    values = validate_change_values(case.sub_type, change.new_values)
    on = change.effective_date or today
    customer = case.customer
    change.previous_values = current_values(case)
    if case.sub_type == ChangeKind.ADDRESS:
        address_move(
            actor=actor,
            customer=customer,
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


def changes_apply_due(*, actor: User, today: dt.date | None = None) -> list[Case]:
    """The daily job: completed 異動 whose 異動日 has come are applied (history kept, a 変更反映
    entry on the case). Idempotent: applied ones have applied_at and are not read again."""
    today = today or timezone.localdate()
    due = (
        ChangeRequest.objects.filter(
            applied_at__isnull=True, case__status=CaseStatus.COMPLETED, effective_date__lte=today
        )
        .select_related("case", "case__customer", "case__policy")
        .order_by("effective_date", "pk")
    )
    applied: list[Case] = []
    for change in due:
        with transaction.atomic():
            apply_change(actor=actor, case=change.case, today=today)
        applied.append(change.case)
    return applied


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


def inquiry_link_article(
    *, actor: User, case: Case, article_id: int, linked: bool = True, expected_version: int | None = None
) -> InquiryDetail:
    """Link (or unlink) one published FAQ article to an inquiry, found by searching it."""
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        inquiry = InquiryDetail.objects.get(case=case)
        article = KnowledgeArticle.objects.filter(pk=article_id, is_published=True).first()
        if article is None:
            raise ValidationError("そのFAQは見つからないか、公開されていません。")
        is_linked = inquiry.articles.filter(pk=article.pk).exists()
        if linked == is_linked:
            raise ValidationError("このFAQは既に紐付いています。" if linked else "このFAQは紐付いていません。")
        if linked:
            inquiry.articles.add(article)
        else:
            inquiry.articles.remove(article)
        save(inquiry, actor)  # a history row with the new set of articles
        bump(case, actor)
        verb = "紐付けた" if linked else "紐付けを外した"
        event(case, actor, EventKind.DETAIL, f"FAQ「{article.title}」を{verb}", data={"article": article.pk})
    return inquiry


def complaint_update(
    *, actor: User, case: Case, expected_version: int | None = None, **changes: Any
) -> ComplaintDetail:
    """Update the complaint record. Only values that really differ are written and logged (a
    save that changes nothing records nothing); an empty value clears the item. The 説明日 cannot
    lie in the future or before the complaint was received; setting it records who explained,
    clearing it clears that too."""
    unknown = set(changes) - COMPLAINT_EDITABLE - {"departments_involved"}
    if unknown:
        raise ValidationError(f"変更できない項目です: {', '.join(sorted(unknown))}")
    if set(changes) & set(ComplaintDetail.SENSITIVE_FIELDS) and not can_see_complaint_sensitive(actor):
        raise PermissionDenied("事実確認メモは苦情対応担当とコンプライアンスだけが入力できます。")
    with transaction.atomic():
        case = lock_case(actor, case, expected_version)
        complaint = ComplaintDetail.objects.get(case=case)
        departments: list[Department] | None = changes.pop("departments_involved", None)
        explained_on = changes.get("explained_on", complaint.explained_on)
        if explained_on is not None and explained_on > timezone.localdate():
            raise ValidationError({"explained_on": "説明日に未来の日付は入力できません。"})
        if explained_on is not None and explained_on < case.opened_on:
            raise ValidationError(
                {"explained_on": f"説明日は苦情の受付日({case.opened_on:%Y/%m/%d})以降にしてください。"}
            )
        changed: list[str] = []
        for name, raw in changes.items():
            value: Any = raw.strip() if isinstance(raw, str) else raw
            if name in ("category", "explained_by"):
                current = getattr(complaint, f"{name}_id")
                new = getattr(value, "pk", value)
            else:
                current, new = getattr(complaint, name), value
            if current != new:
                setattr(complaint, name, value)
                changed.append(name)
        if "explained_on" in changed and "explained_by" not in changes:
            complaint.explained_by = actor if complaint.explained_on else None
        if departments is not None and {d.pk for d in departments} != set(
            complaint.departments_involved.values_list("pk", flat=True)
        ):
            changed.append("departments_involved")
        if not changed:
            return complaint
        save(complaint, actor)
        bump(case, actor)
        if departments is not None:
            complaint.departments_involved.set(departments)
        # Sensitive values stay out of the timeline: only which fields changed is recorded.
        labels = [str(getattr(ComplaintDetail._meta.get_field(name), "verbose_name", name)) for name in sorted(changed)]
        event(case, actor, EventKind.DETAIL, f"苦情の記録を更新した: {'、'.join(labels)}", data={"changed": changed})
    return complaint


def cancellation_record(
    *,
    actor: User,
    case: Case,
    offer_made: str = "",
    outcome: str = "",
    effective_date: dt.date | None = None,
    refund_note: str = "",
    guidance_used: RetentionGuidance | None = None,
    expected_version: int | None = None,
) -> CancellationRequest:
    """Record the guidance given and the customer's decision (respected as given).

    `guidance_used` is the retention guidance (talk point) the operator mainly used: one offered for
    the request's reason and the policy's line (or kept as it was, even if since deactivated)."""
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
        if guidance_used is not None and guidance_used.pk != request.guidance_used_id:
            problem = guidance_problem(case=case, request=request, guidance=guidance_used)
            if problem:
                raise ValidationError({"guidance_used": problem})
        request.offer_made = offer_made.strip()
        request.guidance_used = guidance_used
        request.outcome = outcome
        request.effective_date = effective_date
        request.refund_note = refund_note.strip()
        save(request, actor)
        bump(case, actor)
        label = request.get_outcome_display() if outcome else "未定"
        used = f"(使用したご案内: {guidance_used.title})" if guidance_used is not None else ""
        event(case, actor, EventKind.DETAIL, f"解約申出の結果を記録した: {label}{used}", body=request.offer_made)
    return request


def guidance_problem(*, case: Case, request: CancellationRequest, guidance: RetentionGuidance) -> str:
    """Why this guidance cannot be recorded as used on this request ("" when it can)."""
    line = case.policy.line if case.policy else ""
    if guidance.reason != request.reason or guidance.line not in ("", line):
        return f"「{guidance.title}」はこの解約理由・保険種目のご案内ではありません。"
    if not guidance.is_active:
        return f"「{guidance.title}」は現在使われていないご案内です。"
    return ""


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
