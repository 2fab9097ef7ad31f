"""ResponseAggregate follows the responses: counts added as answers are recorded equal the counts
recomputed from the rows (random response sets), and `rebuild` gives the same rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command

from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, holders, record_random, record_scores
from tsunagu.surveys import aggregates
from tsunagu.surveys.models import Response, ResponseAggregate

pytestmark = pytest.mark.django_db


def _from_rows(survey) -> dict[tuple, dict]:
    """The expected aggregates, counted by hand from the response rows."""
    cuts: dict[tuple, dict] = {}
    for r in Response.objects.filter(survey=survey):
        key = (r.answered_on.replace(day=1), r.agency_id, r.line, r.case_type, r.event, r.channel)
        cut = cuts.setdefault(key, Counter())
        cut["responses"] += 1
        if r.nps is not None:
            cut["nps_n"] += 1
            cut["promoters"] += r.nps >= 9
            cut["detractors"] += r.nps <= 6
            cut[f"nps={r.nps}"] += 1
        if r.satisfaction is not None:
            cut["satisfaction_n"] += 1
            cut["satisfaction_sum"] += r.satisfaction
            cut["satisfaction_sumsq"] += r.satisfaction**2
        if "clarity" in r.answers:
            cut["clarity_n"] += 1
            cut["clarity_sum"] += r.answers["clarity"]
        if "speed" in r.answers:
            cut[f"speed={r.answers['speed']}"] += 1
    return {key: dict(+cut) for key, cut in cuts.items()}


def _from_aggregates(survey) -> dict[tuple, dict]:
    cuts: dict[tuple, dict] = {}
    for row in ResponseAggregate.objects.filter(survey=survey):
        key = (row.month, row.agency_id, row.line, row.case_type, row.event, row.channel)
        assert key not in cuts, f"two aggregate rows for one cut {key}"
        cut = Counter({column: getattr(row, column) for column in aggregates.Counts.COLUMNS})
        for score, n in row.answer_stats.get("nps", {}).get("choices", {}).items():
            cut[f"nps={score}"] += n
        clarity = row.answer_stats.get("clarity", {})
        cut["clarity_n"] += clarity.get("n", 0)
        cut["clarity_sum"] += clarity.get("sum", 0)
        for label, n in row.answer_stats.get("speed", {}).get("choices", {}).items():
            cut[f"speed={label}"] += n
        cuts[key] = dict(+cut)
    return cuts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_responses_give_the_same_figures_from_aggregates_and_rows(hq_operator, org, seed):
    survey = claim_survey(cs_manager())
    people = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    # three batches: the second and third add to cuts the first created
    for batch in range(3):
        record_random(survey, people, 120, seed * 10 + batch)
    expected = _from_rows(survey)
    assert sum(cut["responses"] for cut in expected.values()) == 360
    assert _from_aggregates(survey) == expected
    aggregates.rebuild(survey)
    assert _from_aggregates(survey) == expected


def test_the_rebuild_command_recomputes_a_survey(hq_operator, org, capsys):
    survey = claim_survey(cs_manager())
    people = holders(hq_operator, [org["agency_a"]])
    record_scores(survey, people[0], [10, 9, 3], dt.date(2025, 5, 3))
    before = _from_aggregates(survey)
    ResponseAggregate.objects.filter(survey=survey).update(promoters=0, responses=99)  # damaged
    call_command("survey_aggregates_rebuild", "--survey", "claim")
    assert _from_aggregates(survey) == before
    assert "1 行" in capsys.readouterr().out


def test_the_rebuild_command_refuses_an_unknown_survey_in_japanese(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="アンケートコード「nope」は登録されていません"):
        call_command("survey_aggregates_rebuild", "--survey", "nope")


def test_one_cut_per_month_agency_line_and_channel(hq_operator, org):
    survey = claim_survey(cs_manager())
    auto_a = holders(hq_operator, [org["agency_a"]])[0]
    record_scores(survey, auto_a, [10, 9, 8, 0], dt.date(2025, 5, 3))
    record_scores(survey, auto_a, [6], dt.date(2025, 5, 31))
    record_scores(survey, auto_a, [10], dt.date(2025, 6, 1))
    rows = {row.month: row for row in ResponseAggregate.objects.filter(survey=survey)}
    assert set(rows) == {dt.date(2025, 5, 1), dt.date(2025, 6, 1)}
    may = rows[dt.date(2025, 5, 1)]
    assert (may.responses, may.nps_n, may.promoters, may.detractors) == (5, 5, 2, 2)
    assert (may.satisfaction_n, may.satisfaction_sum, may.satisfaction_sumsq) == (5, 33, 100 + 81 + 64 + 0 + 36)
    assert may.agency_id == org["agency_a"].pk
    assert may.line == "auto"
    assert may.channel == "post"
    assert may.answer_stats["nps"]["choices"] == {"10": 1, "9": 1, "8": 1, "0": 1, "6": 1}
