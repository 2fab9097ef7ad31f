"""Writing rows of history-tracked models: every write names its actor and leaves a history row.

django-simple-history writes a history row from `Model.save()` / `delete()` signals. Django's bulk
paths (`QuerySet.update()`, `bulk_update()`, `bulk_create()`) send no signals, so a row changed
that way has no history and its change has no author. Services therefore write through this module:

- `save(instance, actor=..., reason=...)` — one row (optionally validated first);
- `delete(instance, actor=..., reason=...)`;
- `bulk_create(objs, actor=...)`, `bulk_update(objs, fields, actor=...)` — many instances, with
  simple-history's `bulk_*_with_history` utilities (one history row per object);
- `update_rows(queryset, actor=..., **values)` — a set-based UPDATE (F() expressions allowed)
  whose history rows the database copies from the updated rows (core.bulk.copy_to_history).

History-tracked models use `HistoryQuerySet` (or mix it into their own queryset), whose naked bulk
writes raise `HistorySkipError` naming the function to use; the contract test
tests/core/test_history_guard.py fails for a history-tracked model whose queryset does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

if TYPE_CHECKING:
    from .models import User

M = TypeVar("M", bound=models.Model)

# Set while one of this module's functions runs its bulk write, which then writes history itself.
_history_kept: ContextVar[bool] = ContextVar("tsunagu_history_kept", default=False)


class HistorySkipError(Exception):
    """A bulk write on a history-tracked model that would leave no history row (a programming error)."""


@contextmanager
def _keeping_history() -> Iterator[None]:
    token = _history_kept.set(True)
    try:
        yield
    finally:
        _history_kept.reset(token)


def tracked_fields(model: type[models.Model]) -> set[str]:
    """Names of the fields the model's history rows copy (excluded_fields are not among them)."""
    history_model = model.history.model  # type: ignore[attr-defined]
    return {f.name for f in history_model._meta.fields if not f.name.startswith("history_")}


class HistoryQuerySet(models.QuerySet[Any]):
    """Queryset of a history-tracked model: bulk writes that would skip history raise.

    `update()` of fields the history does not track (e.g. a last-used timestamp listed in
    `excluded_fields`) is allowed: it changes nothing a history row would show."""

    def _refuse(self, method: str, instead: str) -> HistorySkipError:
        name = self.model._meta.verbose_name
        return HistorySkipError(
            f"{name}({self.model._meta.label})は変更履歴を記録するモデルです。"
            f"QuerySet.{method}() では履歴が残りません。{instead} を使ってください。"
        )

    def update(self, **kwargs: Any) -> int:
        if not _history_kept.get():
            tracked = tracked_fields(self.model)
            touched = {self.model._meta.get_field(name).name for name in kwargs}
            if touched & tracked:
                raise self._refuse("update", "tsunagu.core.writes.update_rows(queryset, actor=..., ...)")
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None) -> int:
        if not _history_kept.get():
            raise self._refuse("bulk_update", "tsunagu.core.writes.bulk_update(objs, fields, actor=...)")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        if not _history_kept.get():
            raise self._refuse("bulk_create", "tsunagu.core.writes.bulk_create(objs, actor=...)")
        return super().bulk_create(objs, *args, **kwargs)


def guards_history(model: type[models.Model]) -> bool:
    """True when the model's default queryset refuses bulk writes that skip history."""
    return isinstance(model._default_manager.get_queryset(), HistoryQuerySet)


def _mark(instance: models.Model, actor: User | None, reason: str) -> None:
    # simple-history reads these two attributes when it writes the history row (no request needed).
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason or None  # type: ignore[attr-defined]


def save(
    instance: M,
    *,
    actor: User | None,
    reason: str = "",
    clean: bool = True,
    update_fields: Sequence[str] | None = None,
) -> M:
    """Save one row with its author (and reason) in its history; `clean` runs full_clean first."""
    if clean:
        instance.full_clean()
    _mark(instance, actor, reason)
    instance.save(update_fields=update_fields)
    return instance


def delete(instance: models.Model, *, actor: User | None, reason: str = "") -> None:
    """Delete one row; its last history row ("-") names who deleted it."""
    _mark(instance, actor, reason)
    instance.delete()


def bulk_create(objs: Sequence[M], *, actor: User | None, reason: str = "", batch_size: int | None = None) -> list[M]:
    """Insert many unsaved instances of one model, each with its creation ("+") history row."""
    if not objs:
        return []
    for obj in objs:
        _mark(obj, actor, reason)
    with _keeping_history():
        return bulk_create_with_history(  # type: ignore[no-any-return]
            list(objs), type(objs[0]), batch_size=batch_size, default_user=actor, default_change_reason=reason
        )


def bulk_update(
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    actor: User | None,
    reason: str = "",
    batch_size: int | None = None,
) -> int:
    """Save `fields` of many changed instances of one model, each with its change ("~") history row."""
    if not objs:
        return 0
    for obj in objs:
        _mark(obj, actor, reason)
    with _keeping_history():
        return bulk_update_with_history(  # type: ignore[no-any-return]
            list(objs),
            type(objs[0]),
            list(fields),
            batch_size=batch_size,
            default_user=actor,
            default_change_reason=reason,
        )


def update_rows(queryset: models.QuerySet[Any], *, actor: User | None, reason: str = "", **values: Any) -> int:
    """UPDATE the rows of `queryset` (values may be F() expressions), then let the database copy
    each updated row into its history ("~", with actor and reason): set-based, for many rows."""
    from . import bulk

    model = queryset.model
    with transaction.atomic():
        ids = list(queryset.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        count = 0
        with _keeping_history():
            for start in range(0, len(ids), 900):  # SQLite's limit on parameters per statement
                count += model._default_manager.filter(pk__in=ids[start : start + 900]).update(**values)
        bulk.copy_to_history(
            model, ids, user_id=actor.pk if actor is not None else None, history_type="~", reason=reason or None
        )
    return count
