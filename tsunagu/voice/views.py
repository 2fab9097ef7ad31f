"""お客様の声 screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.cases.selectors import case_list_for_customer
from tsunagu.core import permissions
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors, query_int
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.selectors import policy_list_for_customer

from . import selectors, services
from .choices import ImprovementStatus, VoiceKind
from .forms import CirculationForm, FilterForm, ImprovementForm, ProposalForm, SimilarForm, VoiceForm
from .models import Voice
from .svg import trend_chart


def _page(request: AuthedRequest) -> int:
    page = query_int(request.GET, "page", default=1, minimum=1, maximum=100_000, label="ページ(page)")
    assert page is not None
    return page


def _agencies(user: User) -> list[Agency]:
    """Head office filters by agency; agency staff see only their own anyway."""
    if user.agency_id:
        return []
    return list(Agency.objects.filter(is_active=True).order_by("code"))


# --- the register -----------------------------------------------------------------------------


@login_required
def voice_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    form = FilterForm(request.GET or None, agencies=_agencies(request.user))
    filters = selectors.VoiceFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.VoiceFilters(
            kind=data.get("kind") or "",
            category_id=data.get("category"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            agency_id=data.get("agency"),
            channel=data.get("channel") or "",
            text=data.get("q") or "",
        )
    page = selectors.voice_page(user=request.user, filters=filters, page=_page(request), screen="お客様の声一覧")
    return render(request, "voice/voice_list.html", {"form": form, "page_obj": page})


def _customer_choices(user: User, customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {}
    return {
        "policies": policy_list_for_customer(user=user, customer=customer),
        "cases": case_list_for_customer(user=user, customer=customer, limit=50),
    }


def _agents(user: User) -> list[User]:
    """Whom the voice may name as the member of staff who served: the recorder's colleagues."""
    colleagues = User.objects.filter(is_active=True)
    colleagues = (
        colleagues.filter(agency_id=user.agency_id)
        if user.agency_id
        else colleagues.filter(department_id=user.department_id)
    )
    return list(colleagues.order_by("username")[:200])


def _voice_input(form: VoiceForm, customer: Customer | None) -> services.VoiceInput:
    data = form.cleaned_data
    return services.VoiceInput(
        received_on=data["received_on"],
        channel=data["channel"],
        category=data["category"],
        text=data["text"],
        customer=customer,
        policy=form.chosen("policy") if "policy" in form.fields else None,
        case=form.chosen("case") if "case" in form.fields else None,
        agent=form.chosen("agent"),
    )


@login_required
def voice_new(request: AuthedRequest) -> HttpResponse:
    """`/voice/new/?customer=<pk>`: the customer page links here; without a customer the voice
    belongs to the recording agency or department."""
    permissions.require(request.user, permissions.VOICE_RECORD)
    customer_pk = query_int(request.GET, "customer", minimum=1, label="顧客(customer)")
    customer = (
        customer_get(user=request.user, pk=customer_pk, purpose=AccessPurpose.VIEW, screen="お客様の声の記録")
        if customer_pk
        else None
    )
    form = VoiceForm(request.POST or None, agents=_agents(request.user), **_customer_choices(request.user, customer))
    if request.method == "POST" and form.is_valid():
        try:
            voice = services.voice_record(
                actor=request.user, data=_voice_input(form, customer), complaint=form.complaint_input()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = "お客様の声を記録しました。"
            if voice.complaint_case_id:
                message += f"苦情案件 {voice.complaint_case.number} を開きました。"  # type: ignore[union-attr]
            messages.success(request, message)
            return redirect("voice:detail", pk=voice.pk)
    similar = []
    if request.method == "POST" and form.data.get("text"):
        similar = selectors.similar_voices(
            user=request.user, words=str(form.data["text"])[: services.MAX_TEXT], screen="お客様の声の記録(類似の声)"
        )
    return render(
        request,
        "voice/voice_form.html",
        {
            "form": form,
            "customer": customer,
            "similar": similar,
            "searched": bool(similar) or request.method == "POST",
            "title": "お客様の声を記録",
        },
    )


@login_required
def voice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    voice = selectors.voice_get(user=request.user, pk=pk, screen="お客様の声")
    return render(request, "voice/voice_detail.html", _detail_context(request, voice))


def _detail_context(request: AuthedRequest, voice: Voice, complaint_form: forms.Form | None = None) -> dict[str, Any]:
    # A voice cleared by retention has no words left to compare, and nothing left to decide or correct.
    similar = (
        []
        if voice.is_erased
        else selectors.similar_voices(
            user=request.user, words=voice.text, exclude_pk=voice.pk, screen="お客様の声(類似の声)"
        )
    )
    if complaint_form is None and voice.is_dissatisfaction and voice.complaint_case_id is None and not voice.is_erased:
        complaint_form = VoiceForm(
            initial={"decision": voice.complaint_decision}, agents=[], complaint=True
        )  # only its complaint fields are shown
    return {
        "voice": voice,
        "similar": similar,
        "searched": not voice.is_erased,
        "complaint_form": complaint_form,
        "improvements": list(voice.improvements.all()),
        "can_manage": permissions.has(request.user, permissions.VOICE_MANAGE),
    }


@login_required
def voice_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    voice = selectors.voice_get(user=request.user, pk=pk, screen="お客様の声の修正")
    if voice.is_erased:
        messages.error(request, services.ERASED_MESSAGE)
        return redirect("voice:detail", pk=voice.pk)
    customer = None
    if voice.customer_id:
        customer = customer_get(
            user=request.user, pk=voice.customer_id, purpose=AccessPurpose.VIEW, screen="お客様の声の修正"
        )
    initial = {
        "received_on": voice.received_on,
        "channel": voice.channel,
        "category": voice.category_id,
        "text": voice.text,
        "policy": voice.policy_id,
        "case": voice.case_id,
        "agent": voice.agent_id,
    }
    agents = _agents(request.user)
    if voice.agent is not None and voice.agent not in agents:
        agents.append(voice.agent)
    form = VoiceForm(
        request.POST or None,
        initial=initial,
        agents=agents,
        complaint=False,
        **_customer_choices(request.user, customer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.voice_update(actor=request.user, voice=voice, data=_voice_input(form, customer))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "お客様の声を修正しました。")
            return redirect("voice:detail", pk=voice.pk)
    return render(
        request,
        "voice/voice_form.html",
        {"form": form, "customer": customer, "voice": voice, "similar": [], "title": "お客様の声を修正"},
    )


@login_required
@require_POST
def voice_complaint(request: AuthedRequest, pk: int) -> HttpResponse:
    """「苦情として扱いますか」 on the voice page."""
    permissions.require(request.user, permissions.VOICE_RECORD)
    voice = selectors.voice_get(user=request.user, pk=pk, screen="お客様の声(苦情の判断)")
    form = VoiceForm(request.POST, agents=[], complaint=True)
    for name in ("received_on", "channel", "category", "text", "agent"):
        del form.fields[name]
    if form.is_valid():
        try:
            voice = services.voice_decide_complaint(actor=request.user, voice=voice, complaint=form.complaint_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if voice.complaint_case_id:
                messages.success(request, f"苦情案件 {voice.complaint_case.number} を開きました。")  # type: ignore[union-attr]
            else:
                messages.success(request, f"「{voice.get_complaint_decision_display()}」として記録しました。")
            return redirect("voice:detail", pk=voice.pk)
    return render(request, "voice/voice_detail.html", _detail_context(request, voice, form))


@login_required
def similar(request: AuthedRequest) -> HttpResponse:
    """The similar past voices of the words being typed (htmx, on the record form)."""
    permissions.require(request.user, permissions.VOICE_RECORD)
    form = SimilarForm(request.GET)
    rows: list[selectors.SimilarVoice] = []
    if form.is_valid() and form.cleaned_data["text"]:
        rows = selectors.similar_voices(
            user=request.user,
            words=form.cleaned_data["text"],
            exclude_pk=form.cleaned_data.get("exclude"),
            screen="お客様の声の記録(類似の声)",
        )
    searched = form.is_valid() and bool(form.cleaned_data["text"])
    return render(request, "voice/_similar.html", {"similar": rows, "searched": searched})


# --- proposals from surveys -------------------------------------------------------------------


@login_required
def proposal_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    rows = selectors.proposals(user=request.user, screen="アンケートからの提案")
    return render(request, "voice/proposals.html", {"proposals": rows})


@login_required
def proposal_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    response = selectors.proposal_get(user=request.user, pk=pk, screen="アンケートからの提案")
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            voice = services.proposal_confirm(
                actor=request.user,
                response=response,
                category=form.cleaned_data["category"],
                complaint=form.complaint_input(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "アンケートの回答をお客様の声(不満)として記録しました。")
            return redirect("voice:detail", pk=voice.pk)
    return render(request, "voice/proposal.html", {"response": response, "form": form})


# --- 回覧 --------------------------------------------------------------------------------------


@login_required
def circulation_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    can_manage = permissions.has(request.user, permissions.VOICE_MANAGE)
    this_month = services.month_start(timezone.localdate())
    form = CirculationForm(request.POST or None, initial={"month": this_month}) if can_manage else None
    if request.method == "POST":
        permissions.require(request.user, permissions.VOICE_MANAGE)
        assert form is not None
        if form.is_valid():
            try:
                circulation = services.circulation_create(
                    actor=request.user, month=form.cleaned_data["month"], note=form.cleaned_data.get("note") or ""
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{circulation.month:%Y年%m月}の回覧を作成しました。")
                return redirect("voice:circulation", pk=circulation.pk)
    rows = selectors.circulation_rows(user=request.user)
    return render(
        request,
        "voice/circulations.html",
        {"rows": rows, "form": form, "this_month": this_month, "can_manage": can_manage},
    )


@login_required
def circulation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    detail = selectors.circulation_get(user=request.user, pk=pk, screen="回覧")
    return render(
        request,
        "voice/circulation.html",
        {"detail": detail, "can_manage": permissions.has(request.user, permissions.VOICE_MANAGE)},
    )


@login_required
@require_POST
def circulation_read(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    detail = selectors.circulation_get(user=request.user, pk=pk, screen="回覧の確認")
    services.circulation_mark_read(actor=request.user, circulation=detail.circulation)
    messages.success(request, "回覧を確認しました。")
    return redirect("voice:circulation", pk=pk)


# --- improvements -----------------------------------------------------------------------------


@login_required
def improvement_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    status = request.GET.get("status", "")
    if status not in ImprovementStatus.values:
        status = ""
    return render(
        request,
        "voice/improvements.html",
        {
            "improvements": selectors.improvement_list(user=request.user, status=status),
            "status": status,
            "statuses": ImprovementStatus.choices,
            "can_manage": permissions.has(request.user, permissions.VOICE_MANAGE),
        },
    )


@login_required
def improvement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    improvement, voices = selectors.improvement_get(user=request.user, pk=pk, screen="改善")
    return render(
        request,
        "voice/improvement.html",
        {
            "improvement": improvement,
            "voices": voices,
            "can_manage": permissions.has(request.user, permissions.VOICE_MANAGE),
        },
    )


def _owners(user: User) -> list[User]:
    colleagues = User.objects.filter(is_active=True)
    if user.agency_id:
        return list(colleagues.filter(agency_id=user.agency_id).order_by("username"))
    return list(colleagues.filter(department__isnull=False).order_by("department__code", "username")[:500])


@login_required
def improvement_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_MANAGE)
    improvement = None
    voices: list[Any] = []
    initial: dict[str, Any] = {"owner": request.user.pk}
    linked = query_int(request.GET, "voice", minimum=1, label="お客様の声(voice)")
    if linked:
        initial["voices"] = str(selectors.voice_get(user=request.user, pk=linked, screen="改善の登録").pk)
    if pk is not None:
        improvement, voices = selectors.improvement_get(user=request.user, pk=pk, screen="改善の変更")
        initial = {
            "title": improvement.title,
            "description": improvement.description,
            "owner": improvement.owner_id,
            "status": improvement.status,
            "planned_on": improvement.planned_on,
            "completed_on": improvement.completed_on,
            "result": improvement.result,
            "voices": " ".join(str(v.pk) for v in voices),
        }
    owners = _owners(request.user)
    if improvement is not None and improvement.owner not in owners:
        owners.append(improvement.owner)
    form = ImprovementForm(request.POST or None, initial=initial, owners=owners)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["voices"]
        found = {v.pk: v for v in Voice.objects.visible_to(request.user).filter(pk__in=ids)}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            form.add_error("voices", f"番号 {'、'.join(missing)} のお客様の声は見つかりません。")
        else:
            try:
                saved = services.improvement_save(
                    actor=request.user,
                    data=form.improvement_input(),
                    voices=[found[i] for i in ids],
                    improvement=improvement,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "改善を保存しました。")
                return redirect("voice:improvement", pk=saved.pk)
    return render(request, "voice/improvement_form.html", {"form": form, "improvement": improvement, "voices": voices})


# --- counts and keyword trends ----------------------------------------------------------------


def _date_param(request: AuthedRequest, name: str) -> dt.date | None:
    field = forms.DateField(required=False)
    try:
        return field.clean(request.GET.get(name) or None)  # type: ignore[no-any-return]
    except ValidationError:
        return None


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """Counts by category and improvements in a period against the same period last year."""
    permissions.require(request.user, permissions.VOICE_RECORD)
    start, end = _date_param(request, "date_from"), _date_param(request, "date_to")
    errors = []
    if (request.GET.get("date_from") and start is None) or (request.GET.get("date_to") and end is None):
        errors.append("期間は 2026-04-01 のような日付で指定してください。")
    if start and end and start > end:
        errors.append("期間の終わりは始まり以降の日付にしてください。")
        start = end = None
    period = selectors.Period(start, end) if start and end else selectors.half_year_of(timezone.localdate())
    agency_id = query_int(request.GET, "agency", minimum=1, label="代理店(agency)")
    context = selectors.counts_report(user=request.user, period=period, agency_id=agency_id)
    context.update({"errors": errors, "agencies": _agencies(request.user), "agency_id": agency_id})
    return render(request, "voice/report.html", context)


@login_required
def trends(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VOICE_RECORD)
    kind = request.GET.get("kind", VoiceKind.DISSATISFACTION)
    if kind not in VoiceKind.values:
        kind = ""
    months = query_int(request.GET, "months", default=12, minimum=1, maximum=36, label="月数(months)") or 12
    today = timezone.localdate()
    start = services.month_start(today)
    for _ in range(months - 1):
        start = services.month_start(start - dt.timedelta(days=1))
    agency_id = query_int(request.GET, "agency", minimum=1, label="代理店(agency)")
    data = selectors.keyword_trends(user=request.user, kind=kind, start=start, months=months, agency_id=agency_id)
    chart = trend_chart(data["months"], data["rows"][:5])
    return render(
        request,
        "voice/trends.html",
        {
            **data,
            "kind": kind,
            "kinds": VoiceKind.choices,
            "months_count": months,
            "month_options": sorted({6, 12, 24, months}),
            "chart": chart,
            "agencies": _agencies(request.user),
            "agency_id": agency_id,
        },
    )
