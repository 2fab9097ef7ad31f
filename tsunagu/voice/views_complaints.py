"""苦情分析 (/voice/complaints/): the complaint and そんぽADR figures, and their CSV/XLSX export.

Aggregates only (voice.complaints); a bad filter re-renders the page with the errors (200), also for
the export, so a download address never answers an error page as a file."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from tsunagu.core import csv_export, permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import TextCheckedForm
from tsunagu.documents.xlsx import xlsx

from . import complaints
from .svg import trend_chart

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
    params: dict[str, Any] = {k: v for k, v in request.GET.items() if k not in ("format", "dim", "key")}
    if not params:
        default = complaints.default_filters()
        params = {
            "date_from": default.date_from.isoformat(),
            "date_to": default.date_to.isoformat(),
            "window_days": default.window_days,
        }
    return AnalysisFilterForm(params, agencies=agencies)


@dataclass
class _Series:
    term: str
    counts: list[int]


CHART_SERIES = 4  # the largest categories drawn besides the total (the table below has every one)


def _chart(analysis: complaints.Analysis) -> dict[str, Any] | None:
    """The monthly trend as the voice register's SVG line chart (voice.svg): the total and the
    largest categories; the table under it holds the same numbers."""
    if not analysis.total:
        return None
    months = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in analysis.months]
    total = [sum(counts[i] for _, counts in analysis.trend) for i in range(len(analysis.months))]
    series = [_Series("全体", total), *(_Series(label, counts) for label, counts in analysis.trend[:CHART_SERIES])]
    return trend_chart(months, series)


def _cells(analysis: complaints.Analysis) -> dict[str, Any]:
    """Drill-down keys for the figures laid out in grids (month columns, ADR quarter cells)."""
    totals = [sum(counts[i] for _, counts in analysis.trend) for i in range(len(analysis.months))]
    trend = [
        (label, [(n, f"{label}|{month}") for n, month in zip(counts, analysis.months, strict=True)])
        for label, counts in analysis.trend
    ]
    adr_rows = []
    for q in analysis.adr_quarters:
        prefix = f"{q.quarter.fiscal_year}-{q.quarter.number}"
        cells = [
            (getattr(figures, kind), f"{prefix}|{procedure}|{kind}")
            for procedure, figures in (("complaint", q.complaint), ("dispute", q.dispute))
            for kind in ("new", "concluded", "pending")
        ]
        adr_rows.append((q.quarter.label, cells))
    return {
        "trend_cells": trend,
        "trend_totals": [(n, f"*|{month}") for n, month in zip(totals, analysis.months, strict=True)],
        "adr_rows": adr_rows,
    }


def _page(request: AuthedRequest, form: AnalysisFilterForm, *, bad_format: bool = False) -> HttpResponse:
    analysis = complaints.analyse(user=request.user, filters=form.filters()) if form.is_valid() else None
    if bad_format:
        form.add_error(None, "出力形式は csv か xlsx を指定してください。")
        analysis = None
    context: dict[str, Any] = {"form": form, "analysis": analysis}
    if analysis is not None:
        context["chart"] = _chart(analysis)
        context.update(_cells(analysis))
    return render(request, "voice/complaints/analysis.html", context)


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
        csv_export.writer(buffer).writerows(rows)
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


@login_required
def complaint_cases(request: AuthedRequest) -> HttpResponse:
    """The complaint cases one figure of the analysis counts (same scope and filters). Shows case
    numbers, dates, categories, agencies and statuses only (no customer, no free text); opening a
    case goes through the case page, which logs the access."""
    form = _form(request)
    if not form.is_valid():
        return _page(request, form)
    dimension, key = request.GET.get("dim", ""), request.GET.get("key", "*")
    found = complaints.drill(user=request.user, filters=form.filters(), dimension=dimension, key=key)
    if found is None:
        form.add_error(None, "集計の項目が正しくありません。苦情分析の画面から件数を選んでください。")
        return _page(request, form)
    return render(
        request,
        "voice/complaints/cases.html",
        {
            "drill": found,
            "limit": complaints.DRILL_LIMIT,
            "back_query": urlencode([(k, v) for k, v in request.GET.items() if k not in ("dim", "key")]),
        },
    )
