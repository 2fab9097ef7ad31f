"""The import screen runs the import as a background job (core.jobs lifecycle): the upload is
queued, the task imports it after commit, the page shows the state (polled while running) and the
rejected rows, whose CSV downloads with BOM; refused files and failures leave a Japanese reason.
`manage.py survey_import` is unchanged (tests/surveys/test_import.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.documents.config import get_storage
from tsunagu.surveys.models import Response, SurveyImport
from tsunagu.surveys.services import import_jobs

pytestmark = pytest.mark.django_db
GOOD_AND_BAD = (
    "policy_number,answered_on,nps,satisfaction,comment\n"
    "JOB-1,2026-06-01,9,8,とても丁寧でした\n"
    "NOPE-9,2026-06-01,9,9,\n"
    "JOB-1,2026-06-02,11,9,\n"
)


@pytest.fixture(autouse=True)
def document_dir(settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"


@pytest.fixture
def world(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    customer = make_customer(hq_operator, agency=org["agency_a"])
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="JOB-1")
    return {"manager": manager, "survey": survey, "customer": customer, "policy": policy}


def _upload(client, world, text: str, name: str = "vendor.csv", *, run: bool = True):
    """Post the file; with `run` the request's on-commit callbacks (the task) run, as after a real commit."""
    content = text.encode("utf-8-sig") if text else b""
    data = {"survey": world["survey"].pk, "file": SimpleUploadedFile(name, content)}
    if not run:
        return client.post(reverse("surveys:imports"), data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("surveys:imports"), data)


def test_the_screen_queues_the_file_and_the_task_imports_it(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["manager"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, world, GOOD_AND_BAD, run=False)
    row = SurveyImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:import", args=[row.pk])
    # queued: nothing imported yet, the file waits in storage, the page polls
    assert (row.status, row.imported) == ("queued", 0)
    assert get_storage().exists(import_jobs.upload_key(row))
    page = client.get(response["Location"]).content.decode()
    assert "待機中" in page
    assert 'hx-trigger="every 2s"' in page
    assert len(callbacks) == 1
    callbacks[0]()  # the task (run immediately in tests) after commit
    row.refresh_from_db()
    assert (row.status, row.total, row.imported, row.rejected) == ("completed", 3, 1, 2)
    assert Response.objects.get().policy == world["policy"]
    assert set(AuditEvent.objects.filter(target_id=str(row.pk)).values_list("action", flat=True)) >= {
        AuditAction.SURVEY_IMPORT_START,
        AuditAction.SURVEY_IMPORT_COMPLETE,
    }
    page = client.get(response["Location"]).content.decode()
    assert "完了" in page
    assert 'hx-trigger="every 2s"' not in page
    assert "証券番号「NOPE-9」の契約が見つかりません" in page
    # htmx asks for the progress fragment only
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="import-progress"')
    report = client.get(reverse("surveys:import_errors", args=[row.pk]))
    body = report.content.decode("utf-8")
    assert body.startswith("\ufeff行番号,証券番号,理由")
    assert "3,NOPE-9,証券番号「NOPE-9」の契約が見つかりません。" in body
    assert "4,JOB-1," in body
    assert AccessLog.objects.filter(customer_id=world["customer"].pk, purpose=AccessPurpose.EXPORT).exists()


def test_the_task_runs_at_commit(client, world):
    client.force_login(world["manager"])
    _upload(client, world, GOOD_AND_BAD)
    row = SurveyImport.objects.get()
    assert (row.status, row.imported, row.rejected) == ("completed", 1, 2)


def test_a_file_that_does_not_fit_the_survey_fails_with_the_reason(client, world):
    client.force_login(world["manager"])
    _upload(client, world, "policy_number,answered_on,recommend\nJOB-1,2026-06-01,9\n")
    row = SurveyImport.objects.get()
    assert row.status == "failed"
    assert "列「recommend」はアンケート「事故対応アンケート」(claim)の設問にありません" in row.failure_reason
    page = client.get(reverse("surveys:import", args=[row.pk])).content.decode()
    assert "失敗" in page
    assert "取り込めませんでした: 列「recommend」" in page
    assert not Response.objects.exists()


def test_a_lost_upload_fails_the_job_in_japanese(world):
    row = SurveyImport.objects.create(survey=world["survey"], file_name="lost.csv", started_by=world["manager"])
    with pytest.raises(Exception):  # noqa: B017, PT011 - re-raised for the worker's log
        import_jobs.survey_import_execute(import_id=row.pk)
    row.refresh_from_db()
    assert row.status == "failed"
    assert "帳票ファイルが見つかりません" in row.failure_reason


def test_empty_files_and_missing_fields_are_form_errors(client, world):
    client.force_login(world["manager"])
    empty = _upload(client, world, "")
    assert empty.status_code == 200
    assert "ファイルが空です。" in empty.content.decode()
    missing = client.post(reverse("surveys:imports"), {})
    html = missing.content.decode()
    assert "アンケートを選んでください。" in html
    assert "ファイルを選んでください。" in html
    assert not SurveyImport.objects.exists()


def test_agency_staff_may_not_import(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    assert _upload(client, world, GOOD_AND_BAD).status_code == 403
    assert not SurveyImport.objects.exists()
