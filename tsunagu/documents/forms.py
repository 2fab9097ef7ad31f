"""Forms of the document screens: they parse input only; the services decide what is allowed and
their `ValidationError`s are shown on the same form (`add_service_error`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tsunagu.cases.choices import CaseChannel
from tsunagu.core.input import TextCheckedForm

from .batch_start import parse_issue_date, parse_tax_year
from .choices import DeliveryChannel, DocumentType
from .notice_sheet import CHANGE_TRIGGERS
from .notices import month_start

BATCH_KINDS = [
    (DocumentType.DEDUCTION_CERTIFICATE.value, "地震保険料控除証明書(対象年分)"),
    (DocumentType.CONTRACT_NOTICE.value, "契約内容のお知らせ(対象月)"),
]


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: keyed messages beside their field when the form has
    it, everything else as non-field errors (shown once, in the error summary)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, ValidationError(item.messages))
    else:
        form.add_error(None, error)


class BatchStartForm(TextCheckedForm):
    """Starting a batch from the screen (`batch_start.batch_enqueue` validates the target and dates)."""

    kind = forms.ChoiceField(label="種類", choices=BATCH_KINDS, error_messages={"required": "種類を選んでください。"})
    target = forms.CharField(
        label="対象",
        max_length=20,
        help_text="控除証明書は年分(例: 2026)、お知らせは対象月(例: 2026-05)",
        error_messages={"required": "対象の年分または月を入力してください。"},
    )
    issue_date = forms.CharField(
        label="発行日",
        required=False,
        max_length=20,
        help_text="YYYY-MM-DD。省略時は本日",
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"}),
    )
    vendor_prints = forms.BooleanField(
        label="控除証明書の郵送分は印刷業者向けデータのみ作成",
        required=False,
        help_text="郵送分は印刷業者がデータから作成します(当社では印刷用PDFを作りません)。電子交付分はPDFを作成します。",
    )

    def clean(self) -> dict[str, Any]:
        """Every problem at once (the service checks the same again and stops at the first)."""
        data: dict[str, Any] = super().clean() or self.cleaned_data
        when = None
        if "issue_date" in data:
            try:
                when = parse_issue_date(data["issue_date"])
            except ValidationError as error:
                add_service_error(self, error)
        kind, target = data.get("kind"), data.get("target")
        if not kind or not target:
            return data
        try:
            if kind == DocumentType.DEDUCTION_CERTIFICATE:
                tax_year = parse_tax_year(target)
                if when is not None and when.year < tax_year:
                    self.add_error("issue_date", f"証明日({when})が対象年分({tax_year}年)より前です。")
            else:
                month_start(target)
        except ValidationError as error:
            add_service_error(self, error)
        except ValueError as error:
            self.add_error("target", str(error))
        return data


class NoticeReplyForm(TextCheckedForm):
    """The customer's reply to a 契約内容のお知らせ (recorded by staff)."""

    has_changes = forms.ChoiceField(
        label="ご回答",
        choices=[("no", "変更なし"), ("yes", "変更あり")],
        widget=forms.RadioSelect,
        error_messages={"required": "「変更あり」か「変更なし」を選んでください。"},
    )
    triggers = forms.MultipleChoiceField(
        label="該当する変更(変更ありの場合)",
        choices=[(key, label) for key, (label, _hint) in CHANGE_TRIGGERS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "確認項目にない変更です: %(value)s"},
    )
    note = forms.CharField(
        label="お客さまの記入内容", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(
        label="受付経路",
        choices=CaseChannel.choices,
        initial=CaseChannel.POST,
        error_messages={"invalid_choice": "受付経路が正しくありません(指定値: 「%(value)s」)。"},
    )


class CaseIssueForm(TextCheckedForm):
    """Issuing from a 証券再発行 / 控除証明書再発行 case (the services check the case and the address)."""

    tax_year = forms.TypedChoiceField(
        label="年分(過去5年分まで)",
        coerce=int,
        choices=[],
        error_messages={"required": "年分を選んでください。", "invalid_choice": "年分を選んでください。"},
    )
    delivery_channel = forms.ChoiceField(
        label="送付方法",
        choices=DeliveryChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "送付方法を選んでください。"},
    )
    mail_to = forms.CharField(
        label="登録住所以外への送付をご希望の場合の住所",
        required=False,
        max_length=400,
        help_text="郵送は登録住所のみです。別の住所は先に住所変更(異動)が必要です(入力すると発行せずにご案内します)。",
    )

    def __init__(self, *args: Any, years: list[int] | None = None, address: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if years is None:  # 証券再発行: no tax year
            del self.fields["tax_year"]
        else:
            self.fields["tax_year"].choices = [(year, f"{year}年分") for year in years]  # type: ignore[attr-defined]
        registered = f"登録住所: {address}" if address else "登録住所: 未登録"
        self.fields["delivery_channel"].choices = [  # type: ignore[attr-defined]
            (DeliveryChannel.POST.value, f"郵送({registered})"),
            (DeliveryChannel.ELECTRONIC.value, "電子交付(有効期限付きのダウンロードリンク)"),
        ]
