"""Screen-level reads that compose the per-app selectors (all scoped, all access-logged)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tsunagu.analytics.selectors import customer_scores
from tsunagu.cases.selectors import case_events_for_customer, case_list_for_customer, open_case_count_for_customer
from tsunagu.core import masking
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.documents.selectors import document_list_for_customer
from tsunagu.identity.selectors import customer_relations
from tsunagu.interactions.selectors import interaction_list_for_customer
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, PolicyStatus
from tsunagu.policies.models import Claim, Policy
from tsunagu.policies.selectors import customer_history_with_policies, policy_list_for_customer
from tsunagu.surveys.selectors import response_list_for_customer
from tsunagu.voice.selectors import customer_voices

from . import home

# Renewal guidance starts this many days before expiry (満期案内).
RENEWAL_NOTICE_DAYS = 90
TIMELINE_LIMIT = 100
MERGED_NO_WRITES = "この顧客は別の顧客に統合されています。統合先の顧客に登録してください。"


def home_summary(*, user: User, screen: str) -> dict[str, Any]:
    """The home page for this user's roles (panels chosen by permission): see desk.home."""
    return home.home_summary(user=user, screen=screen)


@dataclass(frozen=True)
class Renewal:
    label: str
    css: str = ""


def renewal_status(policy: Policy, today: dt.date) -> Renewal:
    """更改状況 of a policy, derived from its status, period and successor."""
    if hasattr(policy, "next_policy"):  # reverse one-to-one: absent raises, hasattr is False
        return Renewal("更改済", "ok")
    if policy.status in (PolicyStatus.CANCELLED, PolicyStatus.LAPSED, PolicyStatus.VOIDED):
        return Renewal("—")
    days = (policy.expiry - today).days
    if policy.status == PolicyStatus.MATURED or days < 0:
        return Renewal("満期・未更改", "warn")
    if days <= RENEWAL_NOTICE_DAYS:
        return Renewal(f"満期まで{days}日・未更改", "warn")
    return Renewal("継続中")


def _claims_of(policies: list[Policy]) -> list[Claim]:
    """The claims on these (already scoped) policies, newest first.

    Claim.objects.visible_to(user) means exactly "claims on policies the user may see"; its form
    `policy IN (SELECT id FROM visible policies)` makes SQLite walk every policy when the user may
    see all of them (3 ms at 30,000 policies, linear in the book), so the page reuses the policies
    it already scoped instead of calling claim_list_for_customer.
    """
    return list(
        Claim.objects.filter(policy__in=[p.pk for p in policies])
        .select_related("policy", "handler")
        .order_by("-reported_on", "-id")
    )


@dataclass(frozen=True)
class PolicyRow:
    policy: Policy
    renewal: Renewal


def surviving_customer(*, user: User, customer: Customer) -> Customer | None:
    """The live customer a merged-away customer now lives on (following chained merges), if the
    user may see it; None when it is outside the user's scope."""
    seen = {customer.pk}
    target_id = customer.merged_into_id
    while target_id is not None:
        target = Customer.objects.visible_to(user).filter(pk=target_id).first()
        if target is None:
            return None
        if target.merged_into_id is None or target.merged_into_id in seen:
            return target
        seen.add(target.pk)
        target_id = target.merged_into_id
    return None


def merged_notice(*, user: User, customer: Customer) -> dict[str, Any] | None:
    """For a customer merged into another one (名寄せ): what the notice page shows instead of the
    normal page. None for a live customer. The caller has already scoped and logged the read."""
    if customer.merged_into_id is None:
        return None
    return {"customer": customer, "survivor": surviving_customer(user=user, customer=customer)}


def customer_360(*, user: User, pk: int, channel: str = "", screen: str) -> dict[str, Any]:
    """Everything on the customer page, in a fixed number of queries (asserted by a test).

    customer_get scopes the customer and writes the access-log row before any data is returned.
    A merged-away customer gets only the notice context (`merged_notice`, key "merged").
    """
    customer = customer_get(user=user, pk=pk, purpose=AccessPurpose.VIEW, screen=screen)
    if (notice := merged_notice(user=user, customer=customer)) is not None:
        return {**notice, "merged": True}
    today = timezone.localdate()
    policies = policy_list_for_customer(user=user, customer=customer)
    claims = _claims_of(policies) if policies else []
    cases = case_list_for_customer(user=user, customer=customer)
    open_claims = [c for c in claims if c.status not in CLOSED_CLAIM_STATUSES]
    masked = masking.masked_fields(user)
    return {
        "customer": customer,
        "policy_rows": [PolicyRow(p, renewal_status(p, today)) for p in policies],
        "claims": claims,
        "open_claim_count": len(open_claims),
        "customer_cases": cases,
        "open_case_count": open_case_count_for_customer(user=user, customer=customer),
        "case_events": case_events_for_customer(user=user, customer=customer, limit=10),
        "documents": document_list_for_customer(user=user, customer=customer)[:20],
        "survey_responses": response_list_for_customer(user=user, customer=customer),
        "interactions": interaction_list_for_customer(
            user=user, customer=customer, channel=channel, limit=TIMELINE_LIMIT
        ),
        "history": customer_history_with_policies(user=user, customer=customer, policies=policies),
        "voices": customer_voices(user=user, customer=customer),
        "scores": customer_scores(user=user, customer=customer),
        "relations": customer_relations(user=user, customer=customer),  # 関連する法人 / 代表者・関係者
        "masked_fields": masked,
        "can_open_documents": masking.sees_documents(user),
        "history_values_hidden": bool(masked),
    }


def customer_timeline(*, user: User, pk: int, channel: str, screen: str) -> dict[str, Any]:
    """The timeline alone (channel filter): the customer is fetched (and logged) again."""
    customer = customer_get(user=user, pk=pk, purpose=AccessPurpose.VIEW, screen=screen)
    if (notice := merged_notice(user=user, customer=customer)) is not None:
        return {**notice, "merged": True}
    return {
        "customer": customer,
        "interactions": interaction_list_for_customer(
            user=user, customer=customer, channel=channel, limit=TIMELINE_LIMIT
        ),
    }
