"""The entry points: simulate and write the cases of a load, then the documents they issued."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Max

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.models import Case
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from ...org import OrgRefs
from ...writer import reset_sequences
from .customers import _page, _rates, _simulate
from .generator import CaseGenerator
from .records import Generated
from .refs import _refs
from .tables import TABLES
from .writer import _align_claims, _apply_cancellations, _move_sequences, _Writer

PAGE = 2_000  # customers read and simulated per transaction


def demo_cases_load(
    *,
    seed: str,
    as_of: dt.date,
    first_customer_id: int,
    org: OrgRefs,
    actor: User,
    article_ids: dict[str, int],
    counts: dict[str, int],
) -> Generated:
    """Simulate and write the cases of the customers with ids ≥ `first_customer_id`."""
    refs = _refs(org, article_ids)
    g = CaseGenerator(seed=seed, as_of=as_of, refs=refs, cal=current_calendar())
    writer = _Writer(actor.pk)
    top = Customer.objects.aggregate(top=Max("id"))["top"] or 0
    g.rates = _rates(Customer.objects.filter(id__gte=first_customer_id).count())
    low = first_customer_id
    while low <= top:
        high = low + PAGE
        customers = _page(low, high, g.start)
        with transaction.atomic():
            _simulate(g, customers)
            writer.write(g)
        low = high
    with transaction.atomic():
        _move_sequences(g)
        counts["policies_cancelled"] = _apply_cancellations(g, as_of)
        counts["claims_aligned"] = _align_claims(g)
        reset_sequences([model for model, _ in TABLES.values()])
    for name, value in writer.counts.items():
        counts[name] = counts.get(name, 0) + value
    return g.generated


@dataclass
class OperationsResult:
    """What `demo_operations_load` wrote: rows per table (history included) and the case breakdown."""

    counts: dict[str, int] = field(default_factory=dict)
    cases_by_type: dict[str, int] = field(default_factory=dict)
    open_cases: int = 0
    overdue_cases: int = 0
    cases_seconds: float = 0.0
    documents_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def demo_operations_load(
    *, seed: int, as_of: dt.date, existing_customers: int, org: OrgRefs, actor: User
) -> OperationsResult:
    """FAQ, a year of cases and the documents they issued, for the customers this load added."""
    import time

    from ..documents import documents_load
    from ..faq import faq_ensure

    started = time.perf_counter()
    result = OperationsResult()
    created, article_ids = faq_ensure(actor)
    result.counts["faq_articles"] = created
    first = Customer.objects.order_by("id").values_list("id", flat=True)[existing_customers : existing_customers + 1]
    first_customer_id = first[0] if first else (Customer.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    generated = demo_cases_load(
        seed=f"tsunagu-demo-cases:{seed}:{existing_customers}",
        as_of=as_of,
        first_customer_id=first_customer_id,
        org=org,
        actor=actor,
        article_ids=article_ids,
        counts=result.counts,
    )
    result.cases_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    documents_load(issued=generated.issued, as_of=as_of, counts=result.counts)
    result.documents_seconds = time.perf_counter() - t0
    ours = Case.objects.filter(customer_id__gte=first_customer_id)
    result.cases_by_type = dict(
        ours.values_list("case_type").annotate(n=models.Count("id")).values_list("case_type", "n")
    )
    result.open_cases = ours.filter(is_open=True).count()
    result.overdue_cases = ours.filter(is_open=True, paused_since__isnull=True, due_date__lt=as_of).count()
    return result
