"""Case screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import query_int
from tsunagu.core.models import Department
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.selectors import policy_list_for_customer

from . import selectors, services
from .choices import CaseType, IdentityDocument
from .forms import (
    CallForm,
    CancellationForm,
    CaseCreateForm,
    ComplaintForm,
    DeficiencyForm,
    HandoffForm,
    IdentityForm,
    InquiryAnswerForm,
    NoteForm,
    TransitionForm,
)
from .models import CaseDocument, CaseTask
from .workflow import label, next_statuses


def _page(request: AuthedRequest) -> int:
    page = query_int(request.GET, "page", default=1, minimum=1, maximum=selectors.MAX_PAGE, label="ページ(page)")
    assert page is not None
    return page


def _id_param(params: Mapping[str, str], name: str, label: str) -> int | None:
    """An id from the query string or form: absent → None, malformed or out of range → 400."""
    return query_int(params, name, minimum=1, label=label)


@login_required
def case_new(request: AuthedRequest) -> HttpResponse:
    """`/cases/new/?customer=<pk>&type=<case type>`: the desk links here from the customer page."""
    customer_pk = _id_param(request.GET, "customer", "顧客(customer)") or _id_param(
        request.POST, "customer", "顧客(customer)"
    )
    if customer_pk is None:
        raise Http404("顧客を指定してください。")
    customer = customer_get(user=request.user, pk=customer_pk, purpose=AccessPurpose.VIEW, screen="案件登録")
    case_type = request.GET.get("type", "")
    if case_type not in CaseType.values:
        return render(request, "cases/case_new.html", {"customer": customer, "types": CaseType.choices})
    policies = policy_list_for_customer(user=request.user, customer=customer)
    form = CaseCreateForm(request.POST or None, case_type=case_type, policies=policies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                actor=request.user,
                data=services.CaseInput(
                    case_type=case_type,
                    sub_type=data["sub_type"] or "",
                    channel=data["channel"],
                    customer=customer,
                    policy=data["policy"],
                    subject=data["subject"],
                    description=data["description"],
                    priority=data["priority"],
                    extra=form.extra(),
                ),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"案件 {case.number} を登録しました。")
            return redirect("cases:detail", pk=case.pk)
    context = {"customer": customer, "form": form, "case_type": case_type, "type_label": CaseType(case_type).label}
    return render(request, "cases/case_new.html", context)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e.messages)
    else:
        form.add_error(None, error)


def _list(request: AuthedRequest, title: str, result: selectors.CasePage, **extra: Any) -> HttpResponse:
    context = {"title": title, "page": result, **extra}
    return render(request, "cases/case_list.html", context)


@login_required
def my_cases(request: AuthedRequest) -> HttpResponse:
    return _list(request, "担当案件", selectors.my_cases(user=request.user, page=_page(request)))


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    department_id = _id_param(request.GET, "department", "部署(department)") or request.user.department_id
    departments = list(Department.objects.order_by("code"))
    department = next((d for d in departments if d.pk == department_id), None)
    if department is None:
        if request.user.agency_id is None:
            return _list(request, "部署キュー", selectors.CasePage([], 0, 1), departments=departments)
        result = selectors.case_list(
            user=request.user, filters=selectors.CaseFilters(agency_id=request.user.agency_id), page=_page(request)
        )
        return _list(request, f"{request.user.agency}の案件", result, departments=departments)
    result = selectors.department_queue(user=request.user, department=department, page=_page(request))
    return _list(request, f"{department.name}のキュー", result, departments=departments, department=department)


@login_required
def overdue(request: AuthedRequest) -> HttpResponse:
    result = selectors.overdue_list(
        user=request.user, page=_page(request), department_id=_id_param(request.GET, "department", "部署(department)")
    )
    return _list(
        request,
        "対応漏れ(期限超過)",
        result,
        overdue=True,
        breakdown=selectors.overdue_breakdown(user=request.user),
    )


def _detail_context(request: AuthedRequest, pk: int) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, pk=pk)
    version = {"version": case.version}  # what this user saw; sent back by every changing form
    context: dict[str, Any] = {
        "case": case,
        "events": selectors.case_timeline(user=request.user, case=case),
        "documents": list(case.documents.all()),
        "tasks": list(case.tasks.select_related("department", "assignee")),
        "next_statuses": [(s, label(s)) for s in next_statuses(case.case_type, case.status)],
        "transition_form": TransitionForm(initial=version),
        "handoff_form": HandoffForm(initial=version),
        "note_form": NoteForm(),
        "call_form": CallForm(),
        "sensitive_visible": selectors.complaint_sensitive_visible(user=request.user),
    }
    if case.case_type in (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE):
        context["identity"] = getattr(case, "identity", None)
        context["identity_form"] = IdentityForm(initial=version)
        context["identity_documents"] = dict(IdentityDocument.choices)
    elif case.case_type == CaseType.INQUIRY:
        context["answer_form"] = InquiryAnswerForm(initial={"answer": case.inquiry.answer, **version})
        context["faq"] = selectors.faq_search(user=request.user, query=request.GET.get("q", ""))
    elif case.case_type == CaseType.COMPLAINT:
        context["complaint_form"] = ComplaintForm(initial=version)
    elif case.case_type == CaseType.CANCELLATION:
        context["guidance"] = selectors.retention_guidance_for(case=case)
        context["cancellation_form"] = CancellationForm(
            initial={"offer_made": case.cancellation.offer_made, "outcome": case.cancellation.outcome, **version}
        )
    return context


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "cases/case_detail.html", _detail_context(request, pk))


def _action(
    request: AuthedRequest,
    pk: int,
    form_class: type[forms.Form],
    call: Callable[[Any, dict[str, Any], int | None], object],
) -> HttpResponse:
    """Run one service for a POST on the case page; errors come back as messages, nothing changed.

    A form that changes the case carries the version the user saw (VersionedForm); `call` passes
    it to the service, which refuses a stale one (CaseConflict) so no one's change is lost."""
    case = selectors.case_get(user=request.user, pk=pk, screen="案件更新")
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
    else:
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            call(case, data, version)
        except services.CaseConflict as error:
            messages.error(request, error.message)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied as error:
            messages.error(request, str(error) or "権限がありません。")
        else:
            messages.success(request, "記録しました。")
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def case_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        TransitionForm,
        lambda case, d, version: services.case_transition(
            actor=request.user,
            case=case,
            to=d["to"],
            note=d["note"],
            resolution_summary=d["resolution_summary"],
            expected_version=version,
        ),
    )


@login_required
@require_POST
def case_handoff(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        HandoffForm,
        lambda case, d, version: services.case_handoff(
            actor=request.user, case=case, department=d["department"], reason=d["reason"], expected_version=version
        ),
    )


@login_required
@require_POST
def case_note(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        NoteForm,
        lambda case, d, _version: services.case_add_note(actor=request.user, case=case, text=d["text"]),
    )


@login_required
@require_POST
def case_call(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, CallForm, lambda case, d, _version: services.case_log_call(actor=request.user, case=case, **d)
    )


@login_required
@require_POST
def case_identity(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        IdentityForm,
        lambda case, d, version: services.identity_verify(actor=request.user, case=case, expected_version=version, **d),
    )


@login_required
@require_POST
def case_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(case: Any, d: dict[str, Any], version: int | None) -> object:
        return services.inquiry_answer(
            actor=request.user, case=case, answer=d["answer"], article_ids=d["articles"], expected_version=version
        )

    return _action(request, pk, InquiryAnswerForm, call)


@login_required
@require_POST
def case_complaint(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(case: Any, d: dict[str, Any], version: int | None) -> object:
        changes = {k: v for k, v in d.items() if v not in ("", None)}
        if changes.get("explained_on"):
            changes["explained_by"] = request.user
        return services.complaint_update(actor=request.user, case=case, expected_version=version, **changes)

    return _action(request, pk, ComplaintForm, call)


@login_required
@require_POST
def case_cancellation(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        CancellationForm,
        lambda case, d, version: services.cancellation_record(
            actor=request.user, case=case, expected_version=version, **d
        ),
    )


def _document(request: AuthedRequest, pk: int, doc: int) -> CaseDocument:
    case = selectors.case_get(user=request.user, pk=pk, screen="案件書類")
    return get_object_or_404(CaseDocument, pk=doc, case=case)


@login_required
@require_POST
def document_action(request: AuthedRequest, pk: int, doc: int, action: str) -> HttpResponse:
    document = _document(request, pk, doc)
    # The page sends the version it showed; an older client without it is not checked.
    version = query_int(request.POST, "version", minimum=1, label="案件の版(version)")
    try:
        if action == "receive":
            services.document_receive(actor=request.user, document=document, expected_version=version)
        elif action == "resolve":
            services.document_resolve_deficiency(actor=request.user, document=document, expected_version=version)
        elif action == "deficiency":
            form = DeficiencyForm(request.POST)
            services.document_report_deficiency(
                actor=request.user,
                document=document,
                note=form.data.get("note", "") if form.data else "",
                expected_version=version,
            )
        else:
            raise Http404
    except services.CaseConflict as error:
        messages.error(request, error.message)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def task_done(request: AuthedRequest, pk: int, task: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, screen="案件タスク")
    found = get_object_or_404(CaseTask, pk=task, case=case)
    version = query_int(request.POST, "version", minimum=1, label="案件の版(version)")
    try:
        services.task_complete(actor=request.user, task=found, expected_version=version)
    except services.CaseConflict as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cases:detail", pk=pk)


@login_required
def faq(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    articles = selectors.faq_search(user=request.user, query=query) if query.strip() else []
    template = "cases/faq.html#faq-results" if request.htmx else "cases/faq.html"
    return render(request, template, {"q": query, "articles": articles})
