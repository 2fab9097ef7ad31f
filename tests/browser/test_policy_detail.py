"""From the customer page to the policy page and on to the claim page, in a real browser."""

import datetime as dt

import pytest

from tests.conftest import PASSWORD, make_customer, make_policy
from tsunagu.policies.choices import ReportChannel
from tsunagu.policies.services import claim_register

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_opens_a_policy_and_its_claim_from_the_customer_page(page, screenshot, hq_operator, org):
    # Numbers are stored normalized (identifier_key): PN-BROWSER-01 is shown as PNBROWSER01.
    customer = make_customer(hq_operator, name="高橋 真理", name_kana="タカハシ マリ")
    policy = make_policy(
        hq_operator,
        customer,
        agency=org["agency_a"],
        number="PN-BROWSER-01",
        vehicle={"model_name": "フィット GR3", "registration_number": "練馬 500 さ 56-78", "nonfleet_grade": 12},
    )
    claim_register(
        actor=hq_operator,
        policy=policy,
        number="CLM-BROWSER-01",
        accident_date=dt.date(2026, 7, 1),
        accident_place="東京都練馬区",
        accident_type="接触",
        reported_on=dt.date(2026, 7, 2),
        reported_via=ReportChannel.WEB,
    )
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/customers/{customer.pk}/")
    page.locator("#policies-panel").get_by_role("link", name="PNBROWSER01").click()
    page.wait_for_url(f"**/policies/{policy.pk}/")
    assert page.get_by_role("heading", name="契約 PNBROWSER01").is_visible()
    assert "フィット GR3" in page.locator("#insured-object-panel").inner_text()
    assert "対人賠償" in page.locator("#coverages-panel").inner_text()
    screenshot("policy-detail")

    page.locator("#policy-claims-panel").get_by_role("link", name="CLMBROWSER01").click()
    page.wait_for_url("**/policies/claims/*/")
    assert page.get_by_role("heading", name="事故 CLMBROWSER01").is_visible()
    assert "東京都練馬区" in page.inner_text("main")
    page.get_by_role("navigation", name="パンくずリスト").get_by_role("link", name="高橋 真理").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
