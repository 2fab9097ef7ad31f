"""機微情報の閲覧 in the one access log (issue 15): when a user with the field's purpose is shown the clear
text of a sensitive field — on the case page, through the API or in the 開示 export — the log gets a
row of purpose `sensitive` naming the customer, the fields and the ground; users who read
「(機微情報のため非表示)」 cause none; the auditor's reports mark these reads; the chain still verifies."""

# ruff: noqa: F811 (the case fixtures are imported from tests.cases.conftest and requested by name)
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.template import Context, Template
from django.utils import timezone

from tests.cases.conftest import claims_handler, complaints_officer, departments, holder, open_case  # noqa: F401
from tests.conftest import PASSWORD
from tsunagu.cases.choices import AdrResult, CaseStatus, CaseType
from tsunagu.cases.models import ComplaintCategory
from tsunagu.cases.services import adr_conclude, adr_refer, case_transition, complaint_update
from tsunagu.compliance import reports
from tsunagu.compliance.disclosure import disclosure_build
from tsunagu.core import access_log_sensitive, masking
from tsunagu.core.access_log_verify import verify_log
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog

pytestmark = pytest.mark.django_db

INJURY = "運転者が右足を骨折し○○病院に入院(全治3か月)"
FACT = "お客さまは持病の通院中で、信仰上の理由により輸血を拒否と申出"
ADR_REF = "ADR-2026-0042"
ADR_OUTCOME = "和解金の支払で合意(通院費を含む)"
TODAY = timezone.localdate()


@pytest.fixture
def accident(hq_operator, holder):
    customer, policy = holder
    return open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 30, 14, 0)),
        place="東京都千代田区 交差点",
        accident_type="対人",
        description="交差点で歩行者と接触",
        injuries=INJURY,
    )


@pytest.fixture
def complaint(hq_operator, holder, complaints_officer, case_reference_data):
    """A complaint with a fact-finding note and a concluded そんぽADR (reference and outcome recorded)."""
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C1-01").pk,
        customer_request="説明が足りなかった",
    )
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)
    complaint_update(actor=complaints_officer, case=case, fact_finding=FACT)
    adr_refer(
        actor=complaints_officer,
        case=case,
        notified_on=TODAY - dt.timedelta(days=20),
        lodged_on=TODAY - dt.timedelta(days=25),
        reference=ADR_REF,
    )
    adr_conclude(
        actor=complaints_officer,
        case=case,
        result=AdrResult.RESOLVED,
        concluded_on=TODAY - dt.timedelta(days=1),
        outcome_note=ADR_OUTCOME,
    )
    case.refresh_from_db()
    return case


def sensitive_rows(**filters):
    return list(AccessLog.objects.filter(purpose=AccessPurpose.SENSITIVE, **filters).order_by("id"))


def page(client, username, case):
    client.login(username=username, password=PASSWORD)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def assert_chain_verifies():
    report = verify_log(checkpoints=False)
    assert report.rows > 0
    assert not report.findings, report.findings


# --- the case page --------------------------------------------------------------------------------


def test_a_claims_handler_on_the_accident_page_is_logged_with_the_field_and_its_purpose(
    client,
    claims_handler,
    accident,
):
    body = page(client, "claims_handler", accident)
    assert INJURY in body
    [row] = sensitive_rows()
    assert (row.user, row.username, row.customer_id) == (claims_handler, "claims_handler", accident.customer_id)
    assert row.detail == {
        "via": "view",
        "fields": ["accident.injuries"],
        "labels": ["けが人の状況"],
        "basis": ["cases.accident_sensitive"],
    }
    assert row.screen == f"/cases/{accident.pk}/"
    # Besides the page's own read of the customer, not instead of it.
    assert AccessLog.objects.filter(
        user=claims_handler, customer_id=accident.customer_id, purpose=AccessPurpose.VIEW
    ).exists()
    assert_chain_verifies()


def test_the_complaint_page_writes_one_row_naming_every_sensitive_field_shown(
    client,
    complaints_officer,
    complaint,
):
    body = page(client, "complaints_officer", complaint)
    for clear in (FACT, ADR_REF, ADR_OUTCOME):
        assert clear in body
    # Three panels showed three fields (the form shows the note once more): one row for the page.
    [row] = sensitive_rows(user=complaints_officer)
    assert row.customer_id == complaint.customer_id
    assert row.detail["fields"] == ["complaint.adr_outcome", "complaint.adr_reference", "complaint.fact_finding"]
    assert row.detail["labels"] == ["ADRの結果の詳細", "ADR受付番号", "事実確認メモ"]
    assert set(row.detail["basis"]) == {"cases.complaint_sensitive"}
    page(client, "complaints_officer", complaint)  # every showing is a read: a reload logs again
    assert len(sensitive_rows(user=complaints_officer)) == 2
    assert_chain_verifies()


@pytest.mark.usefixtures("claims_handler")
def test_users_who_read_the_notice_cause_no_sensitive_read(client, hq_operator, accident, complaint):
    for username, case in (("hq_operator", accident), ("hq_operator", complaint), ("claims_handler", complaint)):
        body = page(client, username, case)
        assert masking.SENSITIVE_HIDDEN in body
        for clear in (INJURY, FACT, ADR_REF):
            assert clear not in body
        client.logout()
    assert sensitive_rows() == []
    # Their reads of the page itself are logged as always.
    assert AccessLog.objects.filter(user=hq_operator, purpose=AccessPurpose.VIEW).exists()


def test_the_compliance_auditor_sees_both_kinds_and_is_logged_for_each_customer_page(client, auditor, accident):
    page(client, "auditor", accident)
    [row] = sensitive_rows(user=auditor)
    assert row.detail["fields"] == ["accident.injuries"]


def test_an_empty_field_or_an_unreadable_value_shows_no_clear_text_and_logs_nothing(
    client,
    claims_handler,
    hq_operator,
    holder,
    accident,
    settings,
):
    customer, policy = holder
    no_injuries = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 30, 9, 0)),
        place="駐車場",
        accident_type="物損",
        description="駐車中に接触",
    )
    page(client, "claims_handler", no_injuries)
    assert sensitive_rows() == []
    settings.TSUNAGU_FIELD_KEYS = ["someone-elses-key-" + "x" * 40]  # the value's key is missing
    body = page(client, "claims_handler", accident)
    assert INJURY not in body
    assert sensitive_rows() == []


# --- the API --------------------------------------------------------------------------------------


def test_the_adr_api_logs_the_fields_it_returns_in_clear_text(client, complaints_officer, hq_operator, complaint):
    client.login(username="complaints_officer", password=PASSWORD)
    body = client.get(f"/api/cases/{complaint.pk}/adr/").json()
    assert (body["reference"], body["outcome"]) == (ADR_REF, ADR_OUTCOME)
    [row] = sensitive_rows()
    assert (row.user, row.customer_id) == (complaints_officer, complaint.customer_id)
    assert row.detail["via"] == "api"
    assert row.detail["fields"] == ["complaint.adr_outcome", "complaint.adr_reference"]
    assert row.screen == f"/api/cases/{complaint.pk}/adr/"
    client.logout()

    client.login(username="hq_operator", password=PASSWORD)
    body = client.get(f"/api/cases/{complaint.pk}/adr/").json()
    assert (body["reference"], body["outcome"]) == (None, None)
    assert sensitive_rows(user=hq_operator) == []
    assert AccessLog.objects.filter(user=hq_operator, purpose=AccessPurpose.API).exists()
    assert_chain_verifies()


# --- the 開示 export ------------------------------------------------------------------------------


def test_the_disclosure_export_logs_the_sensitive_fields_it_contains_on_the_ground_of_the_request(
    auditor, accident, complaint
):
    disclosure = disclosure_build(user=auditor, customer=accident.customer)
    exported = disclosure.as_json()
    assert INJURY in exported
    assert FACT in exported
    [row] = sensitive_rows()
    assert (row.user, row.customer_id) == (auditor, accident.customer_id)
    assert row.detail["via"] == "export"
    assert row.detail["fields"] == [
        "accident.injuries",
        "complaint.adr_outcome",
        "complaint.adr_reference",
        "complaint.fact_finding",
    ]
    assert set(row.detail["basis"]) == {"compliance.dsr"}
    assert row.screen.startswith("開示請求への回答")
    assert_chain_verifies()


def test_a_disclosure_without_sensitive_values_writes_no_sensitive_read(auditor, customer_a):
    disclosure_build(user=auditor, customer=customer_a)
    assert sensitive_rows() == []
    assert AccessLog.objects.filter(user=auditor, purpose=AccessPurpose.EXPORT).exists()


# --- the one place: masking ------------------------------------------------------------------------


def test_outside_a_request_each_display_is_logged_at_once_and_a_batch_writes_one_row_per_customer(
    claims_handler,
    complaints_officer,
):
    assert masking.sensitive_display(claims_handler, "accident.injuries", INJURY, customer_id=7) == INJURY
    assert [r.customer_id for r in sensitive_rows()] == [7]
    with access_log_sensitive.batched():
        masking.sensitive_display(complaints_officer, "complaint.fact_finding", FACT, customer_id=8)
        masking.sensitive_display(complaints_officer, "complaint.adr_reference", ADR_REF, customer_id=8)
        masking.sensitive_display(complaints_officer, "complaint.fact_finding", FACT, customer_id=9)
        assert len(sensitive_rows()) == 1  # nothing written before the batch ends
    rows = sensitive_rows(user=complaints_officer)
    assert {r.customer_id: r.detail["fields"] for r in rows} == {
        8: ["complaint.adr_reference", "complaint.fact_finding"],
        9: ["complaint.fact_finding"],
    }
    # Refused or empty: the notice or nothing, never a row.
    assert masking.sensitive_display(claims_handler, "complaint.fact_finding", FACT, customer_id=7) == (
        masking.SENSITIVE_HIDDEN
    )
    assert masking.sensitive_display(claims_handler, "accident.injuries", "", customer_id=7) == ""
    assert masking.sensitive_values(claims_handler, {"complaint.adr_reference": ADR_REF}, customer_id=7) == {
        "complaint.adr_reference": None
    }
    assert len(sensitive_rows()) == 3
    assert_chain_verifies()


def test_the_template_tag_takes_the_customer_from_the_case_when_not_given(claims_handler, accident):
    template = Template('{% load tsunagu %}{% sensitive "accident.injuries" case.accident.injuries %}')
    assert template.render(Context({"user": claims_handler, "case": accident})) == INJURY
    [row] = sensitive_rows()
    assert row.customer_id == accident.customer_id


def test_every_sensitive_field_has_a_label_and_a_column():
    assert set(masking.SENSITIVE_LABELS) == set(masking.SENSITIVE)
    assert set(masking.SENSITIVE_COLUMNS.values()) == set(masking.SENSITIVE)


# --- the auditor's reports and screen ----------------------------------------------------------------


def test_reports_and_the_access_log_screen_mark_sensitive_reads(client, auditor, claims_handler, hq_operator, accident):
    page(client, "claims_handler", accident)
    client.logout()
    page(client, "hq_operator", accident)
    client.logout()

    who = reports.who_saw(user=auditor, customer_id=accident.customer_id, date_from=TODAY, date_to=TODAY)
    column = who.columns.index("機微情報の閲覧")
    rows = {row[1]: row for row in who.rows}
    assert rows["claims_handler"][column] == f"{reports.SENSITIVE_MARK} けが人の状況"
    assert "機微情報の閲覧 1" in rows["claims_handler"][who.columns.index("目的")]
    assert rows["hq_operator"][column] == ""

    by_user = reports.by_user(user=auditor, date_from=TODAY, date_to=TODAY)
    column = by_user.columns.index("機微情報の閲覧(顧客数)")
    rows = {row[1]: row for row in by_user.rows}
    assert rows["claims_handler"][column] == f"{reports.SENSITIVE_MARK} 1"
    assert rows["hq_operator"][column] == 0

    monthly = reports.monthly(user=auditor, month=TODAY)
    assert ["うち機微情報の閲覧", 1] in monthly.rows

    client.login(username="auditor", password=PASSWORD)
    query = {"purpose": AccessPurpose.SENSITIVE.value}
    screen = client.get("/compliance/access-log/", query).content.decode()
    assert "機微情報の閲覧" in screen
    assert "けが人の状況" in screen
    download = client.get("/compliance/access-log/export.csv", query)
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[1][5] == "機微情報の閲覧(けが人の状況)"
    assert len(lines) == 2
    report_page = client.get(
        "/compliance/reports/",
        {"kind": "who_saw", "customer": accident.customer.number, "date_from": TODAY, "date_to": TODAY},
    ).content.decode()
    assert f"{reports.SENSITIVE_MARK} けが人の状況" in report_page
    assert_chain_verifies()
