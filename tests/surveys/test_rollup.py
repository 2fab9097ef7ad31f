"""ResponseRollup (the dashboard's read model) follows the responses: for every combination of cuts
kept or summed, its rows equal the sums counted by hand from the response rows, after incremental
writes and after `rebuild`; and the dashboard's figures read from it equal the figures from the rows."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, holders, record_random
from tsunagu.surveys import aggregates
from tsunagu.surveys.models import ROLLED_UP, ROLLED_UP_AGENCY, Response, ResponseRollup, RollupSlot
from tsunagu.surveys.results import ResultFilters, results_get

pytestmark = pytest.mark.django_db

CUTS = ("agency", "line", "case_type", "event", "channel")


def _key(mask: int, month, values: tuple) -> tuple:
    agency, *rest = values
    kept = [agency or 0 if mask & 1 else ROLLED_UP_AGENCY]
    kept += [value if mask & (1 << (i + 1)) else ROLLED_UP for i, value in enumerate(rest)]
    return (mask, month, *kept)


def _from_rows(survey) -> dict[tuple, Counter]:
    expected: dict[tuple, Counter] = {}
    for r in Response.objects.filter(survey=survey):
        values = (r.agency_id, r.line, r.case_type, r.event, r.channel)
        for mask in range(32):
            cut = expected.setdefault(_key(mask, r.answered_on.replace(day=1), values), Counter())
            cut["responses"] += 1
            if r.nps is not None:
                cut["nps_n"] += 1
                cut["promoters"] += r.nps >= 9
                cut["detractors"] += r.nps <= 6
                cut[f'["nps", "choices", "{r.nps}"]'] += 1
            if r.satisfaction is not None:
                cut["satisfaction_n"] += 1
                cut["satisfaction_sum"] += r.satisfaction
                cut["satisfaction_sumsq"] += r.satisfaction**2
            if "clarity" in r.answers:
                cut['["clarity", "n"]'] += 1
                cut['["clarity", "sum"]'] += r.answers["clarity"]
            if "speed" in r.answers:
                cut[f'["speed", "choices", "{r.answers["speed"]}"]'] += 1
    return {key: +cut for key, cut in expected.items()}


def _from_rollup(survey) -> dict[tuple, Counter]:
    slots = {slot: path for path, slot in RollupSlot.objects.filter(survey=survey).values_list("path", "slot")}
    assert len(set(slots.values())) == len(slots)
    found: dict[tuple, Counter] = {}
    for row in ResponseRollup.objects.filter(survey=survey):
        key = (row.dims, row.month, row.agency_key, row.line, row.case_type, row.event, row.channel)
        assert key not in found, f"two rollup rows for {key}"
        cut = Counter({c: getattr(row, c) for c in aggregates.Counts.COLUMNS})
        for slot, path in slots.items():
            cut[path] += getattr(row, f"s{slot}")
        found[key] = +cut
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_rows_equal_the_rows_counted_by_hand_incrementally_and_after_rebuild(hq_operator, org, seed):
    survey = claim_survey(cs_manager())
    people = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    for batch in range(3):  # later batches add to rows the first created
        record_random(survey, people, 80, seed * 10 + batch)
    expected = _from_rows(survey)
    assert sum(c["responses"] for k, c in expected.items() if k[0] == 0) == 240
    assert _from_rollup(survey) == expected
    slot_paths = {json.loads(p)[0] for p in RollupSlot.objects.filter(survey=survey).values_list("path", flat=True)}
    assert "satisfaction" not in slot_paths  # the satisfaction distribution is not shown: no column
    ResponseRollup.objects.filter(survey=survey).update(responses=0)  # damaged
    aggregates.rebuild(survey)
    assert _from_rollup(survey) == expected


def _figures(results) -> dict:
    return {
        "n": results.responses,
        "nps": (results.nps.n, results.nps.promoters, results.nps.detractors, results.nps.score),
        "sat": (results.satisfaction.n, results.satisfaction.mean),
        "dist": results.nps_distribution,
        "trend": [(f.key, f.responses, f.nps.score) for f in results.trend],
        "tables": {b.key: sorted((f.key, f.responses, f.nps.n) for f in b.rows) for b in results.breakdowns},
        "drivers": [(d.code, d.n, d.mean) for d in results.drivers],
        "choices": [(c.code, [(s.label, s.count) for s in c.shares]) for c in results.choices],
    }


def _by_hand(survey, filters: ResultFilters) -> dict:
    rows = Response.objects.filter(survey=survey)
    if filters.agency is not None:
        rows = rows.filter(agency=filters.agency)
    if filters.line:
        rows = rows.filter(line=filters.line)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    rows = list(rows)
    nps = [r.nps for r in rows if r.nps is not None]
    return {
        "n": len(rows),
        "promoters": sum(s >= 9 for s in nps),
        "detractors": sum(s <= 6 for s in nps),
        "dist": [(score, nps.count(score)) for score in range(11)],
        "by_channel": Counter(r.channel for r in rows),
        "clarity_n": sum("clarity" in r.answers for r in rows),
    }


def test_dashboard_figures_from_the_rollup_equal_the_rows_for_combined_filters(hq_operator, org, settings):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    survey = claim_survey(cs_manager())
    people = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    record_random(survey, people, 150, 7)
    analyst = hq_operator
    combos = [
        ResultFilters(survey=survey),
        ResultFilters(survey=survey, agency=org["agency_a"]),
        ResultFilters(survey=survey, line="auto", channel="post"),
        ResultFilters(survey=survey, agency=org["agency_b"], line="auto"),
    ]
    for filters in combos:
        results = results_get(user=analyst, filters=filters)
        hand = _by_hand(survey, filters)
        assert results.responses == hand["n"]
        assert (results.nps.promoters, results.nps.detractors) == (hand["promoters"], hand["detractors"])
        assert results.nps_distribution == hand["dist"]
        figures = _figures(results)
        assert sum(n for _m, n, _s in figures["trend"]) == hand["n"]
        if not filters.channel:
            table = {k: n for k, n, _ in figures["tables"].get("channel", [])}
            assert table == dict(hand["by_channel"]) or len(hand["by_channel"]) <= 1
        clarity = next((d for d in results.drivers if d.code == "clarity"), None)
        if clarity is not None:
            assert clarity.n == hand["clarity_n"]
    # the rollup read and the base rows' JSON read (the fallback) give the same page
    from tsunagu.surveys import results as module

    for filters in combos:
        from_rollup = _figures(results_get(user=analyst, filters=filters))
        original = module._rollup_stats
        module._rollup_stats = lambda rows, f, q: module._stats_from_base(f, q)  # type: ignore[assignment]
        try:
            from_base = _figures(results_get(user=analyst, filters=filters))
        finally:
            module._rollup_stats = original  # type: ignore[assignment]
        assert from_rollup == from_base
