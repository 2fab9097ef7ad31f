"""Background tasks (django-tasks, database backend; run by `manage.py db_worker`).

The batches record their own progress in DocumentBatch, which the batch pages poll; a task that
dies half-way leaves a batch that the next run resumes without duplicates.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from tsunagu.core.context import request_context
from tsunagu.core.models import User


@task()
def certificate_batch_task(actor_id: int, tax_year: int, issue_date: str, vendor_prints: bool = False) -> int:
    from .services.certificate_batch import run_certificate_batch

    with request_context(screen="バックグラウンド: 控除証明書一括発行"):
        batch = run_certificate_batch(
            actor=User.objects.get(pk=actor_id),
            tax_year=tax_year,
            issue_date=dt.date.fromisoformat(issue_date),
            vendor_prints=vendor_prints,
        )
    return batch.pk


@task()
def contract_notice_task(actor_id: int, month: str, issue_date: str) -> int:
    from .notices import run_contract_notices

    with request_context(screen="バックグラウンド: 契約内容のお知らせ"):
        batch = run_contract_notices(
            actor=User.objects.get(pk=actor_id),
            month=dt.date.fromisoformat(month),
            issue_date=dt.date.fromisoformat(issue_date),
        )
    return batch.pk
