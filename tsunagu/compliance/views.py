"""The compliance auditor's read-only access-log screen (not the Django admin)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from tsunagu.core import csv_export, permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import query_int

from . import selectors
from .forms import AccessLogFilterForm

# Paging ends where the count stops (COUNT_CAP): deeper offsets would only walk more of the log.
MAX_PAGE = selectors.COUNT_CAP // selectors.PAGE_SIZE


def _form_and_filters(request: AuthedRequest) -> tuple[AccessLogFilterForm, selectors.AccessLogFilters | None]:
    form = AccessLogFilterForm(request.GET or None)
    if not request.GET:
        return form, selectors.AccessLogFilters()
    if not form.is_valid():
        return form, None
    try:
        return form, selectors.filters_from(user=request.user, cleaned=form.cleaned_data)
    except selectors.FilterProblem as problem:
        form.add_error(problem.field_name, problem.message)
        return form, None


@login_required
def access_log(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ACCESS_LOG_VIEW)
    form, filters = _form_and_filters(request)
    context: dict[str, object] = {"form": form, "page": None}
    if filters is not None:
        page = query_int(request.GET, "page", default=1, minimum=1, maximum=MAX_PAGE, label="ページ(page)") or 1
        context["page"] = selectors.access_log_page(user=request.user, filters=filters, page=page)
    # Bad filters: the same page with the form's errors (values kept), status 200, no rows.
    return render(request, "compliance/access_log.html", context)


CSV_HEADER = ["日時", "利用者", "ユーザー名", "顧客番号", "顧客名", "目的", "画面・経路", "接続元", "ログID"]


@login_required
def access_log_csv(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ACCESS_LOG_VIEW)
    _form, filters = _form_and_filters(request)
    if filters is None:
        # Never the search page answered at the download's address: back to the screen with the same
        # query, where the errors show next to the values typed.
        return redirect(f"{reverse('compliance:access_log')}?{request.GET.urlencode()}")
    export = selectors.access_log_export(user=request.user, filters=filters)
    buffer = io.StringIO()
    writer = csv_export.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in export.rows:
        entry = row.entry
        writer.writerow(
            [
                timezone.localtime(entry.at).strftime("%Y/%m/%d %H:%M:%S"),
                str(entry.user) if entry.user is not None else "",
                entry.username,
                f"K{entry.customer_id:09d}" if entry.customer_id is not None else "",
                row.customer.name if row.customer is not None else "",
                row.purpose_label,
                entry.screen,
                entry.client_address,
                entry.pk,
            ]
        )
    if export.truncated:
        writer.writerow([f"※ {selectors.EXPORT_LIMIT:,}件を超えたため以降を省略しました。条件で絞り込んでください。"])
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response
