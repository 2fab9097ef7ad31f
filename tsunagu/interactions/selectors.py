from __future__ import annotations

from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read

from .models import Interaction


def interaction_list_for_customer(
    *, user: User, customer: Customer, channel: str = "", limit: int = 100
) -> list[Interaction]:
    """Newest first; corrected entries are shown with their correction by the template."""
    require_logged_read(user=user, customer=customer)
    queryset = Interaction.objects.visible_to(user).filter(customer=customer)
    if channel:
        queryset = queryset.filter(channel=channel)
    return list(queryset.select_related("staff", "policy", "claim", "corrects").order_by("-occurred_at", "-id")[:limit])


def interaction_recent(*, user: User, limit: int = 20) -> list[Interaction]:
    return list(
        Interaction.objects.visible_to(user).select_related("customer", "staff").order_by("-occurred_at", "-id")[:limit]
    )
