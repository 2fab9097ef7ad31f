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

from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.models import Case, IdentityVerification
from tsunagu.cases.selectors import case_get
from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest

from .batch_start import batch_enqueue, can_start_batches
from .certificate_reissue import certificate_reissue, reissue_years
from .choices import BatchStatus, DeliveryChannel, DocumentType
from .links import LinkError, download_link_open
from .models import ContractNoticeReply, Document
from .notice_replies import contract_notice_reply_record
from .notice_sheet import CHANGE_TRIGGERS
from .reissue import IssuedDocument, address_text, policy_reissue, registered_address
from .selectors import batch_get, batch_list, document_open

ISSUABLE = (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE)


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    opened = document_open(user=request.user, pk=pk, screen="帳票の表示")  # type: ignore[arg-type]
    return _pdf(opened.content, opened.filename)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _case_panel_context(request: AuthedRequest, case: Case) -> dict[str, Any]:
    address = registered_address(case.customer)
    today = timezone.localdate()
    return {
        "case": case,
        "identity_verified": IdentityVerification.objects.filter(case=case).exists(),
        "address": address_text(address) if address else "",
        "postal_code": address.postal_code if address else "",
        "issued": list(Document.objects.visible_to(request.user).filter(case=case).order_by("-issued_at", "-id")),
        "channels": DeliveryChannel.choices,
        "preferred_electronic": case.customer.preferred_channel in ("email", "web"),
        "years": list(reversed(reissue_years(today))),
        "is_policy": case.case_type == CaseType.POLICY_REISSUE,
    }


@login_required
def case_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the issue panel of a reissue case (htmx partial on the case page). POST: issue."""
    case = case_get(user=request.user, pk=pk, screen="帳票の再発行")
    if case.case_type not in ISSUABLE:
        messages.error(request, "この案件の種別では帳票を発行できません。")
        return redirect("cases:detail", pk=pk)
    if request.method != "POST":
        return render(request, "documents/_case_issue_panel.html", _case_panel_context(request, case))
    channel = request.POST.get("delivery_channel", "")
    mail_to = request.POST.get("mail_to", "").strip() or None
    try:
        if case.case_type == CaseType.POLICY_REISSUE:
            issued = policy_reissue(actor=request.user, case=case, delivery_channel=channel, mail_to=mail_to)
        else:
            try:
                year = int(request.POST.get("tax_year", ""))
            except ValueError:
                raise ValidationError({"tax_year": "年分を選んでください。"}) from None
            issued = certificate_reissue(
                actor=request.user, case=case, tax_year=year, delivery_channel=channel or None, mail_to=mail_to
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error) or "権限がありません。")
    else:
        messages.success(request, _issued_message(request, issued))
    return redirect("cases:detail", pk=pk)


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
        status = 410 if error.expired else 404
        return render(request, "documents/link_error.html", {"message": error.message}, status=status)
    return _pdf(opened.content, opened.filename)


@login_required
def batches(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.DOCUMENT_BATCHES_VIEW)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            batch_enqueue(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                target=request.POST.get("target", ""),
                issue_date=request.POST.get("issue_date", ""),
                vendor_prints=request.POST.get("vendor_prints") == "1",
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, "バッチを予約しました。ワーカーが開始すると下の一覧に進捗が表示されます。")
            return redirect("documents:batches")
    recent = batch_list(user=request.user)
    context = {
        "batches": recent,
        "can_start": can_start_batches(request.user),
        "errors": errors,
        "form_values": request.POST if errors else {},
        "kinds": [
            (DocumentType.DEDUCTION_CERTIFICATE, "地震保険料控除証明書(対象年分)"),
            (DocumentType.CONTRACT_NOTICE, "契約内容のお知らせ(対象月)"),
        ],
        "running": any(b.status == BatchStatus.RUNNING for b in recent),
    }
    template = "documents/batch_list.html#table" if request.htmx else "documents/batch_list.html"
    return render(request, template, context, status=400 if errors else 200)


@login_required
def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = batch_get(user=request.user, pk=pk)
    template = "documents/batch_detail.html#progress" if request.htmx else "documents/batch_detail.html"
    return render(request, template, {"batch": batch, "kinds": dict(DocumentType.choices)})


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
    errors: list[str] = []
    form: dict[str, Any] = {"has_changes": "", "triggers": [], "note": "", "channel": CaseChannel.POST}
    if request.method == "POST":
        form = {
            "has_changes": request.POST.get("has_changes", ""),
            "triggers": request.POST.getlist("triggers"),
            "note": request.POST.get("note", ""),
            "channel": request.POST.get("channel", CaseChannel.POST),
        }
        try:
            if form["has_changes"] not in ("yes", "no"):
                raise ValidationError("「変更あり」か「変更なし」を選んでください。")
            if form["channel"] not in CaseChannel.values:
                raise ValidationError(f"受付経路が正しくありません(指定値: 「{form['channel']}」)。")
            reply = contract_notice_reply_record(
                actor=request.user,
                document=notice,
                has_changes=form["has_changes"] == "yes",
                triggers=form["triggers"],
                note=form["note"],
                channel=form["channel"],
            )
        except ValidationError as error:
            errors = error.messages
        except PermissionDenied as error:
            errors = [str(error) or "権限がありません。"]
        else:
            text = f"{notice.number} の回答を記録しました"
            text += f"(異動案件 {reply.case.number} を起票しました)。" if reply.case else "(変更なし)。"
            messages.success(request, text)
            return redirect("desk:customer_detail", pk=notice.customer_id)
    context = {
        "notice": notice,
        "reply": ContractNoticeReply.objects.filter(document=notice).select_related("case", "recorded_by").first(),
        "triggers": [(key, label, hint) for key, (label, hint) in CHANGE_TRIGGERS.items()],
        "channels": CaseChannel.choices,
        "form": form,
        "errors": errors,
    }
    return render(request, "documents/notice_reply.html", context, status=400 if errors else 200)
