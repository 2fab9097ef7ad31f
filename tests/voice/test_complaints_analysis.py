"""苦情分析 on a small known set: counts, recurrence, time to resolve, ADR quarters, scoping, export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.conftest import open_case
from tests.conftest import make_customer, make_policy
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.cases.services import adr_refer
from tsunagu.core import writes
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.voice import complaints

pytestmark = pytest.mark.django_db

D = dt.date
FILTERS = complaints.Filters(date_from=D(2026, 4, 1), date_to=D(2026, 12, 31), window_days=180)


def _complaint(actor, policy, code: str, opened_on: dt.date) -> Case:
    customer = policy.policyholder
    category = ComplaintCategory.objects.get(code=code)
    return open_case(
        actor, customer, policy, CaseType.COMPLAINT, category=category.pk, customer_request="説明", opened_on=opened_on
    )


def _close(actor, case: Case, on: dt.date) -> None:
    closed_at = timezone.make_aware(dt.datetime(on.year, on.month, on.day, 15, 0))
    writes.update_rows(Case.objects.filter(pk=case.pk), actor=actor, closed_at=closed_at, is_open=False)


@pytest.fixture
def world(hq_operator, cs_officer, org):
    customer_a = make_customer(hq_operator, name="山田 花子", name_kana="ヤマダ ハナコ")
    policy_a = make_policy(hq_operator, customer_a, agency=org["agency_a"])
    customer_b = make_customer(hq_operator, name="佐藤 次郎", name_kana="サトウ ジロウ")
    policy_b = make_policy(hq_operator, customer_b, agency=org["agency_b"])
    first = _complaint(hq_operator, policy_a, "C3-03", D(2026, 6, 1))  # Mon
    second = _complaint(hq_operator, policy_a, "C3-03", D(2026, 7, 1))  # Wed: 30 days later
    _complaint(hq_operator, policy_a, "C3-03", D(2026, 12, 1))  # 153 days later
    other = _complaint(hq_operator, policy_b, "C1-01", D(2026, 6, 15))
    _close(hq_operator, first, D(2026, 6, 5))  # 4 business days
    _close(hq_operator, second, D(2026, 7, 15))  # 10 business days
    adr_refer(actor=cs_officer, case=other, notified_on=D(2026, 6, 12), lodged_on=D(2026, 6, 10), reference="B-1")
    return {"a": org["agency_a"], "b": org["agency_b"]}


def test_counts_recurrence_resolution_and_adr_for_head_office(cs_officer, world):
    a = complaints.analyse(user=cs_officer, filters=FILTERS)
    assert (a.total, a.open) == (4, 2)
    assert {r.label: r.count for r in a.by_agency} == {world["a"].name: 3, world["b"].name: 1}
    assert sum(r.count for r in a.by_category) == 4
    assert {r.label: r.count for r in a.by_channel} == {"電話": 4}
    assert a.recurrence_total == 2
    assert [(r.detail, r.count) for r in a.recurrences] == [(world["a"].name, 2)]
    assert (a.resolved, a.resolve_median, a.resolve_p90) == (2, 7.0, pytest.approx(9.4))
    q1, q2, q3 = a.adr_quarters
    assert (q1.quarter.label, q1.complaint.new, q1.complaint.pending) == ("2026年度第1四半期", 1, 1)
    assert (q2.complaint.new, q2.complaint.pending, q3.dispute.new) == (0, 1, 0)
    assert (a.agency_origin, a.reported_to_insurer) == (4, 0)
    narrower = complaints.analyse(user=cs_officer, filters=complaints.Filters(D(2026, 4, 1), D(2026, 12, 31), None, 60))
    assert narrower.recurrence_total == 1


def test_agency_staff_see_only_their_agency(agency_b_staff, client, world):
    a = complaints.analyse(user=agency_b_staff, filters=FILTERS)
    assert a.total == 1
    assert [r.label for r in a.by_agency] == [world["b"].name]
    assert a.recurrence_total == 0
    client.force_login(agency_b_staff)
    page = client.get(
        "/voice/complaints/", {"date_from": "2026-04-01", "date_to": "2026/12/31", "agency": world["a"].pk}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert world["a"].name not in body
    assert "山田" not in body
    assert "佐藤" not in body


def test_page_export_and_errors(cs_officer, hq_operator, client, world):
    client.force_login(cs_officer)
    page = client.get("/voice/complaints/", {"date_from": "2026-04-01", "date_to": "2026-12-31"})
    body = page.content.decode()
    assert "苦情解決手続" in body
    assert "2026年度第1四半期" in body
    assert "山田" not in body
    bad = client.get("/voice/complaints/", {"date_from": "2026-12-31", "date_to": "2026-04-01"})
    assert bad.status_code == 200
    assert "「まで」は「から」以降の日付にしてください。" in bad.content.decode()
    export = client.get(
        "/voice/complaints/export/", {"date_from": "2026-04-01", "date_to": "2026-12-31", "format": "csv"}
    )
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "集計,項目,小項目,値"
    assert f"代理店別,{world['a'].name},,3" in text
    export_log = AccessLog.objects.filter(purpose=AccessPurpose.EXPORT, screen="苦情分析の出力").get()
    assert export_log.customer_id is None
    xlsx = client.get("/voice/complaints/export/", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    wrong = client.get("/voice/complaints/export/", {"format": "pdf"})
    assert wrong.status_code == 200
    assert "csv か xlsx" in wrong.content.decode()
    client.force_login(hq_operator)
    assert client.get("/voice/complaints/").status_code == 403
