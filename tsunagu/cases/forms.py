"""Forms parse input only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.input import BIGINT_MAX, TextCheckedForm
from tsunagu.core.models import Department
from tsunagu.customers.choices import NameChangeReason
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod
from tsunagu.policies.models import Policy

from .choices import (
    CancellationOutcome,
    CancellationReason,
    CaseChannel,
    CaseStatus,
    CaseType,
    IdentityDocument,
    Priority,
    VerificationMethod,
)
from .models import ComplaintCategory
from .workflow import ACCIDENT_TYPES, SUB_TYPES

DATE = forms.DateInput(attrs={"type": "date"})


def _policy_label(policy: Policy) -> str:
    return f"{policy.number} {policy.get_line_display()} {policy.get_status_display()}"


class CaseCreateForm(TextCheckedForm):
    """Common fields plus the fields of the chosen type (the template shows only those)."""

    channel = forms.ChoiceField(label="受付チャネル", choices=CaseChannel.choices)
    policy = forms.ModelChoiceField(label="契約", queryset=Policy.objects.none(), required=False)
    sub_type = forms.ChoiceField(label="区分", required=False)
    subject = forms.CharField(label="件名", max_length=200)
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    priority = forms.ChoiceField(label="優先度", choices=Priority.choices, initial=Priority.NORMAL)
    # 異動
    new_postal_code = forms.CharField(label="新しい郵便番号", required=False)
    new_prefecture = forms.CharField(label="新しい都道府県", required=False)
    new_city = forms.CharField(label="新しい市区町村", required=False)
    new_street = forms.CharField(label="新しい町域・番地", required=False)
    new_building = forms.CharField(label="新しい建物名", required=False)
    new_name = forms.CharField(label="新しい氏名", required=False)
    new_name_kana = forms.CharField(label="新しいフリガナ", required=False)
    name_reason = forms.ChoiceField(label="氏名変更の理由", choices=NameChangeReason.choices, required=False)
    new_payment_method = forms.ChoiceField(
        label="新しい払込方法", choices=[("", "—"), *PaymentMethod.choices], required=False
    )
    new_payment_frequency = forms.ChoiceField(
        label="新しい払込回数", choices=[("", "変更なし"), *PaymentFrequency.choices], required=False
    )
    change_description = forms.CharField(label="変更内容", required=False)
    premium_difference = forms.IntegerField(label="保険料差額(円, +追徴/−返戻)", required=False)
    effective_date = forms.DateField(label="異動日・解約日", required=False, widget=DATE)
    # 事故受付
    occurred_at = forms.DateTimeField(
        label="事故日時", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="事故場所", required=False)
    accident_type = forms.ChoiceField(label="事故の種類", required=False)
    accident_description = forms.CharField(label="事故状況", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    parties = forms.CharField(label="相手方・関係者", required=False)
    injuries = forms.CharField(label="けが人の状況", required=False)
    police_report_number = forms.CharField(label="警察届出番号", required=False)
    agency_first_contact = forms.BooleanField(label="代理店が一次受付", required=False)
    # 問い合わせ
    question = forms.CharField(label="お問い合わせ内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # 苦情
    category = forms.ModelChoiceField(
        label="苦情分類", queryset=ComplaintCategory.objects.filter(is_active=True), required=False
    )
    customer_request = forms.CharField(
        label="お客さまのご要望", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # 解約申出
    reason = forms.ChoiceField(label="解約理由", choices=[("", "—"), *CancellationReason.choices], required=False)
    reason_text = forms.CharField(label="理由の詳細", required=False)
    competitor = forms.CharField(label="乗換え先", required=False)

    def __init__(self, *args: Any, case_type: str, policies: list[Policy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case_type = case_type
        policy_field = self.fields["policy"]
        assert isinstance(policy_field, forms.ModelChoiceField)
        policy_field.queryset = Policy.objects.filter(pk__in=[p.pk for p in policies])
        policy_field.label_from_instance = _policy_label  # type: ignore[method-assign,assignment]
        if len(policies) == 1:
            policy_field.initial = policies[0].pk
        sub_field = self.fields["sub_type"]
        assert isinstance(sub_field, forms.ChoiceField)
        sub_field.choices = list(SUB_TYPES[case_type])
        type_field = self.fields["accident_type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [("", "—")] + [
            (t, f"{t}({line_label})")
            for line, line_label in (("auto", "自動車"), ("fire", "火災"), ("personal_accident", "傷害"))
            for t in ACCIDENT_TYPES[line]
        ]

    def extra(self) -> dict[str, Any]:
        """The type-specific values for services.case_create."""
        data = self.cleaned_data
        if self.case_type == CaseType.CHANGE:
            values = {
                "postal_code": data["new_postal_code"],
                "prefecture": data["new_prefecture"],
                "city": data["new_city"],
                "street": data["new_street"],
                "building": data["new_building"],
                "name": data["new_name"],
                "name_kana": data["new_name_kana"],
                "reason": data["name_reason"] or "other",
                "payment_method": data["new_payment_method"],
                "payment_frequency": data["new_payment_frequency"],
                "description": data["change_description"],
            }
            return {
                "new_values": {k: v for k, v in values.items() if v},
                "effective_date": data["effective_date"],
                "premium_difference": data["premium_difference"],
            }
        if self.case_type == CaseType.ACCIDENT:
            return {
                "occurred_at": data["occurred_at"],
                "place": data["place"],
                "accident_type": data["accident_type"],
                "description": data["accident_description"],
                "parties": data["parties"],
                "injuries": data["injuries"],
                "police_report_number": data["police_report_number"],
                "agency_first_contact": data["agency_first_contact"],
            }
        if self.case_type == CaseType.INQUIRY:
            return {"question": data["question"]}
        if self.case_type == CaseType.COMPLAINT:
            category = data["category"]
            return {"category": category.pk if category else None, "customer_request": data["customer_request"]}
        if self.case_type == CaseType.CANCELLATION:
            return {"reason": data["reason"], "reason_text": data["reason_text"], "competitor": data["competitor"]}
        return {}


class VersionedForm(TextCheckedForm):
    """A form that changes the case: carries the case version the user saw (optimistic concurrency)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=BIGINT_MAX,
        error_messages={
            "required": "案件の版が送信されていません。画面を読み込み直してから、もう一度操作してください。",
            "invalid": "案件の版が正しくありません。画面を読み込み直してから、もう一度操作してください。",
        },
    )


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(label="次の状態", choices=CaseStatus.choices)
    note = forms.CharField(label="メモ", required=False)
    resolution_summary = forms.CharField(label="対応結果", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class HandoffForm(VersionedForm):
    department = forms.ModelChoiceField(label="取次先", queryset=Department.objects.all())
    reason = forms.CharField(label="取次の理由")


class NoteForm(TextCheckedForm):
    text = forms.CharField(label="メモ", widget=forms.Textarea(attrs={"rows": 2}))


class CallForm(TextCheckedForm):
    subject = forms.CharField(label="件名", max_length=180)
    notes = forms.CharField(label="通話内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    direction = forms.ChoiceField(label="方向", choices=[("inbound", "受信"), ("outbound", "発信")])


class IdentityForm(VersionedForm):
    method = forms.ChoiceField(label="確認方法", choices=VerificationMethod.choices)
    document_type = forms.ChoiceField(label="確認書類", choices=IdentityDocument.choices, required=False)
    note = forms.CharField(label="備考", required=False)


class InquiryAnswerForm(VersionedForm):
    answer = forms.CharField(label="回答", widget=forms.Textarea(attrs={"rows": 3}))
    articles = forms.CharField(label="参照したFAQ(ID, カンマ区切り)", required=False)

    def clean_articles(self) -> list[int]:
        """The FAQ ids as integers; anything else is a field error, not a database overflow."""
        ids: list[int] = []
        for part in self.cleaned_data["articles"].replace("、", ",").split(","):
            text = part.strip()
            if not text:
                continue
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= BIGINT_MAX):
                raise forms.ValidationError(f"FAQ の ID「{text[:30]}」は 1 以上の整数で指定してください。")
            ids.append(int(text))
        return ids


class ComplaintForm(VersionedForm):
    fact_finding = forms.CharField(label="事実確認メモ(機微)", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cause = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    countermeasure = forms.CharField(label="対策", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    explained_on = forms.DateField(label="説明日", required=False, widget=DATE)
    apologized = forms.BooleanField(label="お詫び", required=False)
    adr_referred_on = forms.DateField(label="そんぽADRセンター受付日", required=False, widget=DATE)
    adr_reference = forms.CharField(label="ADR受付番号", required=False)
    adr_outcome = forms.CharField(label="ADRの結果", required=False)
    recurrence_prevention = forms.CharField(label="再発防止策", required=False)


class CancellationForm(VersionedForm):
    offer_made = forms.CharField(label="ご提案した内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    outcome = forms.ChoiceField(label="結果", choices=[("", "未定"), *CancellationOutcome.choices], required=False)
    effective_date = forms.DateField(label="解約日", required=False, widget=DATE)
    refund_note = forms.CharField(label="返戻金について", required=False)


class DeficiencyForm(TextCheckedForm):
    note = forms.CharField(label="不備内容")
