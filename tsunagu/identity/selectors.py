"""Reads for the identity screens: stewards only; customers scoped with visible_to and every read
of personal data access-logged."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
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


def customer_relations(*, user: User, customer: Customer) -> dict[str, Any]:
    """The customer page's 「関連する法人」 (for a person) and 「代表者・関係者」 (for a
    corporation): relations whose other customer the user may see, and how many others exist that
    the user may not see (no name, no number). One query for a customer without relations.
    Only after the scoped, logged read of the customer (customer_get); not stewards only."""
    from django.db.models import Q

    from tsunagu.customers.selectors import require_logged_read

    require_logged_read(user=user, customer=customer)
    relations = list(
        CustomerRelation.objects.filter(Q(person=customer) | Q(corporation=customer))
        .select_related("person", "corporation")
        .order_by("id")
    )
    out: dict[str, Any] = {
        "related_corporations": [],
        "related_people": [],
        "hidden_corporations": 0,
        "hidden_people": 0,
    }
    if not relations:
        return out
    others = {r.corporation_id if r.person_id == customer.pk else r.person_id for r in relations}
    visible = _visible_ids(user, others)
    for relation in relations:
        as_person = relation.person_id == customer.pk
        other = relation.corporation_id if as_person else relation.person_id
        if other in visible:
            out["related_corporations" if as_person else "related_people"].append(relation)
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
