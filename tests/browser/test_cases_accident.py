import pytest

from tests.cases.conftest import departments  # noqa: F401  (fixture)
from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_registers_accident_and_sees_it_in_claims_queue(
    page,
    screenshot,
    hq_operator,
    customer_a,
    departments,  # noqa: F811
    case_reference_data,  # an earlier transactional test's flush removed the seeded case rules
):
    login(page, "hq_operator", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/customers/{customer_a.pk}/")
    assert page.get_by_role("heading", name="山田 花子").is_visible()
    # The desk links here from its cases panel; the link carries the customer id.
    page.goto(f"/cases/new/?customer={customer_a.pk}")
    page.get_by_role("link", name="事故受付").click()
    page.get_by_label("件名").fill("交差点での追突事故")
    page.get_by_label("事故日時").fill("2026-05-30T14:30")
    page.get_by_label("事故場所").fill("東京都千代田区丸の内1丁目交差点")
    page.get_by_label("事故の種類").select_option("対物")
    page.get_by_label("事故状況").fill("信号待ちの車両に後方から接触した。")
    page.get_by_role("button", name="受け付ける").click()
    page.wait_for_url("**/cases/*/")
    assert "損害サービス部" in page.locator("#case-department").inner_text()
    number = page.locator("p.meta").first.inner_text().split()[0]

    page.goto("/cases/queue/")
    page.get_by_role("link", name="損害サービス部").click()
    page.get_by_role("link", name=number).wait_for()
    assert "交差点での追突事故" in page.locator("table.cases").inner_text()
    screenshot("cases-accident-in-claims-queue")
