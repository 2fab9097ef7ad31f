"""The fast path (one GROUP BY query per family of KPIs, sources.counts_many) equals a straightforward
count on a small world: per agency, one plain query per KPI, and for the interface's rate KPIs a count
written out record by record in Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q

from tests.voice.conftest import record as voice_record
from tsunagu.kpis import aggregates, definitions, selectors, sources
from tsunagu.kpis.definitions import COUNT, MEAN, NPS, Counts, FiscalYear, Kpi
from tsunagu.policies.models import Claim, Policy
from tsunagu.practice.models import ElderlyMeasure, ElderlySolicitation, IntentRecord

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)
D = dt.date


@pytest.fixture
def world(book, claim_answers, training, hq_operator) -> dict[str, Any]:
    p = book["policies"]
    a = p["a1"].agency
    for key, complete, other in (("a1", True, False), ("a2", False, True), ("r_early", True, False)):
        IntentRecord.objects.create(
            policy=p[key], agency=a, kind="new", line=p[key].line, complete=complete, other_insurer=other
        )
    IntentRecord.objects.create(policy=p["b1"], agency=p["b1"].agency, kind="new", line="auto", complete=True)
    s = ElderlySolicitation.objects.create(
        policy=p["a1"], customer=book["holder"], agency=a, solicited_on=D(2025, 4, 10), age=81, tier="enhanced"
    )
    ElderlyMeasure.objects.create(solicitation=s, kind="recording", done_on=D(2025, 4, 10), done_by=hq_operator)
    holder, other = book["holder"], book["other"]
    voice_record(hq_operator, "説明が遅い", code="dis-delay", customer=holder, policy=p["a1"], on=D(2025, 7, 1))
    voice_record(hq_operator, "ありがとう", code="praise-staff", customer=other, policy=p["b1"], on=D(2026, 1, 5))
    voice_record(hq_operator, "前年度", code="praise-staff", customer=holder, policy=p["a1"], on=D(2025, 3, 5))
    return book


def _plain(kpi: Kpi, agency_id: int) -> Counts:
    """One KPI for one agency by plain queries over its spec's rows (no grouping, no families)."""
    spec = sources.spec_of(kpi)
    if spec is None:
        return Counts()
    rows = spec.queryset.filter(**{f"{spec.date}__range": (FY.start, FY.end), spec.agency: agency_id})
    if spec.subset is not None:
        rows = rows.filter(spec.subset)
    if spec.sums is not None:
        pairs = list(rows.annotate(n=spec.sums[0], d=spec.sums[1]).values_list("n", "d"))
        return Counts(sum(n for n, _ in pairs), sum(d for _, d in pairs))
    if kpi.kind == NPS:
        scores = [v for v in rows.values_list(spec.value, flat=True) if v is not None]
        promoters, detractors = sum(v >= 9 for v in scores), sum(v <= 6 for v in scores)
        return Counts(promoters - detractors, len(scores), detractors)
    if kpi.kind == MEAN:
        scores = [v for v in rows.values_list(spec.value, flat=True) if v is not None]
        return Counts(sum(scores), len(scores))
    numerator = rows.filter(spec.numerator).count() if spec.numerator is not None else rows.count()
    return Counts(numerator, rows.count())


def test_every_kpi_of_every_agency_equals_a_plain_count(world, org):
    pack = {(r.agency, r.kpi): r for r in selectors.pack(FY)}
    checked = 0
    for agency in (org["agency_a"], org["agency_b"]):
        for kpi in definitions.REGISTRY.values():
            expected = _plain(kpi, agency.pk)
            row = pack[(agency.code, kpi.key)]
            assert (row.numerator, row.denominator) == (expected.numerator, expected.denominator), kpi.key
            assert row.value == definitions.value_of(kpi, expected, min_n=sources.min_n(kpi)), kpi.key
            checked += expected.denominator > 0 or (kpi.kind == COUNT and expected.numerator > 0)
    assert checked >= 25  # the world has records behind most KPIs, not just zeros


def test_the_interface_rates_equal_a_count_record_by_record(world, org):
    pack = {(r.agency, r.kpi): (r.numerator, r.denominator) for r in selectors.pack(FY)}
    in_year = lambda day: FY.start <= day <= FY.end  # noqa: E731
    for agency in (org["agency_a"], org["agency_b"]):
        policies = list(Policy.objects.filter(agency=agency).select_related("previous_policy"))
        new = [x for x in policies if x.previous_policy is None and in_year(x.contract_date)]
        assert pack[(agency.code, "face_to_face_rate")] == (sum(x.face_to_face for x in new), len(new))
        renewals = [x for x in policies if x.previous_policy is not None and in_year(x.previous_policy.expiry)]
        early = [x for x in renewals if x.contract_date <= x.previous_policy.expiry - dt.timedelta(days=28)]
        assert pack[(agency.code, "early_renewal_rate")] == (len(early), len(renewals))
        claims = [c for c in Claim.objects.select_related("policy") if c.policy.agency_id == agency.pk]
        for key, lines in (
            ("agency_accident_window_rate", None),
            ("agency_accident_window_rate_auto", ("auto",)),
            ("agency_accident_window_rate_fire", definitions.FIRE_AND_OTHER_LINES),
        ):
            counted = [c for c in claims if in_year(c.reported_on) and (lines is None or c.policy.line in lines)]
            assert pack[(agency.code, key)] == (sum(c.reported_via == "agency" for c in counted), len(counted)), key
        intents = [r for r in IntentRecord.objects.select_related("policy") if r.agency_id == agency.pk]
        counted_intents = [r for r in intents if in_year(r.policy.contract_date)]
        assert pack[(agency.code, "intent_record_completeness")] == (
            sum(r.complete for r in counted_intents),
            len(counted_intents),
        )
        assert pack[(agency.code, "other_insurer_ratio")] == (
            sum(r.other_insurer for r in counted_intents),
            len(counted_intents),
        )


def test_the_monthly_counts_equal_the_plain_count_month_by_month(world, org):
    aggregates.rebuild([FY])
    from tsunagu.kpis.models import KpiMonthly

    stored = {
        (k, a, m): Counts(n, d, e)
        for k, a, m, n, d, e in KpiMonthly.objects.values_list(
            "kpi", "agency_id", "month", "numerator", "denominator", "extra"
        )
    }
    agency = org["agency_a"]
    kpi = definitions.get("agency_accident_window_rate_auto")
    for month in FY.months():
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        claims = Claim.objects.filter(
            Q(policy__agency=agency), reported_on__range=(month, end), policy__line="auto"
        ).values_list("reported_via", flat=True)
        expected = Counts(sum(v == "agency" for v in claims), len(claims))
        assert stored.get((kpi.key, agency.pk, month), Counts()) == expected, month
