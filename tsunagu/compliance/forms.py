"""The access-log screen's search form: plain GET parameters, every problem a Japanese message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.input import LAST_DAY, BoundedDateField
from tsunagu.core.models import User

from . import services
from .choices import AlertStatus, Conclusion, RuleCode
from .models import RuleSetting
from .reports import KINDS

# Customer numbers are "K" + nine digits (customers.models.Customer.number); the bare id is accepted too.
CUSTOMER_NUMBER = re.compile(r"^[Kk]?0*(\d{1,18})$")
# The compliance records start with the access log and the APPI registers: no date before 2000.
FIRST_DAY = dt.date(2000, 1, 1)


def date_field(
    label: str,
    *,
    required: bool = False,
    help_text: str = "",
    error_messages: dict[str, str] | None = None,
    **bounds: Any,
) -> BoundedDateField:
    """Every date of the compliance forms: 2000/01/01–2099/12/31 unless `bounds` narrow it
    (not_future, not_past, max_days_ahead; see core.input.BoundedDateField)."""
    bounds.setdefault("first", FIRST_DAY)
    bounds.setdefault("last", LAST_DAY)
    return BoundedDateField(
        label=label, required=required, help_text=help_text, error_messages=error_messages, **bounds
    )


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(
        label="利用者",
        required=False,
        max_length=150,
        help_text="ユーザー名(完全一致)または表示名の一部",
    )
    customer = forms.CharField(label="顧客番号", required=False, max_length=20, help_text="例: K000000011")
    date_from = date_field("期間(開始日)")
    date_to = date_field("期間(終了日)")
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


def _limit_messages(label: str, low: str, high: str, kind: str) -> dict[str, str]:
    message = f"{label}は {low} 以上 {high} 以下の{kind}で入力してください。"
    return {
        "required": f"{label}を入力してください。",
        "invalid": message,
        "min_value": message,
        "max_value": message,
        "max_digits": message,
        "max_decimal_places": f"{label}は小数第2位までで入力してください。",
        "max_whole_digits": message,
    }


class RuleSettingForm(forms.ModelForm):  # type: ignore[type-arg]
    # The ranges are services.RULE_LIMITS (checked again when the row is saved).
    threshold = forms.IntegerField(
        label="閾値(件数)",
        min_value=services.RULE_LIMITS["threshold"][0],
        max_value=services.RULE_LIMITS["threshold"][1],
        error_messages=_limit_messages("閾値", "1", "1,000,000", "整数"),
    )
    factor = forms.DecimalField(
        label="平常値に対する倍率",
        min_value=services.RULE_LIMITS["factor"][0],
        max_value=services.RULE_LIMITS["factor"][1],
        max_digits=5,
        decimal_places=2,
        error_messages=_limit_messages("倍率", "0.01", "100", "数値"),
    )
    window_days = forms.IntegerField(
        label="平常値・担当範囲を見る日数",
        min_value=services.RULE_LIMITS["window_days"][0],
        max_value=services.RULE_LIMITS["window_days"][1],
        error_messages=_limit_messages("日数", "1", "730", "整数"),
    )

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
    date_from = date_field("期間(開始日)", required=True, error_messages={"required": "開始日を入力してください。"})
    date_to = date_field("期間(終了日)", required=True, error_messages={"required": "終了日を入力してください。"})

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
    # services.review_open decides the rest: from tomorrow, at most a year ahead.
    deadline = date_field("期限", required=True, help_text="明日から1年以内の日付")


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断",
        # No default: the manager must choose (a preselected 継続 confirmed a role with one click).
        choices=[("", "選択してください"), ("keep", "継続"), ("revoke", "取消")],
        error_messages={"required": "継続か取消を選んでください。", "invalid_choice": "継続か取消を選んでください。"},
    )
    comment = forms.CharField(label="コメント(取消の理由)", required=False, max_length=300)
