"""Reminders of data-subject requests' answer clocks (開示等の請求の期限リマインダー).

The product has no mail or push channel; a reminder is an in-product notification: a `DsrReminder`
row addressed to the member of staff who received the request and to each active compliance
auditor, counted as a badge on the menu entry 開示等の請求 and listed on 期限リマインダー
(`/compliance/requests/reminders/`), where the recipient marks them read. The daily job
(`manage.py compliance_daily`) creates them: 回答期限が近い when the answer is due within
`TSUNAGU_DSR_REMIND_DAYS` days (default: the clock's warning, 3 days), 回答期限超過 once it is past
due. One reminder per request, kind and person, so reruns add nothing; answered or withdrawn
requests get none and their unread reminders stop counting.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction, Role
from tsunagu.core.models import User

from . import dsr
from .choices import DsrStatus
from .models import DataSubjectRequest, DsrReminder
from .retention_choices import ReminderKind

OPEN = (DsrStatus.RECEIVED, DsrStatus.VERIFIED)


def remind_days() -> int:
    return int(getattr(settings, "TSUNAGU_DSR_REMIND_DAYS", dsr.WARN_DAYS))


def reminder_kind(*, due: dt.date, on: dt.date, days: int) -> str | None:
    """Pure: which reminder a request due on `due` needs on `on` (None: not yet)."""
    if due < on:
        return ReminderKind.OVERDUE
    if (due - on).days <= days:
        return ReminderKind.DUE_SOON
    return None


def _auditors() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.COMPLIANCE_AUDITOR).distinct().order_by("pk"))


def dsr_reminders_create(*, actor: User, on: dt.date) -> Counter[str]:
    """Create the reminders due on `on`; returns how many of each kind were created."""
    permissions.require(actor, permissions.COMPLIANCE_DSR)
    days = remind_days()
    created: Counter[str] = Counter()
    auditors = _auditors()
    requests = DataSubjectRequest.objects.filter(status__in=OPEN, due_on__lte=on + dt.timedelta(days=days))
    existing = set(DsrReminder.objects.filter(request__in=requests).values_list("request_id", "kind", "recipient_id"))
    for request in requests.select_related("opened_by").order_by("due_on", "pk"):
        kind = reminder_kind(due=request.due_on, on=on, days=days)
        if kind is None:
            continue
        recipients = {u.pk: u for u in auditors}
        if request.opened_by.is_active:
            recipients.setdefault(request.opened_by_id, request.opened_by)
        new = [
            DsrReminder(request=request, kind=kind, recipient=user, due_on=request.due_on, created_on=on)
            for pk, user in recipients.items()
            if (request.pk, kind, pk) not in existing
        ]
        if not new:
            continue
        with transaction.atomic():
            writes.bulk_create(new, actor=actor, reason="期限リマインダー")
            label = ReminderKind(kind).label
            record_event(
                actor=actor,
                action=AuditAction.COMPLIANCE_DSR_REMIND,
                target=request,
                summary=f"開示等の請求 {request.number} の{label}を{len(new)}人に通知した"
                f"(期限 {request.due_on:%Y/%m/%d})",
                data={"kind": kind, "recipients": [r.recipient_id for r in new]},
            )
        created[kind] += len(new)
    return created


def unread_for(user: User) -> int | None:
    """The menu badge: unread reminders of open requests addressed to the user (one indexed count)."""
    if not permissions.has(user, permissions.COMPLIANCE_DSR):
        return None
    return DsrReminder.objects.filter(recipient=user, read_at__isnull=True, request__status__in=OPEN).count() or None


def reminder_list(*, user: User) -> list[DsrReminder]:
    permissions.require(user, permissions.COMPLIANCE_DSR)
    return list(
        DsrReminder.objects.filter(recipient=user, request__status__in=OPEN)
        .select_related("request")
        .order_by("read_at", "due_on", "pk")[:200]
    )


def reminders_mark_read(*, actor: User) -> int:
    """Mark the actor's unread reminders read (history kept)."""
    permissions.require(actor, permissions.COMPLIANCE_DSR)
    unread = DsrReminder.objects.filter(recipient=actor, read_at__isnull=True)
    return writes.update_rows(unread, actor=actor, reason="既読", read_at=timezone.now())
