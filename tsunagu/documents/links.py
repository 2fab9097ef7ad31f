"""Expiring download links for electronic delivery (電子交付).

The token is signed (Django signing, secret key) and carries the link's random public id (never
its sequential primary key) and its expiry, so a tampered or made-up token is refused without a
database read, and an expired one is recognised as expired (a clear message, not "not found").
Tokens of the first format (carrying the primary key) are refused as invalid. Each opening is
access-logged and counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.context import history_user
from tsunagu.core.models import User

from .config import get_storage
from .models import Document, DownloadLink

SALT = "tsunagu.documents.download-link"
ERASED_MESSAGE = (
    "この帳票は保存期間が満了したため削除済みで、ダウンロードできません。"
    "お手数ですが、コールセンターまたは取扱代理店にお問い合わせください。"
)
MISSING_MESSAGE = "帳票を表示できませんでした。お手数ですが、コールセンターまたは取扱代理店にお問い合わせください。"
DEFAULT_DAYS = 14


class LinkError(Exception):
    """A link that cannot be opened; `message` is shown to the customer."""

    def __init__(self, message: str, *, expired: bool = False, erased: bool = False) -> None:
        super().__init__(message)
        self.message, self.expired, self.erased = message, expired, erased


def link_days() -> int:
    return int(getattr(settings, "TSUNAGU_DOWNLOAD_LINK_DAYS", DEFAULT_DAYS))


def download_link_create(*, actor: User, document: Document, days: int | None = None) -> tuple[DownloadLink, str]:
    """A new link for `document` (inside the caller's transaction); returns the row and its token."""
    expires_at = timezone.now() + dt.timedelta(days=days if days is not None else link_days())
    link = DownloadLink(document=document, created_by=actor, expires_at=expires_at)
    history_user(link, actor)
    link.save()
    until = timezone.localtime(expires_at)
    record_event(
        actor=actor,
        action=AuditAction.DOCUMENT_CREATE_DOWNLOAD_LINK,
        target=document,
        summary=f"{document.number} のダウンロードリンクを発行した(有効期限 {until:%Y/%m/%d %H:%M})",
        data={"link": link.pk},
    )
    return link, token_for(link)


def token_for(link: DownloadLink) -> str:
    return signing.dumps({"p": link.public_id, "e": int(link.expires_at.timestamp())}, salt=SALT, compress=True)


@dataclass(frozen=True)
class LinkDownload:
    document: Document
    filename: str
    content: bytes


def _expired_message(expires_at: dt.datetime) -> str:
    return (
        f"このダウンロードリンクは有効期限({timezone.localtime(expires_at):%Y年%m月%d日 %H:%M})が切れています。"
        "お手数ですが、コールセンターまたは取扱代理店に再発行をご依頼ください。"
    )


def download_link_open(*, token: str, user: User | None = None) -> LinkDownload:
    """Open a link: check signature and expiry, count it, log the access, return the file."""
    from .selectors import DocumentUnavailable, document_file

    try:
        payload = signing.loads(token, salt=SALT)
        public_id, expires = str(payload["p"]), int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkError("ダウンロードリンクが正しくありません。メールに記載のURLをそのままお使いください。") from exc
    now = timezone.now()
    if now.timestamp() > expires:
        raise LinkError(_expired_message(dt.datetime.fromtimestamp(expires, tz=dt.UTC)), expired=True)
    with transaction.atomic():
        link = DownloadLink.objects.select_for_update().select_related("document").filter(public_id=public_id).first()
        if link is None or int(link.expires_at.timestamp()) != expires:
            raise LinkError("ダウンロードリンクが正しくありません。メールに記載のURLをそのままお使いください。")
        if link.expires_at < now:
            raise LinkError(_expired_message(link.expires_at), expired=True)
        if link.document.file_erased:
            raise LinkError(ERASED_MESSAGE, erased=True)
        # Through core.writes so the count keeps row history (the opener, or none for a customer).
        writes.update_rows(
            DownloadLink.objects.filter(pk=link.pk),
            actor=user,
            reason="ダウンロードリンクを開いた",
            open_count=F("open_count") + 1,
            last_opened_at=now,
        )
        document = link.document
        log_access(
            user=user,
            customer_ids=[document.customer_id],
            purpose=AccessPurpose.VIEW,
            screen="電子交付ダウンロード",
            detail={"document": document.number, "link": link.pk, "opened_by": "link"},
        )
    try:
        content = document_file(document, get_storage())
    except DocumentUnavailable:
        raise LinkError(MISSING_MESSAGE) from None
    return LinkDownload(document, f"{document.number}.pdf", content)
