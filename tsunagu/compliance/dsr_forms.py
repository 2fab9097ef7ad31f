"""Forms of data-subject requests: every problem a Japanese message next to its field."""

from __future__ import annotations

from typing import Any

from django import forms

from .breach_forms import _date
from .choices import DsrChannel, DsrDecision, DsrKind, DsrResponseChannel, IdentityDocument
from .forms import CUSTOMER_NUMBER


def _choice(label: str, choices: Any, initial: str | None = None) -> forms.ChoiceField:
    """A choice that starts blank unless a default is harmless: a legal step (the identity document,
    the decision) is recorded only when somebody chose it."""
    message = f"{label}を一覧から選んでください。"
    return forms.ChoiceField(
        label=label,
        choices=[("", "選択してください"), *choices],
        initial=initial,
        error_messages={"required": message, "invalid_choice": message},
    )


class ReceiveForm(forms.Form):
    customer = forms.CharField(
        label="顧客番号",
        max_length=20,
        help_text="請求者ご本人の顧客番号(例: K000000011)",
        error_messages={"required": "顧客番号を入力してください。"},
    )
    kind = _choice("請求の種類", DsrKind.choices)
    channel = _choice("受付方法", DsrChannel.choices)
    received_on = _date("受付日", required=True, not_future=True, help_text="回答期限はこの日から数えます。")
    requester_name = forms.CharField(
        label="請求者の氏名", max_length=100, error_messages={"required": "請求者の氏名を入力してください。"}
    )
    by_proxy = forms.BooleanField(label="代理人による請求", required=False)
    scope = forms.CharField(
        label="請求の内容・範囲",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例: 保有する個人データのすべて/事故受付時の記録の訂正(住所)",
    )
    response_channel = _choice("回答の方法(本人の希望)", DsrResponseChannel.choices, DsrResponseChannel.POST)

    def clean_customer(self) -> int:
        match = CUSTOMER_NUMBER.match(self.cleaned_data["customer"].strip())
        if match is None:
            raise forms.ValidationError("顧客番号は K000000011 の形式で入力してください。")
        return int(match.group(1))


class VerifyForm(forms.Form):
    identity_document = _choice("本人確認の方法", IdentityDocument.choices)
    verified_on = _date("本人確認日", required=True, not_future=True)


class CompleteForm(forms.Form):
    decision = _choice("対応の判断", DsrDecision.choices)
    decision_reason = forms.CharField(
        label="理由(一部対応・対応しない場合、本人に通知する内容)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    completed_on = _date("回答日", required=True, not_future=True)
    completion_note = forms.CharField(
        label="回答の記録(送付物・送付先・特記事項)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        # The service checks this too; here it shows beside the other errors on the first try.
        data = super().clean() or {}
        if data.get("decision") in ("partial", "refuse") and not data.get("decision_reason", "").strip():
            self.add_error("decision_reason", "一部対応・対応しない場合は、本人に通知する理由を入力してください。")
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="取下げの理由",
        max_length=300,
        error_messages={"required": "取下げの理由(本人からの連絡の内容)を入力してください。"},
    )
