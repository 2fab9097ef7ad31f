"""Reads of policies and claims, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.history import ChangeRow, object_change_rows
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_change_history, customer_get, require_logged_read

from .models import Building, Claim, Coverage, InsuredPerson, Policy, PremiumPayment, Vehicle
from .refund import RefundBasis


def policy_list_for_customer(*, user: User, customer: Customer) -> list[Policy]:
    """Policies where the customer is holder, visible to the user, newest first."""
    require_logged_read(user=user, customer=customer)
    return list(
        Policy.objects.visible_to(user)
        .filter(policyholder=customer)
        .select_related("product", "agency", "agent", "next_policy")
        .order_by("-inception", "-id")
    )


def claim_list_for_customer(*, user: User, customer: Customer) -> list[Claim]:
    require_logged_read(user=user, customer=customer)
    return list(
        Claim.objects.visible_to(user)
        .filter(policy__policyholder=customer)
        .select_related("policy", "handler")
        .order_by("-reported_on", "-id")
    )


# --- One policy / one claim (the detail pages) ---------------------------------------------------------

HISTORY_WINDOW = 200


def _recent(history: QuerySet[Any]) -> list[Any]:
    return list(history.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_WINDOW])


@dataclass
class PolicyDetail:
    """Everything about one policy a detail page shows (cases and documents come from their apps)."""

    policy: Policy
    customer: Customer  # the policyholder, read through customer_get (scoped, access-logged)
    insured: list[InsuredPerson]
    coverages: list[Coverage]
    vehicle: Vehicle | None
    building: Building | None
    payments: list[PremiumPayment]
    claims: list[Claim]
    history: list[ChangeRow]
    refund: RefundBasis | None  # of the recorded cancellation


def _log_insured(user: User, insured: list[InsuredPerson], holder_id: int, screen: str) -> None:
    """The insured persons' names are shown too: their reads are logged like the holder's."""
    others = sorted({person.customer_id for person in insured} - {holder_id})
    if others:
        log_access(user=user, customer_ids=others, purpose=AccessPurpose.VIEW, screen=screen)


def policy_get(*, user: User, pk: int, screen: str = "契約詳細") -> PolicyDetail:
    """One policy the user may see, or 404; the policyholder's read is logged (customer_get) before
    any of the policy's data is returned."""
    policy = (
        Policy.objects.visible_to(user)
        .select_related("product", "agency", "agent", "previous_policy")
        .filter(pk=pk)
        .first()
    )
    if policy is None:
        raise Http404("契約が見つかりません。")
    customer = customer_get(user=user, pk=policy.policyholder_id, purpose=AccessPurpose.VIEW, screen=screen)
    policy.policyholder = customer
    insured = list(policy.insured_persons.select_related("customer").order_by("id"))
    _log_insured(user, insured, customer.pk, screen)
    return PolicyDetail(
        policy=policy,
        customer=customer,
        insured=insured,
        coverages=list(policy.coverages.order_by("id")),
        vehicle=Vehicle.objects.filter(policy=policy).first(),
        building=Building.objects.filter(policy=policy).first(),
        payments=list(policy.payments.order_by("-paid_on", "-id")[:60]),
        claims=list(policy.claims.select_related("handler").order_by("-reported_on", "-id")),
        history=policy_change_history(policies=[policy], with_details=True),
        refund=policy.cancellation_refund,
    )


def next_policy_of(*, user: User, policy: Policy) -> Policy | None:
    """The renewal (更改後の契約) of the policy, if the user may see it."""
    return Policy.objects.visible_to(user).filter(previous_policy=policy).first()


def policy_change_history(*, policies: list[Policy], with_details: bool = False, limit: int = 30) -> list[ChangeRow]:
    """変更履歴 of already scoped policies, newest first, each change before → after. With details,
    also their coverages, insured persons, vehicle and building (the policy page); without, the
    policy rows alone (the customer page)."""
    if not policies:
        return []
    ids = [p.pk for p in policies]
    numbers = {p.pk: p.number for p in policies}

    records = _recent(Policy.history.filter(id__in=ids))  # type: ignore[attr-defined]
    if with_details:
        for model in (Coverage, InsuredPerson, Vehicle, Building):
            records += _recent(model.history.filter(policy_id__in=ids))  # type: ignore[attr-defined]

    def subject(record: Any) -> str:
        number = numbers.get(record.id if record.instance_type is Policy else record.policy_id, "")
        name = "契約" if record.instance_type is Policy else str(record.instance_type._meta.verbose_name)
        return f"{name}({number})" if not with_details else name

    return object_change_rows(records, subject=subject)[:limit]


@dataclass
class ClaimDetail:
    claim: Claim
    policy: Policy
    customer: Customer
    history: list[ChangeRow]


def claim_get(*, user: User, pk: int, screen: str = "事故詳細") -> ClaimDetail:
    """One claim the user may see (its policy is visible), or 404; the policyholder's read is logged."""
    claim = (
        Claim.objects.visible_to(user)
        .select_related("policy", "policy__product", "policy__agency", "handler")
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        raise Http404("事故が見つかりません。")
    customer = customer_get(user=user, pk=claim.policy.policyholder_id, purpose=AccessPurpose.VIEW, screen=screen)
    claim.policy.policyholder = customer
    records = _recent(claim.history.all())  # type: ignore[attr-defined]
    return ClaimDetail(
        claim=claim,
        policy=claim.policy,
        customer=customer,
        history=object_change_rows(records, subject=lambda record: "事故"),
    )


def customer_history_with_policies(
    *, user: User, customer: Customer, policies: list[Policy], limit: int = 20
) -> list[ChangeRow]:
    """The customer page's 変更履歴: the customer's own changes (contact points included, see
    customers.selectors.customer_change_history) and those of its policies the user sees (払込方法,
    状態, 解約日 …), newest first. `policies` come from policy_list_for_customer (already scoped)."""
    rows = customer_change_history(user=user, customer=customer, limit=limit)
    rows += policy_change_history(policies=policies, limit=limit)
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:limit]
