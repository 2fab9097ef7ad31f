"""The policy and claim detail pages (URL names policies:policy_detail, policies:claim_detail).

They live in desk because desk composes screens from the apps below it: the policy page shows the
policy's cases and documents, and policies may not import cases or documents (import layers). The
policy data itself comes from policies.selectors (policy_get / claim_get: scoped, and the
policyholder's read logged through customers.selectors.customer_get).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.core import masking
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.core.models import User
from tsunagu.documents.models import Document
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES
from tsunagu.policies.selectors import claim_get, next_policy_of, policy_get
from tsunagu.practice.selectors import policy_panel as practice_panel

from .selectors import renewal_status


def _cases_of(*, user: User, holder_id: int, screen: str, **filters: Any) -> list[Case]:
    """Cases the user may see, filtered; customers other than the holder named in them are logged."""
    cases = list(
        Case.objects.visible_to(user)
        .filter(**filters)
        .select_related("customer", "department", "assignee")
        .order_by("-opened_on", "-id")[:50]
    )
    others = sorted({c.customer_id for c in cases if c.customer_id and c.customer_id != holder_id})
    if others:
        log_access(user=user, customer_ids=others, purpose=AccessPurpose.LIST, screen=screen)
    return cases


def policy_page(*, user: User, pk: int, screen: str = "契約詳細") -> dict[str, Any]:
    detail = policy_get(user=user, pk=pk, screen=screen)
    policy = detail.policy
    documents = list(
        Document.objects.visible_to(user)
        .filter(policy=policy)
        .select_related("issued_by", "notice_reply__case")
        .order_by("-issued_at", "-id")[:50]
    )
    return {
        "detail": detail,
        "policy": policy,
        "customer": detail.customer,
        "renewal": renewal_status(policy, timezone.localdate()),
        "next_policy": next_policy_of(user=user, policy=policy),
        "policy_cases": _cases_of(user=user, holder_id=detail.customer.pk, screen=screen, policy=policy),
        "documents": documents,
        "can_open_documents": masking.sees_documents(user),
        "history_values_hidden": bool(masking.masked_fields(user)),
        "open_claim_count": sum(1 for c in detail.claims if c.status not in CLOSED_CLAIM_STATUSES),
        "practice": practice_panel(user=user, policy=policy),
    }


def claim_page(*, user: User, pk: int, screen: str = "事故詳細") -> dict[str, Any]:
    detail = claim_get(user=user, pk=pk, screen=screen)
    return {
        "detail": detail,
        "claim": detail.claim,
        "policy": detail.policy,
        "customer": detail.customer,
        "claim_cases": _cases_of(user=user, holder_id=detail.customer.pk, screen=screen, claim=detail.claim),
        "history_values_hidden": bool(masking.masked_fields(user)),
    }


@login_required
def policy_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "desk/policy_detail.html", policy_page(user=request.user, pk=pk))


@login_required
def claim_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "desk/claim_detail.html", claim_page(user=request.user, pk=pk))


app_name = "policies"
urlpatterns = [
    path("<int:pk>/", policy_detail, name="policy_detail"),
    path("claims/<int:pk>/", claim_detail, name="claim_detail"),
]
