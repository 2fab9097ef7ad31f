"""An operator edits a customer's contacts in a real browser: the kit's error path and keyboard focus."""

import pytest

from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_adds_a_phone_after_an_error_and_sets_consent(page, screenshot, hq_operator, customer_a):
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/customers/{customer_a.pk}/")
    page.get_by_role("link", name="連絡先・同意・親族を編集").click()
    page.get_by_role("heading", name="連絡先・同意・親族の編集").wait_for()

    page.get_by_role("link", name="電話番号を追加").click()
    page.get_by_role("textbox", name="電話番号").fill("12-34")
    page.get_by_role("button", name="追加する").click()

    # Same page, the summary at the top, the value kept, the focus on the field to correct.
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert "電話番号は0から始まる10桁または11桁" in summary.inner_text()
    number = page.get_by_role("textbox", name="電話番号")
    assert number.input_value() == "12-34"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_number'")
    screenshot("customer-edit-phone-error")

    number.fill("0311112222")
    page.get_by_role("button", name="追加する").click()
    page.get_by_text("電話番号を追加しました。").wait_for()
    assert "03-1111-2222" in page.locator("#phones-panel").inner_text()

    consent = page.locator("#consent-panel")
    consent.get_by_label("DM送付の同意").check()
    consent.get_by_role("button", name="同意を保存").click()
    page.get_by_text("連絡の同意・希望連絡方法を保存しました。").wait_for()
    assert page.locator("#consent-panel").get_by_label("DM送付の同意").is_checked()

    # "/" focuses the search box from anywhere that is not a field.
    page.locator("h1").click()
    page.keyboard.press("/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'nav-q'")
    screenshot("customer-edit-done")

    # "c" (通話を記録) on the customer page puts the focus in the call form.
    page.goto(f"/customers/{customer_a.pk}/")
    page.locator("h1").click()
    page.keyboard.press("c")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_channel'")

    customer_a.refresh_from_db()
    assert customer_a.dm_consent is True
    assert customer_a.phones.filter(digits="0311112222").exists()
