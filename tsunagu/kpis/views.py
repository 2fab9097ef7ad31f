"""KPI screens: the table with targets, last year and monthly trends; drill-down; targets; export;
the published 取組状況 report (page, commentary, publish, PDF)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import csv_export, permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import BadInput, query_int
from tsunagu.core.models import Agency
from tsunagu.core.scoping import Reach, reach, visible_agencies
from tsunagu.documents.xlsx import xlsx
from tsunagu.surveys.charts import Point, trend

from . import definitions, report_pdf, selectors, services
from .definitions import FiscalYear
from .models import KpiReport, KpiReportVersion, KpiTarget

EXPORT_SCREEN = "KPIのエクスポート"
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _fy(request: AuthedRequest) -> FiscalYear:
    raw = request.GET.get("fy", "")
    if not raw.strip():
        return definitions.fiscal_year_of(timezone.localdate())
    try:
        return definitions.parse_fiscal_year(raw)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _scope(request: AuthedRequest) -> selectors.Scope:
    return selectors.scope_for(
        request.user,
        agency_code=request.GET.get("agency", "").strip()[:20],
        branch_code=request.GET.get("branch", "").strip()[:20],
    )


def _chart(line: selectors.KpiLine) -> Any:
    kpi = line.kpi
    points = [Point(f"{m:%Y/%m}", None if v is None else float(v)) for m, v, _ in line.months]
    if kpi.kind == definitions.NPS:
        low, high = -100.0, 100.0
    elif kpi.kind == definitions.RATE:
        low, high = 0.0, 100.0
    elif kpi.kind == definitions.MEAN:
        low, high = 0.0, 10.0
    else:
        low, high = 0.0, float(max([p.value or 0 for p in points] + [1]))
    return trend(points, title=f"{kpi.name}の月別推移", low=low, high=high)


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request)
    fy = _fy(request)
    lines = selectors.dashboard(request.user, scope, fy)
    chosen = request.GET.get("chart", "")
    charts = [(line, _chart(line)) for line in lines if not chosen or line.kpi.key == chosen][: 4 if not chosen else 1]
    return render(
        request,
        "kpis/dashboard.html",
        {
            "scope": scope,
            "fy": fy,
            "lines": lines,
            "charts": charts,
            "years": [fy.year - back for back in range(-1, 5)],
            "built_at": selectors_built_at(),
            "may_manage": permissions.has(request.user, permissions.KPIS_MANAGE),
            **selectors.choosable(request.user),
        },
    )


def selectors_built_at() -> Any:
    from .aggregates import built_at

    return built_at()


def _month(request: AuthedRequest, fy: FiscalYear) -> tuple[dt.date, dt.date]:
    raw = request.GET.get("month", "").strip()
    if not raw:
        return fy.start, fy.end
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        raise BadInput(f"月は 2025-04 のように指定してください(指定された値: {raw[:20]})。") from None
    if not fy.start <= month <= fy.end:
        raise BadInput("月は指定した年度の中で指定してください。")
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return month, end


@login_required
def drill(request: AuthedRequest, kpi: str) -> HttpResponse:
    scope = _scope(request)
    if kpi not in definitions.REGISTRY:
        raise Http404("指定されたKPIはありません。")
    definition = definitions.REGISTRY[kpi]
    fy = _fy(request)
    start, end = _month(request, fy)
    page = query_int(request.GET, "page", default=1, minimum=1, label="ページ(page)") or 1
    found = selectors.drill_down(user=request.user, kpi=definition, scope=scope, start=start, end=end, page=page)
    return render(
        request,
        "kpis/drill.html",
        {
            "kpi": definition,
            "scope": scope,
            "fy": fy,
            "start": start,
            "end": end,
            "page_obj": found[0] if found else None,
            "rows": found[1] if found else [],
        },
    )


EXPORT_HEADER = ["範囲", "年度", "KPI", "キー", "実績", "分子", "分母", "目標", "前年度実績"]


@login_required
def export(request: AuthedRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("出力形式は csv か xlsx です。")
    scope = _scope(request)
    fy = _fy(request)
    lines = selectors.dashboard(request.user, scope, fy)
    rows: list[list[object]] = [
        [
            scope.label,
            fy.year,
            line.kpi.name,
            line.kpi.key,
            "" if line.value is None else line.value,
            line.counts.numerator,
            line.counts.denominator,
            "" if line.target is None else line.target,
            "" if line.last_year is None else line.last_year,
        ]
        for line in lines
    ]
    for line in lines:
        for month, value, counts in line.months:
            rows.append(
                [
                    scope.label,
                    f"{month:%Y-%m}",
                    line.kpi.name,
                    line.kpi.key,
                    "" if value is None else value,
                    counts.numerator,
                    counts.denominator,
                    "",
                    "",
                ]
            )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(rows)
        content = out.getvalue().encode("utf-8-sig")
    else:
        content = xlsx([EXPORT_HEADER, *rows], sheet_name="KPI")
    log_access(
        user=request.user,
        customer_ids=[],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={"format": fmt, "rows": len(rows), "scope": scope.query, "fiscal_year": fy.year},
    )
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="kpis-{fy.year}.{fmt}"'
    return response


# --- targets ------------------------------------------------------------------------------------


DATE_ERRORS = {"invalid": "日付は 2025-04-01 のように入力してください。"}


class TargetForm(forms.Form):
    kpi = forms.ChoiceField(label="KPI", choices=[(k.key, k.name) for k in definitions.REGISTRY.values()])
    fiscal_year = forms.IntegerField(
        label="年度",
        min_value=definitions.MIN_YEAR,
        max_value=definitions.MAX_YEAR,
        error_messages={
            "required": "年度を入力してください。",
            "invalid": "年度は西暦4桁の数字で入力してください。",
            "min_value": "年度は2000以降で入力してください。",
            "max_value": "年度は2100以前で入力してください。",
        },
    )
    value = forms.DecimalField(
        label="目標値",
        max_digits=10,
        decimal_places=2,
        error_messages={
            "required": "目標値を入力してください。",
            "invalid": "目標値は数字で入力してください。",
            "max_digits": "目標値の桁数が多すぎます。",
            "max_decimal_places": "目標値は小数2桁までで入力してください。",
            "max_whole_digits": "目標値の桁数が多すぎます。",
        },
    )
    agency = forms.ChoiceField(label="代理店", required=False)
    starts_on = forms.DateField(
        label="適用開始日", required=False, error_messages={"invalid": "日付は 2025-04-01 のように入力してください。"}
    )
    ends_on = forms.DateField(
        label="適用終了日", required=False, error_messages={"invalid": "日付は 2026-03-31 のように入力してください。"}
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        if reach(user) is Reach.AGENCY and user.agency is not None:
            field.choices = [(user.agency.code, user.agency.name)]
            field.required = True
        else:
            field.choices = [("", "全社")] + [(a.code, a.name) for a in Agency.objects.order_by("code")]


@login_required
def targets(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.KPIS_MANAGE)
    fy = _fy(request)
    form = TargetForm(request.POST or None, user=request.user, initial={"fiscal_year": fy.year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = Agency.objects.filter(code=data["agency"]).first() if data["agency"] else None
        try:
            services.target_save(
                actor=request.user,
                data=services.TargetInput(
                    kpi=data["kpi"],
                    fiscal_year=data["fiscal_year"],
                    value=data["value"],
                    agency=agency,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                ),
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("agency", str(exc))
        else:
            messages.success(request, "目標を保存しました。")
            return redirect(f"{reverse('kpis:targets')}?fy={data['fiscal_year']}")
    rows = KpiTarget.objects.filter(fiscal_year=fy.year).select_related("agency").order_by("agency__code", "kpi")
    if reach(request.user) is Reach.AGENCY:
        rows = rows.filter(Q(agency_id=request.user.agency_id) | Q(agency__isnull=True))
    names = {k.key: k.name for k in definitions.REGISTRY.values()}
    shown = [(t, names.get(t.kpi, t.kpi)) for t in rows.order_by("agency__code", "kpi")]
    return render(request, "kpis/targets.html", {"form": form, "fy": fy, "targets": shown})


@login_required
@require_POST
def rebuild(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.KPIS_MANAGE)
    if reach(request.user) is not Reach.ALL:
        raise PermissionDenied("再集計は本社の担当者だけが行えます。")
    fy = _fy(request) if request.GET.get("fy") else definitions.fiscal_year_of(timezone.localdate())
    written = services.kpis_rebuild(actor=request.user, years=[fy.previous(), fy])
    messages.success(request, f"{fy.previous().label}と{fy.label}を再集計しました({written:,}行)。")
    return redirect(f"{reverse('kpis:dashboard')}?fy={fy.year}")


# --- the published report -----------------------------------------------------------------------------


def _agency_for(request: AuthedRequest, code: str) -> Agency:
    permissions.require(request.user, permissions.KPIS_VIEW)
    agency = Agency.objects.filter(code=code).first()
    if agency is None or not visible_agencies(request.user).filter(pk=agency.pk).exists():
        raise Http404("指定された代理店の取組状況は見つかりません。")
    return agency


def _year(year: int) -> FiscalYear:
    if not definitions.MIN_YEAR <= year <= definitions.MAX_YEAR:
        raise Http404("指定された年度の取組状況は見つかりません。")
    return FiscalYear(year)


@login_required
def reports(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.KPIS_VIEW)
    fy = _fy(request)
    agencies = list(visible_agencies(request.user).order_by("code"))  # agency staff: their own; branch: its agencies
    existing = {
        r.agency_id: r
        for r in KpiReport.objects.filter(fiscal_year=fy.year, agency__in=agencies).prefetch_related("versions")
    }
    rows = [(a, existing.get(a.pk)) for a in agencies]
    return render(
        request, "kpis/reports.html", {"fy": fy, "rows": rows, "years": [fy.year - back for back in range(-1, 5)]}
    )


class ReportForm(forms.Form):
    principles = forms.CharField(label="取組方針", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    measures = forms.CharField(label="主な取組", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    comments = forms.CharField(
        label="KPIへのコメント(振り返り)", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


@login_required
def report(request: AuthedRequest, agency: str, year: int) -> HttpResponse:
    found = _agency_for(request, agency)
    fy = _year(year)
    current = selectors.report_get(user=request.user, agency=found, year=fy.year)
    may_manage = permissions.has(request.user, permissions.KPIS_MANAGE)
    initial = (
        {"principles": current.principles, "measures": current.measures, "comments": current.comments}
        if current
        else {}
    )
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(permissions.REGISTRY[permissions.KPIS_MANAGE].denied)
        if form.is_valid():
            try:
                services.report_save(
                    actor=request.user,
                    agency=found,
                    fiscal_year=fy.year,
                    data=services.ReportInput(**form.cleaned_data),
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, "取組状況を保存しました(公表するまで公開版は変わりません)。")
                return redirect("kpis:report", agency=found.code, year=fy.year)
    scope = selectors.Scope("agency", found.name, agency=found, agency_ids=(found.pk,))
    years = selectors.report_years(fy)
    return render(
        request,
        "kpis/report.html",
        {
            "agency": found,
            "fy": fy,
            "report": current,
            "versions": list(current.versions.all()) if current else [],
            "form": form,
            "may_manage": may_manage,
            "years": years,
            "table": selectors.yearly_table(scope, years),
        },
    )


@login_required
@require_POST
def publish(request: AuthedRequest, agency: str, year: int) -> HttpResponse:
    found = _agency_for(request, agency)
    fy = _year(year)
    permissions.require(request.user, permissions.KPIS_MANAGE)
    try:
        version = services.report_publish(actor=request.user, agency=found, fiscal_year=fy.year)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"第{version.number}版を公表しました。")
    return redirect("kpis:report", agency=found.code, year=fy.year)


def _pdf_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def report_pdf_view(request: AuthedRequest, agency: str, year: int) -> HttpResponse:
    """The latest published version's PDF, or the draft (marked 作成中) when none is published."""
    found = _agency_for(request, agency)
    fy = _year(year)
    current = selectors.report_get(user=request.user, agency=found, year=fy.year)
    version = current.versions.order_by("-number").first() if current else None
    if version is not None:
        return _pdf_response(report_pdf.render(version.content, version=version.number), _pdf_name(found, fy, version))
    if current is None:
        raise Http404("この年度の取組状況はまだ作成されていません。")
    return _pdf_response(report_pdf.render(services.report_content(current), version=None), _pdf_name(found, fy, None))


@login_required
def version_pdf(request: AuthedRequest, agency: str, year: int, number: int) -> HttpResponse:
    found = _agency_for(request, agency)
    fy = _year(year)
    version = KpiReportVersion.objects.filter(report__agency=found, report__fiscal_year=fy.year, number=number).first()
    if version is None:
        raise Http404("指定された版は見つかりません。")
    return _pdf_response(report_pdf.render(version.content, version=version.number), _pdf_name(found, fy, version))


def _pdf_name(agency: Agency, fy: FiscalYear, version: KpiReportVersion | None) -> str:
    suffix = f"-v{version.number}" if version else "-draft"
    return f"torikumi-{agency.code}-{fy.year}{suffix}.pdf"
