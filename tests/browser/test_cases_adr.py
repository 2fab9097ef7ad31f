"""A complaints officer records the そんぽADR center's notification on a complaint: a future date is
refused beside its field with the typed values kept; once recorded, the panel shows the 60-day mark
with the days left and offers the move to 紛争解決手続."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.conftest import complaints_officer, departments, open_case  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import ComplaintCategory, ComplaintDetail

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_complaints_officer_records_an_adr_referral(
    page,
    screenshot,
    hq_operator,
    customer_a,
    departments,  # noqa: F811
    complaints_officer,  # noqa: F811
    case_reference_data,
):
    today = timezone.localdate()
    policy = customer_a.policies.first()
    case = open_case(
        hq_operator,
        customer_a,
        policy,
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C3-03").pk,
        customer_request="早く支払ってほしい",
        opened_on=today - dt.timedelta(days=30),
    )
    login(page, "complaints_officer", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/#adr")
    panel = page.locator("#adr")
    panel.get_by_label("ADRセンターからの通知日").fill((today + dt.timedelta(days=2)).isoformat())
    panel.get_by_label("お客さまのADR申出日").fill((today - dt.timedelta(days=10)).isoformat())
    panel.get_by_label("ADR受付番号").fill("ADR-2026-0042")
    panel.get_by_role("button", name="通知を記録").click()
    summary = page.locator("#adr .error-summary")
    summary.wait_for()
    assert "未来の日付" in summary.inner_text()
    assert page.locator("#adr").get_by_label("ADR受付番号").input_value() == "ADR-2026-0042"
    assert ComplaintDetail.objects.get(case=case).adr_stage == ""
    page.locator("#adr").get_by_label("ADRセンターからの通知日").fill((today - dt.timedelta(days=5)).isoformat())
    page.locator("#adr").get_by_role("button", name="通知を記録").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    panel = page.locator("#adr")
    mark = today - dt.timedelta(days=10) + dt.timedelta(days=60)
    text = panel.inner_text()
    assert f"{mark:%Y/%m/%d}" in text
    assert "あと50日" in text
    assert "ADR-2026-0042" in text
    assert panel.get_by_role("button", name="紛争解決手続に移行").is_visible()
    screenshot("cases-adr-panel")
