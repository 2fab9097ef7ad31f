"""Screens of data-subject requests (開示等の請求): the list with each answer's clock, intake, and the
request page (identity check, the disclosure export as PDF and JSON, the answer, withdrawal).
Views parse input, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors

from . import dsr_selectors as selectors
from . import dsr_services as services
from .disclosure_files import disclosure_pdf
from .dsr import DISCLOSURE_KINDS
from .dsr_forms import CompleteForm, ReceiveForm, VerifyForm, WithdrawForm

STATUS_TABS = (("open", "対応中"), ("completed", "回答済"), ("withdrawn", "取下げ"), ("all", "すべて"))


@login_required
def requests(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in dict(STATUS_TABS):
        status = "open"
    views = selectors.request_list(user=request.user, status=status)
    return render(
        request,
        "compliance/dsr_list.html",
        {"views": views, "status": status, "tabs": STATUS_TABS, "answer_days": services.answer_days()},
    )


@login_required
def request_new(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_DSR)
    form = ReceiveForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        customer = selectors.requester_customer(user=request.user, pk=values.pop("customer"))
        if customer is None:
            form.add_error("customer", "この顧客番号の顧客は見つかりません。")
        else:
            try:
                created = services.dsr_receive(actor=request.user, customer=customer, **values)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"開示等の請求 {created.number} を受け付けました。")
                return redirect("compliance:dsr_detail", pk=created.pk)
    return render(request, "compliance/dsr_form.html", {"form": form, "answer_days": services.answer_days()})


def _detail(request: AuthedRequest, pk: int, **forms: BaseForm) -> HttpResponse:
    view = selectors.request_get(user=request.user, pk=pk)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "view": view,
        "item": view.request,
        "clock": view.clock,
        "is_disclosure": view.request.kind in DISCLOSURE_KINDS,
        "verify_form": forms.get("verify_form") or VerifyForm(initial={"verified_on": today}),
        "complete_form": forms.get("complete_form") or CompleteForm(initial={"completed_on": today}),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "history": view.request.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "compliance/dsr_detail.html", context)


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@login_required
@require_POST
def request_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.request_get(user=request.user, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.dsr_verify(actor=request.user, request=view.request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "本人確認を記録しました。")
            return redirect("compliance:dsr_detail", pk=pk)
    return _detail(request, pk, verify_form=form)


@login_required
@require_POST
def request_complete(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.request_get(user=request.user, pk=pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.dsr_complete(actor=request.user, request=view.request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "回答を記録しました。")
            return redirect("compliance:dsr_detail", pk=pk)
    return _detail(request, pk, complete_form=form)


@login_required
@require_POST
def request_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.request_get(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.dsr_withdraw(actor=request.user, request=view.request, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "取下げを記録しました。")
            return redirect("compliance:dsr_detail", pk=pk)
    return _detail(request, pk, withdraw_form=form)


@login_required
@require_POST
def request_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    """The disclosure as a PDF for the person or JSON (machine-readable). POST: it is an export of the
    person's whole record, made on purpose and logged, not something a link prefetch may trigger."""
    view = selectors.request_get(user=request.user, pk=pk)
    try:
        disclosure = services.dsr_disclosure(actor=request.user, request=view.request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("compliance:dsr_detail", pk=pk)
    name = f"disclosure-{view.request.number}-{disclosure.customer_number}"
    if fmt == "pdf":
        response = HttpResponse(disclosure_pdf(disclosure), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HttpResponse(disclosure.as_json().encode("utf-8"), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response
