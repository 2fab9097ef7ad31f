"""Forms of the retention screen: a period from a date, a legal hold, its release. Parse input only;
the rules and their Japanese errors are in retention.py and the services."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.input import check_date_order

from .forms import date_field
from .retention_choices import HoldKind, RecordType


class PeriodForm(forms.Form):
    record_type = forms.ChoiceField(label="記録の種類", choices=RecordType.choices)
    years = forms.IntegerField(
        label="保存期間(年)",
        error_messages={"invalid": "保存期間は整数で入力してください。", "required": "保存期間を入力してください。"},
    )
    effective_from = date_field("適用開始日", required=True)
    basis = forms.CharField(label="根拠・理由", max_length=300)


class HoldForm(forms.Form):
    customer = forms.CharField(label="顧客番号", max_length=12, help_text="例: K000000123")
    case = forms.CharField(label="案件番号(任意)", max_length=20, required=False)
    kind = forms.ChoiceField(label="種類", choices=HoldKind.choices)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    starts_on = date_field("開始日", required=True)
    ends_on = date_field("終了予定日(任意)")

    def clean_customer(self) -> int:
        raw = self.cleaned_data["customer"].strip().upper().removeprefix("K")
        if not raw.isdigit():
            raise forms.ValidationError("顧客番号は K と9桁の数字で入力してください(例: K000000123)。")
        return int(raw)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_order(self, "starts_on", "ends_on")
        return data


class ReleaseForm(forms.Form):
    released_on = date_field("解除日", required=True)
    reason = forms.CharField(label="解除の理由", max_length=300, required=False)
