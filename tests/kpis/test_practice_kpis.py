"""意向把握 and 高齢者 KPIs from the practice app's records (counted by the policy's contract date)."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.kpis import selectors
from tsunagu.kpis.definitions import FiscalYear
from tsunagu.practice.models import ElderlyMeasure, ElderlySolicitation, IntentRecord

pytestmark = pytest.mark.django_db


def test_intent_and_elderly_kpis(book, hq_operator):
    p = book["policies"]
    a = p["a1"].agency
    for key, complete, other in (("a1", True, False), ("a2", True, True), ("a3", False, False), ("a_old", True, True)):
        IntentRecord.objects.create(
            policy=p[key], agency=a, kind="new", line=p[key].line, complete=complete, other_insurer=other
        )
    s1 = ElderlySolicitation.objects.create(
        policy=p["a1"], customer=book["holder"], agency=a, solicited_on=dt.date(2025, 4, 10), age=82, tier="enhanced",
        complete=True,
    )  # fmt: skip
    s2 = ElderlySolicitation.objects.create(
        policy=p["a2"], customer=book["holder"], agency=a, solicited_on=dt.date(2025, 8, 1), age=82, tier="enhanced"
    )
    for solicitation, kind in ((s1, "relative_present"), (s1, "confirmation_call"), (s2, "relative_present")):
        ElderlyMeasure.objects.create(
            solicitation=solicitation, kind=kind, done_on=dt.date(2025, 8, 1), done_by=hq_operator
        )
    rows = {(r.agency, r.kpi): r for r in selectors.pack(FiscalYear(2025))}

    def nd(kpi: str) -> tuple[int, int, float | int | None]:
        row = rows[("A0001", kpi)]
        return row.numerator, row.denominator, row.value

    # a_old's contract date is in FY2024: 3 records in the year
    assert nd("intent_record_completeness") == (2, 3, 66.7)
    assert nd("other_insurer_ratio") == (1, 3, 33.3)
    assert nd("elderly_measures_completion") == (1, 2, 50.0)
    assert nd("elderly_measures_count")[0] == 3
    assert nd("elderly_share_relative_present") == (2, 2, 100.0)
    assert nd("elderly_share_confirmation_call") == (1, 2, 50.0)
    assert nd("elderly_share_recording") == (0, 2, 0.0)
