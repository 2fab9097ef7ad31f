"""Writing the generated cases: bulk inserts with history, cancelled policies, the numbering sequence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from tsunagu.cases.models import CaseNumberSequence, ComplaintDetail, InquiryDetail
from tsunagu.core import writes
from tsunagu.core.models import User
from tsunagu.customers.models import Address
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, ClaimStatus, PolicyStatus
from tsunagu.policies.models import Claim, Policy

from ...writer import BulkWriter, Row, TableSpec, _history_spec
from .records import _utc
from .tables import TABLES

if TYPE_CHECKING:
    from .generator import CaseGenerator

HISTORY_REASON = "デモデータ投入"


class _Writer:
    """Bulk inserts of the generated rows, with history rows naming the user and the moment."""

    def __init__(self, actor_id: int) -> None:
        self.bulk = BulkWriter(history_user_id=actor_id, history_reason=HISTORY_REASON)
        self.specs = {name: TableSpec(model, columns) for name, (model, columns) in TABLES.items()}
        self.address_spec = TableSpec(
            Address, ("customer_id", "is_primary", "kind", "postal_code", "prefecture", "city", "street", "building")
        )
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, g: CaseGenerator) -> None:
        for name, spec in self.specs.items():
            rows = g.rows.get(name, [])
            self.bulk.insert(spec, rows)
            self.counts[name] += len(rows)
            history = g.history.get(name, [])
            if history:
                self._history(spec, history)
                self.counts[f"{name}_history"] += len(history)
        for table, rows, count_name in (
            (InquiryDetail.articles.through._meta.db_table, g.m2m_articles, "inquiry_articles"),
            (ComplaintDetail.departments_involved.through._meta.db_table, g.m2m_departments, "complaint_departments"),
        ):
            if rows:
                model = InquiryDetail if count_name == "inquiry_articles" else ComplaintDetail
                field_name = "articles" if model is InquiryDetail else "departments_involved"
                through = getattr(model, field_name).through
                columns = [f.column for f in through._meta.concrete_fields if not f.primary_key]
                self.bulk._write(table, columns, rows)
                self.counts[count_name] += len(rows)
        if g.old_addresses:
            self.bulk.insert(self.address_spec, g.old_addresses)
            self.counts["former_addresses"] += len(g.old_addresses)
            g.old_addresses.clear()
        g.rows.clear()
        g.history.clear()
        g.m2m_articles.clear()
        g.m2m_departments.clear()

    def _history(self, spec: TableSpec, history: list[tuple[Row, dt.datetime, int, str]]) -> None:
        hist = _history_spec(spec)
        extra = spec.extra_values
        rows = [
            (*hist.pick(row + extra), *hist.constant_tail, when, HISTORY_REASON, kind, user)
            for row, when, user, kind in history
        ]
        self.bulk._write(hist.table, hist.columns, rows)


def _apply_cancellations(g: CaseGenerator, as_of: dt.date) -> int:
    """Policies whose cancellation was completed: 解約 from the cancellation date (history kept)."""
    decided = {policy_id: (effective, at, actor) for policy_id, effective, at, actor in g.generated.cancelled_policies}
    if not decided:
        return 0
    fields = {f.name for f in Policy._meta.concrete_fields}
    users = {u.pk: u for u in User.objects.filter(pk__in={actor for _, _, actor in decided.values()})}
    changed: dict[int, list[Policy]] = defaultdict(list)
    for policy in Policy.objects.filter(pk__in=decided).order_by("id"):
        effective, at, actor = decided[policy.pk]
        if "cancellation_date" in fields:
            policy.cancellation_date = effective  # type: ignore[attr-defined]
        if effective < as_of:
            policy.status = PolicyStatus.CANCELLED
            policy.last_changed_on = effective
        policy._history_date = _utc(at).replace(tzinfo=dt.UTC)  # type: ignore[attr-defined]
        changed[actor].append(policy)
    names = ["status", "last_changed_on"] + (["cancellation_date"] if "cancellation_date" in fields else [])
    for actor, policies in changed.items():
        writes.bulk_update(policies, names, actor=users[actor], reason="解約申出の完了(デモデータ)")
    return len(decided)


def _align_claims(g: CaseGenerator) -> int:
    """The claim of an accident case agrees with it: once the case is 完了 the claim has left 受付
    (調査中 at least) with the case's assignee as its handler; while the case is open the claim is open."""
    decided = {
        claim_id: (is_open, assignee, actor) for claim_id, is_open, assignee, _, actor in g.generated.accident_claims
    }
    if not decided:
        return 0
    users = {u.pk: u for u in User.objects.filter(pk__in={actor for _, _, actor in decided.values()})}
    changed: dict[int, list[Claim]] = defaultdict(list)
    for claim in Claim.objects.filter(pk__in=decided).order_by("id"):
        is_open, assignee, actor = decided[claim.pk]
        before = (claim.status, claim.handler_id, claim.amount_paid, claim.closed_on)
        if is_open and claim.status in CLOSED_CLAIM_STATUSES:
            claim.status, claim.amount_paid, claim.closed_on = ClaimStatus.INVESTIGATING, 0, None
        if not is_open and claim.status == ClaimStatus.REPORTED:
            claim.status = ClaimStatus.INVESTIGATING
        if claim.handler_id is None and assignee is not None and claim.status != ClaimStatus.REPORTED:
            claim.handler_id = assignee
        if (claim.status, claim.handler_id, claim.amount_paid, claim.closed_on) != before:
            changed[actor].append(claim)
    for actor, claims in changed.items():
        writes.bulk_update(
            claims,
            ["status", "handler", "amount_paid", "closed_on"],
            actor=users[actor],
            reason="事故受付の完了(デモデータ)",
        )
    return sum(len(claims) for claims in changed.values())


def _move_sequences(g: CaseGenerator) -> None:
    for year, last in g.numbers_used.items():
        sequence = CaseNumberSequence.objects.filter(year=year).first()
        if sequence is None:
            CaseNumberSequence.objects.create(year=year, last=last)
        elif sequence.last < last:
            sequence.last = last
            sequence.save(update_fields=["last"])
