"""The one job lifecycle (tsunagu.core.jobs): start, progress, fail in Japanese, exceptions file, complete."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core.choices import AuditAction
from tsunagu.core.jobs import Job, JobError, JobSpec, exceptions_csv, failure_reason
from tsunagu.core.models import AuditEvent
from tsunagu.documents.choices import BatchStatus, DocumentType
from tsunagu.documents.models import DocumentBatch
from tsunagu.identity.choices import RunStatus
from tsunagu.identity.models import MatchRun

pytestmark = pytest.mark.django_db

MATCH_RUN = JobSpec(done=RunStatus.DONE, reason="message", exceptions_key=None)


def _batch(actor) -> DocumentBatch:
    return DocumentBatch.objects.create(kind=DocumentType.CONTRACT_NOTICE, issue_date="2026-12-04", started_by=actor)


def test_start_progress_complete_with_audit_events(hq_operator):
    seen: list[tuple[int, int]] = []
    batch = _batch(hq_operator)
    job = Job.start(
        batch,
        actor=hq_operator,
        action=AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_START,
        summary="開始した",
        total=10,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert DocumentBatch.objects.get(pk=batch.pk).total == 10
    with job.running():
        with transaction.atomic():
            job.add(processed=4, documents_issued=3, skipped=0)
        job.advance(4)
        job.grow(5)
        job.advance(11, count=True)
    done = job.complete(
        actor=hq_operator,
        action=AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_COMPLETE,
        summary=lambda row: f"{row.documents_issued}件作成した",
    )
    stored = DocumentBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.total, stored.processed, stored.documents_issued) == (
        BatchStatus.COMPLETED,
        15,
        15,
        3,
    )
    assert stored.finished_at is not None
    assert done.status == BatchStatus.COMPLETED
    assert seen == [(4, 10), (11, 15)]
    events = list(
        AuditEvent.objects.filter(target_type="documents.documentbatch", target_id=str(batch.pk))
        .order_by("id")
        .values_list("action", "summary")
    )
    assert events == [
        (AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_START, "開始した"),
        (AuditAction.DOCUMENT_CONTRACT_NOTICE_BATCH_COMPLETE, "3件作成した"),
    ]


def test_failure_marks_the_row_and_propagates_with_a_japanese_reason(hq_operator):
    batch = _batch(hq_operator)
    job = Job.start(batch)
    with pytest.raises(KeyError), job.running():
        raise KeyError("policy 12")
    stored = DocumentBatch.objects.get(pk=batch.pk)
    assert stored.status == BatchStatus.FAILED
    assert stored.finished_at is not None
    assert stored.error.startswith("エラーのため中断しました(KeyError")
    assert "policy 12" in stored.error


def test_interrupt_is_recorded_as_such(hq_operator):
    job = Job.start(_batch(hq_operator))
    with pytest.raises(KeyboardInterrupt), job.running():
        raise KeyboardInterrupt
    stored = DocumentBatch.objects.get(pk=job.row.pk)
    assert stored.status == BatchStatus.FAILED
    assert "中断されました" in stored.error
    assert "KeyboardInterrupt" in stored.error
    assert "再実行" in stored.error


def test_reasons():
    assert failure_reason(JobError("学習に使える組み合わせがありません。")) == "学習に使える組み合わせがありません。"
    assert failure_reason(ValidationError("電話番号の列がありません。")) == (
        "入力に誤りがあるため中断しました: 電話番号の列がありません。"
    )
    assert failure_reason(RuntimeError()) == "エラーのため中断しました(RuntimeError)"


def test_a_model_with_other_names_uses_its_spec(hq_operator):
    """MatchRun says done/message and is created queued: the same lifecycle drives it."""
    run = MatchRun.objects.create(started_by=hq_operator)
    assert run.started_at is None
    job = Job.start(run, spec=MATCH_RUN)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.started_at is not None
    job.set(processed=5, total=8)
    with pytest.raises(JobError), job.running():
        raise JobError("学習に使える組み合わせがありません。")
    run.refresh_from_db()
    assert (run.status, run.message, run.processed, run.total) == (
        RunStatus.FAILED,
        "学習に使える組み合わせがありません。",
        5,
        8,
    )
    Job.start(run, spec=MATCH_RUN).complete(message="完了しました。")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.message == "完了しました。"


def test_exceptions_file_written_only_when_something_was_skipped(hq_operator, tmp_path: pathlib.Path):
    written: dict[str, bytes] = {}
    job = Job.start(_batch(hq_operator))
    assert job.exceptions(written.__setitem__, "r/empty.csv", ["顧客番号", "理由"], []) == ""
    assert written == {}
    assert DocumentBatch.objects.get(pk=job.row.pk).exceptions_key == ""
    key = job.exceptions(written.__setitem__, "r/x.csv", ["顧客番号", "理由"], [("K1", "住所がありません")])
    assert key == "r/x.csv"
    assert DocumentBatch.objects.get(pk=job.row.pk).exceptions_key == key
    assert written[key].startswith(b"\xef\xbb\xbf")  # BOM: opens in Excel
    rows = list(csv.reader(io.StringIO(written[key].decode("utf-8-sig"))))
    assert rows == [["顧客番号", "理由"], ["K1", "住所がありません"]]
    assert exceptions_csv(["a"], [[1], [2]]).endswith(b"1\r\n2\r\n")
