from __future__ import annotations

from typing import Any

from django import forms

from .models import SourceSystem

ENCODINGS = [("", "自動判定"), ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8(BOM付き)"), ("cp932", "Shift_JIS(CP932)")]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(
        label="ソースシステム", queryset=SourceSystem.objects.filter(is_active=True), to_field_name="code"
    )
    file = forms.FileField(label="ファイル(CSV・XLSX)")
    encoding = forms.ChoiceField(label="文字コード", choices=ENCODINGS, required=False)
    profile = forms.CharField(label="列マッピング名(空欄は既定)", required=False, max_length=100)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます(200MBまで)。コマンド import_records をお使いください。")
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="判定", choices=[("link", "同一人物(統合する)"), ("not_link", "別人")])
    note = forms.CharField(label="メモ", required=False, max_length=300)
    survivor = forms.IntegerField(label="残す顧客", required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300)


class MergeForm(forms.Form):
    absorbed = forms.IntegerField(label="統合する顧客(顧客ID)", min_value=1)
    reason = forms.CharField(label="理由", max_length=300)
