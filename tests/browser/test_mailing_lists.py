"""An agency's staff member finds 送付リスト in the menu and downloads the month's list (their policies only)."""

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.documents.conftest import document_dir  # noqa: F401  (fixture)
from tests.documents.test_notices import ISSUE, MAY, long_term  # noqa: F401  (fixture)
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.documents.notices import run_contract_notices

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agency_staff_downloads_the_mailing_list_from_the_menu(
    page,
    screenshot,
    hq_operator,
    agency_a_staff,
    long_term,  # noqa: F811
):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="送付リスト").first.click()
    page.wait_for_url("**/documents/mailing-lists/")
    row = page.locator("#mailing-lists tbody tr").first
    assert "2026/05" in row.inner_text()
    screenshot("documents-mailing-lists")
    with page.expect_download() as downloading:
        row.get_by_role("link", name="CSV").click()
    download = downloading.value
    assert download.suggested_filename == f"mailing-2026-05-{agency_a_staff.agency.code}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_bytes().decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == [long_term["agency"].number]  # agency A's policy only
    logged = AccessLog.objects.filter(user=agency_a_staff, purpose=AccessPurpose.EXPORT)
    assert list(logged.values_list("customer_id", flat=True)) == [long_term["a"].pk]
