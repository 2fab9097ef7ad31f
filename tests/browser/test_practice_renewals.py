"""満期管理 in a real browser: agency staff see a policy whose steps are overdue (red badge with the
days) and download the worklist from the link above it, as CSV and as XLSX, with the overdue steps."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import PASSWORD, make_customer, make_policy
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.practice.models import RenewalProgress

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_staff_download_the_renewal_worklist_with_its_overdue_steps(
    page, screenshot, hq_operator, agency_a_staff, org
):
    customer = make_customer(hq_operator, agency=org["agency_a"], name="森田 遥", name_kana="モリタ ハルカ")
    expiry = timezone.localdate() + dt.timedelta(days=40)  # the worklist reads the real calendar
    policy = make_policy(
        hq_operator,
        customer,
        agency=org["agency_a"],
        number="PN-RENEWAL-01",
        contract_date=expiry - dt.timedelta(days=380),
        inception=expiry - dt.timedelta(days=365),
        expiry=expiry,
    )
    RenewalProgress.objects.create(policy=policy, agency=policy.agency, agent=agency_a_staff, expiry=expiry)

    page.set_default_timeout(60_000)  # a loaded CI machine renders the first pages slowly
    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/practice/renewals/")
    row = page.locator("tr", has_text=policy.number)
    assert "期限超過" in row.inner_text()
    screenshot("practice-renewals")

    links = page.locator("#renewals-export")
    with page.expect_download() as csv_download:
        links.get_by_role("link", name="CSV").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["代理店コード", "代理店名", "担当者", "証券番号"]
    assert rows[1][3] == policy.number
    assert rows[1][-1].startswith("着手(")

    with page.expect_download() as xlsx_download:
        links.get_by_role("link", name="Excel(XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active  # the path has no suffix
    assert sheet["D2"].value == policy.number
    exports = AccessLog.objects.filter(user=agency_a_staff, purpose=AccessPurpose.EXPORT, customer_id=customer.pk)
    assert exports.count() == 2
