"""Reading the customers of the load, and how many cases of each type they get in a year."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tsunagu.cases.choices import CaseType
from tsunagu.customers.models import Address, Customer, CustomerAgency, FormerName
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Claim, Coverage, Policy

from . import flows_cancellation
from .records import ClaimInfo, PolicyInfo
from .tables import CASE_COLUMNS

if TYPE_CHECKING:
    from .generator import CaseGenerator

# Cases per customer per year (the rates a mid-size P&C book shows at a call center and back office).
RATES: dict[str, float] = {
    CaseType.INQUIRY: 0.10,
    CaseType.CHANGE: 0.055,
    CaseType.POLICY_REISSUE: 0.004,
    CaseType.COMPLAINT: 0.005,
    CaseType.CANCELLATION: 0.014,
}
ACCIDENT_CASE_SHARE = 0.25  # of the claims reported in the year: the ones first reported by phone/web/agency here
CERTIFICATE_RATE = 0.03  # per customer with earthquake cover, per year (seasonal)


@dataclass
class CustomerFacts:
    id: int
    name: str
    name_kana: str
    agencies: list[int] = field(default_factory=list)
    policies: list[PolicyInfo] = field(default_factory=list)
    claims: list[ClaimInfo] = field(default_factory=list)
    address: tuple[str, str, str, str, str] | None = None
    former: tuple[dt.date, str, str, str] | None = None  # (changed_on, reason, former name, its kana)
    earthquake_policies: set[int] = field(default_factory=set)


def _page(low: int, high: int, start: dt.date) -> list[CustomerFacts]:
    """Customers with ids in [low, high) and what the flows need about them (a few queries)."""
    facts = {
        pk: CustomerFacts(pk, name, kana)
        for pk, name, kana in Customer.objects.filter(id__gte=low, id__lt=high)
        .order_by("id")
        .values_list("id", "name", "name_kana")
    }
    if not facts:
        return []
    for customer_id, agency_id in (
        CustomerAgency.objects.filter(customer_id__gte=low, customer_id__lt=high)
        .order_by("customer_id", "id")
        .values_list("customer_id", "agency_id")
    ):
        facts[customer_id].agencies.append(agency_id)
    policies: dict[int, PolicyInfo] = {}
    for row in (
        Policy.objects.filter(policyholder_id__gte=low, policyholder_id__lt=high)
        .order_by("id")
        .values_list(
            "policyholder_id",
            "id",
            "number",
            "line",
            "status",
            "inception",
            "expiry",
            "agency_id",
            "payment_method",
            "payment_frequency",
            "product_id",
            "annual_premium",
            "term_years",
        )
    ):
        info = PolicyInfo(*row[1:])
        policies[info.id] = info
        facts[row[0]].policies.append(info)
    for row in (
        Claim.objects.filter(policy__policyholder_id__gte=low, policy__policyholder_id__lt=high, reported_on__gt=start)
        .order_by("id")
        .values_list(
            "policy__policyholder_id",
            "id",
            "number",
            "policy_id",
            "accident_date",
            "accident_place",
            "accident_type",
            "reported_on",
            "reported_via",
            "handler_id",
        )
    ):
        facts[row[0]].claims.append(ClaimInfo(*row[1:]))
    for customer_id, *address in (
        Address.objects.filter(customer_id__gte=low, customer_id__lt=high, is_primary=True)
        .order_by("id")
        .values_list("customer_id", "postal_code", "prefecture", "city", "street", "building")
    ):
        facts[customer_id].address = tuple(address)  # type: ignore[assignment]
    for customer_id, changed_on, reason, name, kana in (
        FormerName.objects.filter(customer_id__gte=low, customer_id__lt=high, changed_on__gt=start)
        .order_by("id")
        .values_list("customer_id", "changed_on", "reason", "name", "name_kana")
    ):
        facts[customer_id].former = (changed_on, reason, name, kana)
    for customer_id, policy_id in (
        Coverage.objects.filter(
            is_earthquake=True,
            policy__policyholder_id__gte=low,
            policy__policyholder_id__lt=high,
            policy__status=PolicyStatus.IN_FORCE,
        )
        .values_list("policy__policyholder_id", "policy_id")
        .distinct()
    ):
        facts[customer_id].earthquake_policies.add(policy_id)
    return list(facts.values())


COMPLAINTS_AT_LEAST = 2  # in every load, whatever the draw (see _complaints_at_least)

# Rare types get at least about this many cases per load, so a small demo shows every type.
MINIMUM_EXPECTED: dict[str, float] = {
    CaseType.POLICY_REISSUE: 4,
    CaseType.COMPLAINT: 4,
    CaseType.CANCELLATION: 8,
    CaseType.CERTIFICATE_REISSUE: 6,
}


def _rates(customers: int) -> dict[str, float]:
    rates = dict(RATES)
    rates[CaseType.CERTIFICATE_REISSUE] = CERTIFICATE_RATE
    for case_type, minimum in MINIMUM_EXPECTED.items():
        # Certificates: only holders of earthquake cover (about a quarter of the book) are asked.
        population = customers * (0.15 if case_type == CaseType.CERTIFICATE_REISSUE else 1)
        rates[case_type] = max(rates[case_type], minimum / max(population, 1))
    return rates


def _simulate(g: CaseGenerator, customers: list[CustomerFacts]) -> None:
    rng = g.rng
    rates = g.rates
    for c in customers:
        if not c.policies:
            continue
        drivers = any(p.line == "auto" for p in c.policies)
        if rng.random() < RATES[CaseType.INQUIRY] * (1.3 if drivers else 0.8):
            g.inquiry(c)
        if rng.random() < RATES[CaseType.INQUIRY] * 0.4:
            g.inquiry(c)
        if rng.random() < RATES[CaseType.CHANGE]:
            g.change(c)
        for claim in c.claims:
            if rng.random() < ACCIDENT_CASE_SHARE:
                g.accident(c, claim)
        if rng.random() < rates[CaseType.POLICY_REISSUE]:
            g.policy_reissue(c)
        if c.earthquake_policies and rng.random() < rates[CaseType.CERTIFICATE_REISSUE]:
            g.certificate_reissue(c)
        complained_on = _complaint(g, c) if rng.random() < rates[CaseType.COMPLAINT] else None
        if rng.random() < rates[CaseType.CANCELLATION]:
            g.cancellation(c)
        elif complained_on is not None:
            flows_cancellation.after_complaint(g, c, complained_on)
    _complaints_at_least(g, customers, COMPLAINTS_AT_LEAST)


def _complaint(g: CaseGenerator, c: CustomerFacts) -> dt.date | None:
    """The day of the complaint the customer made, or None where the flow wrote none."""
    written = len(g.rows["cases"])
    g.complaint(c)
    return g.rows["cases"][-1][CASE_COLUMNS.index("opened_on")] if len(g.rows["cases"]) > written else None


def _complaints_at_least(g: CaseGenerator, customers: list[CustomerFacts], count: int) -> None:
    """Tops the year's complaints up to `count` (a small load's draw can leave none, and the
    complaint screens and 苦情に続く解約 with it). Drawn from its own seeded Random, so the rest of
    the demo is as the main stream drew it."""
    kind = CASE_COLUMNS.index("case_type")
    missing = count - sum(1 for row in g.rows["cases"] if row[kind] == CaseType.COMPLAINT)
    if missing <= 0:
        return
    side = random.Random(f"tsunagu-complaints-at-least:{g.as_of}:{len(customers)}")
    candidates = [c for c in customers if c.policies]
    side.shuffle(candidates)
    main = g.rng
    for c in candidates[: missing * 10]:  # a flow may write nothing for a customer: a few more tries
        g.rng = side
        try:
            complained_on = _complaint(g, c)
        finally:
            g.rng = main
        if complained_on is not None:
            flows_cancellation.after_complaint(g, c, complained_on)
            missing -= 1
            if missing == 0:
                return
