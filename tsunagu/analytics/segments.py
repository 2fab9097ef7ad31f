"""The segment builder's read: the customers a set of filters selects, set-based and scoped.

A segment is a plain value (`Segment`), stored with the target list as JSON so that the list says
exactly how it was drawn. Marketing lists hold only customers who consented to contact: the consent
condition is part of `segment_customers` itself, not a filter an analyst could leave out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from tsunagu.core import permissions
from tsunagu.core.models import Agency, Branch, User
from tsunagu.customers.models import Address, Customer, CustomerAgency
from tsunagu.policies.choices import LineOfBusiness, PolicyStatus
from tsunagu.policies.models import Policy

from .choices import ListBasis, ModelKind
from .models import Score

MAX_AGE = 120


@dataclass(frozen=True)
class Segment:
    as_of: dt.date
    age_min: int | None = None
    age_max: int | None = None
    prefectures: tuple[str, ...] = ()
    agencies: tuple[int, ...] = ()
    branches: tuple[int, ...] = ()
    lines_held: tuple[str, ...] = ()  # holds at least one of these in force
    lines_missing: tuple[str, ...] = ()  # holds none of these in force
    score_kind: str = ""  # "", churn, next_product
    score_min: float | None = None
    top_deciles: int | None = None  # 1–10: the customer's score is in the top N deciles of the kind
    limit: int | None = None  # the highest scores first when a score kind is chosen
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["as_of"] = self.as_of.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        values = dict(data)
        values["as_of"] = dt.date.fromisoformat(values["as_of"])
        for name in ("prefectures", "agencies", "branches", "lines_held", "lines_missing"):
            values[name] = tuple(values.get(name) or ())
        return cls(**values)


def basis_kind(basis: str) -> str:
    """The model kind whose scores a list of this basis carries ("" for a campaign)."""
    return {ListBasis.NEXT_PRODUCT: ModelKind.NEXT_PRODUCT, ListBasis.CHURN: ModelKind.CHURN}.get(ListBasis(basis), "")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def decile_cuts(kind: str) -> list[float]:
    """The scores at the bottom of deciles 1–9 of `kind` (descending): a score ≥ cuts[d-1] is in
    the top d deciles. One query per cut on the (kind, -score) index."""
    scores = Score.objects.filter(kind=kind)
    total = scores.count()
    if not total:
        return []
    ordered = scores.order_by("-score").values_list("score", flat=True)
    return [ordered[max(0, (total * d + 9) // 10 - 1)] for d in range(1, 10)]


def segment_customers(*, user: User, segment: Segment) -> QuerySet[Customer]:
    """Customers of the segment who consented to contact, within the user's scope (not merged away)."""
    permissions.require(user, permissions.ANALYTICS_MODELS)
    customers = Customer.objects.visible_to(user).filter(contact_consent=True, merged_into__isnull=True)
    if segment.age_min is not None:
        customers = customers.filter(birth_date__lte=_years_before(segment.as_of, segment.age_min))
    if segment.age_max is not None:
        # Younger than age_max + 1 on the as-of date.
        customers = customers.filter(birth_date__gt=_years_before(segment.as_of, segment.age_max + 1))
    if segment.prefectures:
        customers = customers.filter(
            Exists(Address.objects.filter(customer=OuterRef("pk"), is_primary=True, prefecture__in=segment.prefectures))
        )
    if segment.agencies or segment.branches:
        links = CustomerAgency.objects.filter(customer=OuterRef("pk"))
        if segment.agencies:
            links = links.filter(agency_id__in=segment.agencies)
        if segment.branches:
            links = links.filter(agency__branch_id__in=segment.branches)
        customers = customers.filter(Exists(links))
    in_force = Policy.objects.filter(
        policyholder=OuterRef("pk"), status=PolicyStatus.IN_FORCE, expiry__gte=segment.as_of
    )
    if segment.lines_held:
        # Held: cover started by the date (a policy contracted to start later is not held yet, as in the
        # models' features); lines_missing keeps it, so a line just bought is never proposed.
        held = in_force.filter(line__in=segment.lines_held, inception__lte=segment.as_of)
        customers = customers.filter(Exists(held))
    if segment.lines_missing:
        customers = customers.exclude(Exists(in_force.filter(line__in=segment.lines_missing)))
    if segment.score_kind:
        score_rows = Score.objects.filter(customer=OuterRef("pk"), kind=segment.score_kind)
        threshold = Q()
        if segment.score_min is not None:
            threshold &= Q(score__gte=segment.score_min)
        if segment.top_deciles is not None and segment.top_deciles < 10:
            cuts = decile_cuts(segment.score_kind)
            if cuts:
                threshold &= Q(score__gte=cuts[segment.top_deciles - 1])
        customers = customers.filter(Exists(score_rows.filter(threshold)))
    return customers


def segment_count(*, user: User, segment: Segment) -> int:
    """The preview count: how many customers the list would hold (before the limit and the control group)."""
    count = segment_customers(user=user, segment=segment).count()
    return min(count, segment.limit) if segment.limit else count


def criteria_text(segment: Segment, *, basis: str, control_percent: int) -> list[str]:
    """The filters as staff read them, stored with the list."""
    lines = [f"基準日: {segment.as_of:%Y/%m/%d}", "連絡の同意あり(営業リストの必須条件)"]
    if segment.age_min is not None or segment.age_max is not None:
        low = f"{segment.age_min}歳" if segment.age_min is not None else ""
        high = f"{segment.age_max}歳" if segment.age_max is not None else ""
        lines.append(f"年齢: {low}〜{high}")
    if segment.prefectures:
        lines.append("都道府県: " + "・".join(segment.prefectures))
    if segment.branches:
        lines.append(
            "営業拠点: " + "・".join(Branch.objects.filter(pk__in=segment.branches).values_list("name", flat=True))
        )
    if segment.agencies:
        lines.append("代理店: " + "・".join(str(a) for a in Agency.objects.filter(pk__in=segment.agencies)))
    if segment.lines_held:
        lines.append(
            "保有している種目(いずれか): " + "・".join(str(LineOfBusiness(v).label) for v in segment.lines_held)
        )
    if segment.lines_missing:
        lines.append("保有していない種目: " + "・".join(str(LineOfBusiness(v).label) for v in segment.lines_missing))
    if segment.score_kind:
        label = ModelKind(segment.score_kind).label
        if segment.score_min is not None:
            lines.append(f"{label}のスコア {segment.score_min:.2f} 以上")
        if segment.top_deciles is not None:
            lines.append(f"{label}のスコア上位 {segment.top_deciles} デシル")
    if segment.limit:
        lines.append(f"上限 {segment.limit:,} 人")
    lines.append(f"提案の根拠: {ListBasis(basis).label}")
    lines.append(f"対照群: {control_percent}%(無作為に抽出し、ワークリストから除外)")
    return lines
