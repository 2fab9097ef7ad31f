"""Forms parse input only; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from tsunagu.core.input import BIGINT_MAX, TextCheckedForm
from tsunagu.core.models import Department, User
from tsunagu.customers.choices import PREFECTURE_CHOICES, NameChangeReason
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod
from tsunagu.policies.models import Policy

from . import adr
from .choices import (
    AdrResult,
    CancellationOutcome,
    CancellationReason,
    CaseChannel,
    CaseStatus,
    CaseType,
    ChangeKind,
    IdentityDocument,
    Priority,
    VerificationMethod,
)
from .models import Case, ChangeRequest, ComplaintCategory, ComplaintDetail, RetentionGuidance
from .services.types import PREMIUM_DIFFERENCE_LIMIT, change_date_problems, change_value_problems
from .workflow import ACCIDENT_TYPES, SUB_TYPES

DATE = forms.DateInput(attrs={"type": "date"})


def _policy_label(policy: Policy) -> str:
    return f"{policy.number} {policy.get_line_display()} {policy.get_status_display()}"


# The 異動 fields of the intake and the correction forms, and the new_values key each one holds.
CHANGE_FIELD_KEYS: dict[str, str] = {
    "new_postal_code": "postal_code",
    "new_prefecture": "prefecture",
    "new_city": "city",
    "new_street": "street",
    "new_building": "building",
    "new_name": "name",
    "new_name_kana": "name_kana",
    "name_reason": "reason",
    "new_payment_method": "payment_method",
    "new_payment_frequency": "payment_frequency",
    "new_model_name": "model_name",
    "new_registration_number": "registration_number",
    "change_description": "description",
}
KEY_FIELDS = {key: name for name, key in CHANGE_FIELD_KEYS.items()}
# Which fields belong to which 異動 (only those are kept in new_values).
CHANGE_FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    ChangeKind.ADDRESS: ("new_postal_code", "new_prefecture", "new_city", "new_street", "new_building"),
    ChangeKind.NAME: ("new_name", "new_name_kana", "name_reason"),
    ChangeKind.PAYMENT: ("new_payment_method", "new_payment_frequency"),
    ChangeKind.VEHICLE: ("new_model_name", "new_registration_number", "change_description"),
    ChangeKind.COVERAGE: ("change_description",),
    ChangeKind.OTHER: ("change_description",),
}


class ChangeFieldsForm(TextCheckedForm):
    """The 異動 details: new values per kind, the 異動日 and the premium difference."""

    new_postal_code = forms.CharField(
        label="新しい郵便番号", required=False, max_length=10, help_text="7桁(例: 100-0001)"
    )
    new_prefecture = forms.ChoiceField(label="新しい都道府県", choices=[("", "—"), *PREFECTURE_CHOICES], required=False)
    new_city = forms.CharField(label="新しい市区町村", required=False, max_length=100)
    new_street = forms.CharField(label="新しい町域・番地", required=False, max_length=200)
    new_building = forms.CharField(label="新しい建物名", required=False, max_length=200)
    new_name = forms.CharField(label="新しい氏名", required=False, max_length=100)
    new_name_kana = forms.CharField(label="新しいフリガナ", required=False, max_length=100)
    name_reason = forms.ChoiceField(label="氏名変更の理由", choices=NameChangeReason.choices, required=False)
    new_payment_method = forms.ChoiceField(
        label="新しい払込方法", choices=[("", "—"), *PaymentMethod.choices], required=False
    )
    new_payment_frequency = forms.ChoiceField(
        label="新しい払込回数", choices=[("", "変更なし"), *PaymentFrequency.choices], required=False
    )
    new_model_name = forms.CharField(label="新しい車名・型式", required=False, max_length=100)
    new_registration_number = forms.CharField(label="新しい登録番号", required=False, max_length=50)
    change_description = forms.CharField(label="変更内容", required=False, max_length=500)
    premium_difference = forms.IntegerField(
        label="保険料差額(円, +追徴/−返戻)",
        required=False,
        min_value=-PREMIUM_DIFFERENCE_LIMIT,
        max_value=PREMIUM_DIFFERENCE_LIMIT,
    )
    effective_date = forms.DateField(label="異動日", required=False, widget=DATE)

    def change_kind(self) -> str:
        """Which 異動 the form holds: the intake form reads its 区分, the correction form its case's."""
        raise NotImplementedError  # abstract: both subclasses define it

    def change_values(self) -> dict[str, str]:
        """new_values for the chosen kind (the fields of other kinds are ignored)."""
        data = self.cleaned_data
        names = CHANGE_FIELDS_BY_KIND.get(self.change_kind(), ())
        values = {CHANGE_FIELD_KEYS[name]: data.get(name) or "" for name in names}
        if self.change_kind() == ChangeKind.NAME:
            values["reason"] = values.get("reason") or NameChangeReason.OTHER
        return {k: v for k, v in values.items() if v}

    def check_change(self, *, opened_on: dt.date, policy: Policy | None) -> None:
        """Inline errors for what the service would refuse (the same pure checks)."""
        kind = self.change_kind()
        if not kind:
            return
        _cleaned, problems = change_value_problems(kind, self.change_values())
        problems.update(
            change_date_problems(
                opened_on=opened_on,
                policy=policy,
                effective_date=self.cleaned_data.get("effective_date"),
                premium_difference=self.cleaned_data.get("premium_difference"),
            )
        )
        for key, message in problems.items():
            field = KEY_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else None, message)


ACCIDENT_FIELDS = (
    "occurred_at",
    "place",
    "accident_type",
    "accident_description",
    "parties",
    "injuries",
    "police_report_number",
    "agency_first_contact",
)


# Filled in before the service is called, each error beside its own box.
ACCIDENT_REQUIRED = {
    "occurred_at": "事故日時",
    "place": "事故場所",
    "accident_type": "事故の種類",
    "accident_description": "事故状況",
}
# Types with their own content box: the common 内容 is labelled as a memo (help text says which).
OWN_CONTENT_TYPES: dict[str, str] = {
    CaseType.INQUIRY: "お問い合わせ内容とは別に残しておくこと(任意。お客さまのご質問は「お問い合わせ内容」へ)",
    CaseType.ACCIDENT: "事故状況とは別に残しておくこと(任意。事故の内容は「事故状況」へ)",
}


def complaint_category_choices() -> list[tuple[Any, Any]]:
    """苦情分類 grouped by 大分類 in display order (<optgroup>); a 大分類 without active 小分類 is an
    option of its own."""
    categories = list(ComplaintCategory.objects.filter(is_active=True).order_by("order", "code"))
    children: dict[int, list[ComplaintCategory]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list[tuple[Any, Any]] = [("", "—")]
    for category in categories:
        if category.parent_id:
            continue
        kids = children.pop(category.pk, [])
        if kids:
            choices.append((category.name, [(kid.pk, kid.name) for kid in kids]))
        else:
            choices.append((category.pk, category.name))
    for kids in children.values():  # children of an inactive parent: listed with their full name
        choices.extend((kid.pk, str(kid)) for kid in kids)
    return choices


class CaseCreateForm(ChangeFieldsForm):
    """Common fields plus the fields of the chosen type (the template shows only those)."""

    channel = forms.ChoiceField(label="受付チャネル", choices=CaseChannel.choices)
    policy = forms.ModelChoiceField(label="契約", queryset=Policy.objects.none(), required=False)
    sub_type = forms.ChoiceField(label="区分", required=False)
    subject = forms.CharField(label="件名", max_length=200)
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    priority = forms.ChoiceField(label="優先度", choices=Priority.choices, initial=Priority.NORMAL)
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
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.choices = complaint_category_choices()
        if case_type in OWN_CONTENT_TYPES:
            # The type has its own content box (お問い合わせ内容, 事故状況): the common one is a memo.
            self.fields["description"].label = "対応メモ"
            self.fields["description"].help_text = OWN_CONTENT_TYPES[case_type]
        type_field = self.fields["accident_type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [("", "—")] + [
            (t, f"{t}({line_label})")
            for line, line_label in (("auto", "自動車"), ("fire", "火災"), ("personal_accident", "傷害"))
            for t in ACCIDENT_TYPES[line]
        ]

    def change_kind(self) -> str:
        return str(self.cleaned_data.get("sub_type") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.case_type == CaseType.CHANGE:
            self.check_change(opened_on=timezone.localdate(), policy=self.cleaned_data.get("policy"))
        elif self.case_type == CaseType.ACCIDENT:
            # Each missing accident item beside its own box (the service's "description" is 事故状況,
            # which on this form is accident_description, not the common 内容).
            for name, label in ACCIDENT_REQUIRED.items():
                value = self.cleaned_data.get(name)
                if name not in self.errors and (value is None or not str(value).strip()):
                    self.add_error(name, f"{label}を入力してください。")
        return cleaned

    def extra(self) -> dict[str, Any]:
        """The type-specific values for services.case_create."""
        data = self.cleaned_data
        if self.case_type == CaseType.CHANGE:
            return {
                "new_values": self.change_values(),
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


class ChangeEditForm(VersionedForm, ChangeFieldsForm):
    """Correcting the 異動 details of an open case: only the fields of its kind are shown."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        keep = {*CHANGE_FIELDS_BY_KIND.get(case.sub_type, ()), "effective_date", "premium_difference", "version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @classmethod
    def initial_for(cls, case: Case, change: ChangeRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {
            KEY_FIELDS[key]: value for key, value in change.new_values.items() if key in KEY_FIELDS
        }
        return {
            **initial,
            "effective_date": change.effective_date,
            "premium_difference": change.premium_difference,
            "version": case.version,
        }

    def change_kind(self) -> str:
        return self.case.sub_type

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        self.check_change(opened_on=self.case.opened_on, policy=self.case.policy)
        return cleaned


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label="担当者", queryset=User.objects.none(), required=False, empty_label="未割当(担当者を外す)"
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in candidates]).order_by("display_name", "username")


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(label="次の状態", choices=CaseStatus.choices)
    note = forms.CharField(label="メモ", required=False)
    resolution_summary = forms.CharField(label="対応結果", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class HandoffForm(VersionedForm):
    department = forms.ModelChoiceField(
        label="取次先", queryset=Department.objects.order_by("code"), empty_label="— 部署を選んでください —"
    )
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
    """The answer; FAQ articles are linked by searching them on the case page (case_faq)."""

    answer = forms.CharField(label="回答", widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintForm(VersionedForm):
    """Shows the current record: an emptied field clears the item (the service logs real changes)."""

    SENSITIVE_ON_FORM = ("fact_finding",)  # the ADR record has its own panel (AdrReferForm …)

    fact_finding = forms.CharField(label="事実確認メモ(機微)", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cause = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    countermeasure = forms.CharField(label="対策", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    explained_on = forms.DateField(
        label="説明日", required=False, widget=DATE, help_text="お客さまに説明した日(空欄にすると未説明に戻ります)"
    )
    apologized = forms.BooleanField(label="お詫び", required=False)
    recurrence_prevention = forms.CharField(label="再発防止策", required=False)

    def __init__(self, *args: Any, sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:
            for name in self.SENSITIVE_ON_FORM:
                del self.fields[name]

    @classmethod
    def initial_for(cls, complaint: ComplaintDetail) -> dict[str, Any]:
        names = [name for name in cls.base_fields if name != "version"]
        return {name: getattr(complaint, name) for name in names}

    def clean_explained_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data["explained_on"]
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError("説明日に未来の日付は入力できません。")
        return value


class AdrReferForm(VersionedForm):
    """そんぽADRセンターからの通知: 苦情解決手続 starts. Dates are checked by the service (cases.adr)."""

    notified_on = forms.DateField(label="ADRセンターからの通知日", widget=DATE)
    lodged_on = forms.DateField(
        label="お客さまのADR申出日", widget=DATE, help_text="60日経過日はこの日から数えます(通知書に記載の受付日)。"
    )
    reference = forms.CharField(label="ADR受付番号", max_length=50)


class AdrAdvanceForm(VersionedForm):
    dispute_filed_on = forms.DateField(
        label="紛争解決手続の申立日", widget=DATE, help_text="和解案提示の目標日(4か月後)はこの日から数えます。"
    )


class AdrConcludeForm(VersionedForm):
    result = forms.ChoiceField(label="ADRの結果", choices=[("", "選択してください"), *AdrResult.choices])
    concluded_on = forms.DateField(label="終了日", widget=DATE)
    outcome_note = forms.CharField(
        label="結果の詳細(機微)", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, stage: str = "", **kwargs: Any) -> None:
        """With the procedure's stage, offer only the results that can end it (cases.adr)."""
        super().__init__(*args, **kwargs)
        allowed = adr.RESULTS_BY_STAGE.get(stage)
        if allowed:
            result = cast(forms.ChoiceField, self.fields["result"])
            result.choices = [("", "選択してください"), *((v, label) for v, label in AdrResult.choices if v in allowed)]


class InsurerReportForm(VersionedForm):
    reported_on = forms.DateField(label="保険会社への報告日", widget=DATE)


class CancellationForm(VersionedForm):
    offer_made = forms.CharField(label="ご提案した内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    guidance_used = forms.ModelChoiceField(
        label="使用したご案内",
        queryset=RetentionGuidance.objects.none(),
        required=False,
        empty_label="使用していない",
        help_text="主に使った解約防止ガイドを選んでください(解約防止分析でご案内ごとの継続率に使います)。",
        error_messages={"invalid_choice": "選んだご案内はこの申出には使えません。画面を読み込み直してください。"},
    )
    outcome = forms.ChoiceField(label="結果", choices=[("", "未定"), *CancellationOutcome.choices], required=False)
    effective_date = forms.DateField(label="解約日", required=False, widget=DATE)
    refund_note = forms.CharField(label="返戻金について", required=False)

    def __init__(self, *args: Any, guidance: list[RetentionGuidance] | None = None, **kwargs: Any) -> None:
        """`guidance`: the guidance offered for this request (and the one recorded, if any)."""
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["guidance_used"])  # type: ignore[type-arg]
        field.queryset = RetentionGuidance.objects.filter(pk__in=[g.pk for g in guidance or []]).order_by(
            "-line", "order", "id"
        )


class DeficiencyForm(TextCheckedForm):
    note = forms.CharField(label="不備内容")
