import pytest

from tests.conftest import PASSWORD
from tests.documents.conftest import document_dir  # noqa: F401  (fixture)
from tests.documents.test_notices import ISSUE, MAY, long_term  # noqa: F401  (fixture)
from tsunagu.documents.models import ContractNoticeReply
from tsunagu.documents.notices import run_contract_notices

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agency_staff_records_a_reply_with_changes_from_the_customer_page(
    page,
    screenshot,
    hq_operator,
    agency_a_staff,
    long_term,  # noqa: F811
    case_reference_data,
):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    customer = long_term["agency"].policyholder
    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/customers/{customer.pk}/")
    page.locator("#customer-documents").get_by_role("link", name="回答を記録").click()
    page.wait_for_url("**/reply/")
    page.get_by_role("button", name="回答を記録").click()  # nothing chosen: told what to choose
    assert "「変更あり」か「変更なし」を選んでください" in page.get_by_role("alert").inner_text()

    page.get_by_label("変更あり").check()
    page.get_by_label("転居").check()
    page.get_by_label("お客さまの記入内容").fill("来月大阪へ転居します")
    page.get_by_role("button", name="回答を記録").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    case = ContractNoticeReply.objects.get().case
    assert case is not None
    assert "回答を記録しました" in page.content()
    page.locator("#customer-documents").get_by_role("link", name=case.number).wait_for()
    screenshot("documents-notice-reply-recorded")
