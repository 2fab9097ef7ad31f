"""Every read of the KPI pack: the live pack (the `agency_kpis` command), the dashboard from the monthly
counts, targets, the drill-down to the records counted (scoped, access-logged), the reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Sum
from django.http import Http404

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import Agency, Branch, User
from tsunagu.core.scoping import Reach, reach, visible_agencies

from . import definitions, sources
from .definitions import Counts, FiscalYear, Kpi
from .models import KpiMonthly, KpiReport, KpiTarget

# --- targets ------------------------------------------------------------------------------------


def targets_for(years: list[int]) -> dict[tuple[str, int | None, int], Decimal]:
    """{(kpi, agency id or None, fiscal year): value} for the years."""
    return {
        (t.kpi, t.agency_id, t.fiscal_year): t.value
        for t in KpiTarget.objects.filter(fiscal_year__in=years).only("kpi", "agency_id", "fiscal_year", "value")
    }


def target_of(
    targets: dict[tuple[str, int | None, int], Decimal], kpi: str, agency_id: int | None, year: int
) -> float | None:
    """The agency's own target, else the company's (which agencies adopt unless they set their own)."""
    value = targets.get((kpi, agency_id, year)) if agency_id is not None else None
    if value is None:
        value = targets.get((kpi, None, year))
    return float(value) if value is not None else None


# --- the live pack (agency_kpis) --------------------------------------------------------------------


@dataclass(frozen=True)
class PackRow:
    agency: str | None  # code; None: the whole company
    kpi: str
    value: float | int | None
    numerator: int
    denominator: int
    target: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "kpi": self.kpi,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
        }


def pack(fy: FiscalYear, *, agency: Agency | None = None) -> list[PackRow]:
    """Every KPI for the fiscal year, computed from the records now: the company (agency None) and
    every agency, or only the given agency. One GROUP BY query per family of KPIs (sources.families)."""
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("code").only("id", "code"))
    targets = targets_for([fy.year])
    found = sources.counts_many(
        definitions.REGISTRY.values(), fy.start, fy.end, agency_ids=[agency.pk] if agency is not None else None
    )
    per_kpi = {kpi.key: found.get(kpi.key, {}) for kpi in definitions.REGISTRY.values()}
    rows: list[PackRow] = []

    def add(kpi: Kpi, code: str | None, agency_id: int | None, c: Counts) -> None:
        value = definitions.value_of(kpi, c, min_n=sources.min_n(kpi))
        rows.append(
            PackRow(code, kpi.key, value, c.numerator, c.denominator, target_of(targets, kpi.key, agency_id, fy.year))
        )

    if agency is None:
        for kpi in definitions.REGISTRY.values():
            add(kpi, None, None, definitions.total(per_kpi[kpi.key].values()))
    for a in agencies:
        for kpi in definitions.REGISTRY.values():
            add(kpi, a.code, a.pk, per_kpi[kpi.key].get((a.pk, None), Counts()))
    return rows


# --- scope of a dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    kind: str  # agency / branch / company
    label: str
    agency: Agency | None = None
    branch: Branch | None = None
    agency_ids: tuple[int, ...] | None = None  # None: every agency

    @property
    def query(self) -> str:
        if self.agency is not None:
            return f"agency={self.agency.code}"
        if self.branch is not None:
            return f"branch={self.branch.code}"
        return ""


def scope_for(user: User, *, agency_code: str = "", branch_code: str = "") -> Scope:
    """Agency staff: their own agency (asking for another is a 404); head office: the agency or branch
    asked for, else the whole company."""
    permissions.require(user, permissions.KPIS_VIEW)
    if reach(user) is Reach.AGENCY:
        own = user.agency
        if own is None or (agency_code and agency_code != own.code) or branch_code:
            raise Http404("指定された代理店は見つかりません。")
        return Scope("agency", own.name, agency=own, agency_ids=(own.pk,))
    if reach(user) is Reach.BRANCH:
        return _branch_scope(user, agency_code=agency_code, branch_code=branch_code)
    if agency_code:
        found = Agency.objects.filter(code=agency_code).first()
        if found is None:
            raise Http404("指定された代理店は見つかりません。")
        return Scope("agency", found.name, agency=found, agency_ids=(found.pk,))
    if branch_code:
        branch = Branch.objects.filter(code=branch_code).first()
        if branch is None:
            raise Http404("指定された営業拠点は見つかりません。")
        ids = tuple(Agency.objects.filter(branch=branch).values_list("pk", flat=True))
        return Scope("branch", f"{branch.name}(拠点)", branch=branch, agency_ids=ids)
    return Scope("company", "全社")


def _branch_scope(user: User, *, agency_code: str, branch_code: str) -> Scope:
    """Branch staff (営業拠点): their branch, or one of its agencies (another branch's or agency is a 404)."""
    own = user.branch
    if own is None or (branch_code and branch_code != own.code):
        raise Http404("指定された営業拠点は見つかりません。")
    if agency_code:
        found = visible_agencies(user).filter(code=agency_code).first()
        if found is None:
            raise Http404("指定された代理店は見つかりません。")
        return Scope("agency", found.name, agency=found, agency_ids=(found.pk,))
    ids = tuple(visible_agencies(user).values_list("pk", flat=True))
    return Scope("branch", f"{own.name}(拠点)", branch=own, agency_ids=ids)


def choosable(user: User) -> dict[str, list[Any]]:
    """The agencies and branches head office may pick (agency staff pick nothing; branch staff their
    branch's agencies)."""
    if reach(user) is Reach.BRANCH:
        agencies = list(visible_agencies(user).order_by("code").only("code", "name"))
        return {"agencies": agencies, "branches": [user.branch] if user.branch is not None else []}
    if reach(user) is not Reach.ALL:
        return {"agencies": [], "branches": []}
    return {
        "agencies": list(Agency.objects.order_by("code").only("code", "name")),
        "branches": list(Branch.objects.order_by("code").only("code", "name")),
    }


# --- the dashboard from the monthly counts ----------------------------------------------------------


@dataclass
class KpiLine:
    kpi: Kpi
    counts: Counts
    value: float | int | None
    last_year: float | int | None
    last_counts: Counts
    target: float | None
    months: list[tuple[dt.date, float | int | None, Counts]] = field(default_factory=list)

    @property
    def display(self) -> str:
        return definitions.display(self.kpi, self.value)

    @property
    def last_display(self) -> str:
        return definitions.display(self.kpi, self.last_year)

    @property
    def target_display(self) -> str:
        return definitions.display(self.kpi, self.target) if self.target is not None else "—"

    @property
    def achieved(self) -> bool | None:
        return definitions.achieved(self.kpi, self.value, self.target)


def _monthly(scope: Scope, start: dt.date, end: dt.date) -> dict[str, dict[dt.date, Counts]]:
    qs = KpiMonthly.objects.filter(month__range=(start, end), agency__isnull=False)
    if scope.agency_ids is not None:
        qs = qs.filter(agency_id__in=scope.agency_ids)
    out: dict[str, dict[dt.date, Counts]] = defaultdict(dict)
    for kpi, month, num, den, extra in (
        qs.order_by()
        .values("kpi", "month")
        .annotate(n=Sum("numerator"), d=Sum("denominator"), e=Sum("extra"))
        .values_list("kpi", "month", "n", "d", "e")
    ):
        out[kpi][month] = Counts(int(num or 0), int(den or 0), int(extra or 0))
    return out


def dashboard(user: User, scope: Scope, fy: FiscalYear) -> list[KpiLine]:
    """Each KPI for the scope and year: result, last year, target, and the twelve months (two queries)."""
    monthly = _monthly(scope, fy.previous().start, fy.end)
    targets = targets_for([fy.year])
    target_agency = scope.agency.pk if scope.agency is not None else None
    lines: list[KpiLine] = []
    for kpi in definitions.REGISTRY.values():
        by_month = monthly.get(kpi.key, {})
        minimum = sources.min_n(kpi)
        this = definitions.total(c for m, c in by_month.items() if fy.start <= m <= fy.end)
        last = definitions.total(c for m, c in by_month.items() if m < fy.start)
        months = [
            (m, definitions.value_of(kpi, by_month.get(m, Counts()), min_n=minimum), by_month.get(m, Counts()))
            for m in fy.months()
        ]
        lines.append(
            KpiLine(
                kpi,
                this,
                definitions.value_of(kpi, this, min_n=minimum),
                definitions.value_of(kpi, last, min_n=minimum),
                last,
                target_of(targets, kpi.key, target_agency, fy.year),
                months,
            )
        )
    return lines


def yearly_table(scope: Scope, years: list[FiscalYear]) -> list[dict[str, Any]]:
    """Target and result per KPI for several years (the published report's table), from the monthly counts."""
    monthly = _monthly(scope, years[0].start, years[-1].end)
    targets = targets_for([y.year for y in years])
    target_agency = scope.agency.pk if scope.agency is not None else None
    table = []
    for kpi in definitions.REGISTRY.values():
        by_month = monthly.get(kpi.key, {})
        cells = []
        for fy in years:
            c = definitions.total(v for m, v in by_month.items() if fy.start <= m <= fy.end)
            value = definitions.value_of(kpi, c, min_n=sources.min_n(kpi))
            target = target_of(targets, kpi.key, target_agency, fy.year)
            cells.append(
                {
                    "year": fy.year,
                    "value": value,
                    "display": definitions.display(kpi, value),
                    "target": target,
                    "target_display": definitions.display(kpi, target) if target is not None else "—",
                    "numerator": c.numerator,
                    "denominator": c.denominator,
                }
            )
        table.append({"key": kpi.key, "name": kpi.name, "group": kpi.group, "cells": cells})
    return table


# --- drill-down -------------------------------------------------------------------------------------

DRILL_SCREEN = "KPIの内訳"
DRILL_PER_PAGE = 50


def drill_down(
    *, user: User, kpi: Kpi, scope: Scope, start: dt.date, end: dt.date, page: int = 1
) -> tuple[Page[Any], list[sources.Record]] | None:
    """The records a figure counts (only those the user may see), one page; the customers shown are
    access-logged as a list read."""
    found = sources.records(kpi, user, start, end, scope.agency_ids)
    if found is None:
        return None
    queryset, build = found
    paginator = Paginator(queryset, DRILL_PER_PAGE)
    page_obj = paginator.get_page(page)
    rows = [build(obj) for obj in page_obj.object_list]
    customers = sorted({r.customer_id for r in rows if r.customer_id is not None})
    if customers:
        log_access(
            user=user,
            customer_ids=customers,
            purpose=AccessPurpose.LIST,
            screen=DRILL_SCREEN,
            detail={"kpi": kpi.key, "scope": scope.query, "from": start.isoformat(), "to": end.isoformat()},
        )
    return page_obj, rows


# --- reports ------------------------------------------------------------------------------------------


def report_get(*, user: User, agency: Agency, year: int) -> KpiReport | None:
    return KpiReport.objects.filter(agency=agency, fiscal_year=year).first()


def report_years(fy: FiscalYear, count: int = 4) -> list[FiscalYear]:
    return [FiscalYear(fy.year - back) for back in range(count - 1, -1, -1)]
