"""Forms of the voice screens (Japanese labels and messages; services re-check everything)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from tsunagu.cases.forms import complaint_category_choices
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.core.input import TextCheckedForm
from tsunagu.core.models import Agency, User
from tsunagu.policies.models import Policy

from .choices import ComplaintDecision, ImprovementStatus, VoiceChannel, VoiceKind
from .models import VoiceCategory
from .services import MAX_TEXT, ComplaintInput, ImprovementInput

DATE = forms.DateInput(attrs={"type": "date"})
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


def category_choices(kind: str = "") -> list[tuple[Any, Any]]:
    """Categories (of one kind, or all) grouped by level 1 (<optgroup>); a level 1 without children
    is an option itself."""
    categories = VoiceCategory.objects.filter(is_active=True).order_by("order", "code")
    if kind:
        categories = categories.filter(kind=kind)
    children: dict[int, list[VoiceCategory]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list[tuple[Any, Any]] = [("", "—")]
    for category in categories:
        if category.parent_id:
            continue
        kids = children.get(category.pk, [])
        group = [(category.pk, f"{category.name}(小分類なし)")] if kids else []
        choices.append(
            (category.name, group + [(kid.pk, kid.name) for kid in kids]) if kids else (category.pk, category.name)
        )
    return choices


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Choices known only per request (the user's policies, categories); the field is a ChoiceField."""
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class CategoryField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def clean(self, value: Any) -> VoiceCategory | None:
        pk = super().clean(value)
        return VoiceCategory.objects.filter(pk=pk, is_active=True).select_related("parent").first() if pk else None


class ComplaintFields(TextCheckedForm):
    """「苦情として扱いますか」 (shown for 不満 voices)."""

    decision = forms.ChoiceField(
        label="苦情として扱いますか",
        choices=ComplaintDecision.choices,
        initial=ComplaintDecision.UNDECIDED,
        widget=forms.RadioSelect,
        required=False,
        help_text="「苦情として対応」を選ぶと苦情案件を開き、この声に紐付けます(顧客の指定が必要です)。",
    )
    complaint_category = forms.TypedChoiceField(label="苦情分類", coerce=int, empty_value=None, required=False)
    customer_request = forms.CharField(
        label="お客さまのご要望", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "complaint_category", complaint_category_choices())

    def complaint_input(self) -> ComplaintInput:
        data = self.cleaned_data
        category = (
            ComplaintCategory.objects.filter(pk=data["complaint_category"], is_active=True).first()
            if data.get("complaint_category")
            else None
        )
        return ComplaintInput(
            decision=data.get("decision") or ComplaintDecision.UNDECIDED,
            category=category,
            customer_request=data.get("customer_request") or "",
        )


class VoiceForm(ComplaintFields):
    received_on = forms.DateField(label="受付日", widget=DATE)
    channel = forms.ChoiceField(label="受付経路", choices=[("", "—"), *VoiceChannel.choices])
    category = CategoryField(label="分類")
    text = forms.CharField(
        label="お客様の声",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="お客さまのおっしゃったことを、言葉のまま記録してください。",
    )
    policy = forms.TypedChoiceField(label="契約", coerce=int, empty_value=None, required=False)
    case = forms.TypedChoiceField(label="関連する案件", coerce=int, empty_value=None, required=False)
    agent = forms.TypedChoiceField(label="対応した担当者", coerce=int, empty_value=None, required=False)

    field_order = ["received_on", "channel", "category", "text", "policy", "case", "agent"]

    def __init__(
        self,
        *args: Any,
        policies: list[Policy] | None = None,
        cases: list[Case] | None = None,
        agents: list[User] | None = None,
        complaint: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        _set_choices(self, "category", category_choices())
        self._policies = {p.pk: p for p in policies or []}
        self._cases = {c.pk: c for c in cases or []}
        self._agents = {u.pk: u for u in agents or []}
        _set_choices(self, "policy", [("", "—"), *((p.pk, f"{p.number} {p.product}") for p in policies or [])])
        _set_choices(self, "case", [("", "—"), *((c.pk, f"{c.number} {c.subject}") for c in cases or [])])
        _set_choices(self, "agent", [("", "—"), *((u.pk, u.display_name or u.username) for u in agents or [])])
        if not policies:
            del self.fields["policy"]
        if not cases:
            del self.fields["case"]
        if not complaint:
            for name in ("decision", "complaint_category", "customer_request"):
                del self.fields[name]

    def clean_received_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("受付日に未来の日付は指定できません。")
        return day

    def chosen(self, name: str) -> Any:
        pk = self.cleaned_data.get(name)
        lookups: dict[str, dict[int, Any]] = {"policy": self._policies, "case": self._cases, "agent": self._agents}
        lookup = lookups[name]
        return lookup.get(pk) if pk else None


class ProposalForm(ComplaintFields):
    category = CategoryField(label="分類(不満)")

    field_order = ["category", "decision", "complaint_category", "customer_request"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "category", category_choices(VoiceKind.DISSATISFACTION))

    def clean_category(self) -> VoiceCategory | None:
        category: VoiceCategory | None = self.cleaned_data["category"]
        if category is None or category.kind != VoiceKind.DISSATISFACTION:
            raise forms.ValidationError("「不満」の分類を選んでください。")
        return category


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label="種類", choices=[("", "すべて"), *VoiceKind.choices], required=False)
    category = forms.TypedChoiceField(label="分類", coerce=int, empty_value=None, required=False)
    date_from = forms.DateField(label="受付日(から)", required=False, widget=DATE)
    date_to = forms.DateField(label="受付日(まで)", required=False, widget=DATE)
    agency = forms.TypedChoiceField(label="代理店", coerce=int, empty_value=None, required=False)
    channel = forms.ChoiceField(label="受付経路", choices=[("", "すべて"), *VoiceChannel.choices], required=False)
    q = forms.CharField(label="言葉", required=False, max_length=100)

    def __init__(self, *args: Any, agencies: list[Agency] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "category", [("", "すべて"), *category_choices()[1:]])
        if agencies:
            _set_choices(self, "agency", [("", "すべて"), *((a.pk, a.name) for a in agencies)])
        else:
            del self.fields["agency"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "受付日(まで)は受付日(から)以降の日付にしてください。")
        return data


class SimilarForm(forms.Form):
    text = forms.CharField(max_length=MAX_TEXT, required=False)
    exclude = forms.IntegerField(required=False, min_value=1)


class CirculationForm(TextCheckedForm):
    month = forms.DateField(label="対象月", widget=MONTH, input_formats=["%Y-%m", "%Y/%m", "%Y-%m-%d", "%Y/%m/%d"])
    note = forms.CharField(label="連絡事項", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ImprovementForm(TextCheckedForm):
    title = forms.CharField(label="改善内容", max_length=200)
    description = forms.CharField(
        label="取組の詳細", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.TypedChoiceField(label="責任者", coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状態", choices=ImprovementStatus.choices)
    planned_on = forms.DateField(label="計画日", widget=DATE)
    completed_on = forms.DateField(label="完了日", required=False, widget=DATE, help_text="状態が「完了」のとき")
    result = forms.CharField(label="結果", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    voices = forms.CharField(
        label="きっかけの声(番号)",
        required=False,
        max_length=1000,
        help_text="お客様の声の番号を空白またはカンマで区切って入力します(例: 120 131)。",
    )

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owners = {u.pk: u for u in owners}
        _set_choices(self, "owner", [("", "—"), *((u.pk, u.display_name or u.username) for u in owners)])
        self.fields["planned_on"].initial = timezone.localdate()

    def clean_voices(self) -> list[int]:
        raw = self.cleaned_data["voices"].replace(",", " ").replace("、", " ").split()
        ids = []
        for item in raw:
            if not item.isdigit() or not 1 <= int(item) <= 2**62:
                raise forms.ValidationError(f"「{item}」はお客様の声の番号ではありません。数字で入力してください。")
            ids.append(int(item))
        return list(dict.fromkeys(ids))

    def improvement_input(self) -> ImprovementInput:
        data = self.cleaned_data
        return ImprovementInput(
            title=data["title"],
            owner=self._owners[data["owner"]],
            planned_on=data["planned_on"],
            status=data["status"],
            description=data.get("description") or "",
            completed_on=data.get("completed_on"),
            result=data.get("result") or "",
        )
