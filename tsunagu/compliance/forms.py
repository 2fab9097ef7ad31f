"""The access-log screen's search form: plain GET parameters, every problem a Japanese message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User

from .choices import AlertStatus, Conclusion, RuleCode
from .models import RuleSetting
from .reports import KINDS

# Customer numbers are "K" + nine digits (customers.models.Customer.number); the bare id is accepted too.
CUSTOMER_NUMBER = re.compile(r"^[Kk]?0*(\d{1,18})$")
DATE_ERRORS = {"invalid": "日付は 2026/12/04 の形式で、実在する日付を入力してください。"}
# The date picker sends 2026-12-04; the screens show 2026/12/04, so a typed one of those is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(
        label="利用者",
        required=False,
        max_length=150,
        help_text="ユーザー名(完全一致)または表示名の一部",
    )
    customer = forms.CharField(label="顧客番号", required=False, max_length=20, help_text="例: K000000011")
    date_from = forms.DateField(
        label="期間(開始日)",
        required=False,
        error_messages=DATE_ERRORS,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="期間(終了日)",
        required=False,
        error_messages=DATE_ERRORS,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    purpose = forms.ChoiceField(
        label="目的",
        required=False,
        choices=[("", "すべて"), *AccessPurpose.choices],
        error_messages={"invalid_choice": "目的は一覧から選んでください。"},
    )
    screen = forms.CharField(label="画面・経路", required=False, max_length=100, help_text="画面名の一部")

    def clean_customer(self) -> int | None:
        text = self.cleaned_data["customer"].strip()
        if not text:
            return None
        match = CUSTOMER_NUMBER.match(text)
        if match is None:
            raise forms.ValidationError("顧客番号は K000000011 の形式で入力してください。")
        return int(match.group(1))

    def clean_date_from(self) -> dt.date | None:
        return self._sane(self.cleaned_data["date_from"])

    def clean_date_to(self) -> dt.date | None:
        return self._sane(self.cleaned_data["date_to"])

    @staticmethod
    def _sane(value: dt.date | None) -> dt.date | None:
        if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2999, 12, 31):
            raise forms.ValidationError("日付は 2000-01-01 から 2999-12-31 の間で入力してください。")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "終了日は開始日と同じか、それより後の日付にしてください。")
        return data


# --- alerts, thresholds, reports, access-right reviews ----------------------------------------------


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状態", required=False, choices=[("open", "未結論(すべて)"), ("", "すべて"), *AlertStatus.choices]
    )
    rule = forms.ChoiceField(label="ルール", required=False, choices=[("", "すべて"), *RuleCode.choices])
    mine = forms.BooleanField(label="自分の担当だけ", required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="担当者", queryset=User.objects.none(), error_messages={"required": "担当者を選んでください。"}
    )

    def __init__(self, *args: Any, auditors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = auditors if auditors is not None else User.objects.none()  # type: ignore[attr-defined]


class AskReasonForm(forms.Form):
    question = forms.CharField(
        label="上長への照会内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "照会内容を入力してください。"},
        help_text="アラートの説明と期間は照会に自動で添えられます。",
    )


class ConcludeForm(forms.Form):
    conclusion = forms.ChoiceField(
        label="結論",
        choices=Conclusion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "結論を選んでください。"},
    )
    comment = forms.CharField(
        label="コメント",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "結論の理由をコメントに入力してください。"},
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="業務上の理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "業務上の理由を入力してください。"},
    )


class RuleSettingForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RuleSetting
        fields = [
            "rule",
            "role",
            "department",
            "agency",
            "enabled",
            "threshold",
            "factor",
            "window_days",
            "business_start",
            "business_end",
            "note",
        ]
        error_messages = {
            "threshold": {"required": "閾値を入力してください。", "invalid": "閾値は整数で入力してください。"},
            "factor": {"required": "倍率を入力してください。", "invalid": "倍率は数値で入力してください。"},
            "window_days": {"required": "日数を入力してください。", "invalid": "日数は整数で入力してください。"},
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("business_start"), data.get("business_end")
        if start is not None and end is not None and not (0 <= start < end <= 24):
            self.add_error("business_end", "業務終了は業務開始より後、24時までで入力してください。")
        return data


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="レポート", choices=list(KINDS.items()))
    customer = forms.CharField(
        label="顧客番号", required=False, max_length=20, help_text="顧客別アクセスのとき必須(例: K000000011)"
    )
    date_from = forms.DateField(
        label="期間(開始日)",
        error_messages={**DATE_ERRORS, "required": "開始日を入力してください。"},
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="期間(終了日)",
        error_messages={**DATE_ERRORS, "required": "終了日を入力してください。"},
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_customer(self) -> int | None:
        return AccessLogFilterForm.clean_customer(self)  # type: ignore[arg-type]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "終了日は開始日と同じか、それより後の日付にしてください。")
        if start and end and (end - start).days > 366:
            self.add_error("date_to", "期間は1年以内で指定してください。")
        if data.get("kind") == "who_saw" and not data.get("customer") and "customer" not in self.errors:
            self.add_error("customer", "顧客別アクセスには顧客番号を入力してください。")
        return data


class CampaignForm(forms.Form):
    title = forms.CharField(label="名称", max_length=100, error_messages={"required": "名称を入力してください。"})
    deadline = forms.DateField(
        label="期限",
        error_messages={**DATE_ERRORS, "required": "期限を入力してください。"},
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断",
        choices=[("keep", "継続"), ("revoke", "取消")],
        error_messages={"required": "継続か取消を選んでください。", "invalid_choice": "継続か取消を選んでください。"},
    )
    comment = forms.CharField(label="コメント(取消の理由)", required=False, max_length=300)
