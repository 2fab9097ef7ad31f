"""Forms of the breach register: every problem a Japanese message next to its field."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from tsunagu.core.input import check_date_order
from tsunagu.core.models import User

from .choices import NotificationMethod
from .forms import CUSTOMER_NUMBER, date_field
from .models import BreachIncident


def _date(label: str, required: bool = False, help_text: str = "", **bounds: Any) -> forms.DateField:
    return date_field(label, required=required, help_text=help_text, **bounds)


class IncidentForm(forms.ModelForm):  # type: ignore[type-arg]
    aware_on = _date(
        "認識日", required=True, not_future=True, help_text="漏えい等を知った日。報告の期限はこの日から数えます。"
    )
    occurred_from = _date("発生期間(開始)", not_future=True)
    occurred_to = _date("発生期間(終了)", not_future=True)
    suspect = forms.CharField(
        label="関係した利用者(ユーザー名)",
        required=False,
        max_length=150,
        help_text="従業者の持出し・不正閲覧の場合。アクセスログから対象者を特定するときに使います。",
    )

    class Meta:
        model = BreachIncident
        fields = [
            "title",
            "cause_kind",
            "aware_on",
            "occurred_from",
            "occurred_to",
            "sensitive",
            "financial_harm",
            "malicious",
            "encrypted",
            "persons_estimate",
            "summary",
            "data_items",
            "cause",
            "secondary_damage",
            "action_to_persons",
            "publication",
            "prevention",
            "other",
        ]
        error_messages = {
            "title": {"required": "件名を入力してください。"},
            "cause_kind": {"required": "発生の態様を選んでください。"},
            "persons_estimate": {"invalid": "本人の数は0以上の整数で入力してください。"},
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "summary",
                "data_items",
                "cause",
                "secondary_damage",
                "action_to_persons",
                "publication",
                "prevention",
                "other",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.suspect_user_id and not self.is_bound:
            self.initial["suspect"] = self.instance.suspect_user.username

    def clean_suspect(self) -> User | None:
        username = self.cleaned_data["suspect"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"ユーザー名「{username}」の利用者は見つかりません。")
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The occurrence comes before its noticing: 発生期間(開始) ≤ 発生期間(終了) ≤ 認識日.
        check_date_order(self, "occurred_from", "occurred_to")
        check_date_order(self, "occurred_from", "aware_on")
        check_date_order(self, "occurred_to", "aware_on")
        return data

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["suspect_user"] = self.cleaned_data["suspect"]
        return data


HOURS = [("", "指定しない")] + [(str(h), f"{h}時") for h in range(24)]


class FindAffectedForm(forms.Form):
    username = forms.CharField(
        label="利用者(ユーザー名)", required=False, max_length=150, help_text="空欄なら事案の関係者"
    )
    date_from = _date("期間(開始日)", help_text="空欄なら事案の発生期間")
    date_to = _date("期間(終了日)")
    exports_only = forms.BooleanField(label="出力・帳票(エクスポート)の記録だけ", required=False)
    client_address = forms.CharField(
        label="接続元(IPアドレス)", required=False, max_length=64, help_text="指定するとその接続元からの記録だけ"
    )
    hour_from = forms.TypedChoiceField(
        label="時間帯(開始)", choices=HOURS, coerce=int, required=False, empty_value=None, help_text="例: 20時〜5時"
    )
    hour_to = forms.TypedChoiceField(label="時間帯(終了)", choices=HOURS, coerce=int, required=False, empty_value=None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_order(self, "date_from", "date_to")
        if (data.get("hour_from") is None) != (data.get("hour_to") is None):
            self.add_error("hour_to", "時間帯は開始と終了の両方を指定してください。")
        elif data.get("hour_from") is not None and data["hour_from"] == data["hour_to"]:
            self.add_error("hour_to", "時間帯の開始と終了に同じ時刻は指定できません。")
        return data

    def clean_username(self) -> User | None:
        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"ユーザー名「{username}」の利用者は見つかりません。")
        return user


class AddAffectedForm(forms.Form):
    numbers = forms.CharField(
        label="顧客番号",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="K000000011 の形式で、空白・改行区切りで複数入力できます。",
        error_messages={"required": "顧客番号を入力してください。"},
    )

    def clean_numbers(self) -> list[int]:
        ids, bad = [], []
        for token in self.cleaned_data["numbers"].split():
            match = CUSTOMER_NUMBER.match(token)
            (ids.append(int(match.group(1))) if match else bad.append(token))
        if bad:
            raise forms.ValidationError(f"顧客番号の形式が正しくありません: {' '.join(bad[:10])}")
        return ids


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="報告",
        choices=[("preliminary", "速報"), ("final", "確報")],
        error_messages={
            "required": "速報か確報かを選んでください。",
            "invalid_choice": "速報か確報かを選んでください。",
        },
    )
    reported_on = _date("報告日", required=True)


class NotifyForm(forms.Form):
    method = forms.ChoiceField(
        label="通知方法",
        choices=NotificationMethod.choices,
        error_messages={"required": "通知方法を選んでください。", "invalid_choice": "通知方法を選んでください。"},
    )
    notified_on = _date("通知日", required=True)
    persons = forms.TypedMultipleChoiceField(
        label="対象者", coerce=int, required=False, choices=(), widget=forms.MultipleHiddenInput
    )
    all_unnotified = forms.BooleanField(label="未通知の対象者すべて", required=False)

    def __init__(self, *args: Any, person_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        persons = cast(forms.TypedMultipleChoiceField, self.fields["persons"])
        persons.choices = [(i, str(i)) for i in person_ids or []]
        persons.error_messages["invalid_choice"] = "この事案の対象者ではない人が含まれています。"
