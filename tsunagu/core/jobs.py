"""One lifecycle for long jobs (document batches, contract notices, identity match runs).

A job is a row of any model with a status, start/finish times, counters and a text field for why it
stopped. The row is operational state (what the progress screens poll), not business data: it
keeps no row history; the audit events written here carry the business meaning (who started it,
what it produced).

    job = Job.start(batch, actor=actor, action=AuditAction.X_START, summary="…を開始した", total=n)
    with job.running():                      # any exception: status failed + Japanese reason, re-raised
        for chunk in chunks:
            ...                              # the chunk's own transaction may call job.add(processed=…)
            job.advance(len(chunk))          # the command's progress bar (and `processed` unless counted)
    job.exceptions(storage.put, key, ["顧客番号", "理由"], rows)   # optional CSV of skipped items
    job.complete(actor=actor, action=AuditAction.X_COMPLETE, summary="…を完了した")

Models differ in names (DocumentBatch: running/completed/failed, `error`; MatchRun: done, `message`):
a model declares them once as `job_spec = JobSpec(...)`; without one the defaults below apply.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from . import csv_export
from .audit import record_event
from .choices import AuditAction
from .models import User

ProgressFn = Callable[[int, int], None]  # (done in this step, total) — the CLI's progress bar
Put = Callable[[str, bytes], Any]  # a storage's put(key, data)


@dataclass(frozen=True)
class JobSpec:
    """Where a model keeps a job's state. `None` for a field the model does not have."""

    status: str = "status"
    running: str = "running"
    done: str = "completed"
    failed: str = "failed"
    reason: str = "error"  # text: why the job failed (Japanese)
    started_at: str | None = "started_at"
    finished_at: str = "finished_at"
    total: str | None = "total"
    processed: str | None = "processed"
    exceptions_key: str | None = "exceptions_key"
    reason_max: int = 2000


DEFAULT_SPEC = JobSpec()


class JobError(Exception):
    """A failure whose message is already the Japanese reason to show (no class name added)."""


def failure_reason(exc: BaseException) -> str:
    """Why a job stopped, in Japanese, for the screen: the message of a JobError/ValidationError as
    is; an interruption named as such; anything else with its class for the operator's report."""
    if isinstance(exc, JobError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "入力に誤りがあるため中断しました: " + " ".join(exc.messages)
    if isinstance(exc, KeyboardInterrupt):
        return "中断されました(KeyboardInterrupt: 実行が停止されました)。再実行すると続きから処理します。"
    if isinstance(exc, SystemExit | GeneratorExit):
        return f"中断されました({type(exc).__name__})。再実行すると続きから処理します。"
    detail = str(exc).strip()
    if detail:
        return f"エラーのため中断しました({type(exc).__name__}: {detail})"
    return f"エラーのため中断しました({type(exc).__name__})"


def exceptions_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The exceptions report (what was skipped and why): CSV, CRLF, UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


class Job:
    """The lifecycle of one job row: start (audit), progress, fail (Japanese reason), exceptions
    file, complete (audit). Counters are written with `UPDATE … SET n = n + k` so a chunk's
    transaction can count its own work atomically with what it registers."""

    def __init__(self, row: models.Model, *, progress: ProgressFn | None = None, spec: JobSpec | None = None) -> None:
        self.row = row
        declared = getattr(type(row), "job_spec", None)
        self.spec: JobSpec = spec or (declared if isinstance(declared, JobSpec) else DEFAULT_SPEC)
        self.report = progress
        self.total = int(getattr(row, self.spec.total, 0) or 0) if self.spec.total else 0

    # -- start ---------------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        row: models.Model,
        *,
        actor: User | None = None,
        action: AuditAction | None = None,
        summary: str = "",
        data: dict[str, Any] | None = None,
        total: int | None = None,
        progress: ProgressFn | None = None,
        spec: JobSpec | None = None,
    ) -> Job:
        """Mark the (already created) row running, with its start time and total; write the start
        audit event when `action` is given (a job queued earlier may have audited its queueing)."""
        job = cls(row, progress=progress, spec=spec)
        s = job.spec
        values: dict[str, Any] = {s.status: s.running}
        if s.started_at and getattr(row, s.started_at, None) is None:
            values[s.started_at] = timezone.now()
        if total is not None and s.total:
            values[s.total] = job.total = total
        job.set(**values)
        if action is not None:
            record_event(actor=actor, action=action, target=row, summary=summary, data=data)
        return job

    # -- progress ------------------------------------------------------------------------------
    def set(self, **values: Any) -> None:
        """Write absolute values (e.g. `processed=…, total=…`) to the row and the database."""
        for name, value in values.items():
            setattr(self.row, name, value)
        if self.spec.total and self.spec.total in values:
            self.total = int(values[self.spec.total])
        self._rows().update(**values)

    def add(self, **increments: int) -> None:
        """Add to counters in the database (`processed=…, documents_issued=…`); call inside the
        transaction that registers the work so the counts never run ahead of it."""
        wanted = {name: F(name) + n for name, n in increments.items() if n}
        if wanted:
            self._rows().update(**wanted)

    def grow(self, more: int) -> None:
        """The job found more work (e.g. a second stage): the total grows."""
        if self.spec.total:
            self.set(**{self.spec.total: self.total + more})
        else:
            self.total += more

    def advance(self, done: int, *, count: bool = False) -> None:
        """Report `done` more items to the progress callback; `count=True` also adds them to the
        row's processed counter (when the registering transaction did not)."""
        if count and self.spec.processed:
            self.add(**{self.spec.processed: done})
        if self.report is not None:
            self.report(done, self.total)

    # -- failure -------------------------------------------------------------------------------
    def fail(self, exc: BaseException | str) -> str:
        """Mark the row failed with the Japanese reason (returned); the caller re-raises."""
        s = self.spec
        reason = exc if isinstance(exc, str) else failure_reason(exc)
        reason = reason[: s.reason_max]
        self.set(**{s.status: s.failed, s.finished_at: timezone.now(), s.reason: reason})
        return reason

    @contextlib.contextmanager
    def running(self) -> Iterator[Job]:
        """The job's work: any exception (interrupts included) marks it failed and propagates."""
        try:
            yield self
        except BaseException as exc:
            self.fail(exc)
            raise

    # -- exceptions file and completion ---------------------------------------------------------
    def exceptions(self, put: Put, key: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        """Write the exceptions report (when there is anything in it) and remember its key; '' when empty."""
        if not rows:
            return ""
        put(key, exceptions_csv(header, rows))
        if self.spec.exceptions_key:
            self.set(**{self.spec.exceptions_key: key})
        return key

    def complete(
        self,
        *,
        actor: User | None = None,
        action: AuditAction | None = None,
        summary: str | Callable[[Any], str] = "",
        data: dict[str, Any] | None = None,
        **values: Any,
    ) -> models.Model:
        """Reload the row (counters were added in the database), mark it done with `values`, and
        write the completion audit event; `summary` may be a function of the reloaded row."""
        s = self.spec
        self.row.refresh_from_db()
        self.set(**{s.status: s.done, s.finished_at: timezone.now(), **values})
        if action is not None:
            text = summary(self.row) if callable(summary) else summary
            record_event(actor=actor, action=action, target=self.row, summary=text, data=data)
        return self.row

    def _rows(self) -> models.QuerySet[Any]:
        return type(self.row)._base_manager.filter(pk=self.row.pk)
