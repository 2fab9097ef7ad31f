"""Demo KPI targets (issue 13): the company's targets for the last four fiscal years (a little higher
each year, as agencies publish them), a few agencies' own targets, and the monthly counts built so
the KPI screens show figures at once. Runs after the other demo steps (it counts their records)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tsunagu.core import writes
from tsunagu.core.models import Agency, User
from tsunagu.kpis import aggregates, definitions
from tsunagu.kpis.definitions import FiscalYear
from tsunagu.kpis.models import KpiTarget

YEARS = 4
# The company's target in the oldest of the four years, and the step up each year.
COMPANY_TARGETS: dict[str, tuple[str, str]] = {
    "face_to_face_rate": ("50", "2"),
    "early_renewal_rate": ("70", "3"),
    "agency_accident_window_rate": ("75", "2"),
    "agency_accident_window_rate_auto": ("80", "2"),
    "agency_accident_window_rate_fire": ("70", "2"),
    "claim_nps_auto": ("30", "3"),
    "claim_nps_fire": ("40", "3"),
    "survey_score": ("7.5", "0.1"),
    "overall_satisfaction": ("7.5", "0.1"),
    "retention_rate": ("30", "2"),
    "intent_record_completeness": ("95", "1"),
    "elderly_measures_completion": ("90", "2"),
    "voice_improvements": ("10", "2"),
}
OWN_TARGET_AGENCIES = 3  # the first agencies (by code) set their own 対面募集率 and 早期更改率 targets


@dataclass
class KpisResult:
    targets: int = 0
    monthly_rows: int = 0
    seconds: float = 0.0


def demo_kpis_load(*, as_of: dt.date, actor: User) -> KpisResult:
    started = time.perf_counter()
    result = KpisResult()
    current = definitions.fiscal_year_of(as_of)
    years = [FiscalYear(current.year - back) for back in range(YEARS - 1, -1, -1)]
    existing = set(KpiTarget.objects.values_list("kpi", "agency_id", "fiscal_year"))
    rows: list[KpiTarget] = []
    for step, fy in enumerate(years):
        for kpi, (base, inc) in COMPANY_TARGETS.items():
            if (kpi, None, fy.year) not in existing:
                value = Decimal(base) + Decimal(inc) * step
                rows.append(_target(kpi, None, fy, value, actor))
        for n, agency in enumerate(Agency.objects.order_by("code")[:OWN_TARGET_AGENCIES]):
            own = (("face_to_face_rate", 55 + 5 * n + step), ("early_renewal_rate", 75 + 3 * n + step))
            for kpi, percent in own:
                if (kpi, agency.pk, fy.year) not in existing:
                    rows.append(_target(kpi, agency, fy, Decimal(percent), actor))
    with transaction.atomic():
        writes.bulk_create(rows, actor=actor, reason="デモデータ")
    result.targets = len(rows)
    result.monthly_rows = aggregates.rebuild(years)
    result.seconds = time.perf_counter() - started
    return result


def _target(kpi: str, agency: Agency | None, fy: FiscalYear, value: Decimal, actor: User) -> KpiTarget:
    return KpiTarget(
        kpi=kpi, agency=agency, fiscal_year=fy.year, value=value, starts_on=fy.start, ends_on=fy.end, updated_by=actor
    )
