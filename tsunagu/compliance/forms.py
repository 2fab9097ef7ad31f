"""The access-log screen's search form: plain GET parameters, every problem a Japanese message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from tsunagu.core.choices import AccessPurpose

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
