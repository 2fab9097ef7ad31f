"""Screens: scoping of figures and drill-down (agency B sees nothing of A), access log, targets,
the report's versions (frozen when published), PDF, export."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tsunagu.core.models import AccessLog
from tsunagu.kpis import aggregates, selectors, services
from tsunagu.kpis.definitions import FiscalYear
from tsunagu.kpis.models import KpiReportVersion, KpiTarget

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)


def test_agency_staff_see_only_their_agency(book, agency_b_staff):
    scope = selectors.scope_for(agency_b_staff)
    assert scope.agency.code == "B0001"
    with pytest.raises(Http404):
        selectors.scope_for(agency_b_staff, agency_code="A0001")
    with pytest.raises(Http404):
        selectors.scope_for(agency_b_staff, branch_code="B01")


def test_drill_down_lists_the_counted_records_scoped_and_logged(book, agency_a_staff, agency_b_staff, hq_operator):
    from tsunagu.kpis import definitions

    kpi = definitions.get("face_to_face_rate")
    scope = selectors.scope_for(agency_a_staff)
    before = AccessLog.objects.count()
    _page, rows = selectors.drill_down(user=agency_a_staff, kpi=kpi, scope=scope, start=FY.start, end=FY.end)
    assert sorted((r.number, r.counted) for r in rows) == sorted(
        (book["policies"][k].number, flag)
        for k, flag in (("a1", "分子"), ("a2", "分子"), ("a3", "分子"), ("a4", "分母のみ"))
    )
    assert AccessLog.objects.count() == before + 1  # the one customer shown
    assert AccessLog.objects.order_by("-id").first().customer_id == book["holder"].pk
    # B's staff asking for the company scope get their own agency; nothing of A
    _b_page, b_rows = selectors.drill_down(
        user=agency_b_staff, kpi=kpi, scope=selectors.scope_for(agency_b_staff), start=FY.start, end=FY.end
    )
    assert {r.number for r in b_rows} == {book["policies"]["b1"].number, book["policies"]["b2"].number}
    # head office: the whole company (the direct policy is no agency's: not counted)
    _, hq_rows = selectors.drill_down(
        user=hq_operator, kpi=kpi, scope=selectors.scope_for(hq_operator), start=FY.start, end=FY.end
    )
    assert len(hq_rows) == 6


def test_dashboard_and_drill_pages(client, book, agency_a_staff):
    aggregates.rebuild([FY])
    client.force_login(agency_a_staff)
    page = client.get("/kpis/?fy=2025")
    assert page.status_code == 200
    body = page.content.decode()
    assert "対面募集率" in body
    assert "75.0%" in body
    assert "みどり保険事務所" not in body
    drill = client.get("/kpis/drill/face_to_face_rate/?fy=2025&month=2025-04")
    assert drill.status_code == 200
    assert book["policies"]["a1"].number in drill.content.decode()
    assert book["policies"]["a2"].number not in drill.content.decode()  # August
    assert client.get("/kpis/?fy=abc").status_code == 400
    assert client.get("/kpis/drill/face_to_face_rate/?fy=2025&month=2024-01").status_code == 400
    assert client.get("/kpis/drill/nope/?fy=2025").status_code == 404
    assert client.get("/kpis/?agency=B0001").status_code == 404


def test_export_is_logged(client, book, agency_a_staff):
    aggregates.rebuild([FY])
    client.force_login(agency_a_staff)
    before = AccessLog.objects.count()
    response = client.get("/kpis/export.csv?fy=2025")
    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "face_to_face_rate" in text
    assert ",3,4," in text
    assert AccessLog.objects.count() == before + 1
    assert client.get("/kpis/export.xlsx?fy=2025").status_code == 200
    assert client.get("/kpis/export.pdf?fy=2025").status_code == 404


def test_targets_own_agency_only_and_validated(book, agency_a_staff, org):
    row = services.target_save(
        actor=agency_a_staff,
        data=services.TargetInput("face_to_face_rate", 2025, Decimal("70"), agency=org["agency_a"]),
    )
    assert (row.starts_on, row.ends_on) == (FY.start, FY.end)
    services.target_save(
        actor=agency_a_staff,
        data=services.TargetInput("face_to_face_rate", 2025, Decimal("72"), agency=org["agency_a"]),
    )
    assert KpiTarget.objects.get().value == Decimal("72")
    with pytest.raises(PermissionDenied):
        services.target_save(
            actor=agency_a_staff,
            data=services.TargetInput("face_to_face_rate", 2025, Decimal("70"), agency=org["agency_b"]),
        )
    with pytest.raises(PermissionDenied):
        services.target_save(actor=agency_a_staff, data=services.TargetInput("face_to_face_rate", 2025, Decimal("1")))
    with pytest.raises(ValidationError, match="0〜100"):
        services.target_save(
            actor=agency_a_staff,
            data=services.TargetInput("face_to_face_rate", 2025, Decimal("120"), agency=org["agency_a"]),
        )


def test_target_form_errors_are_shown_not_500(client, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.post("/kpis/targets/", {"kpi": "face_to_face_rate", "fiscal_year": "abc", "value": "x"})
    assert response.status_code == 200
    assert "年度は西暦4桁の数字で入力してください。" in response.content.decode()


def test_publishing_freezes_a_version(client, book, agency_a_staff, org):
    aggregates.rebuild([FY])
    a = org["agency_a"]
    with pytest.raises(ValidationError):
        services.report_publish(actor=agency_a_staff, agency=a, fiscal_year=2025)
    services.report_save(
        actor=agency_a_staff,
        agency=a,
        fiscal_year=2025,
        data=services.ReportInput("お客さま第一", "対面での丁寧な説明", "対面募集率は目標を上回りました"),
    )
    v1 = services.report_publish(actor=agency_a_staff, agency=a, fiscal_year=2025)
    assert v1.number == 1
    assert v1.content["principles"] == "お客さま第一"
    ftf = next(r for r in v1.content["table"] if r["key"] == "face_to_face_rate")
    assert ftf["cells"][-1]["display"] == "75.0%"
    assert v1.content["years"] == [2022, 2023, 2024, 2025]
    services.report_save(actor=agency_a_staff, agency=a, fiscal_year=2025, data=services.ReportInput("変更後", "", ""))
    v1.refresh_from_db()
    assert v1.content["principles"] == "お客さま第一"  # frozen
    with pytest.raises(ValidationError):
        v1.save()
    v2 = services.report_publish(actor=agency_a_staff, agency=a, fiscal_year=2025)
    assert (v2.number, v2.content["principles"]) == (2, "変更後")
    client.force_login(agency_a_staff)
    pdf = client.get("/kpis/reports/A0001/2025/v1/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/kpis/reports/A0001/2025/pdf/").status_code == 200
    assert client.get("/kpis/reports/A0001/2025/v9/pdf/").status_code == 404
    assert KpiReportVersion.objects.count() == 2


def test_outsiders_get_404_for_another_agencys_report(client, book, agency_b_staff):
    client.force_login(agency_b_staff)
    assert client.get("/kpis/reports/A0001/2025/").status_code == 404
    assert client.post("/kpis/reports/A0001/2025/publish/").status_code == 404
    assert client.get("/kpis/reports/A0001/1800/").status_code == 404


def test_report_form_keeps_values_on_error(client, book, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.post("/kpis/reports/A0001/2025/", {"principles": "x" * 4001, "measures": "取組", "comments": ""})
    assert response.status_code == 200
    assert "4,000文字以内" in response.content.decode()
    assert "取組" in response.content.decode()
