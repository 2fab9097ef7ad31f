"""Reads for the identity screens: stewards only; customers scoped with visible_to and every read
of personal data access-logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models.expressions import RawSQL
from django.http import Http404

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from .choices import PairKind, PairStatus
from .models import (
    CandidatePair,
    CustomerMerge,
    CustomerRelation,
    FieldLineage,
    ImportBatch,
    MappingProfile,
    MatchRun,
    SourceRecord,
    SourceSystem,
)
from .services.common import STEWARD_ONLY, is_steward
from .services.ledger import LEDGER_CODE


def _check(user: User) -> None:
    if not is_steward(user):
        raise PermissionDenied(STEWARD_ONLY)


def _visible_ids(user: User, ids: set[int]) -> set[int]:
    return set(Customer.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def dashboard(*, user: User) -> dict[str, Any]:
    _check(user)
    return {
        "sources": list(SourceSystem.objects.prefetch_related("profiles")),
        "batches": list(ImportBatch.objects.select_related("source", "imported_by")[:10]),
        "runs": list(MatchRun.objects.select_related("model", "started_by")[:5]),
        # Pairs to review for a merge; related candidates (owner and company) are counted apart.
        "review_count": CandidatePair.objects.filter(kind=PairKind.MATCH, status=PairStatus.REVIEW).count(),
        "related_count": CandidatePair.objects.filter(kind=PairKind.RELATED, status=PairStatus.REVIEW).count(),
        "merges": list(CustomerMerge.objects.select_related("survivor", "absorbed")[:10]),
        "ledger_code": LEDGER_CODE,
    }


def steward_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user is a data steward (every identity screen)."""
    _check(user)


def sources_list(*, user: User) -> list[SourceSystem]:
    """Registered source systems with their profiles and record counts (the customer ledger too)."""
    from django.db.models import Count

    _check(user)
    return list(SourceSystem.objects.prefetch_related("profiles").annotate(record_count=Count("records")))


def source_get(*, user: User, code: str) -> SourceSystem:
    _check(user)
    source = SourceSystem.objects.filter(code=code).first()
    if source is None:
        raise Http404("ソースシステムが見つかりません。")
    return source


def profile_get(*, user: User, pk: int) -> MappingProfile:
    _check(user)
    profile = MappingProfile.objects.select_related("source").filter(pk=pk).first()
    if profile is None:
        raise Http404("列マッピングが見つかりません。")
    return profile


def batch_get(*, user: User, pk: int, screen: str = "") -> ImportBatch:
    _check(user)
    batch = ImportBatch.objects.select_related("source", "imported_by").filter(pk=pk).first()
    if batch is None:
        raise Http404("取込バッチが見つかりません。")
    # Staged rows hold personal data of no customer yet: the read is logged without a customer.
    log_access(user=user, customer_ids=[], purpose=AccessPurpose.VIEW, screen=screen, detail={"batch": pk})
    return batch


def run_get(*, user: User, pk: int) -> MatchRun:
    _check(user)
    run = MatchRun.objects.select_related("model").filter(pk=pk).first()
    if run is None:
        raise Http404("照合実行が見つかりません。")
    return run


def _log_records(user: User, records: list[SourceRecord], screen: str, purpose: AccessPurpose) -> None:
    customer_ids = {r.customer_id for r in records if r.customer_id is not None}
    visible = _visible_ids(user, customer_ids)
    if customer_ids - visible:
        raise Http404("見つかりません。")
    log_access(
        user=user,
        customer_ids=sorted(visible) or [None],
        purpose=purpose,
        screen=screen,
        detail={"source_records": sorted(r.pk for r in records)},
    )


def review_queue(
    *, user: User, limit: int = 50, offset: int = 0, screen: str = "", kind: str = PairKind.MATCH
) -> list[CandidatePair]:
    """Pairs in review of one kind: merge candidates (most probable first) or related candidates
    (owner and company, oldest first: they have no score)."""
    _check(user)
    order = ("-match_probability", "id") if kind == PairKind.MATCH else ("id",)
    pairs = list(
        CandidatePair.objects.filter(kind=kind, status=PairStatus.REVIEW)
        .select_related("record_l__source", "record_r__source")
        .order_by(*order)[offset : offset + limit]
    )
    for pair in pairs:
        pair.left, pair.right = pair.record_l, pair.record_r  # type: ignore[attr-defined]
    records = [r for p in pairs for r in (p.record_l, p.record_r)]
    customer_ids = {r.customer_id for r in records if r.customer_id is not None}
    visible = _visible_ids(user, customer_ids)
    pairs = [p for p in pairs if {p.record_l.customer_id, p.record_r.customer_id} - {None} <= visible]
    _log_records(user, [r for p in pairs for r in (p.record_l, p.record_r)], screen, AccessPurpose.LIST)
    return pairs


def pair_get(*, user: User, pk: int, screen: str = "") -> CandidatePair:
    _check(user)
    pair = (
        CandidatePair.objects.select_related("record_l__source", "record_r__source", "decided_by").filter(pk=pk).first()
    )
    if pair is None:
        raise Http404("名寄せ候補が見つかりません。")
    _log_records(user, [pair.record_l, pair.record_r], screen, AccessPurpose.VIEW)
    return pair


def pair_customers(*, user: User, pair: CandidatePair) -> list[Customer]:
    """The live customers of the pair's two records (merges followed), visible to the user, oldest
    first: the choices of the survivor when a link joins two customers (pair_get logged the read)."""
    from .services.resolution import current_customer_id

    ids = {current_customer_id(r.customer_id) for r in (pair.record_l, pair.record_r)} - {None}
    return list(Customer.objects.visible_to(user).filter(pk__in=ids).order_by("pk"))


def customer_identity(*, user: User, pk: int, screen: str = "") -> dict[str, Any]:
    """A customer's source records, lineage and merges (scoped and logged by customer_get)."""
    from tsunagu.customers.selectors import customer_get

    _check(user)
    customer = customer_get(user=user, pk=pk, purpose=AccessPurpose.VIEW, screen=screen)
    merges = CustomerMerge.objects.select_related("survivor", "absorbed").filter(survivor=customer) | (
        CustomerMerge.objects.select_related("survivor", "absorbed").filter(absorbed=customer)
    )
    return {
        "customer": customer,
        "records": list(SourceRecord.objects.filter(customer=customer).select_related("source")),
        "lineage": list(FieldLineage.objects.filter(customer=customer).select_related("source_record__source")),
        "merges": list(merges.order_by("-id")),
    }


def merge_get(*, user: User, pk: int, screen: str = "") -> CustomerMerge:
    _check(user)
    merge = CustomerMerge.objects.select_related("survivor", "absorbed", "merged_by", "undone_by").filter(pk=pk).first()
    if merge is None or len(_visible_ids(user, {merge.survivor_id, merge.absorbed_id})) != 2:
        raise Http404("統合が見つかりません。")
    log_access(
        user=user,
        customer_ids=[merge.survivor_id, merge.absorbed_id],
        purpose=AccessPurpose.VIEW,
        screen=screen,
        detail={"merge": pk},
    )
    return merge


def review_counts(*, user: User) -> dict[str, int]:
    """Pairs in review per kind (the tabs of the review screen)."""
    from django.db.models import Count

    _check(user)
    rows = CandidatePair.objects.filter(status=PairStatus.REVIEW).values("kind").annotate(n=Count("id"))
    return dict.fromkeys(PairKind.values, 0) | {row["kind"]: row["n"] for row in rows}


@dataclass(frozen=True)
class RelationRow:
    """A relation as the customer page shows it: the two customers as they live now (merges
    followed), and the relation (its role, and its pk for 関連の解除)."""

    relation: CustomerRelation
    person: Customer
    corporation: Customer

    @property
    def role_label(self) -> str:
        return self.relation.get_role_display()


def own_customers(customer_id: int) -> RawSQL:
    """A subquery of the customer and every customer merged into it (chained merges too), for
    `…_id__in=`: a recursive CTE over Customer.merged_into, so that the relations of a customer
    and of those merged into it are one query (SQLite and PostgreSQL alike)."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    pk, merged_into = quote(str(Customer._meta.pk.column)), quote(str(Customer._meta.get_field("merged_into").column))
    sql = (
        # The first term reads the row itself (not a bare parameter), so that both terms have the
        # column's type (PostgreSQL refuses integer ∪ bigint in a recursive query).
        f"WITH RECURSIVE own(id) AS (SELECT {pk} FROM {table} WHERE {pk} = %s"
        f" UNION SELECT c.{pk} FROM {table} c JOIN own ON c.{merged_into} = own.id) SELECT id FROM own"
    )
    return RawSQL(sql, [customer_id])


def live_customers(customers: list[Customer]) -> dict[int, Customer]:
    """Each customer's live customer (the one it is merged into, chained merges followed): no
    query when none of them is merged away, one per level of merges otherwise."""
    out = {c.pk: c for c in customers}
    pending = {c.pk: c.merged_into_id for c in customers if c.merged_into_id is not None}
    seen: set[int] = set()
    while pending:
        targets = {t for t in pending.values() if t is not None} - seen
        seen |= targets
        found = {c.pk: c for c in Customer.objects.filter(pk__in=targets)}
        for origin, target in list(pending.items()):
            live = found.get(target) if target is not None else None
            if live is None:
                del pending[origin]  # a loop or a vanished row: keep what we have
                continue
            out[origin] = live
            if live.merged_into_id is None or live.merged_into_id in seen:
                del pending[origin]
            else:
                pending[origin] = live.merged_into_id
    return out


def customer_relations(*, user: User, customer: Customer) -> dict[str, Any]:
    """The customer page's 「関連する法人」 (for a person) and 「代表者・関係者」 (for a
    corporation): active relations (not ended) whose other customer the user may see, and how
    many others exist that the user may not see (no name, no number).

    Merges are followed at read time: a relation registered on a customer since merged into
    this one is shown here, with the other side as it lives now (its survivor); after an unmerge
    each customer has its own again. A relation whose two sides are now one customer is not
    shown; two relations to the same customer are shown once. One query for a customer without
    relations. Only after the scoped, logged read of the
    customer (customer_get); not stewards only (`can_end`: whether the user may end one)."""
    from tsunagu.customers.selectors import require_logged_read

    require_logged_read(user=user, customer=customer)
    out: dict[str, Any] = {
        "related_corporations": [],
        "related_people": [],
        "hidden_corporations": 0,
        "hidden_people": 0,
        "can_end": False,
    }
    # One query: the active relations of the customer and of the customers merged into it, each
    # side on its own index (a UNION: an OR of the two would scan every relation).
    active = CustomerRelation.objects.filter(ended_at__isnull=True).order_by()
    relations = sorted(
        active.filter(person_id__in=own_customers(customer.pk)).union(
            active.filter(corporation_id__in=own_customers(customer.pk))
        ),
        key=lambda r: r.pk,
    )
    if not relations:
        return out
    out["can_end"] = is_steward(user)
    sides = {pk for r in relations for pk in (r.person_id, r.corporation_id)}
    live = live_customers(list(Customer.objects.filter(pk__in=sides)))
    rows: dict[int, RelationRow] = {}  # by the other customer: shown once
    for relation in sorted(relations, key=lambda r: (customer.pk not in (r.person_id, r.corporation_id), r.pk)):
        row = RelationRow(relation, live[relation.person_id], live[relation.corporation_id])
        if row.person.pk == row.corporation.pk:
            continue  # both sides are one customer now: nothing to relate
        as_person = row.person.pk == customer.pk
        other = row.corporation if as_person else row.person
        if other.pk != customer.pk:
            rows.setdefault(other.pk, row)
    visible = _visible_ids(user, set(rows)) if rows else set()
    for other_pk, row in sorted(rows.items(), key=lambda item: item[1].relation.pk):
        as_person = row.person.pk == customer.pk
        if other_pk in visible:
            out["related_corporations" if as_person else "related_people"].append(row)
        else:
            out["hidden_corporations" if as_person else "hidden_people"] += 1
    if visible:  # the related customers' names are shown: a list read of them
        log_access(
            user=user,
            customer_ids=sorted(visible),
            purpose=AccessPurpose.LIST,
            screen="顧客詳細(関連する顧客)",
            detail={"customer": customer.pk},
        )
    return out


def relation_get(*, user: User, pk: int, screen: str = "") -> CustomerRelation:
    """One relation for 関連の解除: stewards only (403), and only when the steward may see both
    customers (404, never a hint that it exists); the read of both is logged."""
    _check(user)
    relation = (
        CustomerRelation.objects.visible_to(user)
        .select_related("person", "corporation", "created_by", "ended_by", "pair")
        .filter(pk=pk)
        .first()
    )
    if relation is None:
        raise Http404("関連が見つかりません。")
    log_access(
        user=user,
        customer_ids=[relation.person_id, relation.corporation_id],
        purpose=AccessPurpose.VIEW,
        screen=screen,
        detail={"relation": pk},
    )
    return relation


def pair_relation(
    *, user: User, pair: CandidatePair, person: Customer | None, corporation: Customer | None
) -> CustomerRelation | None:
    """The relation a related pair's decision registered (or reused): the one of the two live
    customers, active first, else the latest. The caller read (and logged) the pair and scoped
    both customers (pair_get, pair_customers)."""
    from django.db.models import Q

    _check(user)
    if pair.status != PairStatus.RELATED:
        return None
    match = Q(pair=pair)
    if person is not None and corporation is not None:
        match |= Q(person=person, corporation=corporation)
    relations = list(CustomerRelation.objects.filter(match).select_related("ended_by").order_by("-id"))
    relations.sort(key=lambda r: r.ended_at is not None)  # active first, then the latest
    return relations[0] if relations else None
