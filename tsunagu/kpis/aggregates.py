"""KpiMonthly: the monthly counts per KPI and agency, rebuilt from the records.

`rebuild(years)` recomputes whole fiscal years (one GROUP BY query per family of KPIs and year) and replaces
their rows in one transaction, so a dashboard never reads a half-built year. `manage.py kpi_rebuild`
and the nightly job call it; tests check the rows equal the live computation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from . import definitions, sources
from .definitions import FiscalYear
from .models import KpiMonthly

DEFAULT_YEARS_BACK = 4  # the current fiscal year and the four before it (the report shows four)


def default_years() -> list[FiscalYear]:
    current = definitions.fiscal_year_of(timezone.localdate())
    return [FiscalYear(current.year - back) for back in range(DEFAULT_YEARS_BACK, -1, -1)]


def rebuild(years: Iterable[FiscalYear] | None = None) -> int:
    """Recompute the fiscal years' monthly rows (every KPI, every agency); returns rows written."""
    written = 0
    for fy in years or default_years():
        found_by_kpi = sources.counts_many(definitions.REGISTRY.values(), fy.start, fy.end, by_month=True)
        rows = [
            KpiMonthly(
                kpi=key,
                agency_id=agency_id,
                month=month,
                numerator=c.numerator,
                denominator=c.denominator,
                extra=c.extra,
            )
            for key, found in found_by_kpi.items()
            for (agency_id, month), c in found.items()
            if month is not None
        ]
        with transaction.atomic():
            KpiMonthly.objects.filter(month__range=(fy.start, fy.end)).delete()
            KpiMonthly.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def built_at() -> object:
    """When the newest rows were built (shown on the dashboard), or None."""
    row = KpiMonthly.objects.order_by("-built_at").values_list("built_at", flat=True).first()
    return row
