"""Batch progress pages: head-office staff see batches; agency staff see none; htmx polls a partial."""

from __future__ import annotations

import pytest

from tsunagu.documents.choices import BatchStatus, DocumentType
from tsunagu.documents.models import DocumentBatch

from .conftest import ISSUE_DATE


@pytest.fixture
def running(hq_operator):
    return DocumentBatch.objects.create(
        kind=DocumentType.DEDUCTION_CERTIFICATE,
        tax_year=2026,
        issue_date=ISSUE_DATE,
        started_by=hq_operator,
        total=200,
        processed=50,
    )


def test_operator_sees_progress_and_htmx_partial_polls(client, hq_operator, running):
    client.force_login(hq_operator)
    listing = client.get("/documents/batches/").content.decode()
    assert "50 / 200(25%)" in listing
    page = client.get(f"/documents/batches/{running.pk}/").content.decode()
    assert 'value="25"' in page
    assert "every 2s" in page
    partial = client.get(f"/documents/batches/{running.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.strip().startswith('<section class="card" id="batch-progress"')
    assert "<html" not in partial
    running.status, running.processed = BatchStatus.COMPLETED, 200
    running.save()
    done = client.get(f"/documents/batches/{running.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in done  # polling stops once the batch is finished
    assert "100%" in done


def test_failed_batch_says_how_to_resume(client, hq_operator, running):
    running.status, running.error = BatchStatus.FAILED, "KeyboardInterrupt: "
    running.save()
    client.force_login(hq_operator)
    assert "再実行すると続きから処理します" in client.get(f"/documents/batches/{running.pk}/").content.decode()


def test_agency_staff_and_anonymous_see_no_batches(client, agency_a_staff, running):
    assert client.get("/documents/batches/").status_code == 302  # to login
    client.force_login(agency_a_staff)
    assert "50 / 200" not in client.get("/documents/batches/").content.decode()
    assert client.get(f"/documents/batches/{running.pk}/").status_code == 404


def test_failed_batch_shows_the_lifecycles_japanese_reason_once(client, hq_operator, running):
    from tsunagu.core.jobs import Job

    Job(running).fail(KeyboardInterrupt())
    client.force_login(hq_operator)
    page = client.get(f"/documents/batches/{running.pk}/").content.decode()
    assert "中断の理由: 中断されました(KeyboardInterrupt" in page
    assert page.count("再実行すると続きから処理します") == 1
    assert "(重複発行はしません)" in page


def test_batch_screens_speak_to_staff_and_offer_the_exceptions_report(client, hq_operator, agency_a_staff, running):
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.core.models import AccessLog
    from tsunagu.documents.config import get_storage

    from ..conftest import make_customer

    customer = make_customer(hq_operator, name="例外 太郎")
    key = f"notices/2026-12/reports/batch{running.pk:06d}-exceptions.csv"
    report = f"顧客番号,証券番号,理由\r\n{customer.number},PN00000001,住所が登録されていません\r\n"
    get_storage().put(key, report.encode("utf-8-sig"))
    running.exceptions_key, running.skipped = key, 1
    running.save()
    client.force_login(hq_operator)
    page = client.get(f"/documents/batches/{running.pk}/").content.decode()
    assert key not in page  # no storage key on a staff screen
    url = f"/documents/batches/{running.pk}/exceptions.csv"
    assert f'href="{url}"' in page
    assert "例外レポートをダウンロード" in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert "住所が登録されていません" in download.content.decode("utf-8-sig")
    logged = AccessLog.objects.filter(user=hq_operator, purpose=AccessPurpose.EXPORT).get()
    assert logged.customer_id == customer.pk
    client.force_login(agency_a_staff)
    assert client.get(url).status_code == 404  # who may not see batches gets nothing


def test_the_batch_list_explains_the_background_run_in_plain_words(client, org):
    from tsunagu.core.choices import Role

    from ..conftest import _user

    client.force_login(_user("batch_admin", [Role.ADMIN], department=org["call_center"]))
    listing = client.get("/documents/batches/").content.decode()
    assert "バックグラウンド処理で順に実行されます" in listing
    assert "db_worker" not in listing
    assert "manage.py" not in listing
