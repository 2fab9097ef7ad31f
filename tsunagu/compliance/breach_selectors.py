"""Reads of the breach register. The incident list holds no personal data; the affected persons'
names are customers' personal data, so listing them is logged (core.access_log.log_list) and an
export of the list is logged as one export naming every customer in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from . import breach
from .choices import BreachStatus
from .models import BreachAffectedPerson, BreachIncident

AFFECTED_PER_PAGE = 50
AFFECTED_SCREEN = "漏えい等の対象者"
AFFECTED_EXPORT_SCREEN = "漏えい等の対象者(出力)"


@dataclass(frozen=True)
class IncidentView:
    """An incident with what the screens show beside it: persons, notified, reportability, clocks."""

    incident: BreachIncident
    persons: int  # listed persons
    notified: int
    reasons: list[str]  # why it is reportable under APPI (empty: FSA report only)
    clocks: list[breach.Clock]

    @property
    def persons_effective(self) -> int:
        return max(self.persons, self.incident.persons_estimate or 0)

    @property
    def worst_state(self) -> str:
        states = {c.state for c in self.clocks if self.incident.status == BreachStatus.OPEN}
        for state in ("overdue", "due_soon", "open"):
            if state in states:
                return state
        return "done"


def _view(incident: BreachIncident, persons: int, notified: int, today: dt.date) -> IncidentView:
    facts = incident.facts(persons)
    return IncidentView(
        incident=incident,
        persons=persons,
        notified=notified,
        reasons=breach.reportable_reasons(facts),
        clocks=breach.clocks(
            facts,
            preliminary_on=incident.preliminary_reported_on,
            final_on=incident.final_reported_on,
            today=today,
        ),
    )


def _counts(incident: BreachIncident) -> tuple[int, int]:
    """The persons and notified counts `_counted` annotated."""
    return int(getattr(incident, "n_persons", 0)), int(getattr(incident, "n_notified", 0))


def _counted(queryset: QuerySet[BreachIncident]) -> QuerySet[BreachIncident]:
    return queryset.annotate(
        n_persons=Count("affected"), n_notified=Count("affected", filter=Q(affected__notified_on__isnull=False))
    )


def incident_list(*, user: User, status: str = "open", today: dt.date | None = None) -> list[IncidentView]:
    permissions.require(user, permissions.COMPLIANCE_BREACHES)
    today = today or timezone.localdate()
    queryset = BreachIncident.objects.select_related("suspect_user")
    if status in BreachStatus.values:
        queryset = queryset.filter(status=status)
    return [_view(i, *_counts(i), today) for i in _counted(queryset)]


def incident_get(*, user: User, pk: int, today: dt.date | None = None) -> IncidentView:
    permissions.require(user, permissions.COMPLIANCE_BREACHES)
    incident = (
        _counted(BreachIncident.objects.select_related("suspect_user", "alert", "opened_by")).filter(pk=pk).first()
    )
    if incident is None:
        raise Http404("漏えい等事案が見つかりません。")
    return _view(incident, *_counts(incident), today or timezone.localdate())


def open_incident_counts(*, user: User, today: dt.date | None = None) -> dict[str, int]:
    """The auditor's home panel: open incidents and those with a report overdue or due soon."""
    if not permissions.has(user, permissions.COMPLIANCE_BREACHES):
        return {}
    views = incident_list(user=user, status=BreachStatus.OPEN, today=today)
    return {
        "open": len(views),
        "overdue": sum(v.worst_state == "overdue" for v in views),
        "due_soon": sum(v.worst_state == "due_soon" for v in views),
    }


@dataclass(frozen=True)
class AffectedRow:
    person: BreachAffectedPerson
    customer: Customer | None  # None: outside what this user may see (never for head office)


def affected_page(*, user: User, incident: BreachIncident, page: int = 1, unnotified: bool = False) -> Page[Any]:
    """One page of the affected persons with their names (logged as a list read)."""
    permissions.require(user, permissions.COMPLIANCE_BREACHES)
    queryset = incident.affected.order_by("customer_id")
    if unnotified:
        queryset = queryset.filter(notified_on__isnull=True)
    page_obj = Paginator(queryset, AFFECTED_PER_PAGE).get_page(page)
    people = list(page_obj.object_list)
    customers = (
        Customer.objects.visible_to(user).only("id", "name", "name_kana").in_bulk([p.customer_id for p in people])
    )
    log_list(user=user, customer_ids=customers, screen=AFFECTED_SCREEN, detail={"incident": incident.number})
    page_obj.object_list = cast(Any, [AffectedRow(p, customers.get(p.customer_id)) for p in people])
    return page_obj


def affected_export(*, user: User, incident: BreachIncident) -> list[AffectedRow]:
    """Every affected person with name and address for the notification mailing, logged as one export."""
    permissions.require(user, permissions.COMPLIANCE_BREACHES)
    people = list(incident.affected.order_by("customer_id"))
    customers = Customer.objects.visible_to(user).prefetch_related("addresses").in_bulk([p.customer_id for p in people])
    log_access(
        user=user,
        customer_ids=sorted(customers) or [None],
        purpose=AccessPurpose.EXPORT,
        screen=AFFECTED_EXPORT_SCREEN,
        detail={"incident": incident.number, "rows": len(people)},
    )
    return [AffectedRow(p, customers.get(p.customer_id)) for p in people]


def customers_to_add(*, user: User, ids: list[int]) -> tuple[list[Customer], list[int]]:
    """The customers (visible to the user) to add as affected persons, and the numbers not found."""
    permissions.require(user, permissions.COMPLIANCE_BREACHES)
    found = list(Customer.objects.visible_to(user).filter(pk__in=ids))
    return found, sorted(set(ids) - {c.pk for c in found})
