"""対応漏れ KPI: the daily count of overdue cases and tasks per department, agency and person."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count

from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import Agency, Department, User

from ..models import Case, CaseTask, OverdueSnapshot


def overdue_snapshot_record(*, actor: User | None, on: dt.date) -> int:
    """Write (or rewrite) the counts for `on`; returns how many rows were written."""
    cases = Case.objects.filter(is_open=True, due_date__lt=on, paused_since__isnull=True)
    tasks = CaseTask.objects.filter(done_at__isnull=True, due_date__lt=on)
    rows: list[OverdueSnapshot] = [
        OverdueSnapshot(
            on=on,
            scope="total",
            scope_id=0,
            scope_name="全体",
            overdue_cases=cases.count(),
            overdue_tasks=tasks.count(),
        )
    ]
    groups = (
        ("department", "department_id", Department),
        ("agency", "agency_id", Agency),
        ("user", "assignee_id", User),
    )
    for scope, column, model in groups:
        case_counts = dict(cases.exclude(**{f"{column}__isnull": True}).values_list(column).annotate(n=Count("id")))
        task_column = column if scope != "agency" else "case__agency_id"
        task_counts = dict(
            tasks.exclude(**{f"{task_column}__isnull": True}).values_list(task_column).annotate(n=Count("id"))
        )
        ids = set(case_counts) | set(task_counts)
        names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}  # type: ignore[attr-defined]
        rows.extend(
            OverdueSnapshot(
                on=on,
                scope=scope,
                scope_id=pk,
                scope_name=names.get(pk, "")[:200],
                overdue_cases=case_counts.get(pk, 0),
                overdue_tasks=task_counts.get(pk, 0),
            )
            for pk in sorted(ids)
        )
    with transaction.atomic():
        OverdueSnapshot.objects.filter(on=on).delete()
        OverdueSnapshot.objects.bulk_create(rows)
        total = rows[0]
        if actor is not None:
            record_event(
                actor=actor,
                action=AuditAction.CASE_OVERDUE_SNAPSHOT,
                target=total,
                summary=f"{on:%Y/%m/%d} の対応漏れ件数を記録した"
                f"(案件 {total.overdue_cases}件・タスク {total.overdue_tasks}件)",
            )
    return len(rows)
