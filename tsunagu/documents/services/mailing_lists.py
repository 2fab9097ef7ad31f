"""契約内容のお知らせ 送付リスト for agencies: the month's notices of the policies the user can see
(an agency's own policies only: `Document.objects.visible_to`, scoped by construction), as CSV
(UTF-8 with BOM, the columns of docs/formats/contract_notices.md) or XLSX. Every download is an
export in the access log (one row per customer on the list)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from tsunagu.core import csv_export, permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User

from ..choices import DocumentStatus, DocumentType
from ..models import Document
from ..notices import MAILING_HEADER, mailing_documents, mailing_row
from ..xlsx import xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SCREEN = "送付リストのダウンロード"


@dataclass(frozen=True)
class MailingMonth:
    month: dt.date
    notices: int

    @property
    def key(self) -> str:  # in the download URL
        return f"{self.month:%Y-%m}"

    @property
    def label(self) -> str:  # on screen, like the kit's dates
        return f"{self.month:%Y/%m}"


@dataclass(frozen=True)
class MailingList:
    content: bytes
    filename: str
    content_type: str
    rows: int


def mailing_months(*, user: User) -> list[MailingMonth]:
    """Months with issued notices the user can see, newest first, with how many (theirs only)."""
    permissions.require(user, permissions.DOCUMENT_MAILING_LISTS)
    rows = (
        Document.objects.visible_to(user)
        .filter(doc_type=DocumentType.CONTRACT_NOTICE, status=DocumentStatus.ISSUED, notice_for__isnull=False)
        .annotate(month=TruncMonth("notice_for"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")
    )
    return [MailingMonth(_as_date(row["month"]), row["n"]) for row in rows]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def mailing_list_export(*, user: User, month: dt.date, file_format: str) -> MailingList:
    """The month's list of the user's notices as `file_format` ("csv" or "xlsx"); logged as an export."""
    permissions.require(user, permissions.DOCUMENT_MAILING_LISTS)
    if file_format not in FORMATS:
        raise ValueError(f"送付リストの形式は csv か xlsx です(指定値: 「{file_format}」)。")
    documents = list(mailing_documents(Document.objects.visible_to(user), month))
    lines = [mailing_row(doc) for doc in documents]
    if file_format == "csv":
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(MAILING_HEADER)
        writer.writerows(lines)
        content = out.getvalue().encode("utf-8-sig")
    else:
        content = xlsx([MAILING_HEADER, *lines], sheet_name=f"送付リスト{month:%Y-%m}")
    agency = getattr(user, "agency", None)
    owner = agency.code if agency is not None else "ALL"
    log_access(
        user=user,
        customer_ids=sorted({doc.customer_id for doc in documents}),  # none: one row saying nothing was read
        purpose=AccessPurpose.EXPORT,
        screen=SCREEN,
        detail={"month": f"{month:%Y-%m}", "format": file_format, "rows": len(lines), "agency": owner},
    )
    return MailingList(
        content=content,
        filename=f"mailing-{month:%Y-%m}-{owner}.{file_format}",
        content_type=FORMATS[file_format],
        rows=len(lines),
    )
