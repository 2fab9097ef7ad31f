"""Screens of the 解約防止分析: the tables with charts and exports, the drill-down to the cases behind a
cell, and the win-back (取り戻し) list that can become a target list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.analytics.downloads import CONTENT_TYPES, table_response
from tsunagu.cases.choices import CancellationOutcome, CancellationReason, CaseChannel
from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import FIRST_DAY, LAST_DAY, BadInput, add_service_errors, query_int, text_problem
from tsunagu.policies.choices import LineOfBusiness

from . import retention_charts, retention_selectors, retention_services
from .retention_forms import PeriodForm, WinBackForm, WinBackListForm, error_text
from .retention_selectors import DRILL_KEYS, NONE, Period, Table

EXPORT_SCREEN = "解約防止分析: エクスポート"
# The tables an export may name (`table=`), in the screen's order; a test checks they are the tables
# `retention_selectors.retention_tables` builds.
TABLES = {
    "reason": "解約理由別の継続率",
    "month": "月別",
    "line": "保険種目別",
    "channel": "受付チャネル別",
    "operator": "担当者別",
    "agency": "代理店別",
    "guidance": "使用したご案内別",
    "competitor": "乗換え先",
    "complaint": "苦情に続く解約",
}


def _period(request: AuthedRequest, today: dt.date) -> tuple[PeriodForm, Period]:
    """The period of the GET parameters; when they are wrong, the default period (errors shown)."""
    form = PeriodForm(request.GET, today=today)
    if form.is_valid():
        data = form.cleaned_data
        return form, Period(data["start"], data["end"], data["days"])
    default = PeriodForm({}, today=today)
    default.is_valid()
    data = default.cleaned_data
    return form, Period(data["start"], data["end"], data["days"])


def _strict_period(request: AuthedRequest, today: dt.date) -> tuple[PeriodForm, Period]:
    """The period of a link-only address (export, drill-down): a wrong one is a Japanese 400, never
    a silent default period (a file of other dates than asked for)."""
    form, period = _period(request, today)
    if not form.is_valid():
        raise BadInput(f"期間の指定が正しくありません。{error_text(form)}")
    return form, period


def _export_choice(request: AuthedRequest) -> tuple[str, str]:
    """(table key, file format) of an export address; anything else is a Japanese 400."""
    file_format = request.GET.get("format", "csv")
    key = request.GET.get("table", "all")
    if file_format not in CONTENT_TYPES:
        raise BadInput(f"出力形式「{file_format[:30]}」は選べません。csv か xlsx を指定してください。")
    if key != "all" and key not in TABLES:
        choices = "、".join(f"{k}({title})" for k, title in TABLES.items())
        raise BadInput(f"表「{key[:30]}」はありません。all(すべての表)か次のどれかを指定してください: {choices}。")
    return key, file_format


CHOICES = {
    "line": {c.value for c in LineOfBusiness} | {""},
    "channel": {c.value for c in CaseChannel} | {""},
    "reason": {c.value for c in CancellationReason},
    "outcome": {c.value for c in CancellationOutcome} | {NONE},
    "complaint": {"1"},
}
DRILL_LABELS = {
    "month": "月",
    "line": "保険種目",
    "channel": "受付チャネル",
    "operator": "担当者",
    "agency": "代理店",
    "reason": "解約理由",
    "guidance": "ご案内",
    "competitor": "乗換え先",
    "complaint": "苦情",
    "outcome": "結果",
}


def _drill_params(request: AuthedRequest) -> dict[str, str]:
    """The drill-down's cell (month, line, operator …) as the tables' links write it; a value no link
    writes (an unknown code, an id that is not a number, a month outside the years the screen takes)
    is a Japanese 400 naming the parameter."""
    params = {k: request.GET[k] for k in DRILL_KEYS if k in request.GET}
    for key, value in params.items():
        shown = f"{DRILL_LABELS[key]}({key})の指定「{value[:30]}」が正しくありません"
        if key == "month":
            try:
                first = dt.date.fromisoformat(f"{value}-01")
            except ValueError:
                first = None
            if len(value) != 7 or first is None or not FIRST_DAY <= first <= LAST_DAY:
                raise BadInput(f"{shown}。2026-04 のように年と月を指定してください(1900〜2099年)。")
        elif key in CHOICES and value not in CHOICES[key]:
            raise BadInput(f"{shown}。解約防止分析の表の件数から選び直してください。")
        elif key in ("operator", "agency", "guidance"):
            if not (key != "operator" and value == NONE) and not (
                value.isascii() and value.isdigit() and len(value) < 19
            ):
                raise BadInput(f"{shown}。番号(数字)で指定してください。")
        elif key == "competitor" and (problem := text_problem(value)):
            raise BadInput(f"{shown}。{problem}")
    return params


def _with_links(tables: list[Table], period: Period) -> list[Table]:
    base = reverse("analytics:retention_cases")
    for table in tables:
        for row in table.rows:
            if row.drill:
                row.url = f"{base}?{urlencode({**period.query(), **row.drill})}"
    return tables


@login_required
def retention_home(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    form, period = _period(request, timezone.localdate())
    tables = _with_links(retention_selectors.retention_tables(user=request.user, period=period), period)
    by_key = {t.key: t for t in tables}
    total = by_key["reason"].rows[-1].values  # 合計: requests, 継続, 条件変更, 解約, 未定, rate
    months = [
        (row.label, row.values[-3], row.values[-2], row.values[-4] - row.values[-3] - row.values[-2])
        for row in by_key["month"].rows
    ]
    charts = {
        "month": retention_charts.monthly_outcomes(months),
        "reason": retention_charts.rate_bars(
            [(r.label, r.values[-1], r.values[0]) for r in by_key["reason"].rows[:-1]], title="解約理由別の継続率"
        ),
        "guidance": retention_charts.rate_bars(
            [(r.label, r.values[-1], r.values[1]) for r in by_key["guidance"].rows][:15],
            title="使用したご案内別の継続率",
        ),
    }
    return render(
        request,
        "analytics/retention/home.html",
        {
            "form": form,
            "period": period,
            "query": urlencode(period.query()),
            "tables": tables,
            "charts": charts,
            "total": {
                "requests": total[0],
                "retained": total[1] + total[2],
                "rate": retention_selectors.format_cell(total[5])[0],
            },
        },
    )


@login_required
def retention_export(request: AuthedRequest) -> HttpResponse:
    """One table (`table=<key>`) or all of them (`table=all`) as CSV or XLSX; the export is logged.
    A wrong table, format or period is a Japanese 400 (`BadInput`, the product's one answer to a bad
    query parameter), not a page or a file of another period."""
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    key, file_format = _export_choice(request)
    _form, period = _strict_period(request, timezone.localdate())
    tables = retention_selectors.retention_tables(user=request.user, period=period)
    chosen = tables if key == "all" else [t for t in tables if t.key == key]
    rows: list[list[Any]] = [[f"解約防止分析 申出日 {period.start:%Y/%m/%d}〜{period.end:%Y/%m/%d}"]]
    for table in chosen:
        rows += [[], [table.title], *table.export_rows()]
        if table.note:
            rows.append([table.note])
    log_access(
        user=request.user,
        customer_ids=[],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={"tables": [t.key for t in chosen], "format": file_format, **period.query()},
    )
    filename = f"retention-{key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return table_response(rows, file_format, sheet_name="解約防止分析", filename=filename)  # counts, rates as numbers


@login_required
def retention_cases(request: AuthedRequest) -> HttpResponse:
    """The cancellation requests behind a table cell (scoped; logged as a list view)."""
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    form, period = _strict_period(request, timezone.localdate())
    params = _drill_params(request)
    page = query_int(request.GET, "page", default=1, minimum=1, label="ページ") or 1
    result = retention_selectors.drill_down(user=request.user, period=period, params=params, page=page)
    query = {**period.query(), **params}
    return render(
        request,
        "analytics/retention/cases.html",
        {
            "form": form,
            "result": result,
            "back": f"{reverse('analytics:retention')}?{urlencode(period.query())}",
            "prev_url": f"?{urlencode({**query, 'page': result.page - 1})}" if result.page > 1 else "",
            "next_url": f"?{urlencode({**query, 'page': result.page + 1})}" if result.page < result.pages else "",
        },
    )


def _winback_page(request: AuthedRequest, form: WinBackForm, create_form: WinBackListForm | None) -> HttpResponse:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else _default_window(today)
    rows = retention_selectors.winback_list(
        user=request.user, start=data["start"], end=data["end"], lead_days=data["lead_days"], today=today
    )
    builder = permissions.has(request.user, permissions.ANALYTICS_MODELS)
    if builder and create_form is None and not form.is_valid():
        builder = False  # the window shown is the default one: a list is offered only for the window asked for
    if builder and create_form is None:
        create_form = WinBackListForm(
            initial={
                "start": data["start"],
                "end": data["end"],
                "lead_days": data["lead_days"],
                "name": f"取り戻し {data['start']:%Y/%m/%d}〜{data['end']:%Y/%m/%d}",
            },
            today=today,
        )
    return render(
        request,
        "analytics/retention/winback.html",
        {
            "form": form,
            "window": data,
            "rows": rows,
            "limit": retention_selectors.WINBACK_LIMIT,
            "create_form": create_form if builder else None,
            "export_query": urlencode(
                {"start": data["start"].isoformat(), "end": data["end"].isoformat(), "lead_days": data["lead_days"]}
            ),
            "reason_rule": retention_selectors.WINBACK_REASON_RULE,
        },
    )


def _default_window(today: dt.date) -> dict[str, Any]:
    form = WinBackForm({}, today=today)
    form.is_valid()
    return form.cleaned_data


@login_required
def winback(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    return _winback_page(request, WinBackForm(request.GET, today=timezone.localdate()), None)


@login_required
def winback_export(request: AuthedRequest) -> HttpResponse:
    """The win-back list of the window asked for as CSV or XLSX (logged as an export). A wrong format
    or window is a Japanese 400: never a file of the default window."""
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    file_format = request.GET.get("format", "csv")
    if file_format not in CONTENT_TYPES:
        raise BadInput(f"出力形式「{file_format[:30]}」は選べません。csv か xlsx を指定してください。")
    today = timezone.localdate()
    form = WinBackForm(request.GET, today=today)
    if not form.is_valid():
        raise BadInput(f"連絡開始日の条件が正しくありません。{error_text(form)}")
    data = form.cleaned_data
    rows = retention_selectors.winback_export_rows(
        user=request.user, start=data["start"], end=data["end"], lead_days=data["lead_days"], today=today,
        file_format=file_format,
    )  # fmt: skip
    filename = f"winback-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
    return table_response(rows, file_format, sheet_name="取り戻しリスト", filename=filename, numbers=False)


@login_required
@require_POST
def winback_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_RETENTION)
    permissions.require(request.user, permissions.ANALYTICS_MODELS)
    today = timezone.localdate()
    form = WinBackListForm(request.POST, today=today)
    if form.is_valid():
        data = form.cleaned_data
        try:
            target = retention_services.winback_list_create(
                actor=request.user,
                name=data["name"],
                start=data["start"],
                end=data["end"],
                lead_days=data["lead_days"],
                today=today,
                control_percent=data["control_percent"],
                talking_points=data["talking_points"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"取り戻しリスト「{target.name}」を作成しました。")
            return redirect("analytics:target_list", pk=target.pk)
    window = WinBackForm({k: request.POST.get(k, "") for k in ("start", "end", "lead_days")}, today=today)
    return _winback_page(request, window, form)
