import pytest

from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_logs_in_opens_a_customer_and_logs_a_call(page, screenshot, hq_operator, customer_a):
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="ホーム").is_visible()

    page.goto(f"/customers/{customer_a.pk}/")
    assert page.get_by_role("heading", name="山田 花子").is_visible()
    panel = page.locator("#interactions-panel")
    panel.get_by_label("件名").fill("住所変更の問い合わせ")
    panel.get_by_label("内容").fill("転居予定。必要書類を案内した。")
    panel.get_by_role("button", name="記録する").click()

    timeline = page.locator("#timeline")
    timeline.get_by_text("住所変更の問い合わせ").wait_for()
    assert "転居予定" in timeline.inner_text()
    screenshot("foundation-customer-call-logged")
