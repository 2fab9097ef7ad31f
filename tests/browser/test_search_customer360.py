import pytest

from tests.conftest import PASSWORD, make_customer

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_finds_yamada_by_reading_and_logs_a_call(page, screenshot, hq_operator, customer_a):
    make_customer(hq_operator, name="田中 誠", name_kana="タナカ マコト", phones=[("mobile", "080-2222-3333")])
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")

    # The live search box on the home page (htmx): results appear while typing.
    page.locator("#search-q").fill("やまだ")
    results = page.locator("#search-results")
    results.get_by_role("link", name="山田 花子").wait_for()
    assert "田中 誠" not in results.inner_text()
    assert "ヤマダ ハナコ" in results.inner_text()
    screenshot("search-yamada-results")

    results.get_by_role("link", name="山田 花子").click()
    page.wait_for_url(f"**/customers/{customer_a.pk}/")
    assert page.get_by_role("heading", name="山田 花子").is_visible()

    panel = page.locator("#interactions-panel")
    panel.get_by_label("件名").fill("満期更改の問い合わせ")
    panel.get_by_label("内容").fill("更改見積を送付することを案内した。")
    panel.get_by_role("button", name="記録する").click()

    timeline = page.locator("#timeline")
    timeline.get_by_text("満期更改の問い合わせ").wait_for()
    assert "更改見積" in timeline.inner_text()
    screenshot("search-customer360-call-logged")


def test_top_bar_search_and_bad_input(page, hq_operator, customer_a):
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    box = page.locator("#nav-q")
    box.fill("ﾔﾏﾀﾞ 5678")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.get_by_role("link", name="山田 花子").wait_for()

    # The box stops at 200 characters (maxlength); a longer query in the URL gets the message.
    response = page.goto("/search/?q=" + "山" * 201)
    assert response is not None
    assert response.status == 400
    assert "200文字以内" in page.get_by_role("alert").inner_text()
