"""The retention screen (/compliance/retention/): periods, legal holds, what is due (preview before a
run, counts per type), runs; and the DSR reminders page. Views parse input, call one service or
selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.cases.models import Case
from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors
from tsunagu.customers.models import Customer

from . import dsr_reminders, retention
from . import retention_selectors as selectors
from . import retention_services as services
from .retention_forms import HoldForm, PeriodForm, ReleaseForm


def _page(request: AuthedRequest, **forms: object) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_RETENTION)
    today = timezone.localdate()
    context = {
        "periods": selectors.period_list(user=request.user),
        "holds": selectors.hold_list(user=request.user, on=today),
        "preview": selectors.due_preview_for(user=request.user, on=today),
        "runs": selectors.run_list(user=request.user),
        "blocker_labels": retention.BLOCKER_LABELS,
        "period_form": forms.get("period_form") or PeriodForm(initial={"effective_from": today}),
        "hold_form": forms.get("hold_form") or HoldForm(initial={"starts_on": today}),
        "release_form": ReleaseForm(initial={"released_on": today}),
    }
    return render(request, "compliance/retention.html", context)


@login_required
def retention_index(request: AuthedRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def period_set(request: AuthedRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            services.retention_period_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "保存期間を登録しました。")
            return redirect("compliance:retention")
    return _page(request, period_form=form)


@login_required
@require_POST
def hold_place(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_RETENTION)
    form = HoldForm(request.POST)
    if form.is_valid():
        values = dict(form.cleaned_data)
        customer = Customer.objects.filter(pk=values.pop("customer")).first()
        case_number = values.pop("case").strip()
        case = Case.objects.filter(number=case_number).first() if case_number else None
        if customer is None:
            form.add_error("customer", "この顧客番号の顧客は見つかりません。")
        elif case_number and case is None:
            form.add_error("case", "この案件番号の案件は見つかりません。")
        else:
            try:
                services.legal_hold_place(actor=request.user, customer=customer, case=case, **values)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"顧客 {customer.number} にリーガルホールドを設定しました。")
                return redirect("compliance:retention")
    return _page(request, hold_form=form)


@login_required
@require_POST
def hold_release(request: AuthedRequest, pk: int) -> HttpResponse:
    hold = selectors.hold_get(user=request.user, pk=pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "解除日を YYYY-MM-DD 形式で入力してください。")
        return redirect("compliance:retention")
    try:
        services.legal_hold_release(actor=request.user, hold=hold, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "リーガルホールドを解除しました。")
    return redirect("compliance:retention")


@login_required
@require_POST
def run_now(request: AuthedRequest) -> HttpResponse:
    """The screen's 実行: the same run as the daily job, for today, by the auditor. Irreversible, so in
    two steps like the customer merge: the first POST shows a confirmation page, 実行する (confirm=1) runs."""
    if request.POST.get("confirm") != "1":
        permissions.require(request.user, permissions.COMPLIANCE_RETENTION)
        today = timezone.localdate()
        preview = selectors.due_preview_for(user=request.user, on=today)
        due = sum(t.due for t in preview.types)
        return render(
            request,
            "compliance/confirm.html",
            {
                "title": "保存期間の処理の確認",
                "lines": [
                    f"{today:%Y/%m/%d} 時点で保存期間が過ぎた記録(対象の顧客 延べ{due:,}人)を匿名化・削除します。",
                    "処理した記録は元に戻せません。",
                ],
                "action": reverse("compliance:retention_run"),
                "button": "処理する(匿名化・削除)",
                "back": reverse("compliance:retention"),
            },
        )
    result = services.retention_execute(actor=request.user, on=timezone.localdate())
    customers = sum(v["customers"] for v in result.counts.values())
    messages.success(request, f"保存期間の処理を実行しました(延べ{customers:,}人)。")
    return redirect("compliance:retention")


@login_required
def reminders(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        count = dsr_reminders.reminders_mark_read(actor=request.user)
        messages.success(request, f"{count}件のリマインダーを既読にしました。")
        return redirect("compliance:dsr_reminders")
    rows = dsr_reminders.reminder_list(user=request.user)
    return render(request, "compliance/retention_reminders.html", {"rows": rows})
