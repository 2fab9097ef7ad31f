"""Screens of the compliance registers: contractors (委託先管理: agreements, audits, follow-up) and
internal audits of branches and agencies (checklist, findings, report, follow-up to completion).
Views parse input, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors

from . import registers_selectors as selectors
from . import registers_services as services
from .choices import ContractorStatus, InternalAuditStatus
from .registers_forms import (
    AgreementForm,
    AnswersForm,
    CloseForm,
    ContractorAuditForm,
    ContractorForm,
    FindingForm,
    FindingProgressForm,
    FollowUpDoneForm,
    InternalAuditPlanForm,
    ReportForm,
)

CONTRACTOR_TABS = (("active", "委託中・停止中"), (ContractorStatus.ENDED.value, "委託終了"), ("all", "すべて"))
AUDIT_TABS = (("open", "未完了"), (InternalAuditStatus.CLOSED.value, "完了"), ("all", "すべて"))


def _tab(request: AuthedRequest, tabs: tuple[tuple[str, str], ...]) -> str:
    value = request.GET.get("status", tabs[0][0])
    return value if value in dict(tabs) else tabs[0][0]


# --- contractors ---------------------------------------------------------------------------------
@login_required
def contractors(request: AuthedRequest) -> HttpResponse:
    status = _tab(request, CONTRACTOR_TABS)
    views = selectors.contractor_list(user=request.user, status=status)
    return render(
        request, "compliance/contractor_list.html", {"views": views, "status": status, "tabs": CONTRACTOR_TABS}
    )


def _contractor_form_page(request: AuthedRequest, form: ContractorForm, contractor: Any = None) -> HttpResponse:
    return render(request, "compliance/contractor_form.html", {"form": form, "contractor": contractor})


@login_required
def contractor_new(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_REGISTERS)
    form = ContractorForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.contractor_save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"委託先「{created.name}」を登録しました。")
            return redirect("compliance:contractor_detail", pk=created.pk)
    return _contractor_form_page(request, form)


@login_required
def contractor_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.contractor_get(user=request.user, pk=pk)
    contractor = view.contractor
    initial = {field: getattr(contractor, field) for field in services.CONTRACTOR_FIELDS}
    form = ContractorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {f: v for f, v in form.cleaned_data.items() if v != initial.get(f)}
        try:
            services.contractor_save(actor=request.user, contractor=contractor, **changed)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "委託先の登録内容を変更しました。")
            return redirect("compliance:contractor_detail", pk=pk)
    return _contractor_form_page(request, form, contractor)


def _contractor_detail(request: AuthedRequest, pk: int, **forms: BaseForm) -> HttpResponse:
    view = selectors.contractor_get(user=request.user, pk=pk)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "view": view,
        "item": view.contractor,
        "agreement_form": forms.get("agreement_form")
        or AgreementForm(initial={"signed_on": today, "valid_from": today}),
        "audit_form": forms.get("audit_form") or ContractorAuditForm(initial={"audited_on": today}),
        "done_form": forms.get("done_form")
        or FollowUpDoneForm(audits=list(view.contractor.audits.all()), initial={"done_on": today}),
        "history": view.contractor.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "compliance/contractor_detail.html", context)


@login_required
def contractor_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _contractor_detail(request, pk)


@login_required
@require_POST
def contractor_agreement_add(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.contractor_get(user=request.user, pk=pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            services.contractor_agreement_add(actor=request.user, contractor=view.contractor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "委託契約を登録しました。")
            return redirect("compliance:contractor_detail", pk=pk)
    return _contractor_detail(request, pk, agreement_form=form)


@login_required
@require_POST
def contractor_audit_add(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.contractor_get(user=request.user, pk=pk)
    form = ContractorAuditForm(request.POST)
    if form.is_valid():
        try:
            services.contractor_audit_record(actor=request.user, contractor=view.contractor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "監査結果を記録しました。")
            return redirect("compliance:contractor_detail", pk=pk)
    return _contractor_detail(request, pk, audit_form=form)


@login_required
@require_POST
def contractor_follow_up_done(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.contractor_get(user=request.user, pk=pk)
    audits = list(view.contractor.audits.all())
    form = FollowUpDoneForm(request.POST, audits=audits)
    if form.is_valid():
        values = dict(form.cleaned_data)
        audit = next(a for a in audits if a.pk == values.pop("audit"))
        try:
            services.contractor_follow_up_done(actor=request.user, audit=audit, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "是正の確認を記録しました。")
            return redirect("compliance:contractor_detail", pk=pk)
    return _contractor_detail(request, pk, done_form=form)


# --- internal audits -----------------------------------------------------------------------------
@login_required
def internal_audits(request: AuthedRequest) -> HttpResponse:
    status = _tab(request, AUDIT_TABS)
    rows = selectors.internal_audit_list(user=request.user, status=status)
    return render(request, "compliance/internal_audit_list.html", {"rows": rows, "status": status, "tabs": AUDIT_TABS})


@login_required
def internal_audit_new(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.COMPLIANCE_REGISTERS)
    form = InternalAuditPlanForm(request.POST or None, initial={"auditor": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.internal_audit_plan(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"内部監査 {created.number} を計画しました。")
            return redirect("compliance:internal_audit_detail", pk=created.pk)
    return render(request, "compliance/internal_audit_form.html", {"form": form})


def _audit_detail(request: AuthedRequest, pk: int, **forms: BaseForm) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    today = timezone.localdate()
    answers = list(audit.answers.all())
    findings = list(audit.findings.all())
    context: dict[str, Any] = {
        "audit": audit,
        "findings": findings,
        "today": today,
        "editable": audit.status in (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS),
        "answers_form": forms.get("answers_form")
        or AnswersForm(answers=answers, initial={"performed_on": audit.performed_on or today}),
        "finding_form": forms.get("finding_form") or FindingForm(audit=audit),
        "report_form": forms.get("report_form") or ReportForm(initial={"reported_on": today}),
        "progress_form": forms.get("progress_form")
        or FindingProgressForm(findings=findings, initial={"done_on": today}),
        "close_form": forms.get("close_form") or CloseForm(initial={"closed_on": today}),
        "history": audit.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "compliance/internal_audit_detail.html", context)


@login_required
def internal_audit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _audit_detail(request, pk)


@login_required
@require_POST
def internal_audit_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    form = AnswersForm(request.POST, answers=list(audit.answers.all()))
    if form.is_valid():
        try:
            services.internal_audit_answer(
                actor=request.user,
                audit=audit,
                performed_on=form.cleaned_data["performed_on"],
                answers=form.answer_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "チェック結果を保存しました。")
            return redirect("compliance:internal_audit_detail", pk=pk)
    return _audit_detail(request, pk, answers_form=form)


@login_required
@require_POST
def internal_audit_finding(request: AuthedRequest, pk: int) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    form = FindingForm(request.POST, audit=audit)
    if form.is_valid():
        try:
            services.internal_audit_finding_add(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "指摘事項を記録しました。")
            return redirect("compliance:internal_audit_detail", pk=pk)
    return _audit_detail(request, pk, finding_form=form)


@login_required
@require_POST
def internal_audit_report(request: AuthedRequest, pk: int) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.internal_audit_report(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "内部監査を報告しました。指摘事項の是正をフォローしてください。")
            return redirect("compliance:internal_audit_detail", pk=pk)
    return _audit_detail(request, pk, report_form=form)


@login_required
@require_POST
def finding_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    findings = list(audit.findings.all())
    form = FindingProgressForm(request.POST, findings=findings)
    if form.is_valid():
        values = dict(form.cleaned_data)
        finding = next(f for f in findings if f.pk == values.pop("finding"))
        try:
            services.audit_finding_progress(actor=request.user, finding=finding, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "指摘事項の状況を記録しました。")
            return redirect("compliance:internal_audit_detail", pk=pk)
    return _audit_detail(request, pk, progress_form=form)


@login_required
@require_POST
def internal_audit_close(request: AuthedRequest, pk: int) -> HttpResponse:
    audit = selectors.internal_audit_get(user=request.user, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.internal_audit_close(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "内部監査を完了しました。")
            return redirect("compliance:internal_audit_detail", pk=pk)
    return _audit_detail(request, pk, close_form=form)
