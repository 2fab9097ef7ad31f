"""The KPI pack in the browser: an agency's staff (who keep their agency's report) see the KPI table,
drill down from 対面募集率 to the policies counted, write the 取組状況 commentary, publish 第1版 and
download its PDF."""

import pytest

from tests.conftest import PASSWORD
from tests.kpis.conftest import book  # noqa: F401  (fixture)
from tsunagu.kpis import aggregates
from tsunagu.kpis.definitions import FiscalYear
from tsunagu.kpis.models import KpiReportVersion

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agency_views_kpis_drills_down_and_publishes_the_report(page, screenshot, agency_a_staff, book):  # noqa: F811
    aggregates.rebuild([FiscalYear(2025)])
    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/kpis/?fy=2025")
    row = page.locator("#kpi-table tr[data-kpi='face_to_face_rate']")
    assert "75.0%" in row.inner_text()
    assert "3 / 4" in row.inner_text()
    screenshot("kpis-table")
    row.locator("a.kpi-value").click()
    page.wait_for_url("**/kpis/drill/face_to_face_rate/**")
    records = page.locator("#kpi-records").inner_text()
    assert book["policies"]["a1"].number in records
    assert book["policies"]["b1"].number not in records  # agency B's
    page.goto("/kpis/reports/A0001/2025/")
    page.get_by_label("取組方針").fill("お客さまの意向に沿った提案を徹底します。")
    page.get_by_label("KPIへのコメント(振り返り)").fill("対面募集率は75.0%でした。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/kpis/reports/A0001/2025/")
    page.locator("#publish").click()
    page.wait_for_url("**/kpis/reports/A0001/2025/")
    assert "第1版" in page.locator("#report-versions").inner_text()
    version = KpiReportVersion.objects.get()
    assert version.content["comments"] == "対面募集率は75.0%でした。"
    href = page.locator("#report-pdf").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
    screenshot("kpis-report-published")
