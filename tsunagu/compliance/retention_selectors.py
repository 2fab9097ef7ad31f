"""Reads of retention: the periods in effect, legal holds, runs, and what is due on a day.

What is due is found with set-based queries (NOT EXISTS over the customer's policies, cases and
contacts, each through its foreign-key index), never a Python loop over customers:
a customer's records of a type are due on `on` when every policy ended, every case was opened and
closed, every contact happened and the customer was registered on or before the type's cutoff
(`retention.cutoff`) — i.e. the relationship ended at least the period ago — and the ledger
(`RetentionDone`) has no row for the customer and type yet. Customers under a legal hold, with an
open case, an ADR procedure running or an open data-subject request are counted apart (never
processed). The due list shows customer numbers only (no names); it is still logged as a list read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.analytics.models import Score
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case, ComplaintDetail
from tsunagu.core import permissions
from tsunagu.core.access_log import log_list
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.documents.models import Document
from tsunagu.identity.models import SourceRecord
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Policy
from tsunagu.surveys.choices import QuestionKind
from tsunagu.surveys.models import Question, Response
from tsunagu.voice.models import Voice

from . import retention
from .choices import DsrStatus
from .models import DataSubjectRequest, LegalHold, RetentionDone, RetentionPeriod, RetentionRun
from .retention_choices import RecordType

DUE_SCREEN = "保存期間の処理対象"
SAMPLE = 100


def _start_of_day_after(day: dt.date) -> dt.datetime:
    """The first moment (local time) after `day`: datetimes before it fall on or before the day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def periods_in_effect(on: dt.date) -> dict[str, retention.Period]:
    """The period of each record type on `on` (types without one are never processed)."""
    rows = [
        retention.Period(p.record_type, p.years, p.effective_from)
        for p in RetentionPeriod.objects.filter(effective_from__lte=on)
    ]
    found = {t: retention.period_on(rows, t, on) for t in RecordType.values}
    return {t: p for t, p in found.items() if p is not None}


def period_list(*, user: User) -> list[RetentionPeriod]:
    permissions.require(user, permissions.COMPLIANCE_RETENTION)
    return list(RetentionPeriod.objects.select_related("created_by").order_by("record_type", "-effective_from"))


def hold_list(*, user: User, active_only: bool = True, on: dt.date | None = None) -> list[LegalHold]:
    permissions.require(user, permissions.COMPLIANCE_RETENTION)
    on = on or timezone.localdate()
    queryset = LegalHold.objects.select_related("customer", "case", "placed_by", "released_by")
    if active_only:
        queryset = queryset.filter(active_on(on))
    holds = list(queryset.order_by("-starts_on", "-pk")[:500])
    log_list(user=user, customer_ids=[h.customer_id for h in holds], screen="リーガルホールドの一覧")
    return holds


def hold_get(*, user: User, pk: int) -> LegalHold:
    permissions.require(user, permissions.COMPLIANCE_RETENTION)
    hold = LegalHold.objects.select_related("customer", "case").filter(pk=pk).first()
    if hold is None:
        raise Http404
    return hold


def run_list(*, user: User, limit: int = 50) -> list[RetentionRun]:
    permissions.require(user, permissions.COMPLIANCE_RETENTION)
    return list(RetentionRun.objects.select_related("actor").order_by("-started_at", "-pk")[:limit])


def active_on(on: dt.date, prefix: str = "") -> Q:
    """A legal hold in force on `on`: started, not released (its planned end does not release it)."""
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}released_on__isnull": True}) | Q(**{f"{prefix}released_on__gt": on})
    )


def _ended_by(cutoff: dt.date) -> Q:
    """The customer's relationship ended on or before `cutoff` (NOT EXISTS anything later)."""
    after = _start_of_day_after(cutoff)
    later_policy = Policy.objects.filter(policyholder=OuterRef("pk"), expiry__gt=cutoff).filter(
        Q(cancellation_date__isnull=True) | Q(cancellation_date__gt=cutoff)
    )
    later_case = Case.objects.filter(customer=OuterRef("pk")).filter(
        Q(opened_on__gt=cutoff) | Q(closed_at__gte=after)
    )  # a case still open since before the cutoff makes the customer due but held back (blocked)
    later_contact = Interaction.objects.filter(customer=OuterRef("pk"), occurred_at__gte=after)
    return cast(Q, Q(created_at__lt=after) & ~Exists(later_policy) & ~Exists(later_case) & ~Exists(later_contact))


def _has_rows(record_type: str) -> Q:
    """The customer has something of the type left to process."""
    complaint = Q(case_type=CaseType.COMPLAINT)
    sources: dict[str, QuerySet[Any]] = {
        RecordType.CONTACT: Interaction.objects.filter(customer=OuterRef("pk")),
        RecordType.CASE: Case.objects.filter(customer=OuterRef("pk")).exclude(complaint),
        RecordType.COMPLAINT: Case.objects.filter(customer=OuterRef("pk")).filter(complaint),
        RecordType.DOCUMENT: Document.objects.filter(customer=OuterRef("pk")),
        RecordType.SURVEY: Response.objects.filter(customer=OuterRef("pk")).filter(
            ~Q(comment="") | Q(Exists(Question.objects.filter(version=OuterRef("version"), kind=QuestionKind.TEXT)))
        ),
        RecordType.VOICE: Voice.objects.filter(customer=OuterRef("pk")),
        RecordType.SCORE: Score.objects.filter(customer=OuterRef("pk")),
        RecordType.SOURCE: SourceRecord.objects.filter(customer=OuterRef("pk")),
    }
    source = sources.get(record_type)
    return Q() if source is None else Q(Exists(source))


def blocked(on: dt.date) -> dict[str, Q]:
    """Each reason a customer must not be touched on `on`, as a filter on customers."""
    return {
        "hold": Q(Exists(LegalHold.objects.filter(active_on(on), customer=OuterRef("pk")))),
        "open_case": Q(Exists(Case.objects.filter(customer=OuterRef("pk"), is_open=True))),
        "open_adr": Q(
            Exists(ComplaintDetail.objects.filter(case__customer=OuterRef("pk"), adr_result="").exclude(adr_stage=""))
        ),
        "open_dsr": Q(
            Exists(
                DataSubjectRequest.objects.filter(
                    customer=OuterRef("pk"), status__in=(DsrStatus.RECEIVED, DsrStatus.VERIFIED)
                )
            )
        ),
    }


def _any_blocker(on: dt.date) -> Q:
    result = Q()
    for condition in blocked(on).values():
        result |= condition
    return result


def due_customers(record_type: str, years: int, on: dt.date) -> QuerySet[Customer]:
    """Customers whose records of the type are due on `on` (before the blockers are applied)."""
    done = RetentionDone.objects.filter(customer=OuterRef("pk"), record_type=record_type)
    return (
        Customer.objects.filter(_ended_by(retention.cutoff(on, years)))
        .filter(_has_rows(record_type))
        .exclude(Exists(done))
    )


def processable(record_type: str, years: int, on: dt.date) -> QuerySet[Customer]:
    """Due customers that may be processed now (no blocker)."""
    return due_customers(record_type, years, on).exclude(_any_blocker(on))


@dataclass
class TypeDue:
    record_type: str
    label: str
    years: int | None
    action: str
    due: int = 0  # processable customers
    blocked: int = 0  # due but held back (hold, open case, ADR, DSR)

    @property
    def action_label(self) -> str:
        return retention.ACTION_LABELS[self.action]


@dataclass
class DuePreview:
    on: dt.date
    types: list[TypeDue]
    blocked_by_reason: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)  # customers due, with their types

    @property
    def total_due(self) -> int:
        return sum(t.due for t in self.types)


def due_preview(*, on: dt.date, with_sample: bool = False) -> DuePreview:
    """Counts per record type of what a run on `on` would process and what it would hold back."""
    periods = periods_in_effect(on)
    types: list[TypeDue] = []
    reasons = blocked(on)
    blocked_by_reason: dict[str, int] = dict.fromkeys(reasons, 0)
    sample: dict[int, set[str]] = {}
    blocked_ids: set[int] = set()
    for record_type in RecordType.values:
        action = retention.ACTIONS[record_type]
        period = periods.get(record_type)
        row = TypeDue(record_type, str(RecordType(record_type).label), period.years if period else None, action)
        types.append(row)
        if period is None or record_type not in retention.PROCESSED:
            continue
        due = due_customers(record_type, period.years, on)
        row.due = due.exclude(_any_blocker(on)).count()
        held = due.filter(_any_blocker(on))
        row.blocked = held.count()
        if row.blocked:
            blocked_ids.update(held.values_list("pk", flat=True)[:10_000])
        if with_sample and len(sample) < SAMPLE:
            for pk in due.exclude(_any_blocker(on)).order_by("pk").values_list("pk", flat=True)[:SAMPLE]:
                sample.setdefault(pk, set()).add(record_type)
    ids = sorted(blocked_ids)
    for code, condition in reasons.items():
        for start in range(0, len(ids), 900):  # SQLite's limit on parameters per statement
            part = ids[start : start + 900]
            blocked_by_reason[code] += Customer.objects.filter(pk__in=part).filter(condition).count()
    rows = [{"customer_id": pk, "types": sorted(ts)} for pk, ts in sorted(sample.items())[:SAMPLE]]
    return DuePreview(on, types, {k: v for k, v in blocked_by_reason.items() if v}, rows)


def due_preview_for(*, user: User, on: dt.date) -> DuePreview:
    """The screen's preview: counts per type and the first customers due, with their relationship end."""
    permissions.require(user, permissions.COMPLIANCE_RETENTION)
    preview = due_preview(on=on, with_sample=True)
    ids = [row["customer_id"] for row in preview.sample]
    ends = relationship_ends(ids)
    for row in preview.sample:
        row["number"] = f"K{row['customer_id']:09d}"
        row["end"] = ends.get(row["customer_id"])
        row["labels"] = [str(RecordType(t).label) for t in row["types"]]
    log_list(user=user, customer_ids=ids, screen=DUE_SCREEN)
    return preview


def relationship_ends(customer_ids: list[int]) -> dict[int, dt.date | None]:
    """The relationship end of a few customers (for display): grouped queries, not one per customer."""
    if not customer_ids:
        return {}
    policies: dict[int, list[dt.date]] = {}
    for holder, expiry, cancelled in Policy.objects.filter(policyholder_id__in=customer_ids).values_list(
        "policyholder_id", "expiry", "cancellation_date"
    ):
        policies.setdefault(holder, []).append(min(expiry, cancelled) if cancelled else expiry)
    cases: dict[int, list[dt.date]] = {}
    for customer_id, opened, closed in Case.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "opened_on", "closed_at"
    ):
        cases.setdefault(customer_id, []).append(timezone.localdate(closed) if closed else opened)
    contacts = dict(
        Interaction.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(last=Max("occurred_at"))
        .values_list("customer_id", "last")
    )
    today = timezone.localdate()
    result: dict[int, dt.date | None] = {}
    for pk, created in Customer.objects.filter(pk__in=customer_ids).values_list("pk", "created_at"):
        ends = policies.get(pk, [])
        result[pk] = retention.relationship_end(
            registered_on=timezone.localdate(created),
            policy_ends=ends,
            in_force=any(end >= today for end in ends),
            case_dates=cases.get(pk, []),
            contact_dates=[timezone.localdate(contacts[pk])] if pk in contacts else [],
        )
    return result
