"""The 満期管理 worklist download: CSV (UTF-8 with BOM) and XLSX with the overdue steps, by agency
and 担当者, scoped like the screen, logged as an export; a bad format is explained in Japanese."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.practice.exports import HEADER
from tsunagu.practice.models import RenewalProgress

from .test_api import expiring_policy
from .test_views import client_for


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def expiring(hq_operator, holder, org, agency_a_staff):
    policy = expiring_policy(hq_operator, holder, org)
    RenewalProgress.objects.create(policy=policy, agency=policy.agency, agent=agency_a_staff, expiry=policy.expiry)
    return policy


def test_the_csv_holds_the_overdue_steps_and_is_logged_as_an_export(agency_a_staff, expiring, holder, org):
    response = client_for(agency_a_staff).get("/practice/renewals/export/?format=csv&months=3")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="renewals-{org["agency_a"].code}-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(HEADER)
    [row] = rows[1:]
    cells = dict(zip(HEADER, row, strict=True))
    assert cells["代理店コード"] == org["agency_a"].code
    assert cells["担当者"] == agency_a_staff.display_name
    assert cells["証券番号"] == expiring.number
    assert cells["契約者"] == holder.name
    assert cells["着手状態"].startswith("期限超過")
    assert cells["期限超過の手順"].startswith("着手(")
    log = AccessLog.objects.get(user=agency_a_staff, purpose=AccessPurpose.EXPORT)
    assert log.customer_id == holder.pk
    assert log.detail["format"] == "csv"


def test_the_xlsx_has_the_same_rows(agency_a_staff, expiring):
    response = client_for(agency_a_staff).get("/practice/renewals/export/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(HEADER)
    assert values[1][3] == expiring.number
    assert AccessLog.objects.filter(user=agency_a_staff, purpose=AccessPurpose.EXPORT).count() == 1


def test_an_outsider_exports_nothing_of_agency_a_and_a_bad_format_is_explained(
    agency_a_staff, agency_b_staff, expiring, holder
):
    response = client_for(agency_b_staff).get("/practice/renewals/export/?format=csv")
    assert response.status_code == 200
    assert expiring.number not in response.content.decode("utf-8-sig")
    assert not AccessLog.objects.filter(user=agency_b_staff, customer_id=holder.pk).exists()
    # The empty download is still an export in the log (one row naming no customer).
    assert AccessLog.objects.filter(user=agency_b_staff, purpose=AccessPurpose.EXPORT, customer_id=None).count() == 1
    client = client_for(agency_a_staff)
    bad = client.get("/practice/renewals/export/?format=pdf", follow=True)
    assert bad.status_code == 200
    assert "出力形式は csv か xlsx を指定してください" in bad.content.decode()
    assert client.get("/practice/renewals/export/?format=csv&months=abc").status_code == 400


def test_the_worklist_links_the_downloads_with_its_filters(agency_a_staff, expiring):
    body = client_for(agency_a_staff).get(f"/practice/renewals/?months=2&agent={agency_a_staff.pk}").content.decode()
    assert f"/practice/renewals/export/?agent={agency_a_staff.pk}&amp;months=2&amp;format=csv" in body
    assert "format=xlsx" in body
