"""Staff screens of surveys: the list, create/edit (a formset of questions; a new version once
answered), versions and preview, answer entry for a customer (postcard, phone), and the import.
Views parse input, call one selector or service, and render (the UI kit's one error path)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.selectors import policy_list_for_customer

from . import selectors, selectors_entry
from .choices import Channel
from .forms import (
    AnswerForm,
    EntryForm,
    ImportForm,
    LookupForm,
    OptInForm,
    OptOutForm,
    QuestionFormSet,
    SurveyForm,
    question_initial,
)
from .models import Invitation, Survey
from .services.definitions import survey_create, survey_set_active, survey_update, version_has_answers
from .services.import_jobs import survey_import_queue
from .services.imports import error_report
from .services.invitations import answer_number
from .services.responses import ResponseInput, responses_record, survey_opt_in, survey_opt_out

QUESTIONS_PREFIX = "q"


# --- definitions -------------------------------------------------------------------------------


@login_required
def survey_list(request: AuthedRequest) -> HttpResponse:
    surveys = selectors.survey_list(user=request.user)
    return render(request, "surveys/list.html", {"surveys": surveys})


def _save_definition(
    request: AuthedRequest, survey: Survey | None, form: SurveyForm, formset: Any
) -> HttpResponse | None:
    if not (form.is_valid() and formset.is_valid()):
        return None
    data = form.cleaned_data
    try:
        if survey is None:
            survey = survey_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                purpose=data["purpose"],
                description=data["description"],
                intro=data["intro"],
                questions=formset.specs(),
            )
            messages.success(request, f"アンケート「{survey.name}」を作成しました。")
        else:
            version = survey_update(
                actor=request.user,
                survey=survey,
                name=data["name"],
                description=data["description"],
                intro=data["intro"],
                questions=formset.specs(),
            )
            messages.success(request, f"アンケート「{survey.name}」を保存しました(現行: 第{version.number}版)。")
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    return redirect("surveys:detail", code=survey.code)


@login_required
def survey_new(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEYS_MANAGE)
    form = SurveyForm(request.POST or None)
    formset = QuestionFormSet(request.POST or None, prefix=QUESTIONS_PREFIX)
    if request.method == "POST" and (done := _save_definition(request, None, form, formset)):
        return done
    return render(request, "surveys/edit.html", {"form": form, "formset": formset, "survey": None})


@login_required
def survey_edit(request: AuthedRequest, code: str) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, code=code)
    permissions.require(request.user, permissions.SURVEYS_MANAGE)
    current = selectors.current_version(survey)
    initial = {"code": survey.code, "name": survey.name, "purpose": survey.purpose}
    initial.update(description=survey.description, intro=current.intro)
    form = SurveyForm(request.POST or None, initial=initial, editing=True)
    formset = QuestionFormSet(
        request.POST or None,
        prefix=QUESTIONS_PREFIX,
        initial=question_initial(list(current.questions.order_by("order", "id"))),
    )
    if request.method == "POST" and (done := _save_definition(request, survey, form, formset)):
        return done
    context = {
        "form": form,
        "formset": formset,
        "survey": survey,
        "current": current,
        "new_version_number": current.number + 1 if version_has_answers(current) else None,
    }
    return render(request, "surveys/edit.html", context)


@login_required
def survey_detail(request: AuthedRequest, code: str) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, code=code)
    context = {"survey": survey, "versions": selectors.versions_of(survey)}
    return render(request, "surveys/detail.html", context)


@login_required
@require_POST
def survey_active(request: AuthedRequest, code: str) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, code=code)
    active = request.POST.get("active") == "1"
    survey_set_active(actor=request.user, survey=survey, active=active)
    messages.success(request, f"アンケート「{survey.name}」を{'実施中にしました' if active else '停止しました'}。")
    return redirect("surveys:detail", code=survey.code)


@login_required
def survey_preview(request: AuthedRequest, code: str) -> HttpResponse:
    """The customer's web page as it will look (the current version), without a form to send."""
    survey = selectors.survey_get(user=request.user, code=code)
    version = selectors.current_version(survey)
    questions = list(version.questions.order_by("order", "id"))
    context = {"version": version, "survey": survey, "form": AnswerForm(questions=questions), "preview": True}
    return render(request, "surveys/public/answer.html", context)


# --- answer entry (postcard, phone) ------------------------------------------------------------


def _entry_page(
    request: AuthedRequest, customer: Customer, survey: Survey | None, invitation: Invitation | None
) -> HttpResponse:
    policies = policy_list_for_customer(user=request.user, customer=customer)
    context: dict[str, Any] = {"customer": customer, "invitation": invitation, "survey": survey}
    context["answer_number"] = answer_number(invitation.pk) if invitation is not None else ""
    if survey is None:
        context["surveys"] = selectors.active_surveys()
        return render(request, "surveys/entry.html", context)
    version = invitation.version if invitation is not None else selectors.current_version(survey)
    questions = list(version.questions.order_by("order", "id"))
    post = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = (
        {"channel": invitation.channel} if invitation and invitation.channel in (Channel.POST, Channel.PHONE) else {}
    )
    if invitation is not None and invitation.policy_id:
        initial["policy"] = invitation.policy_id
    elif (chosen := request.GET.get("policy", "")).isdigit() and any(p.pk == int(chosen) for p in policies):
        initial["policy"] = int(chosen)  # from the lookup by policy number
    form = EntryForm(post, policies=policies, initial=initial)
    answers = AnswerForm(post, questions=questions)
    if post is not None and form.is_valid() and answers.is_valid():
        row = ResponseInput(
            customer=customer,
            answers=answers.answers(),
            answered_on=form.cleaned_data["answered_on"],
            policy=form.cleaned_data["policy"] or (invitation.policy if invitation else None),
            invitation=invitation,
        )
        try:
            responses_record(actor=request.user, version=version, channel=form.cleaned_data["channel"], rows=[row])
        except ValidationError as error:
            answers.add_service_error(error)
        else:
            messages.success(request, f"「{survey.name}」の回答を登録しました。")
            return redirect("desk:customer_detail", pk=customer.pk)
    context.update(version=version, form=form, answers=answers)
    return render(request, "surveys/entry.html", context)


@login_required
def entry(request: AuthedRequest, pk: int) -> HttpResponse:
    """Enter a customer's postcard or phone answers (?survey=CODE; without it, choose the survey)."""
    customer = customer_get(user=request.user, pk=pk, purpose=AccessPurpose.VIEW, screen="アンケート回答の入力")
    permissions.require(request.user, permissions.SURVEYS_ENTER)
    code = request.GET.get("survey", "")
    survey = Survey.objects.filter(code=code, is_active=True).first() if code else None
    return _entry_page(request, customer, survey, None)


@login_required
def invitation_entry(request: AuthedRequest, pk: int) -> HttpResponse:
    """Enter the answers of one postcard/phone invitation (it is then marked answered)."""
    customer_id = selectors.invitation_customer_id(user=request.user, pk=pk)
    customer = customer_get(
        user=request.user, pk=customer_id, purpose=AccessPurpose.VIEW, screen="アンケート回答の入力(送付から)"
    )
    permissions.require(request.user, permissions.SURVEYS_ENTER)
    invitation = selectors.invitation_for_entry(user=request.user, customer=customer, pk=pk)
    return _entry_page(request, customer, invitation.version.survey, invitation)


@login_required
def entry_lookup(request: AuthedRequest) -> HttpResponse:
    """はがき・電話の回答入力: find the customer by the postcard's 回答番号 (straight to that survey's
    entry) or by a policy number (the policyholder, their open postcard/phone surveys, the surveys)."""
    permissions.require(request.user, permissions.SURVEYS_ENTER)
    form = LookupForm(request.GET if "q" in request.GET else None)
    context: dict[str, Any] = {"form": form, "hit": None}
    if form.is_bound and form.is_valid():
        found = selectors_entry.entry_lookup(user=request.user, text=form.cleaned_data["q"])
        if found.problem:
            form.add_error("q", found.problem)
        elif found.invitation_id is not None:
            return redirect("surveys:invitation_entry", pk=found.invitation_id)
        elif found.policy is not None:
            customer = customer_get(
                user=request.user,
                pk=found.policy.policyholder_id,
                purpose=AccessPurpose.VIEW,
                screen="アンケート回答の入力(証券番号で検索)",
            )
            context["hit"] = selectors_entry.PolicyHit(
                policy=found.policy,
                customer=customer,
                invitations=selectors_entry.open_staff_invitations(user=request.user, customer=customer),
            )
            context["surveys"] = selectors.active_surveys()
    return render(request, "surveys/entry_lookup.html", context)


# --- opting out (アンケート辞退) -----------------------------------------------------------------


@login_required
def opt_out(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record or withdraw the customer's アンケート辞退 (from the customer page's survey panel)."""
    customer = customer_get(user=request.user, pk=pk, purpose=AccessPurpose.VIEW, screen="アンケート辞退")
    permissions.require(request.user, permissions.SURVEYS_ENTER)
    current = selectors_entry.opt_out_of(user=request.user, customer=customer)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = OptOutForm(request.POST if action == "record" else None)
    withdraw = OptInForm(request.POST if action == "withdraw" else None)
    if action == "record" and form.is_valid():
        try:
            survey_opt_out(
                actor=request.user,
                customer=customer,
                since=form.cleaned_data["since"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "アンケート辞退を記録しました。今後この方にアンケートは送付されません。")
            return redirect("surveys:opt_out", pk=customer.pk)
    elif action == "withdraw" and current is not None and withdraw.is_valid():
        survey_opt_in(actor=request.user, customer=customer, note=withdraw.cleaned_data["note"])
        messages.success(request, "アンケート辞退を取り消しました。次の契機から送付の対象になります。")
        return redirect("surveys:opt_out", pk=customer.pk)
    elif action == "withdraw" and current is None:
        messages.info(request, "この方のアンケート辞退は記録されていません(取り消し済みです)。")
        return redirect("surveys:opt_out", pk=customer.pk)
    context = {
        "customer": customer,
        "current": current,
        "form": form,
        "withdraw": withdraw,
        "scheduled": selectors_entry.scheduled_count(customer=customer),
    }
    return render(request, "surveys/opt_out.html", context)


# --- import ------------------------------------------------------------------------------------


@login_required
def imports(request: AuthedRequest) -> HttpResponse:
    """Upload a results file: it is queued as a background job (services.import_jobs) and the
    import page shows its progress, then the rejected rows."""
    rows = selectors.import_list(user=request.user)
    form = ImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            row = survey_import_queue(
                actor=request.user, survey=form.cleaned_data["survey"], data=upload.read(), file_name=upload.name
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"取込 #{row.pk} を受け付けました。この画面で進み具合と結果を確認できます。")
            return redirect("surveys:import", pk=row.pk)
    running = any(r.status in ("queued", "running") for r in rows)
    return render(request, "surveys/imports.html", {"form": form, "imports": rows, "running": running})


@login_required
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One import: its state (polled every 2 seconds while queued or running), counts, failure
    reason and the first 200 rejected rows (the CSV has up to 1,000)."""
    row = selectors.import_get(user=request.user, pk=pk)
    errors = selectors.import_error_rows(user=request.user, survey_import=row, screen="アンケート結果の取込")
    template = "surveys/_import_progress.html" if request.htmx else "surveys/import_detail.html"
    return render(request, template, {"row": row, "errors": errors[:200]})


@login_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    """The rejected rows as CSV with BOM (logged as an export of the customers their policies name)."""
    row = selectors.import_get(user=request.user, pk=pk)
    selectors.import_error_rows(user=request.user, survey_import=row, screen="アンケート取込エラーのダウンロード")
    response = HttpResponse(error_report(row), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-import-{row.pk}-errors.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
