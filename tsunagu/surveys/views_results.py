"""Survey results screens: the dashboard (figures from the aggregates), its CSV/XLSX export, and the
recent comments (personal data: scoped and logged). The filters travel in the query string, so a
filtered dashboard is a link that can be shared and its export gives the same tables."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from tsunagu.cases.choices import CaseType
from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.models import Agency, Branch, User
from tsunagu.core.scoping import Reach, reach
from tsunagu.policies.choices import LineOfBusiness

from . import charts, results
from .choices import Channel, TriggerEvent
from .models import Survey

DEFAULT_SURVEY_CODE = "claim"
_MONTH = re.compile(r"^\s*(\d{4})[-/年](\d{1,2})月?\s*$")


class MonthField(forms.CharField):
    """A month as 2026-04 (the month input's value) or 2026/04; cleaned to the month's first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-04"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        match = _MONTH.match(text)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError("年月は 2026-04 の形で入力してください。")
        return dt.date(int(match[1]), int(match[2]), 1)


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [("", "すべて"), *enum.choices]


class PlainSelect(forms.Select):
    """A <select> written in Python. Django renders every <option> through a template of its own; the
    filters have about 80 options (40 agencies in the bench), which cost the dashboard more than all
    of its queries. Same markup as Django's select.html (no option groups here)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            format_html(
                '<option value="{}"{}>{}</option>',
                str(option["value"]),
                flatatt(option["attrs"]),
                option["label"],
            )
            for _group, group_options, _index in widget["optgroups"]
            for option in group_options
        ]
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), mark_safe("".join(options))
        )


class ResultFilterForm(forms.Form):
    survey = forms.ModelChoiceField(
        label="アンケート",
        queryset=Survey.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="すべて",
        widget=PlainSelect,
    )
    month_from = MonthField(label="期間(開始月)", required=False)
    month_to = MonthField(label="期間(終了月)", required=False)
    line = forms.ChoiceField(label="保険種目", choices=_choices(LineOfBusiness), required=False, widget=PlainSelect)
    branch = forms.ModelChoiceField(
        label="営業拠点",
        queryset=Branch.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="すべて",
        widget=PlainSelect,
    )
    agency = forms.ModelChoiceField(
        label="代理店",
        queryset=Agency.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="すべて",
        widget=PlainSelect,
    )
    case_type = forms.ChoiceField(label="案件種別", choices=_choices(CaseType), required=False, widget=PlainSelect)
    event = forms.ChoiceField(label="契機", choices=_choices(TriggerEvent), required=False, widget=PlainSelect)
    channel = forms.ChoiceField(label="回答方法", choices=_choices(Channel), required=False, widget=PlainSelect)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.order_by("code")  # type: ignore[attr-defined]
        agencies = Agency.objects.order_by("code")
        branches = Branch.objects.order_by("code")
        if reach(user) is Reach.AGENCY:
            # Agency staff: their own agency only; another agency's code is "not one of the choices".
            agencies = agencies.filter(pk=user.agency_id or 0)
            branches = branches.filter(agencies__pk=user.agency_id or 0)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", "終了月は開始月以降にしてください。")
        return data

    def filters(self) -> results.ResultFilters:
        data = self.cleaned_data
        return results.ResultFilters(
            survey=data.get("survey"),
            month_from=data.get("month_from"),
            month_to=data.get("month_to"),
            line=data.get("line") or "",
            agency=data.get("agency"),
            branch=data.get("branch"),
            case_type=data.get("case_type") or "",
            event=data.get("event") or "",
            channel=data.get("channel") or "",
        )


def _form(request: AuthedRequest) -> ResultFilterForm:
    params = request.GET.copy()
    if "survey" not in params:  # first visit: the claims survey (事故対応NPS) when there is one
        default = Survey.objects.filter(code=DEFAULT_SURVEY_CODE).values_list("code", flat=True).first()
        if default:
            params["survey"] = default
    return ResultFilterForm(params, user=request.user)


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEY_RESULTS)
    form = _form(request)
    context: dict[str, Any] = {"form": form, "result": None}
    if form.is_valid():
        result = results.results_get(user=request.user, filters=form.filters())
        context["result"] = result
        context["distribution_chart"] = charts.nps_distribution(result.nps_distribution)
        context["trend_chart"] = charts.trend(
            [charts.Point(f.label, f.nps.score) for f in result.trend], title="NPSの月別推移"
        )
        context["query"] = request.GET.urlencode()
    return render(request, "surveys/results/dashboard.html", context)


@login_required
@require_GET
def export(request: AuthedRequest, file_format: str) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEY_RESULTS)
    form = _form(request)
    if not form.is_valid():
        # Back to the screen with the errors; a download address never answers an HTML error page.
        return render(request, "surveys/results/dashboard.html", {"form": form, "result": None})
    exported = results.results_export(user=request.user, filters=form.filters(), file_format=file_format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@login_required
@require_GET
def comments(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEY_COMMENTS)
    form = _form(request)
    context: dict[str, Any] = {"form": form, "page": None}
    if form.is_valid():
        context["page"] = results.comments_list(
            user=request.user, filters=form.filters(), page=request.GET.get("page") or 1
        )
    return render(request, "surveys/results/comments.html", context)
