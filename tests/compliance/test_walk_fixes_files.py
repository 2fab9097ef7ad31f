"""Walk findings of issue 15 (files, admin, logins, reports, retention screen, demo)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.compliance.conftest import DAY, at, reads
from tests.conftest import PASSWORD, _user
from tsunagu.compliance.choices import AlertStatus
from tsunagu.compliance.models import Alert, ReasonRequest, RuleRun
from tsunagu.compliance.services import rules_run
from tsunagu.core.choices import Role

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(org, auditor, hq_operator):
    manager = _user("cc_manager", [Role.OPERATOR], department=org["call_center"])
    hq_operator.manager = manager
    hq_operator.save()
    return {"auditor": auditor, "operator": hq_operator, "manager": manager}


@pytest.fixture
def alert(people, case_reference_data):
    reads(people["operator"], range(1, 16), at(DAY, 23))
    (found,) = rules_run(actor=people["auditor"], date_from=DAY, date_to=DAY).created
    return found


# --- 4: the admin shows alerts, runs, reason requests and review items, and changes none ---------


def _admin_url(model, view, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_the_admin_cannot_add_change_or_delete_what_the_services_write(admin_user, alert, people):
    request = ReasonRequest.objects.create(
        alert=alert, manager=people["manager"], asked_by=people["auditor"], question="理由は?", due_on=DAY
    )
    admin = client_for(admin_user)
    for model, obj in ((Alert, alert), (RuleRun, alert.run), (ReasonRequest, request)):
        assert admin.get(_admin_url(model, "changelist")).status_code == 200
        page = admin.get(_admin_url(model, "change", obj.pk))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin.get(_admin_url(model, "add")).status_code == 403
        assert admin.post(_admin_url(model, "change", obj.pk), {"status": "closed"}).status_code == 403
        assert admin.post(_admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    history_id = alert.history.latest().history_id
    revert = admin.post(reverse("admin:compliance_alert_simple_history", args=[alert.pk, history_id]), {})
    assert revert.status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW
    assert Alert.objects.filter(pk=alert.pk).exists()


# --- 8: a login updates last_login without a User history row; the system actor is one user -----


def test_a_login_sets_last_login_and_writes_no_history_row(people):
    operator = people["operator"]
    before = operator.history.count()
    assert operator.last_login is None
    client = Client()
    assert client.login(username=operator.username, password=PASSWORD)
    operator.refresh_from_db()
    assert operator.last_login is not None
    assert operator.history.count() == before


def test_the_changes_report_shows_the_system_actor_once(people):
    from django.utils import timezone

    from tsunagu.compliance import reports
    from tsunagu.core.services import system_user

    today = timezone.localdate()
    system = system_user()
    people["operator"].display_name = "変更1"
    people["operator"]._history_user = system
    people["operator"].save()
    people["manager"].display_name = "変更2"
    people["manager"].save()  # no acting user: history_user is empty
    report = reports.changes(user=people["auditor"], date_from=today, date_to=today)
    users = [row for row in report.rows if row[0] == "ユーザー"]
    system_rows = [row for row in users if row[1] == reports.SYSTEM]
    assert len(system_rows) == 1
    assert "(システム)" not in [row[1] for row in report.rows]
    assert system_rows[0][3] >= 2


# --- 11: the disclosure PDF: local time, Japanese labels, はい/いいえ, no internal ids or keys ---------


def test_the_disclosure_pdf_reads_in_japanese_and_the_json_keeps_everything(auditor, hq_operator, org):
    import datetime as dt
    import io
    import json

    from django.utils import timezone
    from pypdf import PdfReader

    from tests.conftest import make_customer
    from tsunagu.compliance.disclosure import disclosure_build
    from tsunagu.compliance.disclosure_files import disclosure_pdf

    person = make_customer(hq_operator, name="開示 花子", agency=org["agency_a"])
    disclosure = disclosure_build(user=auditor, customer=person)
    disclosure.generated_at = dt.datetime(2026, 12, 6, 14, 21, tzinfo=dt.UTC)  # 23:21 in Tokyo
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(disclosure_pdf(disclosure))).pages)
    assert "作成 2026/12/06 23:21" in text
    assert "主: はい" in text  # the primary address / phone / email
    assert "代理店: あおぞら保険サービス" in text  # a relation named after its table, not "agency"
    for internal in ("name key", "kana key", "digits", "agency:", "ID:", "True", "False"):
        assert internal not in text, internal
    data = json.loads(disclosure.as_json())
    customer = next(s for s in data["sections"] if s["table"] == "customers.Customer")["rows"][0]
    person.refresh_from_db()
    assert customer["ID"] == person.pk
    assert customer["name key"] == person.name_key
    assert customer["連絡の同意"] is person.contact_consent
    assert timezone.localtime(disclosure.generated_at).hour == 23


# --- 9, 10: report files: numbers as numbers, the header bold and frozen; PDF columns from content -


def _wide_report():
    from tsunagu.compliance.reports import Report

    purposes = "閲覧 120、エクスポート 30、印刷 12、管理画面 3、機微情報の閲覧 2、帳票 1"
    return Report(
        "who_saw",
        "顧客別アクセス(この顧客を見たのは誰か)",
        "K000000001 開示 花子 / 2026/11/01〜2026/11/30",
        ["利用者", "ユーザー名", "回数", "目的", "機微情報の閲覧", "最初", "最後"],
        rows=[["営業 一郎", "sales_ichiro", 3824, purposes, "", "2026/11/01 09:00", "2026/11/30 18:00"]],
        note="備考の行",
    )


def test_the_report_xlsx_has_numbers_a_bold_frozen_header_and_fitted_widths():
    import io

    from openpyxl import load_workbook

    from tsunagu.compliance.report_files import report_xlsx

    sheet = load_workbook(io.BytesIO(report_xlsx(_wide_report()))).active
    assert sheet["A1"].value == "顧客別アクセス(この顧客を見たのは誰か)"
    assert [c.value for c in sheet[4]] == ["利用者", "ユーザー名", "回数", "目的", "機微情報の閲覧", "最初", "最後"]
    assert all(c.font.bold for c in sheet[4])
    assert not sheet["A5"].font.bold
    assert sheet.freeze_panes == "A5"
    assert sheet["C5"].value == 3824
    assert sheet["C5"].data_type == "n"
    assert sheet["C5"].number_format == "#,##0"
    assert sheet["B5"].value == "sales_ichiro"
    assert sheet["A7"].value == "備考の行"
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFG"}
    assert widths["D"] > widths["C"]  # the purposes are wider than a count
    assert widths["A"] < 30  # the title above the header does not widen the first column


def test_the_mailing_list_xlsx_is_unchanged_text_with_the_first_row_frozen():
    import io

    from openpyxl import load_workbook

    from tsunagu.documents.xlsx import xlsx

    sheet = load_workbook(io.BytesIO(xlsx([["郵便番号", "件数"], ["0010001", 12]]))).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "0010001"
    assert sheet["B2"].value == "12"  # lists keep every cell as text


def test_report_pdf_columns_follow_the_content_and_nothing_is_cut():
    import io

    from pypdf import PdfReader

    from tsunagu.compliance.report_files import TableSheet, column_widths, report_pdf

    report = _wide_report()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(report, "2026/12/06 15:00"))).pages)
    flat = text.replace("\n", "")
    assert "…" not in text
    assert "3,824" in text
    for part in ("閲覧 120", "エクスポート 30", "機微情報の閲覧 2", "帳票 1", "2026/11/30 18:00", "sales_ichiro"):
        assert part in flat, part
    widths = TableSheet(report, "").widths
    assert len({round(w) for w in widths}) > 1
    assert widths[3] == max(widths)
    assert column_widths([10, 20, 400], 200) == [10, 20, 170]
    assert column_widths([10, 20], 100) == [45, 55]


def test_a_long_report_pdf_runs_over_pages(people):
    import io

    from pypdf import PdfReader

    from tsunagu.compliance.report_files import report_pdf
    from tsunagu.compliance.reports import Report

    report = Report("by_user", "利用者別アクセス", "期間", ["利用者", "行数"], rows=[[f"u{i}", i] for i in range(120)])
    reader = PdfReader(io.BytesIO(report_pdf(report, "now")))
    assert len(reader.pages) >= 2
    text = "".join(p.extract_text() for p in reader.pages)
    assert "u119" in text
    assert f"1/{len(reader.pages)}" in text


def test_the_disclosure_pdf_shows_values_as_text_a_person_reads():
    """Second walk: source values, score reasons and scores were printed as raw JSON and full floats."""
    from tsunagu.compliance.disclosure_files import shown

    assert shown(0.4432181617317825) == "0.443"
    reasons = [
        {"feature": "days_to_expiry", "text": "満期まで30日", "contribution": 0.41},
        {"feature": "complaints_6m", "text": "直近6か月に苦情あり", "contribution": 0.2},
    ]
    assert shown(reasons) == "満期まで30日、直近6か月に苦情あり"
    source = {"name": "山田 太郎", "name_key": "やまだたろう", "kana_key": "ヤマダタロウ", "phone": "", "age": 52}
    assert shown(source) == "name: 山田 太郎、age: 52"
    assert shown([True, False]) == "はい、いいえ"
