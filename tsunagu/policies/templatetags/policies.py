"""`{% load policies %}`: the refund basis of a cancellation on a given date, for the case page.

{% refund_basis case.policy r.effective_date as basis %}
{% include "policies/_refund_basis.html" with basis=basis date=r.effective_date %}
"""

from __future__ import annotations

import datetime as dt

from django import template

from tsunagu.policies.models import Policy
from tsunagu.policies.refund import RefundBasis

register = template.Library()


@register.simple_tag
def refund_basis(policy: Policy | None, on: dt.date | None) -> RefundBasis | None:
    """Pure computation from the policy and its product (no query beyond the product)."""
    if policy is None or not isinstance(on, dt.date):
        return None
    return policy.refund_basis_on(on)
