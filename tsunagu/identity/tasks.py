"""Background tasks (django-tasks). The full match run records its progress in MatchRun."""

from __future__ import annotations

from django_tasks import task


@task()
def match_run_task(run_id: int) -> int:
    from .services.matching import match_run_execute

    return match_run_execute(run_id=run_id).pk
