"""Writing rows of history-tracked models: every write names its actor and leaves a history row.

django-simple-history writes a history row from `Model.save()` / `delete()` signals. Django's bulk
paths (`QuerySet.update()`, `bulk_update()`, `bulk_create()`) send no signals, so a row changed
that way has no history and its change has no author. Services therefore write through this module:

- `save(instance, actor=..., reason=...)` — one row (optionally validated first);
- `delete(instance, actor=..., reason=...)`;
- `bulk_create(objs, actor=...)`, `bulk_update(objs, fields, actor=...)` — many instances, with
  simple-history's `bulk_*_with_history` utilities (one history row per object);
- `update_rows(queryset, actor=..., **values)` — a set-based UPDATE (F() expressions allowed)
  whose history rows the database copies from the updated rows (core.bulk.copy_to_history);
- `clear_rows(queryset, actor=..., reason=..., **values)`, `delete_rows(queryset, actor=..., reason=...)`
  — set-based erasure (retention), in chunks, the history rows ("~" / "-") made by the database; for a
  table without row history (append-only contacts, case timelines, derived indexes) one audit event
  per row under the caller's action.

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


# --- set-based clears and deletes (erasure: retention, anonymisation) ---------------------------

ROWS_PER_STATEMENT = 900  # SQLite's limit on parameters per statement


def has_row_history(model: type[models.Model]) -> bool:
    """True when django-simple-history keeps the model's row history (a `history` table)."""
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


def _locked_ids(queryset: models.QuerySet[Any]) -> list[int]:
    """The rows' ids, locked (PostgreSQL: FOR UPDATE OF the table itself, not the joined ones)."""
    return list(queryset.select_for_update(of=("self",)).order_by().values_list("pk", flat=True))


def _parts(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        yield list(ids[start : start + ROWS_PER_STATEMENT])


def _row_events(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    actor: User | None,
    action: str | None,
    reason: str,
    history_type: str,
    data: dict[str, Any],
) -> None:
    """The history of rows of a table without row history: one audit event per row (the action, the
    actor, the reason as summary, {"history_type": "~" | "-", ...} as data, the row as target),
    inserted by the database from the rows themselves (INSERT … SELECT), no values through Python."""
    import json

    from django.db import connection
    from django.utils import timezone

    from .audit import audit_action
    from .models import AuditEvent

    if action is None:
        raise ValueError(
            f"{model._meta.label}には行の変更履歴がありません。監査イベントとして残すため action を指定してください。"
        )
    code = audit_action(action).value
    quote = connection.ops.quote_name
    payload = json.dumps({"history_type": history_type, **data}, ensure_ascii=False)
    columns = ", ".join(
        quote(name) for name in ("at", "actor_id", "action", "target_type", "target_id", "summary", "data")
    )
    pk = quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    if connection.vendor == "postgresql":
        select = (
            "CAST(%s AS timestamp with time zone), CAST(%s AS bigint), CAST(%s AS varchar), CAST(%s AS varchar), "
            f"CAST({pk} AS varchar), CAST(%s AS varchar), CAST(%s AS jsonb)"
        )
        when: Any = timezone.now()
    else:
        select = f"%s, %s, %s, %s, CAST({pk} AS TEXT), %s, %s"
        when = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [when, actor.pk if actor is not None else None, code, model._meta.label_lower, reason[:300], payload]
    with connection.cursor() as cursor:
        for part in _parts(ids):
            cursor.execute(
                f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "
                f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE {pk} IN ({', '.join(['%s'] * len(part))})",
                [*params, *part],
            )


def clear_rows(
    queryset: models.QuerySet[Any],
    *,
    actor: User | None,
    reason: str,
    action: str | None = None,
    data: dict[str, Any] | None = None,
    **values: Any,
) -> int:
    """Overwrite fields of every row of `queryset` (erasure: values may be F() expressions or other
    database expressions), set-based and in chunks, each changed row leaving a history row made by
    the database: a "~" row of its row history (actor, reason) for a history-tracked model; for a
    table without one (append-only contacts and case timelines, derived indexes) an audit event per
    row under `action` (actor; reason as summary; data {"history_type": "~", "fields": [...]}).

    It is the one write allowed on append-only tables: erasing what the law no longer lets us keep."""
    model = queryset.model
    with transaction.atomic():
        ids = _locked_ids(queryset)
        if not ids:
            return 0
        count = 0
        with _keeping_history():
            for part in _parts(ids):
                count += models.QuerySet(model).filter(pk__in=part).update(**values)
        if has_row_history(model):
            from . import bulk

            bulk.copy_to_history(
                model, ids, user_id=actor.pk if actor is not None else None, history_type="~", reason=reason or None
            )
        else:
            fields = sorted(model._meta.get_field(name).name for name in values)
            _row_events(
                model,
                ids,
                actor=actor,
                action=action,
                reason=reason,
                history_type="~",
                data={"fields": fields, **(data or {})},
            )
    return count


def delete_rows(
    queryset: models.QuerySet[Any],
    *,
    actor: User | None,
    reason: str,
    action: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Delete every row of `queryset`, set-based and in chunks, each row first leaving its history
    row made by the database: a "-" row of its row history (actor, reason), or for a table without
    one an audit event per row under `action` (data {"history_type": "-"}). No signals, no cascade:
    a model other tables point at is refused (delete or detach the dependants first)."""
    model = queryset.model
    dependants = [r.related_model._meta.label for r in model._meta.related_objects]
    if dependants:
        raise ValueError(
            f"{model._meta.label}は他の表({', '.join(dependants)})から参照されるため、delete_rows では削除できません。"
        )
    with transaction.atomic():
        ids = _locked_ids(queryset)
        if not ids:
            return 0
        if has_row_history(model):
            from . import bulk

            bulk.copy_to_history(
                model, ids, user_id=actor.pk if actor is not None else None, history_type="-", reason=reason or None
            )
        else:
            _row_events(model, ids, actor=actor, action=action, reason=reason, history_type="-", data=dict(data or {}))
        count = 0
        for part in _parts(ids):
            rows: models.QuerySet[Any] = models.QuerySet(model).filter(pk__in=part)
            count += rows._raw_delete(rows.db)  # the history rows above are the record; nothing depends on these
    return count
