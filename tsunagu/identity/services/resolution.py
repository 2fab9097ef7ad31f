"""Resolving source records to golden customers: clusters from a full run, and one record at a
time on import (incremental), with stewards' decisions respected."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from tsunagu.core import writes
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from .. import engine
from ..choices import MergeStatus, PairKind, PairStatus
from ..models import BlockingKey, CandidatePair, CustomerMerge, MatchRun, SourceRecord, with_model_probability
from .common import one_index_update, save_customer_link
from .golden import golden_create, golden_refresh
from .matcher import matcher_load
from .merging import customer_merge

CANDIDATE_LIMIT = 300


def current_customer_id(customer_id: int | None) -> int | None:
    """Follow merges: the customer a (possibly absorbed) customer now lives on."""
    seen: set[int] = set()
    while customer_id is not None and customer_id not in seen:
        seen.add(customer_id)
        merge = CustomerMerge.objects.filter(absorbed_id=customer_id, status=MergeStatus.ACTIVE).first()
        if merge is None:
            return customer_id
        customer_id = merge.survivor_id
    return customer_id


def current_customer_ids() -> Callable[[int | None], int | None]:
    """current_customer_id for many customers: the active merges are read once, then followed in
    memory (a lookup per customer would be a query per hop)."""
    active = CustomerMerge.objects.filter(status=MergeStatus.ACTIVE)
    survivor_of = dict(active.values_list("absorbed_id", "survivor_id"))

    def follow(customer_id: int | None) -> int | None:
        seen: set[int] = set()
        while customer_id in survivor_of and customer_id not in seen:
            seen.add(customer_id)
            customer_id = survivor_of[customer_id]
        return customer_id

    return follow


class _Components:
    """Union-find with cannot-link constraints (not-link decisions are never crossed) and, for
    automatic links, deduplicated sources (two records of a source that holds each person once
    are two people: an automatic link never puts them into one component, even through others)."""

    def __init__(self, cannot: Iterable[tuple[int, int]], exclusive_source: dict[int, str] | None = None) -> None:
        self.parent: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.cannot: dict[int, set[int]] = defaultdict(set)
        self.exclusive_source = exclusive_source or {}
        self.sources: dict[int, set[str]] = {}
        for a, b in cannot:
            self.cannot[a].add(b)
            self.cannot[b].add(a)

    def find(self, x: int) -> int:
        if x not in self.parent:
            self.parent[x] = x
            self.members[x] = {x}
            self.sources[x] = {self.exclusive_source[x]} if x in self.exclusive_source else set()
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int, *, automatic: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        small, large = sorted((ra, rb), key=lambda r: len(self.members[r]))
        if any(self.cannot[m] & self.members[large] for m in self.members[small]):
            return False
        if automatic and self.sources[small] & self.sources[large]:
            return False
        self.parent[small] = large
        self.members[large] |= self.members.pop(small)
        self.sources[large] |= self.sources.pop(small)
        return True

    def groups(self) -> list[set[int]]:
        return [self.members[r] for r in {self.find(x) for x in list(self.parent)}]


def resolve_all(*, actor: User, progress: Callable[[int, int], None] | None = None, run: MatchRun | None = None) -> int:
    """Every record to a customer: records already on one customer stay together; auto-linked and
    steward-linked pairs join clusters (never across a not-link; an auto-link never joins two
    records of one deduplicated source, it goes back to review); a cluster spanning several
    customers merges them into the oldest; an unlinked cluster becomes a new customer."""
    records = {r.pk: r for r in SourceRecord.objects.select_related("source").order_by("pk")}
    # Only merge candidates: a related pair (a person and a corporation) never joins a cluster,
    # whatever its status, and a record in related review does not wait for it.
    matches = CandidatePair.objects.filter(kind=PairKind.MATCH)
    not_linked = matches.filter(status=PairStatus.NOT_LINKED).values_list("record_l_id", "record_r_id")
    exclusive = {pk: r.source.code for pk, r in records.items() if r.source.deduplicated}
    components = _Components(not_linked, exclusive)
    by_customer: dict[int, list[int]] = defaultdict(list)
    for pk, record in records.items():
        components.find(pk)
        customer_id = current_customer_id(record.customer_id)
        if customer_id is not None:
            by_customer[customer_id].append(pk)
    for pks in by_customer.values():
        for pk in pks[1:]:
            components.union(pks[0], pk)
    linked = matches.filter(status__in=[PairStatus.LINKED, PairStatus.AUTO_LINKED]).order_by(
        "status", "-match_probability"
    )  # steward links ("linked") before automatic ones
    for pair in linked.values_list("record_l_id", "record_r_id", "status", "pk"):
        automatic = pair[2] == PairStatus.AUTO_LINKED
        if not components.union(pair[0], pair[1], automatic=automatic) and automatic:
            writes.update_rows(
                CandidatePair.objects.filter(pk=pair[3]),
                actor=actor,
                reason="自動統合できないため要確認に戻した",
                status=PairStatus.REVIEW,
            )
    # A record in review with a record of an existing customer waits for the decision (it may
    # be that customer) instead of becoming a new customer.
    waiting: set[int] = set()
    for left, right in matches.filter(status=PairStatus.REVIEW).values_list("record_l_id", "record_r_id"):
        for one, other in ((left, right), (right, left)):
            known = one in records and other in records
            if known and records[one].customer_id is None and records[other].customer_id is not None:
                waiting.add(one)
    groups = components.groups()
    for done, group in enumerate(groups, start=1):
        members = [records[pk] for pk in sorted(group)]
        if not (len(members) == 1 and members[0].pk in waiting):
            _resolve_group(actor, members, run)
        if progress:
            progress(done, len(groups))
    return len(groups)


def _resolve_group(actor: User, members: list[SourceRecord], run: MatchRun | None) -> None:
    customer_ids = sorted({cid for r in members if (cid := current_customer_id(r.customer_id)) is not None})
    unlinked = [r for r in members if r.customer_id is None]
    if len(customer_ids) <= 1 and not unlinked:
        return
    with transaction.atomic(), one_index_update():
        if not customer_ids:
            golden_create(actor=actor, records=unlinked)
            return
        survivor = Customer.objects.get(pk=customer_ids[0])
        for other in customer_ids[1:]:
            reason = f"自動統合(名寄せ全件照合 #{run.pk})" if run else "自動統合(名寄せ)"
            customer_merge(actor=actor, survivor=survivor, absorbed=Customer.objects.get(pk=other), reason=reason)
        _attach(actor, survivor, unlinked)


def _attach(actor: User, customer: Customer, records: list[SourceRecord]) -> None:
    with transaction.atomic(), one_index_update():
        for record in records:
            record.customer = customer
            save_customer_link(record, actor, "名寄せ: 既存の顧客に紐付け")
        golden_refresh(actor=actor, customer=customer)


def candidates_for(record: SourceRecord) -> list[SourceRecord]:
    keys = BlockingKey.objects.filter(record=record).values("key")
    ids = (
        BlockingKey.objects.filter(key__in=keys)
        .exclude(record_id=record.pk)
        .values_list("record_id", flat=True)
        .distinct()[:CANDIDATE_LIMIT]
    )
    return list(SourceRecord.objects.filter(pk__in=list(ids)).select_related("source"))


def match_one(record: SourceRecord, matcher: Any) -> tuple[list[SourceRecord], list[Any]]:
    candidates = candidates_for(record)
    if not candidates:
        return [], []
    frame = engine.frame(engine.record_for(c.pk, c.source.code, c.features) for c in candidates)
    scored = matcher.match_one(engine.record_for(record.pk, record.source.code, record.features), frame)
    return candidates, scored


def match_incremental(*, actor: User, record_ids: list[int]) -> int:
    """Match new or changed records against existing ones found through the blocking-key index.
    Without an active model the records wait for the first full run. Returns records resolved."""
    loaded = matcher_load()
    if loaded is None:
        return 0
    model, matcher = loaded
    resolved = 0
    for record in SourceRecord.objects.filter(pk__in=record_ids).select_related("source").order_by("pk"):
        with transaction.atomic(), one_index_update():
            resolve_one(actor=actor, record=record, model=model, matcher=matcher)
        resolved += 1
    return resolved


def resolve_one(*, actor: User, record: SourceRecord, model: Any, matcher: Any) -> SourceRecord:
    candidates, scored = match_one(record, matcher)
    by_id = {str(c.pk): c for c in candidates}
    chosen: Customer | None = None
    partner: SourceRecord | None = None
    waits = False  # a candidate on an existing customer is in review: the steward decides first
    own = current_customer_id(record.customer_id)
    for candidate in scored:
        if candidate.match_probability < model.review:
            continue
        other = by_id[candidate.record_id]
        left, right = sorted((record.pk, other.pk))
        pair = CandidatePair.objects.filter(record_l_id=left, record_r_id=right).first()
        if pair is not None and pair.kind != PairKind.MATCH:
            continue  # a related pair (person and corporation) is never scored or linked
        auto = candidate.match_probability >= model.auto_link
        if pair is None:
            pair = CandidatePair(record_l_id=left, record_r_id=right)
        if not pair.is_decided:
            pair.status = PairStatus.REVIEW
        pair.match_probability, pair.match_weight = candidate.match_probability, candidate.match_weight
        pair.evidence = with_model_probability(candidate.evidence, candidate.model_probability)
        pair.model_version = model.version
        other_customer = current_customer_id(other.customer_id)
        if auto and pair.status != PairStatus.NOT_LINKED and chosen is None and partner is None:
            # The best auto-link wins; a record already on a customer is not moved automatically.
            if own is None and other_customer is not None:
                chosen = Customer.objects.get(pk=other_customer)
                pair.status = PairStatus.AUTO_LINKED if not pair.is_decided else pair.status
            elif own is None and other_customer is None:
                partner = other
                pair.status = PairStatus.AUTO_LINKED if not pair.is_decided else pair.status
            elif own is not None and own == other_customer:
                pair.status = PairStatus.AUTO_LINKED if not pair.is_decided else pair.status
        if pair.status == PairStatus.REVIEW and own is None and other_customer is not None:
            waits = True
        writes.save(pair, actor=actor)
    if chosen is not None:
        _attach(actor, chosen, [record])
    elif own is not None:
        golden_refresh(actor=actor, customer=Customer.objects.get(pk=own))
    elif waits and partner is None:
        pass  # no customer until the review decides: linked to the existing one, or a new one
    else:
        golden_create(actor=actor, records=[record, *([partner] if partner else [])])
    return record


def open_review_on_customer(record: SourceRecord) -> bool:
    """Whether an unlinked record still has a pair in review with a record on a customer."""
    from django.db.models import Q

    pairs = CandidatePair.objects.filter(
        Q(record_l=record) | Q(record_r=record), kind=PairKind.MATCH, status=PairStatus.REVIEW
    )
    for left, right in pairs.values_list("record_l_id", "record_r_id"):
        other = right if left == record.pk else left
        customer_id = SourceRecord.objects.filter(pk=other).values_list("customer_id", flat=True).first()
        if customer_id is not None:
            return True
    return False
