"""Reads of customers: always scoped to the user; reads of personal data are access-logged."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User

from .models import Address, Customer, Email, Phone


def customer_get(*, user: User, pk: int, purpose: AccessPurpose, screen: str = "") -> Customer:
    """Fetch one customer with contact points, or 404 when it is outside the user's scope.

    The read is logged before the data is returned, so there is no unlogged path to it.
    """
    customer = (
        Customer.objects.visible_to(user)
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id")),
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            "relatives",
            "former_names",
            "agency_links__agency",
        )
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise Http404("顧客が見つかりません。")
    log_access(user=user, customer_ids=[customer.pk], purpose=purpose, screen=screen)
    setattr(customer, _READ_BY, user.pk)
    return customer


# customer_get marks the instance it returns with the reader; sub-data selectors (policies, cases,
# documents, contacts of one customer) refuse any other instance, so their data can only be read
# after the scoped, logged read that authorizes it.
_READ_BY = "_tsunagu_read_by"


class UnloggedRead(RuntimeError):
    """A programming error: customer data read without going through customer_get."""


def require_logged_read(*, user: User, customer: Customer) -> None:
    if getattr(customer, _READ_BY, None) != user.pk:
        raise UnloggedRead(
            f"customer {customer.pk} was not read through customers.selectors.customer_get for user {user.pk}"
        )


def customer_list(*, user: User, limit: int = 50, screen: str = "") -> list[Customer]:
    """Most recently updated customers the user may see (logged as a list read)."""
    customers = list(
        Customer.objects.visible_to(user).prefetch_related("addresses", "phones").order_by("-updated_at")[:limit]
    )
    log_access(user=user, customer_ids=[c.pk for c in customers], purpose=AccessPurpose.LIST, screen=screen)
    return customers
