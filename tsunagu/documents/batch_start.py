"""Starting the long batches from the screen: validate, audit, and queue a background task.

The task runs in `manage.py db_worker` (django-tasks database backend). It is queued after the
transaction commits, so a rolled-back request never starts a batch.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from . import deduction as d
from .choices import DocumentType
from .notices import month_start


def can_start_batches(user: User) -> bool:
    """Batches mail every customer: administrators and the 契約管理 department only."""
    return permissions.has(user, permissions.DOCUMENT_BATCHES_START)


def _issue_date(text: str) -> dt.date:
    if not text.strip():
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError({"issue_date": f"発行日はYYYY-MM-DDで指定してください(指定値: 「{text}」)。"}) from None


def parse_tax_year(text: str) -> int:
    """A tax year the rules cover ("2026"), or a ValidationError on `target` in Japanese."""
    try:
        tax_year = int(text.strip())
        d.rules_for(tax_year)
    except ValueError as exc:  # DeductionInputError is a ValueError
        message = (
            str(exc)
            if isinstance(exc, d.DeductionInputError)
            else f"対象年分は西暦4桁で指定してください(指定値: 「{text}」)。"
        )
        raise ValidationError({"target": message}) from None
    return tax_year


def parse_issue_date(text: str) -> dt.date:
    """The issue date (YYYY-MM-DD; empty: today), or a ValidationError on `issue_date`."""
    return _issue_date(text)


def batch_enqueue(*, actor: User, kind: str, target: str, issue_date: str = "", vendor_prints: bool = False) -> None:
    """Queue the certificate batch (`target` = tax year, e.g. "2026"; `vendor_prints`: the printing
    vendor composes the mailed certificates from the data file) or the contract notices (`target` =
    month, e.g. "2026-05"); the batch appears on the batch pages when a worker starts it."""
    from .tasks import certificate_batch_task, contract_notice_task

    if not can_start_batches(actor):
        raise PermissionDenied("帳票バッチを開始できるのは管理者と契約管理部の担当者だけです。")
    when = _issue_date(issue_date)
    if kind == DocumentType.DEDUCTION_CERTIFICATE:
        tax_year = parse_tax_year(target)
        if when.year < tax_year:
            raise ValidationError({"issue_date": f"証明日({when})が対象年分({tax_year}年)より前です。"})
        summary = f"{tax_year}年分 地震保険料控除証明書の一括発行を予約した" + (
            "(印刷業者向けデータ)" if vendor_prints else ""
        )

        def enqueue() -> None:
            certificate_batch_task.enqueue(actor.pk, tax_year, when.isoformat(), vendor_prints)
    elif kind == DocumentType.CONTRACT_NOTICE:
        try:
            month = month_start(target)
        except ValueError as exc:
            raise ValidationError({"target": str(exc)}) from None
        summary = f"{month:%Y年%m月}分 契約内容のお知らせの作成を予約した"

        def enqueue() -> None:
            contract_notice_task.enqueue(actor.pk, month.isoformat(), when.isoformat())
    else:
        raise ValidationError({"kind": f"開始できない帳票の種類です(指定値: 「{kind}」)。"})
    with transaction.atomic():
        record_event(
            actor=actor,
            action=AuditAction.DOCUMENT_BATCH_ENQUEUE,
            target=actor,
            summary=summary,
            data={"kind": kind, "target": target, "vendor_prints": vendor_prints},
        )
        transaction.on_commit(enqueue)
