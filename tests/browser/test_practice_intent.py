"""意向把握 in a real browser: agency staff record a non-recommended choice, the record stays
incomplete until a manager (a second person) double-checks it, then it is complete."""

import datetime as dt

import pytest

from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.core.choices import Role
from tsunagu.practice.models import IntentRecord

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = {
    "cover": "対人・対物無制限",
    "budget": "80000",
    "term": "1",
}


def test_a_non_recommended_choice_waits_for_the_managers_double_check(
    page, browser, live_server, screenshot, hq_operator, agency_a_staff, org
):
    manager = _user("agency_a_manager", [Role.AGENCY_STAFF], agency=org["agency_a"])
    agency_a_staff.manager = manager
    agency_a_staff.save(update_fields=["manager"])
    customer = make_customer(hq_operator, agency=org["agency_a"], name="中村 結衣", name_kana="ナカムラ ユイ")
    policy = make_policy(
        hq_operator,
        customer,
        agency=org["agency_a"],
        number="PN-PRACTICE-01",
        contract_date=dt.date(2026, 11, 20),
        inception=dt.date(2026, 12, 1),
        expiry=dt.date(2027, 12, 1),
    )

    page.set_default_timeout(60_000)  # a loaded CI machine renders the first pages slowly
    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/policies/{policy.pk}/")
    panel = page.locator("#policy-practice-panel")
    assert "未作成" in panel.inner_text()
    panel.get_by_role("link", name="記録する").click()
    page.wait_for_url(f"**/practice/policies/{policy.pk}/intent/")
    for prefix in ("initial", "final"):
        for key, value in FIELDS.items():
            page.fill(f"[name={prefix}_{key}]", value)
        page.select_option(f"[name={prefix}_vehicle_cover]", "一般")
        page.select_option(f"[name={prefix}_driver_scope]", "家族限定")
    page.fill("[name=product_1]", "あんしんカー")
    page.fill("[name=recommended_product]", "あんしんカー")
    page.fill("[name=recommendation_reason]", "ご予算内で補償が広い")
    page.get_by_label("推奨商品以外を選んだ", exact=True).check()
    page.fill("[name=chosen_product]", "格安カー")
    page.fill("[name=non_recommended_reason]", "保険料を優先されたため")
    page.fill("[name=confirmed_on]", "2026-11-20")
    page.select_option("[name=confirmation_method]", "paper")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/practice/policies/{policy.pk}/intent/")
    assert page.locator("#intent-missing").inner_text() == "ダブルチェック(記録者以外)"
    assert "ダブルチェック待ち" in page.locator("#double-check-state").inner_text()
    assert page.locator("#double-check").count() == 0  # the recorder may not double-check
    screenshot("practice-intent-blocked")
    record = IntentRecord.objects.get(policy=policy)
    assert not record.complete

    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    manager_page = context.new_page()
    manager_page.set_default_timeout(60_000)
    login(manager_page, "agency_a_manager", PASSWORD)
    manager_page.wait_for_url("**/")
    manager_page.goto(f"/practice/policies/{policy.pk}/intent/")
    manager_page.fill("[name=note]", "理由を確認しました")
    manager_page.get_by_role("button", name="ダブルチェックを記録").click()
    manager_page.wait_for_url(f"**/practice/policies/{policy.pk}/intent/")
    assert "完了" in manager_page.get_by_role("heading", level=1).inner_text()
    assert "理由を確認しました" in manager_page.locator("#double-check-state").inner_text()
    context.close()
    record.refresh_from_db()
    assert record.complete
    assert record.double_checked_by == manager
