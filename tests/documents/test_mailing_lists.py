"""契約内容のお知らせ 送付リスト for agencies: their own policies only, CSV and XLSX, logged as an export."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from tests.documents.test_notices import ISSUE, MAY, long_term  # noqa: F401  (fixture)
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.documents.models import DocumentBatch
from tsunagu.documents.notices import MAILING_HEADER, run_contract_notices
from tsunagu.documents.services.mailing_lists import mailing_list_export, mailing_months
from tsunagu.documents.xlsx import display_width, sheet_title, xlsx
from tsunagu.identity.readers import read_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(hq_operator, long_term):  # noqa: F811
    batch = run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    return {"batch": batch, **long_term}


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _exports(user) -> list[AccessLog]:
    return list(AccessLog.objects.filter(user=user, purpose=AccessPurpose.EXPORT).order_by("id"))


def test_agency_downloads_its_own_policies_only(client, agency_a_staff, agency_b_staff, hq_operator, notices):
    client.force_login(agency_a_staff)
    response = client.get("/documents/mailing-lists/2026-05/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response.content)
    assert rows[0] == MAILING_HEADER
    assert [row[3] for row in rows[1:]] == [notices["agency"].number]  # not the direct policy's notice
    assert rows[1][0] == agency_a_staff.agency.code
    # Written the way the screens write them: 〒 digits with a hyphen, dates 2026/05/10.
    row = dict(zip(MAILING_HEADER, rows[1], strict=True))
    assert re.fullmatch(r"\d{3}-\d{4}", row["郵便番号"]), row
    assert re.fullmatch(r"2026/05/\d{2}", row["応当日"]), row
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", row["保険終期"]), row
    logged = _exports(agency_a_staff)
    assert [(row.customer_id, row.screen) for row in logged] == [(notices["a"].pk, "送付リストのダウンロード")]
    assert logged[0].detail["month"] == "2026-05"
    assert logged[0].detail["rows"] == 1

    # Agency B has no notices this month: the header alone, and no customer in its log row.
    client.force_login(agency_b_staff)
    other = _csv(client.get("/documents/mailing-lists/2026-05/csv/").content)
    assert other == [MAILING_HEADER]
    assert [row.customer_id for row in _exports(agency_b_staff)] == [None]

    # Head office: every agency and the direct policies (the same list the batch writes).
    everything = mailing_list_export(user=hq_operator, month=MAY, file_format="csv")
    numbers = {row[3] for row in _csv(everything.content)[1:]}
    assert numbers == {notices["agency"].number, notices["direct"].number}


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def _values(sheet) -> list[list[str]]:
    return [["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()]


def test_xlsx_holds_the_same_rows(agency_a_staff, notices):
    as_csv = _csv(mailing_list_export(user=agency_a_staff, month=MAY, file_format="csv").content)
    exported = mailing_list_export(user=agency_a_staff, month=MAY, file_format="xlsx")
    assert exported.filename.endswith(".xlsx")
    sheet = _sheet(exported.content)
    assert sheet.title == "送付リスト2026-05"
    assert _values(sheet) == as_csv
    assert all(cell.font.b for cell in sheet[1])  # bold header row
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    # Codes are text cells in the text format: the postal code keeps its digits as written.
    postal = sheet.cell(row=2, column=MAILING_HEADER.index("郵便番号") + 1)
    assert postal.data_type == "s"
    assert postal.number_format == "@"
    assert postal.value == as_csv[1][MAILING_HEADER.index("郵便番号")]
    # The import reader (standard library) reads the same table back.
    table = read_table(exported.content, file_name=exported.filename)
    assert table.headers == as_csv[0]
    assert [list(row) for row in table.rows] == as_csv[1:]


def test_xlsx_writer_keeps_text_as_text():
    data = xlsx([["コード", "郵便番号", "式"], ["0012", "0600001", "=1+1"], ['<&>"', "", "a\x01b"]], sheet_name="a/b")
    sheet = _sheet(data)
    assert sheet.title == "a_b"
    assert _values(sheet) == [["コード", "郵便番号", "式"], ["0012", "0600001", "=1+1"], ['<&>"', "", "ab"]]
    for cell in sheet[2]:
        assert cell.data_type == "s"  # leading zeros kept, "=1+1" not a formula
        assert cell.number_format == "@"
    table = read_table(data, file_name="x.xlsx")
    assert table.rows[0] == ["0012", "0600001", "=1+1"]
    assert table.rows[1][0] == '<&>"'


def test_xlsx_column_widths_fit_the_text():
    sheet = _sheet(xlsx([["郵便番号", "住所"], ["1000001", "東京都千代田区丸の内一丁目" * 10], ["1", ""]]))
    assert sheet.column_dimensions["A"].width == display_width("郵便番号") + 2  # full-width counts double
    assert sheet.column_dimensions["B"].width == 60  # capped
    assert display_width("ab東京") == 6
    assert sheet_title("x" * 40) == "x" * 31
    assert _values(_sheet(xlsx([]))) == []  # an empty list still opens


def test_list_page_shows_the_users_months_and_links(client, agency_a_staff, agency_b_staff, notices):
    client.force_login(agency_a_staff)
    page = client.get("/documents/mailing-lists/").content.decode()
    assert "2026/05" in page
    assert "/documents/mailing-lists/2026-05/csv/" in page
    assert "/documents/mailing-lists/2026-05/xlsx/" in page
    assert [(m.key, m.notices) for m in mailing_months(user=agency_a_staff)] == [("2026-05", 1)]
    assert mailing_months(user=agency_b_staff) == []
    client.force_login(agency_b_staff)
    assert "発行済みの契約内容のお知らせはありません" in client.get("/documents/mailing-lists/").content.decode()


def test_reachable_from_the_batch_pages_for_head_office(client, hq_operator, notices):
    client.force_login(hq_operator)
    assert "/documents/mailing-lists/" in client.get("/documents/batches/").content.decode()
    batch: DocumentBatch = notices["batch"]
    detail = client.get(f"/documents/batches/{batch.pk}/").content.decode()
    assert "/documents/mailing-lists/2026-05/csv/" in detail
    assert "/documents/mailing-lists/2026-05/xlsx/" in detail


def test_bad_month_or_format_and_no_login(client, agency_a_staff, notices):
    client.force_login(agency_a_staff)
    bad = client.get("/documents/mailing-lists/2026-13/csv/")
    assert bad.status_code == 400  # core.input.BadInput: the Japanese 400 page, never a 500
    assert client.get("/documents/mailing-lists/2026-05/pdf/").status_code == 404
    client.logout()
    assert client.get("/documents/mailing-lists/2026-05/csv/").status_code == 302  # to the login page
    with pytest.raises(PermissionDenied):
        mailing_list_export(user=AnonymousUser(), month=MAY, file_format="csv")  # type: ignore[arg-type]


def test_agency_staff_reach_it_from_the_menu(client, agency_a_staff):
    client.force_login(agency_a_staff)
    home = client.get("/").content.decode()
    assert 'href="/documents/mailing-lists/"' in home
    assert "/documents/batches/" not in home  # the batches themselves stay head office's
