"""History cannot be skipped: history-tracked models refuse naked bulk writes (contract), and the
core.writes functions that replace them leave history rows naming the actor."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import F

from tsunagu.core import writes
from tsunagu.core.writes import HistorySkipError, guards_history
from tsunagu.identity.models import SourceSystem

# Models with row history whose queryset does not guard bulk writes yet. Each entry names why;
# the list may only shrink (test_exemptions_are_still_needed fails when a model gets converted).
EXEMPT: dict[str, str] = {}


def _history_models() -> list[type]:
    return [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]


def test_every_history_tracked_model_guards_its_bulk_writes():
    unguarded = sorted(m._meta.label for m in _history_models() if not guards_history(m))
    missing = [label for label in unguarded if label not in EXEMPT]
    assert not missing, (
        f"{missing}: these models keep row history but their default queryset lets .update()/"
        "bulk_update()/bulk_create() skip it. Use tsunagu.core.writes.HistoryQuerySet."
    )


def test_exemptions_are_still_needed():
    labels = {m._meta.label: m for m in _history_models()}
    stale = sorted(label for label in EXEMPT if label not in labels or guards_history(labels[label]))
    assert not stale, f"remove from EXEMPT (guarded now or gone): {stale}"


@pytest.fixture
def source(db, hq_operator):
    return writes.save(SourceSystem(code="GUARD", name="ガード確認"), actor=hq_operator)


def test_naked_update_bulk_update_and_bulk_create_raise_and_write_nothing(source):
    with pytest.raises(HistorySkipError, match=r"ソースシステム.*update\(\).*writes.update_rows"):
        SourceSystem.objects.filter(pk=source.pk).update(name="履歴なし")
    source.name = "履歴なし"
    with pytest.raises(HistorySkipError, match=r"bulk_update.*writes.bulk_update"):
        SourceSystem.objects.bulk_update([source], ["name"])
    with pytest.raises(HistorySkipError, match=r"bulk_create.*writes.bulk_create"):
        SourceSystem.objects.bulk_create([SourceSystem(code="NEW", name="新規")])
    # Related managers use the model's default manager class: guarded as well.
    with pytest.raises(HistorySkipError):
        source.profiles.update(is_default=False)  # type: ignore[attr-defined]
    assert SourceSystem.objects.get(pk=source.pk).name == "ガード確認"
    assert not SourceSystem.objects.filter(code="NEW").exists()
    assert source.history.count() == 1


def test_update_rows_writes_the_change_with_actor_and_reason(source, hq_operator):
    before = source.history.count()
    count = writes.update_rows(
        SourceSystem.objects.filter(pk=source.pk),
        actor=hq_operator,
        reason="優先度の見直し",
        priority=F("priority") + 5,
    )
    assert count == 1
    latest = source.history.latest()
    assert source.history.count() == before + 1
    assert (latest.history_type, latest.history_user, latest.history_change_reason, latest.priority) == (
        "~",
        hq_operator,
        "優先度の見直し",
        105,
    )
    assert writes.update_rows(SourceSystem.objects.none(), actor=hq_operator, priority=1) == 0


def test_bulk_create_and_bulk_update_write_one_history_row_each(db, hq_operator):
    created = writes.bulk_create(
        [SourceSystem(code=f"S{i}", name=f"ソース{i}") for i in range(3)], actor=hq_operator, reason="一括登録"
    )
    rows = list(SourceSystem.objects.filter(code__startswith="S"))
    assert len(created) == len(rows) == 3
    for row in rows:
        row.is_active = False
    assert writes.bulk_update(rows, ["is_active"], actor=hq_operator, reason="一括停止") == 3
    history = SourceSystem.history.model.objects.filter(code__startswith="S").order_by("history_id")
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", hq_operator, "一括登録")
    ] * 3 + [("~", hq_operator, "一括停止")] * 3
    # The guard is back on once the service's write is done.
    with pytest.raises(HistorySkipError):
        SourceSystem.objects.filter(code__startswith="S").update(is_active=True)


def test_save_and_delete_name_the_actor(source, hq_operator, agency_a_staff):
    source.name = "名称変更"
    with pytest.raises(Exception, match="ソースコード"):
        writes.save(SourceSystem(code="不正なコード!", name="x"), actor=hq_operator)
    writes.save(source, actor=agency_a_staff, reason="名称の訂正")
    latest = source.history.latest()
    assert (latest.history_user, latest.history_change_reason, latest.name) == (
        agency_a_staff,
        "名称の訂正",
        "名称変更",
    )
    pk = source.pk
    writes.delete(source, actor=hq_operator, reason="誤登録")
    gone = SourceSystem.history.model.objects.filter(id=pk).latest()
    assert (gone.history_type, gone.history_user, gone.history_change_reason) == ("-", hq_operator, "誤登録")


def test_update_of_fields_the_history_does_not_track_is_allowed(db, hq_operator):
    from tsunagu.identity.models import CandidatePair

    # `evidence` is excluded from CandidatePair's history: updating it alone skips nothing.
    assert "evidence" not in writes.tracked_fields(CandidatePair)
    assert CandidatePair.objects.filter(pk__in=[]).update(evidence={}) == 0
    with pytest.raises(HistorySkipError):
        CandidatePair.objects.filter(pk__in=[]).update(evidence={}, note="x")
