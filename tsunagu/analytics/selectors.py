"""Every analytics read, always for a user: model versions (no personal data), and scores (personal
data: scoped like their customer, access-logged, reasons masked per role)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagu.core import masking, permissions
from tsunagu.core.access_log import log_list
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import LineOfBusiness

from .choices import ModelKind
from .models import ModelVersion, Score
from .target_services import PROPOSED_LINE_FEATURES

# A reason built from a field the user sees masked is masked too (an age reveals the birth year).
MASKED_REASONS = {"age": "customer.birth_date"}
MASKED_TEXT = "年齢"  # the feature without its value (no 「(伏せ字)」 in a reason)


def model_versions(*, user: User) -> QuerySet[ModelVersion]:
    permissions.require(user, permissions.ANALYTICS_MODELS)
    return ModelVersion.objects.select_related("trained_by").defer("artifact")


def model_version_get(*, user: User, pk: int) -> ModelVersion:
    try:
        return model_versions(user=user).get(pk=pk)
    except ModelVersion.DoesNotExist as error:
        raise Http404("モデルが見つかりません。") from error


@dataclass(frozen=True)
class ShownScore:
    customer: Customer
    kind: str
    kind_label: str
    score: float
    product_line: str
    reasons: list[str]
    model_label: str
    as_of: Any


def _reasons(user: User, reasons: list[dict[str, Any]], *, line_shown: bool = False) -> list[str]:
    """The reasons as this user may read them; with `line_shown` (the proposed line has its own
    column) the reason naming the proposed line is left out, as on the worklists."""
    shown = []
    for reason in reasons:
        if line_shown and reason.get("feature", "") in PROPOSED_LINE_FEATURES:
            continue
        field = MASKED_REASONS.get(reason.get("feature", ""))
        shown.append(MASKED_TEXT if field and not masking.sees_full(user, field) else reason["text"])
    return shown


def _shown(user: User, score: Score) -> ShownScore:
    line = LineOfBusiness(score.product_line).label if score.product_line else ""
    return ShownScore(
        customer=score.customer,
        kind=score.kind,
        kind_label=str(ModelKind(score.kind).label),
        score=score.score,
        product_line=str(line),
        reasons=_reasons(user, score.reasons, line_shown=bool(score.product_line)),
        model_label=f"v{score.model.version}",
        as_of=score.as_of,
    )


def top_scores(*, user: User, kind: str, limit: int = 50, screen: str) -> list[ShownScore]:
    """The highest scores of one kind among customers who allow marketing contact (a list for
    outreach), scoped to the user; every listed customer is access-logged."""
    permissions.require(user, permissions.ANALYTICS_SCORES)
    rows = list(
        Score.objects.visible_to(user)
        .filter(kind=kind, marketing_allowed=True)
        .select_related("customer", "model")
        .defer("model__artifact")
        .order_by("-score", "customer_id")[:limit]
    )
    log_list(user=user, customer_ids=[r.customer_id for r in rows], screen=screen, detail={"kind": kind})
    return [_shown(user, r) for r in rows]


def customer_scores(*, user: User, customer: Customer) -> list[ShownScore]:
    """A customer's scores for the customer page (one query). The caller has read the customer
    through `customer_get` (scoped, logged with the page view); roles without analytics.scores get
    none (no query). Reasons are masked per role like the score lists."""
    if not permissions.has(user, permissions.ANALYTICS_SCORES):
        return []
    rows = (
        Score.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("customer", "model")
        .defer("model__artifact", "model__drift")
    )
    order = {kind.value: index for index, kind in enumerate(ModelKind)}  # churn, next product, conversion
    return sorted((_shown(user, r) for r in rows), key=lambda s: order.get(s.kind, len(order)))
