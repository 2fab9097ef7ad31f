"""苦情分析 (/voice/complaints/): the complaint and そんぽADR figures, and their CSV/XLSX export.

Aggregates only (voice.complaints); a bad filter re-renders the page with the errors (200), also for
the export, so a download address never answers an error page as a file."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import TextCheckedForm
from tsunagu.documents.xlsx import xlsx

from . import complaints

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
MAX_PERIOD_DAYS = 366 * 5
EXPORT_SCREEN = "苦情分析の出力"


class AnalysisFilterForm(TextCheckedForm):
    date_from = forms.DateField(label="受付日(から)", required=False, input_formats=DATE_FORMATS,
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_to = forms.DateField(label="受付日(まで)", required=False, input_formats=DATE_FORMATS,
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    agency = forms.TypedChoiceField(label="代理店", required=False, coerce=int, empty_value=None)
    window_days = forms.IntegerField(
        label="再発とみなす間隔(日)", required=False, min_value=1, max_value=3650,
        help_text="同じ分類・同じ代理店の苦情がこの日数以内に続いたものを再発として数えます。",
    )  # fmt: skip

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies:
            self.fields["agency"].choices = [("", "すべて"), *agencies]  # type: ignore[attr-defined]
        else:
            del self.fields["agency"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "「まで」は「から」以降の日付にしてください。")
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("date_to", "期間は5年以内にしてください。")
        return data

    def filters(self) -> complaints.Filters:
        default = complaints.default_filters()
        data = self.cleaned_data
        return complaints.Filters(
            date_from=data.get("date_from") or default.date_from,
            date_to=data.get("date_to") or default.date_to,
            agency_id=data.get("agency"),
            window_days=data.get("window_days") or default.window_days,
        )


def _form(request: AuthedRequest) -> AnalysisFilterForm:
    """The filter form, always bound: without parameters, to the defaults (the last year)."""
    permissions.require(request.user, permissions.COMPLAINT_ANALYSIS)
    agencies = complaints.agency_choices(user=request.user)
    params: dict[str, Any] = {k: v for k, v in request.GET.items() if k != "format"}
    if not params:
        default = complaints.default_filters()
        params = {
            "date_from": default.date_from.isoformat(),
            "date_to": default.date_to.isoformat(),
            "window_days": default.window_days,
        }
    return AnalysisFilterForm(params, agencies=agencies)


def _page(request: AuthedRequest, form: AnalysisFilterForm, *, bad_format: bool = False) -> HttpResponse:
    analysis = complaints.analyse(user=request.user, filters=form.filters()) if form.is_valid() else None
    if bad_format:
        form.add_error(None, "出力形式は csv か xlsx を指定してください。")
        analysis = None
    return render(request, "voice/complaints/analysis.html", {"form": form, "analysis": analysis})


@login_required
def complaint_analysis(request: AuthedRequest) -> HttpResponse:
    return _page(request, _form(request))


@login_required
def complaint_analysis_export(request: AuthedRequest) -> HttpResponse:
    form = _form(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return _page(request, form, bad_format=True)
    if not form.is_valid():
        return _page(request, form)
    filters = form.filters()
    rows = complaints.export_rows(complaints.analyse(user=request.user, filters=filters))
    # Recorded in the access log as an export with no customer (as every download is): the file holds
    # figures only. Not an audit event: exporting changes nothing (the same rule as the survey results).
    log_access(
        user=request.user,
        customer_ids=[],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={
            "format": file_format,
            "rows": len(rows),
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "agency": filters.agency_id,
        },
    )
    name = f"complaint-analysis-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    if file_format == "xlsx":
        response = HttpResponse(
            xlsx(rows, sheet_name="苦情分析"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
