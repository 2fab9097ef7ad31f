"""苦情分析: the monthly chart and the drill-down from every figure to the cases it counts (same scope)."""

from __future__ import annotations

import pytest

from tests.voice.test_complaints_analysis import FILTERS, D, world  # noqa: F401  (the fixture)
from tsunagu.cases import adr
from tsunagu.voice import complaints

pytestmark = pytest.mark.django_db


def _ids(user, dimension, key, filters=FILTERS):
    found = complaints.drill(user=user, filters=filters, dimension=dimension, key=key)
    assert found is not None
    return found.case_ids


def test_every_figure_drills_to_as_many_cases(cs_officer, world):  # noqa: F811
    a = complaints.analyse(user=cs_officer, filters=FILTERS)
    assert len(_ids(cs_officer, "all", "*")) == a.total == 4
    assert len(_ids(cs_officer, "open", "*")) == a.open == 2
    for row in a.by_category:
        assert len(_ids(cs_officer, "category", row.key)) == row.count
    for dimension, rows in (("line", a.by_line), ("agency", a.by_agency), ("channel", a.by_channel)):
        for row in rows:
            assert len(_ids(cs_officer, dimension, row.key)) == row.count
    for label, counts in a.trend:
        for month, n in zip(a.months, counts, strict=True):
            assert len(_ids(cs_officer, "month", f"{label}|{month}")) == n
    assert len(_ids(cs_officer, "month", "*|2026-06")) == 2
    for row in a.recurrences:
        assert len(_ids(cs_officer, "recurrence", row.key)) == row.count
    assert len(_ids(cs_officer, "resolved", "*")) == a.resolved == 2
    assert len(_ids(cs_officer, "agency_origin", "*")) == a.agency_origin
    q1 = a.adr_quarters[0]
    assert len(_ids(cs_officer, "adr", "2026-1|complaint|new")) == q1.complaint.new == 1
    assert len(_ids(cs_officer, "adr", "2026-2|complaint|pending")) == a.adr_quarters[1].complaint.pending == 1
    assert _ids(cs_officer, "adr", "2026-1|dispute|new") == []


def test_recurrence_lists_the_later_complaints(cs_officer, world):  # noqa: F811
    a = complaints.analyse(user=cs_officer, filters=FILTERS)
    (row,) = a.recurrences
    found = complaints.drill(user=cs_officer, filters=FILTERS, dimension="recurrence", key=row.key)
    assert [c.opened_on for c in found.cases] == [D(2026, 12, 1), D(2026, 7, 1)]


def test_drill_is_scoped_to_the_user(agency_b_staff, world):  # noqa: F811
    assert len(_ids(agency_b_staff, "all", "*")) == 1
    assert _ids(agency_b_staff, "agency", world["a"].name) == []


@pytest.mark.parametrize(
    ("dimension", "key"),
    [("nope", "*"), ("adr", "2026-5|complaint|new"), ("adr", "x"), ("adr", "2026-1|other|new"), ("recurrence", "a|b")],
)
def test_bad_keys_are_refused(cs_officer, world, dimension, key):  # noqa: F811
    assert complaints.drill(user=cs_officer, filters=FILTERS, dimension=dimension, key=key) is None


def test_counted_in_matches_the_statistics():
    referral = adr.Referral(
        stage=adr.DISPUTE, lodged_on=D(2026, 5, 1), dispute_filed_on=D(2026, 8, 1), result="settled",
        concluded_on=D(2026, 11, 2),
    )  # fmt: skip
    quarters = adr.quarters_between(D(2026, 4, 1), D(2027, 3, 31))
    cells = [adr.counted_in(referral, q) for q in quarters]
    assert cells[0] == {("complaint", "new"), ("complaint", "pending")}
    assert cells[1] == {("complaint", "concluded"), ("dispute", "new"), ("dispute", "pending")}
    assert cells[2] == {("dispute", "concluded")}
    assert cells[3] == set()
    rows = adr.quarterly_statistics([referral], quarters)
    assert (rows[1].complaint.concluded, rows[1].dispute.new, rows[2].dispute.concluded) == (1, 1, 1)


def test_page_has_the_chart_and_links_and_the_list_page(cs_officer, client, world):  # noqa: F811
    client.force_login(cs_officer)
    params = {"date_from": "2026-04-01", "date_to": "2026-12-31", "window_days": "180"}
    page = client.get("/voice/complaints/", params).content.decode()
    assert "<svg" in page
    assert "<polyline" in page
    assert "全体" in page
    assert "/voice/complaints/cases/?" in page
    assert "dim=adr" in page
    listing = client.get("/voice/complaints/cases/", {**params, "dim": "agency", "key": world["a"].name})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "3件" in body
    assert "山田" not in body  # no customer names on the list
    assert body.count("/cases/") >= 3
    bad = client.get("/voice/complaints/cases/", {**params, "dim": "adr", "key": "zzz"})
    assert bad.status_code == 200
    assert "集計の項目が正しくありません" in bad.content.decode()
    bad_date = client.get("/voice/complaints/cases/", {"date_from": "2026-13-01", "dim": "all", "key": "*"})
    assert bad_date.status_code == 200


def test_agency_staff_list_is_scoped(agency_b_staff, client, world):  # noqa: F811
    client.force_login(agency_b_staff)
    params = {"date_from": "2026-04-01", "date_to": "2026-12-31", "dim": "all", "key": "*"}
    body = client.get("/voice/complaints/cases/", params).content.decode()
    assert "1件" in body
    assert world["a"].name not in body


def test_an_empty_period_renders_without_chart(cs_officer, client, world):  # noqa: F811
    client.force_login(cs_officer)
    response = client.get("/voice/complaints/", {"date_from": "2025-01-01", "date_to": "2025-03-31"})
    assert response.status_code == 200
    assert response.context["chart"] is None
    assert [n for n, _ in response.context["trend_totals"]] == [0, 0, 0]
