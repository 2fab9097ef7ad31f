"""募集品質 screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors, query_int
from tsunagu.core.models import Agency, User

from . import elderly, exports, selectors, services
from .forms import (
    DoubleCheckForm,
    GuidanceForm,
    IntentForm,
    MeasureForm,
    QualificationForm,
    RenewalForm,
    RolePlayForm,
    SessionForm,
    SolicitationForm,
)


def _agency(request: AuthedRequest) -> Agency | None:
    """Head office narrows a list to one agency with ?agency=<id>; agency staff see their own."""
    if request.user.agency_id is not None:
        return None
    pk = query_int(request.GET, "agency", default=None, minimum=1, maximum=10**12, label="代理店(agency)")
    return Agency.objects.filter(pk=pk).first() if pk else None


def _list_context(request: AuthedRequest) -> dict[str, Any]:
    agency = _agency(request)
    return {"agency": agency, "agencies": selectors.agencies_for(request.user)}


# --- 意向把握 -----------------------------------------------------------------------------------------


@login_required
def intents(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    context = _list_context(request)
    rows = selectors.intent_worklist(user=request.user, agency=context["agency"], screen="意向把握の未完了一覧")
    counts = selectors.intent_counts(user=request.user, agency=context["agency"])
    return render(request, "practice/intents.html", {**context, "rows": rows, "counts": counts})


@login_required
def intent_edit(request: AuthedRequest, policy_pk: int) -> HttpResponse:
    """The intent record of a policy: read (logged) first, then the permission to record."""
    found = selectors.policy_practice_get(user=request.user, pk=policy_pk, screen="意向把握の記録")
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    can_record = permissions.has(request.user, permissions.PRACTICE_RECORD)
    policy = found.policy
    if request.method == "POST":
        permissions.require(request.user, permissions.PRACTICE_RECORD)
        form = IntentForm(request.POST, line=policy.line)
        if form.is_valid():
            try:
                record = services.intent_record_save(actor=request.user, policy=policy, data=form.to_input())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if record.complete:
                    messages.success(request, "意向把握の記録を保存しました(完了)。")
                else:
                    messages.warning(request, "意向把握の記録を保存しました。未完了: " + "、".join(record.missing))
                return redirect("practice:intent_edit", policy_pk=policy.pk)
    else:
        form = IntentForm(line=policy.line, record=found.record)
    return render(
        request,
        "practice/intent_form.html",
        {
            "found": found,
            "policy": policy,
            "record": found.record,
            "form": form,
            "can_record": can_record,
            "can_double_check": permissions.has(request.user, permissions.PRACTICE_DOUBLE_CHECK),
            "double_check_form": DoubleCheckForm(),
        },
    )


@login_required
@require_POST
def intent_double_check(request: AuthedRequest, policy_pk: int) -> HttpResponse:
    found = selectors.policy_practice_get(user=request.user, pk=policy_pk, screen="意向把握のダブルチェック")
    permissions.require(request.user, permissions.PRACTICE_DOUBLE_CHECK)
    form = DoubleCheckForm(request.POST)
    if found.record is None:
        messages.error(request, "意向把握の記録がまだありません。")
        return redirect("practice:intent_edit", policy_pk=found.policy.pk)
    if form.is_valid():
        try:
            record = services.intent_record_double_check(
                actor=request.user, record=found.record, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            state = "完了" if record.complete else "未完了: " + "、".join(record.missing)
            messages.success(request, f"ダブルチェックを記録しました({state})。")
    else:
        messages.error(request, "所見は1000文字以内で入力してください。")
    return redirect("practice:intent_edit", policy_pk=found.policy.pk)


# --- 高齢者対応 ------------------------------------------------------------------------------------


@login_required
def elderly_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    context = _list_context(request)
    return render(
        request,
        "practice/elderly.html",
        {
            **context,
            "rows": selectors.elderly_worklist(user=request.user, agency=context["agency"]),
            "candidates": selectors.elderly_candidates(user=request.user, agency=context["agency"]),
            "counts": selectors.elderly_counts(user=request.user, agency=context["agency"]),
        },
    )


@login_required
def elderly_start(request: AuthedRequest, policy_pk: int) -> HttpResponse:
    found = selectors.policy_practice_get(user=request.user, pk=policy_pk, screen="高齢者対応の開始")
    permissions.require(request.user, permissions.PRACTICE_RECORD)
    if request.method == "POST":
        form = SolicitationForm(request.POST)
        if form.is_valid():
            try:
                row = services.elderly_solicitation_start(
                    actor=request.user, policy=found.policy, solicited_on=form.cleaned_data["solicited_on"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"高齢者対応を開始しました({row.age}歳・{row.get_tier_display()})。")
                return redirect("practice:elderly_detail", pk=row.pk)
    else:
        form = SolicitationForm()
    return render(request, "practice/elderly_start.html", {"found": found, "policy": found.policy, "form": form})


@login_required
def elderly_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = selectors.solicitation_get(user=request.user, pk=pk, screen="高齢者対応")
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    form = MeasureForm(customer_id=row.customer_id, agency_id=row.agency_id)
    if request.method == "POST":
        permissions.require(request.user, permissions.PRACTICE_RECORD)
        form = MeasureForm(request.POST, customer_id=row.customer_id, agency_id=row.agency_id)
        if form.is_valid():
            try:
                services.elderly_measure_add(actor=request.user, solicitation=row, data=form.to_input())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "高齢者対応の実施を記録しました。")
                return redirect("practice:elderly_detail", pk=row.pk)
    return render(
        request,
        "practice/elderly_detail.html",
        {
            "row": row,
            "measures": selectors.measures_of(row),
            "required": selectors.required_text(row),
            "form": form,
            "questions": elderly.CALL_QUESTIONS,
            "can_record": permissions.has(request.user, permissions.PRACTICE_RECORD),
        },
    )


# --- 満期管理 ------------------------------------------------------------------------------------------


@login_required
def renewals(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    context = _list_context(request)
    _, agent, months = _renewal_filters(request)
    agents = selectors.renewal_agents(request.user)
    today = timezone.localdate()
    rows = selectors.renewal_worklist(user=request.user, agency=context["agency"], agent=agent, months=months)
    missed = selectors.missed_renewals(user=request.user, agency=context["agency"])
    early = selectors.early_renewal_rate(
        user=request.user,
        agency=context["agency"],
        since=today.replace(day=1, month=4, year=today.year - (today.month < 4)),
        until=today,
    )
    return render(
        request,
        "practice/renewals.html",
        {
            **context,
            "rows": rows,
            "missed": missed,
            "months": months,
            "agents": agents,
            "agent": agent,
            "early": early,
            "overdue_count": sum(1 for r in rows if r.overdue),
            "export_formats": [("csv", "CSV"), ("xlsx", "Excel(XLSX)")],
        },
    )


def _renewal_filters(request: AuthedRequest) -> tuple[Agency | None, User | None, int]:
    """The worklist's filters (agency for head office, 担当者, months), bad values refused in Japanese."""
    agency = _agency(request)
    months = query_int(request.GET, "months", default=3, minimum=1, maximum=3, label="期間(months)") or 3
    agent_pk = query_int(request.GET, "agent", default=None, minimum=1, maximum=10**12, label="担当者(agent)")
    agent = next((a for a in selectors.renewal_agents(request.user) if a.pk == agent_pk), None)
    return agency, agent, months


@login_required
def renewals_export(request: AuthedRequest) -> HttpResponse:
    """The worklist of the same filters as a CSV or XLSX download (logged as an export)."""
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    agency, agent, months = _renewal_filters(request)
    try:
        file = exports.renewal_worklist_export(
            user=request.user,
            file_format=request.GET.get("format", "csv"),
            agency=agency,
            agent=agent,
            months=months,
        )
    except exports.BadFormat as error:
        messages.error(request, str(error))
        return redirect("practice:renewals")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@login_required
def renewal_edit(request: AuthedRequest, policy_pk: int) -> HttpResponse:
    found = selectors.policy_practice_get(user=request.user, pk=policy_pk, screen="満期管理")
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    policy = found.policy
    assert policy.agency_id is not None
    renewal_policy = getattr(policy, "next_policy", None)
    if request.method == "POST":
        permissions.require(request.user, permissions.PRACTICE_RECORD)
        form = RenewalForm(request.POST, agency_id=policy.agency_id)
        if form.is_valid():
            try:
                services.renewal_progress_save(
                    actor=request.user, policy=policy, data=form.to_input(renewal_policy=renewal_policy)
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "満期管理を更新しました。")
                return redirect("practice:renewal_edit", policy_pk=policy.pk)
    else:
        form = RenewalForm(agency_id=policy.agency_id, progress=found.renewal)
    rule = services.renewal_rule(services.rule_for(policy.agency_id))
    steps = selectors._steps(policy.expiry, found.renewal, timezone.localdate(), rule)
    return render(
        request,
        "practice/renewal_form.html",
        {
            "found": found,
            "policy": policy,
            "form": form,
            "steps": steps,
            "renewal_policy": renewal_policy,
            "rule": rule,
            "can_record": permissions.has(request.user, permissions.PRACTICE_RECORD),
        },
    )


# --- 研修 ----------------------------------------------------------------------------------------


@login_required
def training(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.PRACTICE_VIEW)
    context = _list_context(request)
    overview = selectors.training_overview(user=request.user, agency=context["agency"])
    rule = services.rule_for(request.user.agency_id or (context["agency"].pk if context["agency"] else None))
    return render(
        request,
        "practice/training.html",
        {
            **context,
            "overview": overview,
            "rule": rule,
            "can_manage": permissions.has(request.user, permissions.PRACTICE_MANAGE),
        },
    )


def _training_form(
    request: AuthedRequest, form_class: type[forms.Form], title: str, save: Any, template_fields: list[str]
) -> HttpResponse:
    permissions.require(request.user, permissions.PRACTICE_MANAGE)
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)  # type: ignore[call-arg]
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{title}を登録しました。")
                return redirect("practice:training")
    else:
        form = form_class(user=request.user)  # type: ignore[call-arg]
    return render(request, "practice/training_form.html", {"form": form, "title": title})


@login_required
def training_new(request: AuthedRequest) -> HttpResponse:
    def save(d: dict[str, Any]) -> None:
        services.training_session_create(
            actor=request.user,
            agency=d.get("agency"),
            kind=d["kind"],
            date=d["date"],
            topic=d["topic"],
            notes=d["notes"],
            attendees=list(d["attendees"]),
        )

    return _training_form(request, SessionForm, "勉強会・品質向上会議", save, [])


@login_required
def roleplay_new(request: AuthedRequest) -> HttpResponse:
    def save(d: dict[str, Any]) -> None:
        services.roleplay_score_record(
            actor=request.user,
            person=d["person"],
            scored_on=d["scored_on"],
            score=d["score"],
            theme=d["theme"],
            session=d["session"],
        )

    return _training_form(request, RolePlayForm, "ロールプレイ評価", save, [])


@login_required
def qualification_new(request: AuthedRequest) -> HttpResponse:
    def save(d: dict[str, Any]) -> None:
        services.qualification_add(
            actor=request.user,
            person=d["person"],
            kind=d["kind"],
            acquired_on=d["acquired_on"],
            expires_on=d["expires_on"],
        )

    return _training_form(request, QualificationForm, "資格", save, [])


@login_required
def guidance_new(request: AuthedRequest) -> HttpResponse:
    def save(d: dict[str, Any]) -> None:
        services.guidance_record_add(
            actor=request.user, trainee=d["trainee"], given_on=d["given_on"], topic=d["topic"], content=d["content"]
        )

    return _training_form(request, GuidanceForm, "新人指導", save, [])
