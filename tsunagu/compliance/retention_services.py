"""Every write of retention: set a period, place or release a legal hold, and the run that anonymises
or deletes what is due. Keyword-only, `actor` required, atomic, history through core.writes / core.bulk,
an audit event each (the run's event carries the counts per record type).

How the run writes (per record type, in chunks of customers, each chunk one transaction that first
re-reads which of its customers may still be processed, so a hold placed meanwhile is respected):

- clear: `writes.clear_rows` (set-based UPDATEs in chunks; the database copies each changed row into
  its history as "~" with the actor and the reason 保存期間満了による匿名化), then the earlier history
  rows of those objects get the same values — otherwise the history would keep what was erased; who
  changed what and when stays;
- delete: `writes.delete_rows` (a "-" history row with the actor and 保存期間満了による削除 for each
  row, then the rows), and their history rows are scrubbed the same way;
- tables without row history (contacts and case timelines: append-only; scores; the voice term index;
  identity blocking keys) go through the same two functions, which record each cleared or deleted row
  as an audit event of the run's action (actor, reason, the row, "~" or "-"; never the values);
- the stored PDF files of the customer's documents are deleted from storage after the chunk commits
  (the rows keep number and dates, the file reference is cleared); a print file shared with other
  customers' documents is kept until no document refers to it; the run counts the files deleted.
The customer master change is announced (core.events.customer_changed) so the search index drops
the old name, kana, phones and address in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.core import events, permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.documents.config import get_storage

from . import retention
from . import retention_selectors as selectors
from . import retention_steps as steps
from .models import LegalHold, RetentionDone, RetentionPeriod, RetentionRun
from .retention_choices import RecordType, RetentionRunStatus

REASON = steps.REASON
DELETE_REASON = steps.DELETE_REASON
CHUNK = 500  # customers per transaction


# --- periods and holds -----------------------------------------------------------------------


def retention_period_set(
    *, actor: User, record_type: str, years: int, effective_from: dt.date, basis: str
) -> RetentionPeriod:
    """A period of a record type from a date: a new row, or the row already starting that day changed."""
    permissions.require(actor, permissions.COMPLIANCE_RETENTION)
    if record_type not in RecordType.values:
        raise ValidationError({"record_type": "記録の種類を選択してください。"})
    problems = retention.period_problems(years=years, effective_from=effective_from, basis=basis)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        period = RetentionPeriod.objects.select_for_update().filter(
            record_type=record_type, effective_from=effective_from
        ).first() or RetentionPeriod(record_type=record_type, effective_from=effective_from, created_by=actor)
        before = period.years if period.pk else None
        period.years = years
        period.basis = basis.strip()
        writes.save(period, actor=actor, reason="保存期間の設定")
        label = RecordType(record_type).label
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_RETENTION_PERIOD,
            target=period,
            summary=f"{label}の保存期間を{years}年にした({effective_from:%Y/%m/%d}から)",
            data={"record_type": record_type, "years": years, "before": before, "from": effective_from.isoformat()},
        )
    return period


def legal_hold_place(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    reason: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    case: Case | None = None,
) -> LegalHold:
    """Hold a customer's data (all of it) against retention's anonymisation and deletion."""
    permissions.require(actor, permissions.COMPLIANCE_RETENTION)
    problems = retention.hold_problems(starts_on=starts_on, ends_on=ends_on, reason=reason, today=timezone.localdate())
    if case is not None and case.customer_id != customer.pk:
        problems["case"] = "この案件は指定した顧客の案件ではありません。"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        hold = LegalHold(
            customer=customer,
            case=case,
            kind=kind,
            reason=reason.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            placed_by=actor,
        )
        hold.full_clean(exclude=["customer", "case", "placed_by"])
        writes.save(hold, actor=actor, clean=False, reason="リーガルホールドの設定")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_LEGAL_HOLD_PLACE,
            target=hold,
            summary=f"顧客 {customer.number} にリーガルホールド({hold.get_kind_display()})を設定した",
            data={"customer": customer.pk, "case": case.pk if case else None, "kind": kind},
        )
    return hold


def legal_hold_release(*, actor: User, hold: LegalHold, released_on: dt.date, reason: str) -> LegalHold:
    permissions.require(actor, permissions.COMPLIANCE_RETENTION)
    problems: dict[str, str] = {}
    if not reason.strip():
        problems["reason"] = "解除の理由(判決確定・和解・照会の終了など)を入力してください。"
    if released_on > timezone.localdate():
        problems["released_on"] = "解除日に未来の日付は指定できません。"
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_on is not None:
            raise ValidationError("このリーガルホールドは解除済みです。")
        if released_on < hold.starts_on:
            problems["released_on"] = "解除日は開始日と同じか、それより後の日付にしてください。"
        if problems:
            raise ValidationError(problems)
        hold.released_on = released_on
        hold.released_by = actor
        hold.release_reason = reason.strip()[:300]
        writes.save(hold, actor=actor, reason="リーガルホールドの解除")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_LEGAL_HOLD_RELEASE,
            target=hold,
            summary=f"顧客 K{hold.customer_id:09d} のリーガルホールドを解除した",
            data={"customer": hold.customer_id, "released_on": released_on.isoformat()},
        )
    return hold


# --- the run -----------------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _count_files(counts: dict[str, dict[str, int]], files: steps.FileSweep) -> None:
    """Files deleted after their chunks committed (and those that could not be)."""
    if RecordType.DOCUMENT in counts:
        counts[RecordType.DOCUMENT]["files"] = files.deleted
        if files.failed:
            counts[RecordType.DOCUMENT]["files_failed"] = len(files.failed)


@dataclass
class RunResult:
    run: RetentionRun | None  # None for a dry run (which writes nothing)
    on: dt.date
    dry_run: bool
    counts: dict[str, dict[str, int]]  # {record type: {"customers": n, "rows": n}}; documents: "files" too
    blocked: dict[str, int]  # {record type: customers due but held back}
    blocked_by_reason: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.on.isoformat(),
            "dry_run": self.dry_run,
            "run": self.run.pk if self.run else None,
            "types": [
                {
                    "record_type": record_type,
                    "label": str(RecordType(record_type).label),
                    "action": retention.ACTIONS[record_type],
                    "customers": values["customers"],
                    "rows": values["rows"],
                    "blocked": self.blocked.get(record_type, 0),
                }
                | ({"files": values["files"]} if "files" in values else {})
                for record_type, values in self.counts.items()
            ],
            "blocked_by_reason": self.blocked_by_reason,
        }


def retention_execute(
    *, actor: User, on: dt.date, dry_run: bool = False, progress: Callable[[str, int], None] | None = None
) -> RunResult:
    """Anonymise or delete every record due on `on` (or, with `dry_run`, count it and write nothing)."""
    permissions.require(actor, permissions.COMPLIANCE_RETENTION)
    periods = selectors.periods_in_effect(on)
    preview = selectors.due_preview(on=on)
    blocked = {t.record_type: t.blocked for t in preview.types if t.blocked}
    counts: dict[str, dict[str, int]] = {}
    if dry_run:
        for record_type in retention.PROCESSED:
            period = periods.get(record_type)
            if period is None:
                continue
            due = selectors.processable(record_type, period.years, on).values("pk")
            counts[record_type] = {
                "customers": due.count(),
                "rows": sum(step.rows(due).count() for step in steps.STEPS[record_type]),
            }
        return RunResult(None, on, True, counts, blocked, preview.blocked_by_reason)
    run = RetentionRun(run_on=on, actor=actor)
    writes.save(run, actor=actor, clean=False, reason="保存期間の処理の開始")
    files = steps.FileSweep(get_storage())
    try:
        for record_type in retention.PROCESSED:
            period = periods.get(record_type)
            if period is None:
                continue
            counts[record_type] = {"customers": 0, "rows": 0}
            ids = list(selectors.processable(record_type, period.years, on).order_by("pk").values_list("pk", flat=True))
            for chunk in _chunks(ids, CHUNK):
                with transaction.atomic():
                    # Re-read under this transaction: a hold or a case opened since is respected.
                    still = list(
                        selectors.processable(record_type, period.years, on)
                        .filter(pk__in=chunk)
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    )
                    if not still:
                        continue
                    rows = sum(
                        steps.apply(step, still, actor=actor, run_id=run.pk, files=files)
                        for step in steps.STEPS[record_type]
                    )
                    writes.bulk_create(
                        [RetentionDone(customer_id=pk, record_type=record_type, run=run) for pk in still],
                        actor=actor,
                        reason=REASON,
                    )
                    if record_type == RecordType.CUSTOMER:
                        events.customer_changed(still)
                counts[record_type]["customers"] += len(still)
                counts[record_type]["rows"] += rows
                if progress is not None:
                    progress(record_type, len(still))
    except Exception as error:
        _count_files(counts, files)
        run.status = RetentionRunStatus.FAILED
        run.error = str(error)[:300]
        run.counts = counts
        run.finished_at = timezone.now()
        writes.save(run, actor=actor, clean=False, reason="保存期間の処理の失敗")
        raise
    _count_files(counts, files)
    with transaction.atomic():
        run.status = RetentionRunStatus.DONE
        run.counts = counts
        run.skipped = preview.blocked_by_reason
        run.finished_at = timezone.now()
        writes.save(run, actor=actor, clean=False, reason="保存期間の処理の完了")
        customers = sum(v["customers"] for v in counts.values())
        rows = sum(v["rows"] for v in counts.values())
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_RETENTION_RUN,
            target=run,
            summary=f"保存期間が満了した記録を処理した({on:%Y/%m/%d}、延べ{customers:,}人・{rows:,}行)",
            data={"date": on.isoformat(), "counts": counts, "blocked": blocked, "skipped": preview.blocked_by_reason},
        )
    return RunResult(run, on, False, counts, blocked, preview.blocked_by_reason)
