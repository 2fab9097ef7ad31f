"""Reads of policies and claims, scoped to the user."""

from __future__ import annotations

from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read

from .models import Claim, Policy


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
