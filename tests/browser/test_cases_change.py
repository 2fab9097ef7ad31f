"""An operator files an address change: a bad 〒 is refused beside its field with the typed values
kept, the case page reads in Japanese (before → after), the details are corrected while open, and
a colleague of the case's department takes the case."""

import pytest

from tests.cases.conftest import departments  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, _user
from tsunagu.cases.models import Case
from tsunagu.core.choices import Role

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_files_and_corrects_an_address_change(
    page,
    screenshot,
    hq_operator,
    customer_a,
    departments,  # noqa: F811
    case_reference_data,  # an earlier transactional test's flush removed the seeded case rules
):
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/cases/new/?customer={customer_a.pk}&type=change")
    page.get_by_label("区分").select_option("address")
    page.get_by_label("件名").fill("転居のご連絡")
    page.get_by_label("新しい郵便番号").fill("12-34")
    page.get_by_label("新しい都道府県").select_option("大阪府")
    page.get_by_label("新しい市区町村").fill("大阪市北区")
    page.get_by_label("新しい町域・番地").fill("梅田1-1")
    page.get_by_role("button", name="受け付ける").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "7桁" in summary.inner_text()
    assert page.get_by_label("新しい町域・番地").input_value() == "梅田1-1"  # nothing typed is lost
    assert not Case.objects.exists()
    page.get_by_label("新しい郵便番号").fill("530-0001")
    page.get_by_role("button", name="受け付ける").click()
    page.wait_for_url("**/cases/*/")
    values = page.locator("#change-values").inner_text()
    assert "郵便番号" in values
    assert "〒530-0001" in values
    assert "〒100-0001" in values  # what the record holds now
    assert "postal_code" not in values
    screenshot("cases-change-before-after")

    page.get_by_role("link", name="異動内容を訂正する").click()
    page.get_by_label("新しい町域・番地").fill("梅田2-2")
    page.get_by_label("保険料差額(円, +追徴/−返戻)").fill("99999999999")
    page.get_by_role("button", name="訂正する").click()
    page.locator(".error-summary").wait_for()
    page.get_by_label("保険料差額(円, +追徴/−返戻)").fill("-1200")
    page.get_by_role("button", name="訂正する").click()
    page.wait_for_url("**/cases/*/")
    assert "梅田2-2" in page.locator("#change-values").inner_text()
    assert "返戻 ¥1,200" in page.locator("#type-panel").inner_text()
    assert "町域・番地: 梅田1-1 → 梅田2-2" in page.locator("#case-timeline").inner_text()

    # A colleague of the 契約管理部 queue takes the case; it shows in their own list.
    _user("pa_staff", [Role.OPERATOR], department=departments["policy_admin"])
    page.context.clear_cookies()
    login(page, "pa_staff", PASSWORD)
    page.wait_for_url("**/")
    case = Case.objects.get()
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("button", name="自分が担当する").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert "pa_staff" in page.locator("#case-assignee").inner_text()
    page.goto("/cases/mine/")
    page.get_by_role("link", name=case.number).wait_for()
