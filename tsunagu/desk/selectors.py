"""Screen-level reads that compose the per-app selectors (all scoped, all access-logged)."""

from __future__ import annotations

from typing import Any

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.history import change_rows
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.interactions.selectors import interaction_list_for_customer, interaction_recent
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, PolicyStatus
from tsunagu.policies.models import Claim, Policy
from tsunagu.policies.selectors import claim_list_for_customer, policy_list_for_customer


def home_summary(*, user: User, screen: str) -> dict[str, Any]:
    recent = interaction_recent(user=user, limit=15)
    if recent:
        log_access(
            user=user,
            customer_ids=sorted({i.customer_id for i in recent}),
            purpose=AccessPurpose.LIST,
            screen=screen,
        )
    return {
        "recent_interactions": recent,
        "customer_count": Customer.objects.visible_to(user).count(),
        "policy_in_force_count": Policy.objects.visible_to(user).filter(status=PolicyStatus.IN_FORCE).count(),
        "open_claim_count": Claim.objects.visible_to(user).exclude(status__in=CLOSED_CLAIM_STATUSES).count(),
    }


def customer_360(*, user: User, pk: int, channel: str = "", screen: str) -> dict[str, Any]:
    customer = customer_get(user=user, pk=pk, purpose=AccessPurpose.VIEW, screen=screen)
    return {
        "customer": customer,
        "policies": policy_list_for_customer(user=user, customer=customer),
        "claims": claim_list_for_customer(user=user, customer=customer),
        "interactions": interaction_list_for_customer(user=user, customer=customer, channel=channel),
        "history": change_rows(customer.history.all(), limit=20),
    }
