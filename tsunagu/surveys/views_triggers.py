"""送付ルール (list, create, edit), 送付状況 (invitations by status and suppression reason for a
period) and the 送付リスト downloads. Head office: rules and lists are `surveys.manage`, the status
screen `surveys.view`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.cases.choices import CaseType
from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.policies.choices import LineOfBusiness

from . import config
from .choices import InvitationStatus, SuppressionReason, TriggerEvent
from .models import Survey, TriggerRule
from .services.invitations import (
    RULE_CHANNELS,
    SEND_LIST_FORMATS,
    TriggerRuleInput,
    invitation_status,
    send_list_days,
    send_list_export,
    trigger_rule_save,
)

DATE_ERRORS = {"invalid": "日付は 2026/12/04 の形式で、実在する日付を入力してください。"}
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DEFAULT_PERIOD_DAYS = 90


class PeriodForm(forms.Form):
    """A closed date range from GET parameters (the date picker's 2026-12-04 or a typed 2026/12/04)."""

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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "終了日は開始日以降の日付にしてください。")
        return data

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The period asked for; missing ends default to the last DEFAULT_PERIOD_DAYS days."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("date_to") or today
        start = data.get("date_from") or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        return start, end


SURVEY_MISSING = "アンケートを選択してください。"


class TriggerRuleForm(forms.Form):
    survey = forms.ModelChoiceField(
        label="アンケート",
        queryset=Survey.objects.order_by("code"),
        error_messages={
            "required": "アンケートを選択してください。",
            "invalid_choice": "アンケートを選択してください。",
        },
    )
    event = forms.ChoiceField(
        label="契機",
        choices=TriggerEvent.choices,
        error_messages={"required": "契機を選択してください。", "invalid_choice": "契機を選択してください。"},
    )
    line = forms.ChoiceField(
        label="保険種目",
        required=False,
        choices=[("", "すべての種目"), *LineOfBusiness.choices],
        error_messages={"invalid_choice": "保険種目を選択してください。"},
    )
    case_type = forms.ChoiceField(
        label="案件種別",
        required=False,
        choices=[("", "すべての種別"), *((v, label) for v, label in CaseType.choices if v != CaseType.COMPLAINT)],
        help_text="契機が「案件の完了」のときだけ指定します(苦情の案件は対象外です)。",
        error_messages={"invalid_choice": "案件種別を選択してください。"},
    )
    delay_days = forms.IntegerField(
        label="送付までの日数",
        min_value=0,
        help_text="契機の日から送付までの日数(例: 7)。",
        error_messages={
            "required": "送付までの日数を入力してください。",
            "invalid": "送付までの日数は整数で入力してください。",
            "min_value": "送付までの日数は0以上で入力してください。",
        },
    )
    sampling_rate = forms.DecimalField(
        label="抽出率",
        max_digits=4,
        decimal_places=3,
        help_text="0〜1(1 は全員、0.3 は30%)。抽出は契機ごとに決まり、何度計画しても変わりません。",
        error_messages={
            "required": "抽出率を入力してください。",
            "invalid": "抽出率は 0〜1 の数値(例: 0.3)で入力してください。",
            "max_digits": "抽出率は小数点以下3桁までで入力してください。",
            "max_decimal_places": "抽出率は小数点以下3桁までで入力してください。",
            "max_whole_digits": "抽出率は0〜1で入力してください。",
        },
    )
    channel = forms.ChoiceField(
        label="送付方法",
        choices=[(c.value, c.label) for c in RULE_CHANNELS],
        help_text="高齢のお客さまにはWebの代わりに郵送(なければ電話)、メールアドレスのない方には郵送で送ります。",
        error_messages={"required": "送付方法を選択してください。", "invalid_choice": "送付方法を選択してください。"},
    )
    quiet_days = forms.IntegerField(
        label="再送付しない日数",
        min_value=0,
        help_text=f"前回のアンケートからこの日数以内のお客さまには送りません(標準 {config.QUIET_DAYS}日)。",
        error_messages={
            "required": "再送付しない日数を入力してください。",
            "invalid": "再送付しない日数は整数で入力してください。",
            "min_value": "再送付しない日数は0以上で入力してください。",
        },
    )
    is_active = forms.BooleanField(label="有効", required=False)

    def to_input(self) -> TriggerRuleInput:
        data = self.cleaned_data
        return TriggerRuleInput(
            survey=data["survey"],
            event=data["event"],
            line=data["line"],
            case_type=data["case_type"],
            delay_days=data["delay_days"],
            sampling_rate=Decimal(data["sampling_rate"]),
            channel=data["channel"],
            quiet_days=data["quiet_days"],
            is_active=data["is_active"],
        )


@login_required
@require_GET
def trigger_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEYS_MANAGE)
    rules = TriggerRule.objects.select_related("survey").order_by("survey__code", "event", "line", "case_type", "id")
    case_types = dict(CaseType.choices)
    rows = [(rule, case_types.get(rule.case_type, rule.case_type)) for rule in rules]
    return render(request, "surveys/triggers/list.html", {"rules": rows})


@login_required
@require_http_methods(["GET", "POST"])
def trigger_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEYS_MANAGE)
    rule = get_object_or_404(TriggerRule, pk=pk) if pk is not None else None
    initial: dict[str, Any] = {
        "delay_days": 7,
        "sampling_rate": Decimal(1),
        "quiet_days": config.quiet_days(),
        "is_active": True,
    }
    if rule is not None:
        initial = {
            "survey": rule.survey,
            "event": rule.event,
            "line": rule.line,
            "case_type": rule.case_type,
            "delay_days": rule.delay_days,
            "sampling_rate": rule.sampling_rate,
            "channel": rule.channel,
            "quiet_days": rule.quiet_days,
            "is_active": rule.is_active,
        }
    form = TriggerRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = trigger_rule_save(actor=request.user, rule=rule, data=form.to_input())
        except ValidationError as error:
            form.add_error(None, error)  # per field: the service names the form's fields
        else:
            messages.success(request, f"送付ルール「{saved}」を{'登録' if rule is None else '変更'}しました。")
            return redirect("surveys:triggers")
    return render(request, "surveys/triggers/edit.html", {"form": form, "rule": rule})


@login_required
@require_GET
def invitation_status_view(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEYS_VIEW)
    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    date_from, date_to = form.period(today)
    rows, total = invitation_status(user=request.user, date_from=date_from, date_to=date_to)
    context = {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "rows": rows,
        "total": total,
        "statuses": InvitationStatus.choices,
        "reasons": SuppressionReason.choices,
        "may_download": permissions.has(request.user, permissions.SURVEYS_MANAGE),
    }
    return render(request, "surveys/triggers/status.html", context)


@login_required
@require_GET
def send_lists(request: AuthedRequest) -> HttpResponse:
    days = send_list_days(user=request.user)
    return render(request, "surveys/triggers/send_lists.html", {"days": days})


@login_required
@require_GET
def send_list_download(request: AuthedRequest, day: str, file_format: str) -> HttpResponse:
    try:
        on = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("送付日は 2026-12-04 の形式です。") from None
    if file_format not in SEND_LIST_FORMATS:
        raise Http404("送付リストの形式は csv か xlsx です。")
    exported = send_list_export(user=request.user, on=on, file_format=file_format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
