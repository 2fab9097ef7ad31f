"""The import screen's background job: the uploaded file is kept in document storage, a queued
`SurveyImport` row is created, and a task (django-tasks; `manage.py db_worker`) runs the same
`survey_import_run` as `manage.py survey_import` on that row once the request's transaction has
committed. The import page polls the row (core.jobs lifecycle: queued → running → completed or
failed with a Japanese reason) and offers the rejected rows as a CSV.

`manage.py survey_import FILE --survey CODE` is unchanged: it runs in the foreground.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tasks import task

from tsunagu.core.context import request_context
from tsunagu.core.jobs import Job, failure_reason
from tsunagu.core.models import User
from tsunagu.documents.config import get_storage

from ..models import Survey, SurveyImport
from .imports import JOB_SPEC, _require, survey_import_run

logger = logging.getLogger(__name__)
MAX_BYTES = 100 * 1024 * 1024  # a 1,000,000-row CSV is about 60 MB
QUEUED, RUNNING = "queued", "running"


def upload_key(survey_import: SurveyImport) -> str:
    """Where the uploaded file waits for its task (document storage)."""
    return f"surveys/imports/{survey_import.pk:08d}.upload"


def survey_import_queue(*, actor: User, survey: Survey, data: bytes, file_name: str) -> SurveyImport:
    """Keep the file and queue its import (the task starts after commit). Japanese errors for an
    empty or too large file; the permission is the import's (`surveys.import`)."""
    _require(actor)
    if not data:
        raise ValidationError({"file": ["ファイルが空です。"]})
    if len(data) > MAX_BYTES:
        size, limit = f"{len(data) / 1024 / 1024:.0f}MB", f"{MAX_BYTES // 1024 // 1024}MB"
        raise ValidationError({"file": [f"ファイルが大きすぎます({size})。{limit}以下に分けて取り込んでください。"]})
    with transaction.atomic():
        row = SurveyImport.objects.create(survey=survey, file_name=file_name[:255], started_by=actor, status=QUEUED)
        get_storage().put(upload_key(row), data)
        transaction.on_commit(lambda: survey_import_task.enqueue(row.pk))
    return row


def survey_import_execute(*, import_id: int) -> SurveyImport:
    """Run a queued import (the task's body). A file the import refuses (unreadable, columns that do
    not fit the survey) leaves the row failed with the reason, as the command does; anything
    else is recorded as the failure too, then re-raised for the worker's log."""
    row = SurveyImport.objects.select_related("survey", "started_by").get(pk=import_id)
    if row.status not in (QUEUED, RUNNING):
        return row  # already done (a task delivered twice)
    try:
        data = get_storage().read(upload_key(row))
        with request_context(screen="バックグラウンド: アンケート結果の取込"):
            survey_import_run(
                actor=row.started_by, survey=row.survey, data=data, file_name=row.file_name, survey_import=row
            )
    except ValidationError:
        pass  # the job recorded the reason (failed)
    except BaseException as exc:
        row.refresh_from_db()
        if row.status in (QUEUED, RUNNING):
            reason = (
                "取込を実行したユーザーにアンケート結果を取り込む権限がありません。"
                if isinstance(exc, PermissionDenied)
                else failure_reason(exc)
            )
            Job(row, spec=JOB_SPEC).fail(reason)
        if not isinstance(exc, PermissionDenied):
            logger.exception("survey import %s failed", import_id)
            raise
    row.refresh_from_db()
    return row


@task()
def survey_import_task(import_id: int) -> int:
    """The background task (django-tasks) of an import queued from the screen."""
    return survey_import_execute(import_id=import_id).pk
