"""Reads of data-subject requests (開示等の請求). A request names a customer and the requester: the
list shows each request's customer, so it is logged as a list read (core.access_log.log_list); the
request page as a view of that customer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from . import dsr
from .choices import DsrStatus
from .models import DataSubjectRequest

LIST_SCREEN = "開示等の請求の一覧"
DETAIL_SCREEN = "開示等の請求"
OPEN = (DsrStatus.RECEIVED, DsrStatus.VERIFIED)


@dataclass(frozen=True)
class RequestView:
    request: DataSubjectRequest
    clock: dsr.AnswerClock

    @property
    def is_open(self) -> bool:
        return self.request.status in OPEN


def _view(request: DataSubjectRequest, today: dt.date) -> RequestView:
    return RequestView(
        request,
        dsr.answer_clock(
            due=request.due_on,
            done_on=request.completed_on,
            withdrawn=request.status == DsrStatus.WITHDRAWN,
            today=today,
        ),
    )


def request_list(*, user: User, status: str = "open", today: dt.date | None = None) -> list[RequestView]:
    permissions.require(user, permissions.COMPLIANCE_DSR)
    today = today or timezone.localdate()
    queryset = DataSubjectRequest.objects.select_related("customer").order_by("due_on", "pk")
    if status == "open":
        queryset = queryset.filter(status__in=OPEN)
    elif status in DsrStatus.values:
        queryset = queryset.filter(status=status)
    views = [_view(r, today) for r in queryset]
    log_list(user=user, customer_ids=[v.request.customer_id for v in views], screen=LIST_SCREEN)
    return views


def request_get(*, user: User, pk: int, today: dt.date | None = None) -> RequestView:
    permissions.require(user, permissions.COMPLIANCE_DSR)
    request = DataSubjectRequest.objects.select_related("customer", "opened_by", "verified_by").filter(pk=pk).first()
    if request is None:
        raise Http404("開示等の請求が見つかりません。")
    log_access(
        user=user,
        customer_ids=[request.customer_id],
        purpose=AccessPurpose.VIEW,
        screen=DETAIL_SCREEN,
        detail={"request": request.number},
    )
    return _view(request, today or timezone.localdate())


def open_request_counts(*, user: User, today: dt.date | None = None) -> dict[str, int]:
    """The auditor's home panel: open requests, and those overdue or due soon (names no customer)."""
    if not permissions.has(user, permissions.COMPLIANCE_DSR):
        return {}
    today = today or timezone.localdate()
    due = list(DataSubjectRequest.objects.filter(status__in=OPEN).values_list("due_on", flat=True))
    states = [dsr.answer_clock(due=d, done_on=None, withdrawn=False, today=today).state for d in due]
    return {"open": len(due), "overdue": states.count("overdue"), "due_soon": states.count("due_soon")}


def requester_customer(*, user: User, pk: int) -> Customer | None:
    """The customer a new request is about, as this user may see them."""
    permissions.require(user, permissions.COMPLIANCE_DSR)
    return Customer.objects.visible_to(user).filter(pk=pk).first()
