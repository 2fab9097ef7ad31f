"""Case screens. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import query_int
from tsunagu.core.models import Department
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.selectors import policy_list_for_customer

from . import selectors, services
from .choices import CaseType, IdentityDocument
from .forms import (
    ACCIDENT_FIELDS,
    CHANGE_FIELD_KEYS,
    KEY_FIELDS,
    AdrAdvanceForm,
    AdrConcludeForm,
    AdrReferForm,
    AssignForm,
    CallForm,
    CancellationForm,
    CaseCreateForm,
    ChangeEditForm,
    ComplaintForm,
    DeficiencyForm,
    HandoffForm,
    IdentityForm,
    InquiryAnswerForm,
    InsurerReportForm,
    NoteForm,
    TransitionForm,
)
from .models import Case, CaseDocument, CaseTask
from .selectors_adr import adr_summary
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
    context = {
        "customer": customer,
        "form": form,
        "case_type": case_type,
        "type_label": CaseType(case_type).label,
        # Explicit lists: each field is rendered once (the common 内容 is rendered after them).
        "change_fields": [form[name] for name in (*CHANGE_FIELD_KEYS, "premium_difference", "effective_date")],
        "accident_fields": [form[name] for name in ACCIDENT_FIELDS],
    }
    return render(request, "cases/case_new.html", context)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = field if field in form.fields else KEY_FIELDS.get(field, "")
            target = name if name in form.fields else None
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
    """`?mine=1`: only the overdue cases assigned to me (the navigation's badge counts those)."""
    mine = request.GET.get("mine") == "1"
    result = selectors.overdue_list(
        user=request.user,
        page=_page(request),
        department_id=_id_param(request.GET, "department", "部署(department)"),
        mine=mine,
    )
    return _list(
        request,
        "自分の期限超過案件" if mine else "対応漏れ(期限超過)",
        result,
        overdue=True,
        mine=mine,
        breakdown=None if mine else selectors.overdue_breakdown(user=request.user),
    )


def _detail_context(request: AuthedRequest, pk: int, case: Case | None = None) -> dict[str, Any]:
    """Everything the case page shows. `case` when the caller fetched (and logged) it already."""
    case = case or selectors.case_get(user=request.user, pk=pk)
    version = {"version": case.version}  # what this user saw; sent back by every changing form
    may_assign = permissions.may_assign_case(request.user, case)
    candidates = services.assignable_users(case) if may_assign and case.is_open else []
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
        "may_assign": may_assign,
        "assign_form": AssignForm(initial={"assignee": case.assignee_id, **version}, candidates=candidates),
        "assign_to_me": any(u.pk == request.user.pk for u in candidates) and case.assignee_id != request.user.pk,
    }
    if case.case_type == CaseType.CHANGE:
        context["change_rows"] = selectors.change_rows(case=case)
    if case.case_type in (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE):
        context["identity"] = getattr(case, "identity", None)
        context["identity_form"] = IdentityForm(initial=version)
        context["identity_documents"] = dict(IdentityDocument.choices)
    elif case.case_type == CaseType.INQUIRY:
        context["answer_form"] = InquiryAnswerForm(initial={"answer": case.inquiry.answer, **version})
        context.update(_faq_pick_context(request, case))
    elif case.case_type == CaseType.COMPLAINT:
        context["complaint_form"] = ComplaintForm(initial={**ComplaintForm.initial_for(case.complaint), **version})
        context["adr"] = adr_summary(case=case, today=timezone.localdate())
        context["adr_desk"] = permissions.has(request.user, permissions.CASES_COMPLAINTS_DESK)
        context["adr_refer_form"] = AdrReferForm(initial=version)
        context["adr_advance_form"] = AdrAdvanceForm(initial=version)
        context["adr_conclude_form"] = AdrConcludeForm(initial=version, stage=case.complaint.adr_stage)
        context["insurer_report_form"] = InsurerReportForm(initial=version)
    elif case.case_type == CaseType.CANCELLATION:
        context["guidance"] = selectors.retention_guidance_for(case=case)
        context["cancellation_form"] = CancellationForm(
            initial={
                "offer_made": case.cancellation.offer_made,
                "outcome": case.cancellation.outcome,
                "guidance_used": case.cancellation.guidance_used_id,
                **version,
            },
            guidance=_guidance_choices(case),
        )
        context["grade_facts"] = selectors.cancellation_grade_facts(case=case, today=timezone.localdate())
    return context


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "cases/case_detail.html", _detail_context(request, pk))


def _action(
    request: AuthedRequest,
    pk: int,
    form_class: type[forms.Form],
    call: Callable[[Any, dict[str, Any], int | None], object],
    form_key: str,
    form_kwargs: Callable[[Case], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Run one service for a POST on the case page.

    The one error-display path: invalid input or a refusal re-renders the case page (200) with the
    bound form (values kept), an error summary at the top and each error beside its field; success
    redirects with a message. A form that changes the case carries the version the user saw
    (VersionedForm); a stale one (CaseConflict) is refused and the page reloads with the latest
    content, since what the user typed was based on an older state."""
    case = selectors.case_get(user=request.user, pk=pk, screen="案件更新")
    form = form_class(request.POST, **(form_kwargs(case) if form_kwargs else {}))
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            call(case, data, version)
        except services.CaseConflict as error:
            messages.error(request, error.message)
            return redirect("cases:detail", pk=pk)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "権限がありません。")
        else:
            messages.success(request, "記録しました。")
            return redirect("cases:detail", pk=pk)
    return _render_invalid(request, case, form_key, form)


def _render_invalid(request: AuthedRequest, case: Case, form_key: str, form: forms.Form) -> HttpResponse:
    case.refresh_from_db()
    context = _detail_context(request, case.pk, case=case)
    context[form_key] = form
    context["invalid_form"] = form
    return render(request, "cases/case_detail.html", context)


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
        "transition_form",
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
        "handoff_form",
    )


@login_required
@require_POST
def case_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Assign, reassign or clear the person responsible (a supervisor or the case's own staff)."""
    return _action(
        request,
        pk,
        AssignForm,
        lambda case, d, version: services.case_assign(
            actor=request.user, case=case, assignee=d["assignee"], expected_version=version
        ),
        "assign_form",
        lambda case: {"candidates": services.assignable_users(case)},
    )


@login_required
@require_POST
def case_note(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        NoteForm,
        lambda case, d, _version: services.case_add_note(actor=request.user, case=case, text=d["text"]),
        "note_form",
    )


@login_required
@require_POST
def case_call(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        CallForm,
        lambda case, d, _version: services.case_log_call(actor=request.user, case=case, **d),
        "call_form",
    )


@login_required
@require_POST
def case_identity(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        IdentityForm,
        lambda case, d, version: services.identity_verify(actor=request.user, case=case, expected_version=version, **d),
        "identity_form",
    )


@login_required
@require_POST
def case_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(case: Any, d: dict[str, Any], version: int | None) -> object:
        return services.inquiry_answer(actor=request.user, case=case, answer=d["answer"], expected_version=version)

    return _action(request, pk, InquiryAnswerForm, call, "answer_form")


@login_required
@require_POST
def case_complaint(request: AuthedRequest, pk: int) -> HttpResponse:
    """The form shows the current record; every shown field is sent, so an emptied field clears the
    item and the service records only what really changed. Users who may not see the sensitive
    fields do not get them on the form, so nothing of theirs is sent (or cleared)."""

    def call(case: Any, d: dict[str, Any], version: int | None) -> object:
        if not selectors.complaint_sensitive_visible(user=request.user):
            d = {k: v for k, v in d.items() if k not in ComplaintForm.SENSITIVE_ON_FORM}
        return services.complaint_update(actor=request.user, case=case, expected_version=version, **d)

    return _action(
        request,
        pk,
        ComplaintForm,
        call,
        "complaint_form",
        lambda case: {"sensitive": selectors.complaint_sensitive_visible(user=request.user)},
    )


@login_required
@require_POST
def case_adr_refer(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        AdrReferForm,
        lambda case, d, version: services.adr_refer(actor=request.user, case=case, expected_version=version, **d),
        "adr_refer_form",
    )


@login_required
@require_POST
def case_adr_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        AdrAdvanceForm,
        lambda case, d, version: services.adr_advance(actor=request.user, case=case, expected_version=version, **d),
        "adr_advance_form",
    )


@login_required
@require_POST
def case_adr_conclude(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        AdrConcludeForm,
        lambda case, d, version: services.adr_conclude(actor=request.user, case=case, expected_version=version, **d),
        "adr_conclude_form",
    )


@login_required
@require_POST
def case_insurer_report(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        InsurerReportForm,
        lambda case, d, version: services.complaint_report_to_insurer(
            actor=request.user, case=case, expected_version=version, **d
        ),
        "insurer_report_form",
    )


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
        "cancellation_form",
        form_kwargs=lambda case: {"guidance": _guidance_choices(case)},
    )


def _guidance_choices(case: Case) -> list[Any]:
    """The guidance offered for a cancellation request, plus the one recorded (even if since retired)."""
    offered = selectors.retention_guidance_for(case=case)
    recorded = case.cancellation.guidance_used
    if recorded is not None and all(g.pk != recorded.pk for g in offered):
        offered.append(recorded)
    return offered


@login_required
def case_change_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """`/cases/<pk>/change/`: correct the 異動 details while the case is open (same checks as intake)."""
    case = selectors.case_get(user=request.user, pk=pk, screen="異動内容の訂正")
    if case.case_type != CaseType.CHANGE:
        raise Http404("異動の案件ではありません。")
    change = case.change
    editable = case.is_open and change.applied_at is None
    if request.method == "POST" and editable:
        form = ChangeEditForm(request.POST, case=case)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.change_update(
                    actor=request.user,
                    case=case,
                    new_values=form.change_values(),
                    effective_date=data["effective_date"],
                    premium_difference=data["premium_difference"],
                    expected_version=data["version"],
                )
            except services.CaseConflict as error:
                messages.error(request, error.message)
                return redirect("cases:change_edit", pk=pk)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "異動内容を訂正しました。")
                return redirect("cases:detail", pk=pk)
    else:
        form = ChangeEditForm(initial=ChangeEditForm.initial_for(case, change), case=case)
    context = {"case": case, "form": form, "editable": editable, "rows": selectors.change_rows(case=case)}
    return render(request, "cases/change_edit.html", context)


def _faq_pick_context(request: AuthedRequest, case: Case) -> dict[str, Any]:
    """The FAQ search on an inquiry: results for `faq_q` (title/keywords/body contain every word)."""
    query = request.GET.get("faq_q", "")
    linked = list(case.inquiry.articles.order_by("title"))
    results = selectors.faq_search(user=request.user, query=query) if query.strip() else []
    linked_ids = {a.pk for a in linked}
    return {"faq_q": query, "faq_results": results, "faq_linked": linked, "faq_linked_ids": linked_ids}


@login_required
def case_faq(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the FAQ search results for the inquiry (a fragment for htmx, else the case page).
    POST `article` + `op` (link / unlink) + `version`: link or unlink one published article."""
    case = selectors.case_get(user=request.user, pk=pk, screen="FAQの紐付け")
    if case.case_type != CaseType.INQUIRY:
        raise Http404("問い合わせの案件ではありません。")
    if request.method == "POST":
        article_id = _id_param(request.POST, "article", "FAQ(article)")
        version = query_int(request.POST, "version", minimum=1, label="案件の版(version)")
        op = request.POST.get("op", "link")
        try:
            if article_id is None:
                raise ValidationError("紐付けるFAQを選んでください。")
            services.inquiry_link_article(
                actor=request.user, case=case, article_id=article_id, linked=op != "unlink", expected_version=version
            )
        except services.CaseConflict as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "FAQの紐付けを外しました。" if op == "unlink" else "FAQを紐付けました。")
        query = request.POST.get("faq_q", "")
        target = reverse("cases:detail", args=[pk])
        return redirect(f"{target}?{urlencode({'faq_q': query})}#faq" if query else f"{target}#faq")
    context = {"case": case, **_faq_pick_context(request, case)}
    if request.htmx:
        return render(request, "cases/_faq_pick.html", context)
    query = urlencode({"faq_q": context["faq_q"]})
    return redirect(f"{reverse('cases:detail', args=[pk])}?{query}#faq")


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
