"""Document screens: open a document, issue from a reissue case, expiring links, batch progress,
record a customer's reply to a 契約内容のお知らせ."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case, IdentityVerification
from tsunagu.cases.selectors import case_get
from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import BadInput
from tsunagu.core.templatetags.tsunagu import postal

from .batch_start import batch_enqueue, can_start_batches
from .certificate_reissue import certificate_reissue, reissue_years
from .choices import BatchStatus, DocumentType
from .forms import BatchStartForm, CaseIssueForm, NoticeReplyForm, add_service_error
from .links import LinkError, download_link_open
from .models import ContractNoticeReply, Document
from .notice_replies import contract_notice_reply_record
from .notices import month_start
from .reissue import IssuedDocument, address_text, policy_reissue, registered_address
from .selectors import DocumentUnavailable, batch_exceptions_report, batch_get, batch_list, document_open
from .services.mailing_lists import FORMATS, mailing_list_export, mailing_months

ISSUABLE = (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE)


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document's PDF; a document whose file retention deleted (or storage lost) gets a page that
    says so (410 / 404), never an error."""
    try:
        opened = document_open(user=request.user, pk=pk, screen="帳票の表示")  # type: ignore[arg-type]
    except DocumentUnavailable as error:
        return _unavailable(request, error)
    return _pdf(opened.content, opened.filename)


def _unavailable(request: HttpRequest, error: DocumentUnavailable) -> HttpResponse:
    context = {"document": error.document, "message": error.message, "erased": error.erased}
    return render(request, "documents/document_unavailable.html", context, status=410 if error.erased else 404)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _issue_form(case: Case, data: Any = None) -> CaseIssueForm:
    address = registered_address(case.customer)
    years = None if case.case_type == CaseType.POLICY_REISSUE else list(reversed(reissue_years(timezone.localdate())))
    initial: dict[str, Any] = {
        "delivery_channel": "electronic" if case.customer.preferred_channel in ("email", "web") else "post"
    }
    if years:
        initial["tax_year"] = years[0]
    shown = f"{postal(address.postal_code)} {address_text(address)}" if address else ""  # the kit's 〒 format
    return CaseIssueForm(data, initial=initial, years=years, address=shown)


def _case_panel_context(request: AuthedRequest, case: Case, form: CaseIssueForm | None = None) -> dict[str, Any]:
    return {
        "case": case,
        "identity_verified": IdentityVerification.objects.filter(case=case).exists(),
        "issued": list(Document.objects.visible_to(request.user).filter(case=case).order_by("-issued_at", "-id")),
        "is_policy": case.case_type == CaseType.POLICY_REISSUE,
        "form": form or _issue_form(case),
    }


def _case_panel(request: AuthedRequest, case: Case, form: CaseIssueForm | None = None) -> HttpResponse:
    """The panel alone for htmx (swapped into #document-issue), a full page without JavaScript."""
    template = "documents/_case_issue_panel.html" if request.htmx else "documents/case_issue.html"
    return render(request, template, _case_panel_context(request, case, form))


@login_required
def case_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the issue panel of a reissue case (htmx partial on the case page). POST: issue; an
    invalid or refused request gets the panel again with the errors (200, values kept)."""
    case = case_get(user=request.user, pk=pk, screen="帳票の再発行")
    if case.case_type not in ISSUABLE:
        messages.error(request, "この案件の種別では帳票を発行できません。")
        return redirect("cases:detail", pk=pk)
    if request.method != "POST":
        return _case_panel(request, case)
    form = _issue_form(case, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        mail_to = data["mail_to"].strip() or None
        try:
            if case.case_type == CaseType.POLICY_REISSUE:
                issued = policy_reissue(
                    actor=request.user, case=case, delivery_channel=data["delivery_channel"], mail_to=mail_to
                )
            else:
                issued = certificate_reissue(
                    actor=request.user,
                    case=case,
                    tax_year=data["tax_year"],
                    delivery_channel=data["delivery_channel"],
                    mail_to=mail_to,
                )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "権限がありません。")
        else:
            messages.success(request, _issued_message(request, issued))
            url = reverse("cases:detail", args=[pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _case_panel(request, case, form)


def _issued_message(request: HttpRequest, issued: IssuedDocument) -> str:
    doc = issued.document
    text = f"{doc.get_doc_type_display()} {doc.number} を発行しました({doc.get_delivery_channel_display()})。"
    if issued.token and issued.link is not None:
        url = request.build_absolute_uri(reverse("documents:link", args=[issued.token]))
        expires = timezone.localtime(issued.link.expires_at)
        text += f" ダウンロードURL(有効期限 {expires:%Y/%m/%d %H:%M}): {url}"
    return text


def link_download(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's download: no login, the signed token is the key. Expired → 410 with a message."""
    user = request.user if request.user.is_authenticated else None
    try:
        opened = download_link_open(token=token, user=user)  # type: ignore[arg-type]
    except LinkError as error:
        status = 410 if error.expired or error.erased else 404
        return render(request, "documents/link_error.html", {"message": error.message}, status=status)
    return _pdf(opened.content, opened.filename)


@login_required
def batches(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.DOCUMENT_BATCHES_VIEW)
    can_start = can_start_batches(request.user)
    form = BatchStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch_enqueue(
                actor=request.user,
                kind=data["kind"],
                target=data["target"],
                issue_date=data["issue_date"],
                vendor_prints=data["vendor_prints"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "バッチを予約しました。ワーカーが開始すると下の一覧に進捗が表示されます。")
            return redirect("documents:batches")
    recent = batch_list(user=request.user)
    context = {
        "batches": recent,
        "can_start": can_start,
        "form": form,
        "running": any(b.status == BatchStatus.RUNNING for b in recent),
    }
    template = "documents/batch_list.html#table" if request.htmx else "documents/batch_list.html"
    return render(request, template, context)


@login_required
def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = batch_get(user=request.user, pk=pk)
    template = "documents/batch_detail.html#progress" if request.htmx else "documents/batch_detail.html"
    return render(request, template, {"batch": batch, "kinds": dict(DocumentType.choices)})


@login_required
def batch_exceptions(request: AuthedRequest, pk: int) -> HttpResponse:
    """The batch's 例外レポート as a CSV download (who may see batches; logged as an export)."""
    report = batch_exceptions_report(user=request.user, pk=pk)
    response = HttpResponse(report.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notice_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the customer's reply to a 契約内容のお知らせ (the form, or the recorded answer). POST: record it."""
    notice = (
        Document.objects.visible_to(request.user)
        .filter(pk=pk, doc_type=DocumentType.CONTRACT_NOTICE)
        .select_related("customer", "policy")
        .first()
    )
    if notice is None:
        raise Http404("契約内容のお知らせが見つかりません。")
    log_access(
        user=request.user,
        customer_ids=[notice.customer_id],
        purpose=AccessPurpose.VIEW,
        screen="お知らせ回答の記録",
        detail={"document": notice.number},
    )
    form = NoticeReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reply = contract_notice_reply_record(
                actor=request.user,
                document=notice,
                has_changes=data["has_changes"] == "yes",
                triggers=data["triggers"],
                note=data["note"],
                channel=data["channel"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "権限がありません。")
        else:
            text = f"{notice.number} の回答を記録しました"
            text += f"(異動案件 {reply.case.number} を起票しました)。" if reply.case else "(変更なし)。"
            messages.success(request, text)
            return redirect("desk:customer_detail", pk=notice.customer_id)
    context = {
        "notice": notice,
        "reply": ContractNoticeReply.objects.filter(document=notice).select_related("case", "recorded_by").first(),
        "form": form,
    }
    return render(request, "documents/notice_reply.html", context)


@login_required
def mailing_lists(request: AuthedRequest) -> HttpResponse:
    """契約内容のお知らせ 送付リスト: the months with notices the user can see, each as CSV or Excel."""
    months = mailing_months(user=request.user)
    return render(request, "documents/mailing_lists.html", {"months": months})


@login_required
def mailing_list_download(request: AuthedRequest, month: str, file_format: str) -> HttpResponse:
    """One month's list of the user's notices (an agency: its own policies only); logged as an export."""
    try:
        first = month_start(month)
    except ValueError as error:
        raise BadInput(str(error)) from None
    if file_format not in FORMATS:
        raise Http404("送付リストの形式は csv か xlsx です。")
    exported = mailing_list_export(user=request.user, month=first, file_format=file_format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
