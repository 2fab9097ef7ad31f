"""Screens of the breach register (漏えい等事案): the list with each incident's clocks, the incident
page (facts, report items, clocks, affected persons, notifications), the report PDF and the affected
persons' list for the notification mailing. Views parse input, call one service or selector, render."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import csv_export, masking, permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors, query_int

from . import breach_selectors as selectors
from . import breach_services as services
from .breach_forms import AddAffectedForm, FindAffectedForm, IncidentForm, NotifyForm, ReportForm
from .breach_report import incident_pdf
from .models import Alert


@login_required
def incidents(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    views = selectors.incident_list(user=request.user, status=status)
    return render(request, "compliance/breaches.html", {"views": views, "status": status})


@login_required
def incident_new(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_BREACHES)
    alert = None
    alert_id = query_int(request.GET, "alert", default=0, minimum=0, label="アラート(alert)")
    if alert_id:
        alert = Alert.objects.filter(pk=alert_id).select_related("user").first()
    form = IncidentForm(request.POST or None, initial={"aware_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if alert is not None and values["suspect_user"] is None:
                values.pop("suspect_user")
            incident = services.breach_open(actor=request.user, alert=alert, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"漏えい等事案 {incident.number} を登録しました。")
            return redirect("compliance:breach_detail", pk=incident.pk)
    return render(request, "compliance/breach_form.html", {"form": form, "alert": alert, "incident": None})


def _detail(request: AuthedRequest, pk: int, close_errors: list[str] | None = None, **forms: BaseForm) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    unnotified = request.GET.get("unnotified") == "1"
    page = selectors.affected_page(
        user=request.user,
        incident=view.incident,
        page=query_int(request.GET, "page", default=1, minimum=1, label="ページ(page)") or 1,
        unnotified=unnotified,
    )
    context: dict[str, Any] = {
        "view": view,
        "incident": view.incident,
        "page_obj": page,
        "unnotified": unnotified,
        "find_form": forms.get("find_form") or FindAffectedForm(),
        "add_form": forms.get("add_form") or AddAffectedForm(),
        "report_form": forms.get("report_form") or ReportForm(initial={"reported_on": timezone.localdate()}),
        "notify_form": forms.get("notify_form") or NotifyForm(initial={"notified_on": timezone.localdate()}),
        "close_errors": close_errors,
        "history": view.incident.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "compliance/breach_detail.html", context)


@login_required
def incident_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@login_required
def incident_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    form = IncidentForm(request.POST or None, instance=view.incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_update(actor=request.user, incident=view.incident, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "事案を更新しました。")
            return redirect("compliance:breach_detail", pk=pk)
    return render(request, "compliance/breach_form.html", {"form": form, "incident": view.incident, "alert": None})


@login_required
@require_POST
def incident_find(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    form = FindAffectedForm(request.POST)
    if form.is_valid():
        try:
            added = services.breach_find_affected(
                actor=request.user,
                incident=view.incident,
                user=form.cleaned_data["username"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                exports_only=form.cleaned_data["exports_only"],
                client_address=form.cleaned_data["client_address"].strip(),
                hours=(
                    (form.cleaned_data["hour_from"], form.cleaned_data["hour_to"])
                    if form.cleaned_data["hour_from"] is not None
                    else None
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"アクセスログから対象者を{added}人追加しました。")
            return redirect("compliance:breach_detail", pk=pk)
    return _detail(request, pk, find_form=form)


@login_required
@require_POST
def incident_add(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    form = AddAffectedForm(request.POST)
    if form.is_valid():
        ids = form.cleaned_data["numbers"]
        customers, missing = selectors.customers_to_add(user=request.user, ids=ids)
        if missing:
            form.add_error("numbers", f"見つからない顧客番号があります: {' '.join(f'K{i:09d}' for i in missing[:10])}")
        else:
            try:
                added = services.breach_add_affected(actor=request.user, incident=view.incident, customers=customers)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"対象者を{added}人追加しました。")
                return redirect("compliance:breach_detail", pk=pk)
    return _detail(request, pk, add_form=form)


@login_required
@require_POST
def incident_report(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.breach_record_report(
                actor=request.user,
                incident=view.incident,
                kind=form.cleaned_data["kind"],
                reported_on=form.cleaned_data["reported_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "報告日を記録しました。")
            return redirect("compliance:breach_detail", pk=pk)
    return _detail(request, pk, report_form=form)


@login_required
@require_POST
def incident_notify(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    person_ids = list(view.incident.affected.values_list("pk", flat=True))
    form = NotifyForm(request.POST, person_ids=person_ids)
    if form.is_valid():
        chosen = form.cleaned_data["persons"]
        if form.cleaned_data["all_unnotified"]:
            chosen = list(view.incident.affected.filter(notified_on__isnull=True).values_list("pk", flat=True))
        try:
            count = services.breach_notify(
                actor=request.user,
                incident=view.incident,
                person_ids=chosen,
                method=form.cleaned_data["method"],
                notified_on=form.cleaned_data["notified_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{count}人への通知を記録しました。")
            return redirect("compliance:breach_detail", pk=pk)
    return _detail(request, pk, notify_form=form)


@login_required
@require_POST
def incident_close(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.incident_get(user=request.user, pk=pk)
    try:
        services.breach_close(actor=request.user, incident=view.incident)
    except ValidationError as error:
        return _detail(request, pk, close_errors=error.messages)
    messages.success(request, "事案を完了しました。")
    return redirect("compliance:breach_detail", pk=pk)


@login_required
def incident_pdf_download(request: AuthedRequest, pk: int) -> HttpResponse:
    """The report's nine items and the clocks as a PDF (no personal data: counts only)."""
    view = selectors.incident_get(user=request.user, pk=pk)
    response = HttpResponse(incident_pdf(view, printed_at=timezone.localtime().strftime("%Y/%m/%d %H:%M")))
    response["Content-Type"] = "application/pdf"
    response["Content-Disposition"] = f'attachment; filename="breach-{view.incident.number}.pdf"'
    return response


@login_required
def incident_affected_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    """The affected persons with name and mailing address, for the notification (logged as an export;
    the address is masked for a role that sees it masked)."""
    view = selectors.incident_get(user=request.user, pk=pk)
    rows = selectors.affected_export(user=request.user, incident=view.incident)
    buffer = io.StringIO()
    writer = csv_export.writer(buffer)
    writer.writerow(["顧客番号", "氏名", "郵便番号", "住所", "特定の根拠", "本人通知日", "通知方法"])
    for row in rows:
        customer = row.customer
        address = next(iter(customer.addresses.all()), None) if customer else None
        writer.writerow(
            [
                f"K{row.person.customer_id:09d}",
                customer.name if customer else "(閲覧権限外)",
                address.postal_code if address else "",
                (
                    f"{address.prefecture}{address.city}"
                    f"{masking.display(request.user, 'customer.street', address.street)} {address.building}".strip()
                )
                if address
                else "",
                row.person.get_source_display(),
                row.person.notified_on.strftime("%Y/%m/%d") if row.person.notified_on else "",
                row.person.get_notification_method_display(),
            ]
        )
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="breach-{view.incident.number}-persons.csv"'
    return response
