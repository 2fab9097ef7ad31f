"""Forms for the customer's contact edit screens: parse and check input in Japanese, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core import normalize

from .choices import ContactChannel, EmailKind, PhoneKind, Relation
from .models import PHONE_MESSAGE

REQUIRED = "{}を入力してください。"


def _char(label: str, *, max_length: int, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": REQUIRED.format(label),
            "max_length": f"{label}は{max_length}文字以内で入力してください。",
        },
        **kwargs,
    )


def _choice(label: str, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        error_messages={
            "required": f"{label}を選んでください。",
            "invalid_choice": f"{label}を一覧から選んでください。",
        },
        **kwargs,
    )


def clean_phone_number(value: str) -> str:
    """A Japanese phone number in any notation → as written (ASCII), or with hyphens added."""
    text = normalize.nfkc(value).strip()
    digits = normalize.phone_digits(text)
    if not normalize.is_valid_phone(digits):
        raise forms.ValidationError(PHONE_MESSAGE)
    written_with_hyphens = "-" in text and not text.startswith("+")
    return text if written_with_hyphens else normalize.format_phone(digits)


class PhoneForm(forms.Form):
    kind = _choice("種別", PhoneKind.choices, initial=PhoneKind.HOME)
    number = _char("電話番号", max_length=30, help_text="例: 03-1234-5678、09012345678(ハイフンは自動で入ります)")
    is_primary = forms.BooleanField(label="主な電話番号にする", required=False)

    def __init__(self, *args: Any, others: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.others = {normalize.phone_digits(n) for n in others or []}  # the customer's other numbers

    def clean_number(self) -> str:
        number = clean_phone_number(self.cleaned_data["number"])
        if normalize.phone_digits(number) in self.others:
            raise forms.ValidationError("この電話番号はすでに登録されています。")
        return number


class EmailForm(forms.Form):
    kind = _choice("種別", EmailKind.choices, initial=EmailKind.PERSONAL)
    address = forms.EmailField(
        label="メールアドレス",
        max_length=254,
        help_text="例: taro@example.jp",
        error_messages={
            "required": "メールアドレスを入力してください。",
            "invalid": "メールアドレスの形式が正しくありません(例: taro@example.jp)。",
            "max_length": "メールアドレスは254文字以内で入力してください。",
        },
    )
    is_primary = forms.BooleanField(label="主なメールアドレスにする", required=False)

    def __init__(self, *args: Any, others: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.others = {normalize.email_key(a) for a in others or []}

    def clean_address(self) -> str:
        address = normalize.nfkc(self.cleaned_data["address"]).strip()
        if normalize.email_key(address) in self.others:
            raise forms.ValidationError("このメールアドレスはすでに登録されています。")
        return address


class RelativeForm(forms.Form):
    name = _char("氏名", max_length=100)
    name_kana = _char("フリガナ", max_length=100, required=False, help_text="カタカナまたはひらがな")
    relation = _choice("続柄", Relation.choices)
    phone = _char("電話番号", max_length=30, help_text="例: 090-1234-5678")
    consent_date = forms.DateField(
        label="同意日",
        help_text="ご本人が親族への連絡に同意された日(例: 2026-12-04)",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "同意日を入力してください。",
            "invalid": "同意日は 2026-12-04 の形式で入力してください。",
        },
    )

    def clean_name_kana(self) -> str:
        kana = self.cleaned_data["name_kana"].strip()
        if kana and not normalize.is_kana_reading(kana):
            raise forms.ValidationError("フリガナはカタカナまたはひらがなで入力してください。")
        return normalize.to_katakana_reading(kana) if kana else ""

    def clean_phone(self) -> str:
        return clean_phone_number(self.cleaned_data["phone"])

    def clean_consent_date(self) -> Any:
        value = self.cleaned_data["consent_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("同意日に未来の日付は指定できません。")
        if value.year < 1900:
            raise forms.ValidationError("同意日が古すぎます(1900年以降を入力してください)。")
        return value


class ConsentForm(forms.Form):
    contact_consent = forms.BooleanField(label="連絡の同意(電話・メール等でご連絡してよい)", required=False)
    dm_consent = forms.BooleanField(label="DM送付の同意", required=False)
    preferred_channel = _choice("希望連絡方法", ContactChannel.choices)
