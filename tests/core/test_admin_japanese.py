"""Defect 12 (admin part): the admin shows no English app names and no raw audit codes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult, get_date_max

from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent


@pytest.fixture
def admin_client_ja(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_task_results_app_has_a_japanese_name(admin_client_ja):
    body = admin_client_ja.get(reverse("admin:index")).content.decode()
    assert "バックグラウンド処理" in body
    assert "Tasks Database Backend".upper() not in body.upper()
    assert "Task Results" not in body


def test_the_task_results_list_has_japanese_columns(admin_client_ja):
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tsunagu.documents.tasks.example",
        backend_name="default",
        run_after=get_date_max(),
    )
    body = admin_client_ja.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")).content.decode()
    for label in ("処理", "状態", "登録日時", "優先度", "キュー名"):
        assert label in body, label
    for english in ("Task name", "Enqueued at", "Queue name"):
        assert english not in body, english


def test_an_audit_event_page_shows_the_action_label_not_its_code(admin_client_ja, admin_user):
    event = record_event(actor=admin_user, action=AuditAction.IDENTITY_UNMERGED, target=admin_user, summary="統合解除")
    listing = admin_client_ja.get(reverse("admin:core_auditevent_changelist")).content.decode()
    detail = admin_client_ja.get(reverse("admin:core_auditevent_change", args=[event.pk])).content.decode()
    for body in (listing, detail):
        assert "顧客の統合解除(統合元)" in body
        assert ">identity.unmerged<" not in body
    assert AuditEvent.objects.filter(action="identity.unmerged").exists()  # the code is what is stored
