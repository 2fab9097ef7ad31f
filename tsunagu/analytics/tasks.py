"""Background tasks (django-tasks, database backend; run by `manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from tsunagu.core.context import request_context
from tsunagu.core.models import User


@task()
def scores_refresh_task(actor_id: int, as_of: str) -> int:
    """Score every kind that has an active model (one set-based read of the book for all of them)."""
    from . import features, services

    on = dt.date.fromisoformat(as_of)
    actor = User.objects.get(pk=actor_id)
    book = features.load_book()
    written = 0
    with request_context(screen="バックグラウンド: 予測スコアの採点"):
        for kind in services.training.KINDS:
            if services.active_model(kind) is not None:
                written += services.scores_refresh(actor=actor, kind=kind, as_of=on, book=book)
    return written


@task()
def model_train_task(actor_id: int, kind: str, as_of: str) -> int:
    """Train one kind of model (the analyst's 「学習」 button); returns the new version's id."""
    from . import services

    actor = User.objects.get(pk=actor_id)
    with request_context(screen="バックグラウンド: 予測モデルの学習"):
        return services.model_train(actor=actor, kind=kind, as_of=dt.date.fromisoformat(as_of)).pk
