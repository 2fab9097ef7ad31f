"""Starting batches from the screen: permission, bad input, and a real run through the database
task backend and its worker (`manage.py db_worker`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD, _user
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import AuditEvent, Department
from tsunagu.documents.batch_start import batch_enqueue
from tsunagu.documents.choices import BatchStatus, DocumentType
from tsunagu.documents.models import Document, DocumentBatch

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CERT = DocumentType.DEDUCTION_CERTIFICATE


@pytest.fixture
def policy_admin(org):
    department = Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN)
    return _user("policy_admin", [Role.OPERATOR], department=department)


def test_only_administrators_and_policy_admin_may_start(hq_operator, agency_a_staff):
    for user in (hq_operator, agency_a_staff):
        with pytest.raises(PermissionDenied):
            batch_enqueue(actor=user, kind=CERT, target="2026")
    assert not AuditEvent.objects.filter(action="document.batch_enqueue").exists()


@pytest.mark.parametrize(
    ("kind", "target", "issue_date", "field", "message"),
    [
        (CERT, "２０２６年", "", "target", "西暦4桁"),
        (CERT, "2005", "", "target", "計算規則が登録されていません"),
        (CERT, "2026", "2025-12-31", "issue_date", "より前です"),
        (CERT, "2026", "2026/13/01", "issue_date", "YYYY-MM-DD"),
        (DocumentType.CONTRACT_NOTICE, "2026-13", "", "target", "YYYY-MM"),
        ("policy", "2026", "", "kind", "開始できない"),
    ],
)
def test_bad_input_is_refused_and_queues_nothing(policy_admin, settings, kind, target, issue_date, field, message):
    settings.TASKS = DB_TASKS
    with pytest.raises(ValidationError) as refused:
        batch_enqueue(actor=policy_admin, kind=kind, target=target, issue_date=issue_date)
    assert message in " ".join(refused.value.message_dict[field])
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connections, as in production
def test_screen_queues_a_batch_that_the_worker_runs(policy_admin, book, settings, tmp_path):
    settings.TASKS = DB_TASKS
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"
    client = Client()
    assert client.login(username="policy_admin", password=PASSWORD)

    response = client.post(
        "/documents/batches/", {"kind": CERT, "target": "2026", "issue_date": "2026-10-15"}, follow=True
    )
    assert "バッチを予約しました" in response.content.decode()
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY"
    assert not DocumentBatch.objects.exists()  # nothing runs in the web request

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    batch = DocumentBatch.objects.get()
    assert batch.status == BatchStatus.COMPLETED
    assert batch.started_by == policy_admin
    assert batch.documents_issued == Document.objects.filter(doc_type=CERT).count() > 0
    page = client.get("/documents/batches/").content.decode()
    assert "完了" in page


def test_bad_form_input_gets_the_same_page_with_the_errors_and_the_values_kept(policy_admin):
    """The kit's one error path: 200, the bound form, the summary at the top and the error beside its field."""
    client = Client()
    client.login(username="policy_admin", password=PASSWORD)
    response = client.post("/documents/batches/", {"kind": CERT, "target": "abc", "issue_date": "2026-13-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力内容を確認してください" in body
    assert body.count("対象年分は西暦4桁で指定してください") == 2  # in the summary and beside the field
    assert 'value="abc"' in body
    assert 'value="2026-13-01"' in body
    assert not DocumentBatch.objects.exists()  # nothing queued (tests run tasks immediately)

    missing = client.post("/documents/batches/", {"kind": CERT, "target": ""}).content.decode()
    assert "対象の年分または月を入力してください" in missing
    late = client.post("/documents/batches/", {"kind": CERT, "target": "2026", "issue_date": "2025-12-01"})
    assert late.status_code == 200
    assert "証明日(2025-12-01)が対象年分(2026年)より前です" in late.content.decode()
