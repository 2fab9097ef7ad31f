"""Target lists in a real browser: the analyst previews a segment and creates a list with a control
group; agency A's staff open their worklist (agency B's customers are not on it) and record a result,
which shows on the entry with its history."""

import pytest

from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.analytics.models import TargetEntry
from tsunagu.core.choices import Role
from tsunagu.policies.choices import LineOfBusiness

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_creates_a_list_and_agency_staff_record_a_result(
    page, browser, live_server, screenshot, hq_operator, agency_a_staff, org
):
    _user("analyst", [Role.ANALYST], department=org["compliance"])
    for i in range(6):
        customer = make_customer(hq_operator, agency=org["agency_a"], name=f"青空 {i}", name_kana="アオゾラ")
        make_policy(hq_operator, customer, agency=org["agency_a"], line=LineOfBusiness.FIRE)
    other = make_customer(hq_operator, agency=org["agency_b"], name="緑川 次郎", name_kana="ミドリカワ ジロウ")
    make_policy(hq_operator, other, agency=org["agency_b"], line=LineOfBusiness.FIRE)

    page.set_default_timeout(60_000)  # a loaded CI machine renders the first pages slowly
    login(page, "analyst", PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="ターゲットリスト").first.click()
    page.get_by_role("link", name="リストを作成").click()
    page.fill("[name=name]", "地震保険のご案内")
    page.select_option("[name=basis]", "campaign")
    page.fill("[name=talking_points]", "地震保険は途中から付帯できます")
    page.get_by_label("火災", exact=True).first.check()  # 保有している種目
    page.fill("[name=control_percent]", "20")
    page.fill("[name=seed]", "5")
    page.get_by_role("button", name="件数を確認").click()
    assert "7" in page.locator("#preview").inner_text()
    page.get_by_role("button", name="作成").click()
    page.wait_for_url("**/analytics/lists/*/")
    assert "ワークリスト 6人、対照群 1人" in page.content()
    screenshot("analytics-target-list")
    target_url = page.url

    staff = browser.new_context(base_url=live_server.url, locale="ja-JP").new_page()
    staff.set_default_timeout(60_000)
    login(staff, "agency_a_staff", PASSWORD)
    staff.wait_for_url("**/")
    staff.goto(target_url + "worklist/")
    table = staff.locator("table.grid").inner_text()
    assert "青空" in table
    assert "緑川" not in table
    staff.locator("table.grid tbody a").first.click()
    staff.wait_for_url("**/analytics/entries/*/")
    staff.select_option("[name=result]", "proposed")
    staff.fill("[name=note]", "パンフレットをお渡し")
    staff.get_by_role("button", name="記録する").click()
    staff.wait_for_url("**/analytics/entries/*/")
    assert "活動結果を記録しました" in staff.content()
    assert "未着手 → 提案済み" in staff.locator("table.grid").inner_text()
    entry = TargetEntry.objects.get(result="proposed")
    assert entry.result_note == "パンフレットをお渡し"
    assert entry.agency == org["agency_a"]
