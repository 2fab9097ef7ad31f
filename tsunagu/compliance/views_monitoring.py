"""Screens of compliance monitoring: the auditor's alert queue and alert page, thresholds, reports and
access-right review campaigns; the manager's page (business-reason requests, roles to review).
Views parse input, call one selector or service, and render (docs/ui-kit.md's one error path)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors, query_int

from . import reports, selectors, services
from .choices import AlertStatus, CampaignStatus, ReviewDecision, RuleCode
from .forms import (
    AlertFilterForm,
    AnswerForm,
    AskReasonForm,
    AssignForm,
    CampaignForm,
    ConcludeForm,
    ReportForm,
    ReviewDecisionForm,
    RuleSettingForm,
)
from .report_files import report_pdf, report_xlsx

ALERTS_PER_PAGE = 50


# --- the queue and one alert ----------------------------------------------------------------------------


@login_required
def alerts(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_ALERTS)
    form = AlertFilterForm(request.GET or {"status": "open"})
    cleaned = form.cleaned_data if form.is_valid() else {"status": "open"}
    queryset = selectors.alert_list(
        user=request.user,
        status=cleaned.get("status", "open"),
        rule=cleaned.get("rule", ""),
        mine=bool(cleaned.get("mine")),
    )
    from django.core.paginator import Paginator

    page = Paginator(queryset, ALERTS_PER_PAGE).get_page(
        query_int(request.GET, "page", default=1, minimum=1, label="ページ(page)")
    )
    return render(
        request,
        "compliance/alerts.html",
        {"form": form, "page_obj": page, "counts": selectors.open_alert_counts(user=request.user)},
    )


def _alert_page(request: AuthedRequest, pk: int, **forms: Form) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    if alert.status == AlertStatus.CLOSED and any(form.errors for form in forms.values()):
        # The page hides its forms once the alert is concluded: the service's refusal (or any form
        # error) of a post to a concluded alert is a message at the top, not a hidden field error.
        for form in forms.values():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        return redirect("compliance:alert_detail", pk=pk)
    context: dict[str, Any] = {
        "alert": alert,
        "assign_form": forms.get("assign_form")
        or AssignForm(auditors=selectors.auditors(), initial={"assignee": alert.assignee_id or request.user.pk}),
        "ask_form": forms.get("ask_form") or AskReasonForm(),
        "conclude_form": forms.get("conclude_form") or ConcludeForm(),
        "requests": alert.reason_requests.select_related("manager", "asked_by").order_by("asked_at"),
        "history": alert.history.select_related("history_user").order_by("-history_date")[:20],
        "customer_numbers": [f"K{c:09d}" for c in alert.evidence.get("customer_ids", [])[:200]],
    }
    return render(request, "compliance/alert_detail.html", context)


@login_required
def alert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _alert_page(request, pk)


@login_required
@require_POST
def alert_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    form = AssignForm(request.POST, auditors=selectors.auditors())
    if form.is_valid():
        try:
            services.alert_assign(actor=request.user, alert=alert, assignee=form.cleaned_data["assignee"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "担当者を設定しました。")
            return redirect("compliance:alert_detail", pk=pk)
    return _alert_page(request, pk, assign_form=form)


@login_required
@require_POST
def alert_ask(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    form = AskReasonForm(request.POST)
    if form.is_valid():
        try:
            services.alert_ask_reason(actor=request.user, alert=alert, question=form.cleaned_data["question"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{alert.user.manager}さんに業務上の理由を照会しました。")
            return redirect("compliance:alert_detail", pk=pk)
    return _alert_page(request, pk, ask_form=form)


@login_required
@require_POST
def alert_conclude(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_conclude(
                actor=request.user,
                alert=alert,
                conclusion=form.cleaned_data["conclusion"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "アラートの結論を記録しました。")
            return redirect("compliance:alert_detail", pk=pk)
    return _alert_page(request, pk, conclude_form=form)


# --- the manager's page -----------------------------------------------------------------------------------


@login_required
def manager_desk(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_MANAGER_DESK)
    return render(
        request,
        "compliance/manager.html",
        {
            "requests": selectors.reason_requests_for(user=request.user),
            "answered": selectors.reason_requests_for(user=request.user, open_only=False).exclude(answered_at=None)[
                :20
            ],
            "items": selectors.review_items_for(user=request.user),
            "decision_form": ReviewDecisionForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
def reason_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    reason = selectors.reason_request_get(user=request.user, pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reason_answer(actor=request.user, request=reason, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "業務上の理由を回答しました。")
            return redirect("compliance:manager")
    return render(request, "compliance/reason_answer.html", {"reason": reason, "form": form})


@login_required
@require_POST
def review_item_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.review_item_get(user=request.user, pk=pk)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.review_decide(
                actor=request.user,
                item=item,
                keep=form.cleaned_data["decision"] == "keep",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verdict = "継続" if form.cleaned_data["decision"] == "keep" else "取消"
            messages.success(request, f"{item.staff}さんの「{item.get_role_display()}」を{verdict}としました。")
            back = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("compliance:manager")
    return render(request, "compliance/review_item.html", {"item": item, "form": form})


# --- thresholds and runs ----------------------------------------------------------------------------------


@login_required
def rule_settings(request: AuthedRequest) -> HttpResponse:
    from .rules import DEFAULTS, DESCRIPTIONS

    settings = selectors.rule_settings(user=request.user)
    return render(
        request,
        "compliance/settings.html",
        {
            "settings": settings,
            "defaults": [(RuleCode(code).label, DESCRIPTIONS[code], t) for code, t in DEFAULTS.items()],
            "runs": selectors.recent_runs(user=request.user),
        },
    )


@login_required
def rule_setting_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_ALERTS)
    instance = None
    if pk is not None:
        instance = selectors.rule_settings(user=request.user).filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = RuleSettingForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_setting_save(actor=request.user, setting=form.save(commit=False))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "閾値を保存しました。")
            return redirect("compliance:settings")
    return render(request, "compliance/setting_form.html", {"form": form, "setting": instance})


# --- reports ----------------------------------------------------------------------------------------------


def _report(request: AuthedRequest, cleaned: dict[str, Any]) -> reports.Report:
    kind, start, end = cleaned["kind"], cleaned["date_from"], cleaned["date_to"]
    if kind == "who_saw":
        return reports.who_saw(user=request.user, customer_id=cleaned["customer"], date_from=start, date_to=end)
    if kind == "monthly":
        return reports.monthly(user=request.user, month=start)
    return getattr(reports, kind)(user=request.user, date_from=start, date_to=end)


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_ALERTS)
    today = timezone.localdate()
    form = ReportForm(request.GET or None, initial={"date_from": today.replace(day=1), "date_to": today})
    result = None
    if request.GET and form.is_valid():
        try:
            result = _report(request, form.cleaned_data)
        except Http404:
            # who_saw: no customer with that number (or none this user may see) is a form error.
            form.add_error("customer", f"顧客番号 K{form.cleaned_data['customer']:09d} の顧客は見つかりません。")
            return render(request, "compliance/report.html", {"form": form, "report": None})
        file_format = request.GET.get("format", "")
        if file_format in ("xlsx", "pdf"):
            stamp = timezone.localtime().strftime("%Y/%m/%d %H:%M")
            body = report_xlsx(result) if file_format == "xlsx" else report_pdf(result, stamp)
            if result.customer_ids:
                log_access(
                    user=request.user,
                    customer_ids=result.customer_ids,
                    purpose=AccessPurpose.EXPORT,
                    screen=f"{reports.SCREEN}({file_format.upper()})",
                    detail={"report": result.kind},
                )
            record_event(
                actor=request.user,
                action=AuditAction.COMPLIANCE_REPORT_EXPORT,
                target=request.user,
                summary=f"監査レポート「{result.title}」を{file_format.upper()}で出力した",
                data={"kind": result.kind, "subtitle": result.subtitle},
            )
            content_type = (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if file_format == "xlsx"
                else "application/pdf"
            )
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = (
                f'attachment; filename="compliance-{result.kind}-{timezone.localtime():%Y%m%d%H%M}.{file_format}"'
            )
            return response
    return render(request, "compliance/report.html", {"form": form, "report": result})


# --- access-right review campaigns ------------------------------------------------------------------------


@login_required
def reviews(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_REVIEWS_MANAGE)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.review_open(
                actor=request.user, title=form.cleaned_data["title"], deadline=form.cleaned_data["deadline"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "アクセス権レビューを開始しました。各上長の確認画面に表示されます。")
            return redirect("compliance:review_detail", pk=campaign.pk)
    return render(
        request, "compliance/reviews.html", {"form": form, "campaigns": selectors.campaigns(user=request.user)}
    )


@login_required
def review_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    items = campaign.items.select_related("staff", "reviewer", "decided_by").order_by(
        "reviewer__username", "staff__username", "role"
    )
    return render(
        request, "compliance/review_detail.html", {"campaign": campaign, "items": items, "today": timezone.localdate()}
    )


@login_required
@require_POST
def review_close(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if request.POST.get("confirm") != "1" and campaign.status == CampaignStatus.OPEN:
        # Irreversible: a confirmation page first (as the customer merge); 締め切る (confirm=1) closes.
        permissions.require(request.user, permissions.COMPLIANCE_REVIEWS_MANAGE)
        pending = campaign.items.filter(decision=ReviewDecision.PENDING).count()
        return render(
            request,
            "compliance/confirm.html",
            {
                "title": f"{campaign.title}を締め切る",
                "lines": [
                    f"未確認のロール {pending:,}件を「期限までに未確認」として記録し、レビューを締め切ります。",
                    "締め切った後は上長の判断を受け付けません。",
                ],
                "action": reverse("compliance:review_close", args=[campaign.pk]),
                "button": "締め切る",
                "back": reverse("compliance:review_detail", args=[campaign.pk]),
            },
        )
    try:
        services.review_close(actor=request.user, campaign=campaign)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "レビューを締め切りました。未確認のロールは「期限までに未確認」として記録されました。"
        )
    return redirect("compliance:review_detail", pk=pk)
