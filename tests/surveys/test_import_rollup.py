"""An import written in several batches (chunks) leaves the aggregates and the dashboard's rollup
exactly as `aggregates.rebuild` computes them from the responses: every batch adds its counts once,
bad rows add nothing, and rows added by an earlier answer are added to, not replaced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.surveys import aggregates
from tsunagu.surveys.choices import Channel
from tsunagu.surveys.models import Response, ResponseAggregate, ResponseRollup, RollupSlot
from tsunagu.surveys.services import imports
from tsunagu.surveys.services.responses import ResponseInput, responses_record

pytestmark = pytest.mark.django_db


def _rollup(survey) -> dict[tuple, dict[str, int]]:
    """Rollup rows by cut, the numbered columns named by their path (slots may be renumbered by a rebuild)."""
    paths = {slot: path for path, slot in RollupSlot.objects.filter(survey=survey).values_list("path", "slot")}
    found = {}
    for row in ResponseRollup.objects.filter(survey=survey):
        key = (row.month, row.dims, row.agency_key, row.line, row.case_type, row.event, row.channel)
        values = {c: getattr(row, c) for c in aggregates.Counts.COLUMNS}
        values.update({path: getattr(row, f"s{slot}") for slot, path in paths.items()})
        found[key] = {name: value for name, value in values.items() if value}
    return found


def _base(survey) -> dict[tuple, tuple[Any, ...]]:
    rows = ResponseAggregate.objects.filter(survey=survey)
    return {
        (r.month, r.agency_id, r.line, r.case_type, r.event, r.channel): (
            *(getattr(r, c) for c in aggregates.Counts.COLUMNS),
            r.answer_stats,
        )
        for r in rows
    }


def test_a_batched_import_leaves_the_rollup_equal_to_a_rebuild(org, hq_operator, monkeypatch):
    manager = cs_manager()
    survey = claim_survey(manager)
    policies = []
    for n, (agency, line) in enumerate(
        [
            (org["agency_a"], LineOfBusiness.AUTO),
            (org["agency_a"], LineOfBusiness.FIRE),
            (org["agency_b"], LineOfBusiness.AUTO),
            (None, LineOfBusiness.AUTO),
        ]
    ):
        holder = make_customer(hq_operator, agency=agency)
        policies.append(make_policy(hq_operator, holder, agency=agency, line=line, number=f"RB-{n}"))
    version = survey.versions.get(is_current=True)
    # an earlier answer in a cut the import adds to
    responses_record(
        actor=manager,
        version=version,
        channel=Channel.IMPORT,
        rows=[ResponseInput(policies[0].policyholder, {"nps": 4, "satisfaction": 6}, dt.date(2026, 5, 3), policies[0])],
    )
    lines = ["policy_number,answered_on,nps,satisfaction,comment"]
    for i in range(24):
        day = dt.date(2026, 4 + i % 3, 1 + i)
        lines.append(f"RB-{i % 4},{day:%Y-%m-%d},{i % 11},{(i * 7) % 11},コメント{i}")
    lines.insert(5, "RB-9,2026-05-01,9,9,")  # row 6: unknown policy
    lines.insert(9, "RB-1,2026-05-01,12,9,")  # row 10: NPS out of range
    monkeypatch.setattr(imports, "CHUNK", 5)  # five batches of five and one of four
    result = imports.survey_import_run(
        actor=manager, survey=survey, data="\n".join(lines).encode(), file_name="rollup.csv"
    )

    assert (result.survey_import.imported, result.survey_import.rejected) == (24, 2)
    assert [(e.row, e.policy_number) for e in result.errors] == [(6, "RB-9"), (10, "RB-1")]
    assert Response.objects.filter(survey=survey).count() == 25
    incremental_rollup, incremental_base = _rollup(survey), _base(survey)
    assert sum(v["responses"] for k, v in incremental_rollup.items() if k[1] == 0) == 25
    aggregates.rebuild(survey)
    assert _rollup(survey) == incremental_rollup
    assert _base(survey) == incremental_base
