"""Forms of the 解約防止分析: the period filter, the win-back window and the win-back target list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from tsunagu.core.input import BoundedDateField, TextCheckedForm

from . import retention
from .retention_services import DEFAULT_TALKING_POINTS
from .target_services import CONTROL_PERCENT_ERROR, MAX_CONTROL_PERCENT, MIN_CONTROL_PERCENT

DATE = forms.DateInput(attrs={"type": "date"})
MAX_SPAN_DAYS = 366 * 5


def error_text(form: forms.BaseForm) -> str:
    """The form's errors in one line (「申出日(から): …」), for answers that have no form to show them on."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        parts += [f"{label}: {e}" if label else str(e) for e in errors]
    return " ".join(parts)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class PeriodForm(TextCheckedForm):
    start = BoundedDateField(label="申出日(から)", widget=DATE, required=False)
    end = BoundedDateField(label="申出日(まで)", widget=DATE, required=False)
    days = forms.IntegerField(
        label="苦情との関連(申出前の日数)",
        required=False,
        min_value=1,
        max_value=retention.MAX_COMPLAINT_DAYS,
        help_text=(
            "同じお客さまの苦情がこの日数以内にあれば「苦情に続く解約」と数えます"
            f"(既定 {retention.DEFAULT_COMPLAINT_DAYS}日)。"
        ),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        end = data.get("end") or self.today
        start = data.get("start") or _year_before(end) + dt.timedelta(days=1)
        if start > end:
            self.add_error("end", "終了日は開始日以降の日付にしてください。")
        elif (end - start).days > MAX_SPAN_DAYS:
            self.add_error("start", "期間は5年以内で指定してください。")
        elif start > self.today:
            self.add_error(
                "start",
                f"期間がすべて未来の日付です(本日は {self.today:%Y/%m/%d})。申出はまだありません。"
                "開始日を本日以前にしてください。",
            )
        data["start"], data["end"] = start, end
        data["days"] = data.get("days") or retention.DEFAULT_COMPLAINT_DAYS
        return data


class WinBackForm(TextCheckedForm):
    start = BoundedDateField(label="連絡開始日(から)", widget=DATE, required=False)
    end = BoundedDateField(label="連絡開始日(まで)", widget=DATE, required=False)
    lead_days = forms.IntegerField(
        label="更新の何日前から連絡するか",
        required=False,
        min_value=0,
        max_value=retention.MAX_LEAD_DAYS,
        help_text=(
            f"乗換え先の契約の更新見込み日(解約日の1年後)の何日前から連絡するか(既定 {retention.DEFAULT_LEAD_DAYS}日)。"
        ),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start = data.get("start") or self.today
        end = data.get("end") or start + dt.timedelta(days=90)
        if start > end:
            self.add_error("end", "終了日は開始日以降の日付にしてください。")
        elif (end - start).days > 366:
            self.add_error("end", "連絡開始日の範囲は1年以内で指定してください。")
        lead = data.get("lead_days")
        data["start"], data["end"] = start, end
        data["lead_days"] = retention.DEFAULT_LEAD_DAYS if lead is None else lead
        return data


WINDOW_FIELDS = ("start", "end", "lead_days")


class WinBackListForm(WinBackForm):
    """The target list of the window shown above it: the window travels as hidden fields (it is chosen
    once, in the filter form), so only the list's own fields are typed here and marked on error."""

    name = forms.CharField(label="リスト名", max_length=100)
    control_percent = forms.IntegerField(
        label="対照群の割合(%)", min_value=MIN_CONTROL_PERCENT, max_value=MAX_CONTROL_PERCENT, initial=20,
        help_text=(
            f"{MIN_CONTROL_PERCENT}〜{MAX_CONTROL_PERCENT}%。効果を測るため、この割合のお客さまを無作為に"
            "連絡しない対照群にします。"
        ),
        # As on the segment builder: one message; min_value / max_value ones are %-formatted ("%" doubled).
        error_messages={
            "invalid": CONTROL_PERCENT_ERROR,
            "min_value": CONTROL_PERCENT_ERROR.replace("%", "%%"),
            "max_value": CONTROL_PERCENT_ERROR.replace("%", "%%"),
        },
    )  # fmt: skip
    talking_points = forms.CharField(
        label="トークのポイント", widget=forms.Textarea(attrs={"rows": 3}), initial=DEFAULT_TALKING_POINTS
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, today=today, **kwargs)
        for name in WINDOW_FIELDS:
            self.fields[name].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name in self.errors for name in WINDOW_FIELDS):
            # The filter form above shows what is wrong with the window; here one line says so.
            for name in WINDOW_FIELDS:
                self.errors.pop(name, None)
            self.add_error(
                None, "連絡開始日の条件が正しくありません。上の条件を直して「表示する」を押してから作成してください。"
            )
        return data
