"""Reads of issued documents: scoped to the user; opening a document is access-logged."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tsunagu.core import masking, permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read

from .config import font_dir, get_storage, insurer_name
from .fonts import register_font
from .models import Document, DocumentBatch
from .pdf import metadata, render
from .printing import sheet_from_vendor_data
from .storage import DocumentStorage, StorageError

_CUSTOMER_NUMBER = re.compile(r'^"?K0*(\d{1,18})"?,')  # a report line starts with the 顧客番号


def document_list_for_customer(*, user: User, customer: Customer) -> list[Document]:
    """The customer's documents the user may see, newest first (metadata only: no access log row)."""
    require_logged_read(user=user, customer=customer)
    return list(
        Document.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("issued_by", "notice_reply__case")
        .order_by("-issued_at", "-id")
    )


class DocumentUnavailable(Exception):
    """A document whose file cannot be given: deleted by retention (`erased`, HTTP 410), or missing from
    storage (404). `message` is shown as it is."""

    def __init__(self, message: str, *, document: Document, erased: bool) -> None:
        super().__init__(message)
        self.message, self.document, self.erased = message, document, erased


def erased_message(document: Document) -> str:
    """「保存期間満了により削除済み」 with the date where the run recorded it."""
    when = f"({timezone.localtime(document.file_erased_at):%Y/%m/%d})" if document.file_erased_at else ""
    return (
        f"帳票 {document.number} のファイルは保存期間満了により削除済みです{when}。"
        "帳票番号・発行日などの記録だけが残っています。"
    )


@dataclass(frozen=True)
class OpenedDocument:
    document: Document
    filename: str
    content: bytes


def _pages(data: bytes, first: int, count: int, document: Document) -> bytes:
    """One customer's pages out of a vendor print file, which holds other customers' certificates too;
    the PDF's information names this document (not the print file)."""
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(io.BytesIO(data)), PdfWriter()
    for index in range(first - 1, first - 1 + count):
        writer.add_page(reader.pages[index])
    info = metadata(document.get_doc_type_display(), number=document.number, insurer=insurer_name())
    writer.add_metadata({f"/{name.capitalize()}": value for name, value in info.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def document_open(*, user: User, pk: int, screen: str = "") -> OpenedDocument:
    """Fetch a document's file, or 404 outside the user's scope. The read is logged before returning."""
    document = Document.objects.visible_to(user).filter(pk=pk).first()
    if document is None:
        raise Http404("帳票が見つかりません。")
    if not masking.sees_documents(user):
        raise PermissionDenied(masking.DOCUMENT_MASKED_MESSAGE)
    if document.file_erased:  # nothing of the customer's is read: no access-log row
        raise DocumentUnavailable(erased_message(document), document=document, erased=True)
    log_access(
        user=user,
        customer_ids=[document.customer_id],
        purpose=AccessPurpose.VIEW,
        screen=screen,
        detail={"document": document.number},
    )
    return OpenedDocument(document, f"{document.number}.pdf", document_file(document, get_storage()))


def document_file(document: Document, storage: DocumentStorage) -> bytes:
    """The document's own PDF: its pages only when it sits in a shared print file; for a certificate
    the printing vendor composed, a copy drawn from its records in the vendor data file. Raises
    DocumentUnavailable when retention deleted the file or storage no longer has it."""
    if document.file_erased:
        raise DocumentUnavailable(erased_message(document), document=document, erased=True)
    try:
        data = storage.read(document.storage_key)
    except StorageError:
        message = f"帳票 {document.number} のファイルが保存先に見つかりません。システム管理者にお問い合わせください。"
        raise DocumentUnavailable(message, document=document, erased=False) from None
    if document.storage_key.endswith(".csv"):
        sheet = sheet_from_vendor_data(data, document.number, insurer_name=insurer_name())
        return render([sheet], register_font(font_dir()))
    if document.page is not None:
        data = _pages(data, document.page, document.page_count, document)
    return data


def can_see_batches(user: User) -> bool:
    """Batches span every customer: head-office staff only (agency staff see none)."""
    return permissions.has(user, permissions.DOCUMENT_BATCHES_VIEW)


def batch_list(*, user: User, limit: int = 50) -> list[DocumentBatch]:
    if not can_see_batches(user):
        return []
    return list(DocumentBatch.objects.select_related("started_by").order_by("-started_at", "-id")[:limit])


def batch_get(*, user: User, pk: int) -> DocumentBatch:
    batch = DocumentBatch.objects.select_related("started_by").filter(pk=pk).first() if can_see_batches(user) else None
    if batch is None:
        raise Http404("バッチが見つかりません。")
    return batch


@dataclass(frozen=True)
class ExceptionsReport:
    content: bytes
    filename: str


def batch_exceptions_report(*, user: User, pk: int) -> ExceptionsReport:
    """The batch's 例外レポート (顧客番号, 証券番号, 理由) for whoever may see batches; logged as an
    export of the customers it names."""
    batch = batch_get(user=user, pk=pk)
    if not batch.exceptions_key:
        raise Http404("このバッチには例外レポートがありません。")
    try:
        content = get_storage().read(batch.exceptions_key)
    except StorageError:
        raise Http404("例外レポートのファイルが見つかりません。") from None
    customer_ids = sorted(
        {
            int(match.group(1))
            for line in content.decode("utf-8-sig", errors="replace").splitlines()[1:]
            if (match := _CUSTOMER_NUMBER.match(line))
        }
    )
    log_access(
        user=user,
        customer_ids=customer_ids,
        purpose=AccessPurpose.EXPORT,
        screen="帳票バッチの例外レポート",
        detail={"batch": batch.pk},
    )
    return ExceptionsReport(content=content, filename=f"batch{batch.pk:06d}-exceptions.csv")
