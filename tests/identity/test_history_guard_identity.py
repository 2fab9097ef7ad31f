"""The identity services' bulk writes leave row history naming their actor (issue 10: they used
QuerySet.update()/bulk_update()/bulk_create(), which write no history)."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import CandidatePair, MappingProfile, MatchModel, MatchRun, SourceRecord
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.matching import pairs_store
from tsunagu.identity.services.resolution import resolve_all
from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

from .conftest import COLUMNS, csv_bytes, person

pytestmark = pytest.mark.django_db


def _records(steward, source: str, *ids: str) -> list[SourceRecord]:
    rows = [person(i, name=f"佐藤 {n}郎", kana="サトウ イチロウ") for n, i in enumerate(ids, start=1)]
    records_import(actor=steward, source_code=source, data=csv_bytes(rows), file_name="x.csv", match=False)
    return [SourceRecord.objects.get(source__code=source, external_id=i) for i in ids]


def test_a_new_default_profile_records_the_old_defaults_change(steward, sources):
    old = MappingProfile.objects.get(source=sources["AGENCY"], is_default=True)
    mapping_profile_save(actor=steward, source=sources["AGENCY"], columns=COLUMNS, name="新形式")
    old.refresh_from_db()
    assert not old.is_default
    latest = old.history.latest()
    assert (latest.history_type, latest.is_default, latest.history_user) == ("~", False, steward)
    assert "新形式" in latest.history_change_reason


def test_stored_pairs_have_creation_and_change_history_with_the_runs_actor(steward, sources):
    a, b, c = _records(steward, "AGENCY", "A", "B", "C")
    model = MatchModel.objects.create(version=1, model_json="{}", auto_link=0.9, review=0.5, trained_by=steward)
    run = MatchRun.objects.create(started_by=steward)
    existing = CandidatePair.objects.create(
        record_l=a, record_r=b, match_probability=0.6, match_weight=1, status=PairStatus.REVIEW
    )
    pairs = pd.DataFrame(
        [
            {"record_id_l": a.pk, "record_id_r": b.pk, "match_probability": 0.95, "match_weight": 6.0},
            {"record_id_l": b.pk, "record_id_r": c.pk, "match_probability": 0.7, "match_weight": 2.0},
        ]
    )
    assert pairs_store(actor=steward, run=run, model=model, pairs=pairs) == (2, 1, 1)

    changed = existing.history.latest()
    assert (changed.history_type, changed.status, changed.history_user) == ("~", PairStatus.AUTO_LINKED, steward)
    assert changed.history_change_reason == f"名寄せの全件照合 #{run.pk}"
    new = CandidatePair.objects.get(record_l=b, record_r=c)
    [created] = new.history.all()
    assert (created.history_type, created.status, created.history_user) == ("+", PairStatus.REVIEW, steward)


def test_an_auto_link_sent_back_to_review_has_history(steward, sources):
    """Two records of a deduplicated source are two people: the weaker automatic link that would
    join them returns to review, and its history says who (the run's actor) and why."""
    policy = sources["POLICY"]
    source_system_register(actor=steward, code="POLICY", name=policy.name, priority=policy.priority, deduplicated=True)
    x, y = _records(steward, "AGENCY", "X", "Y")
    p1, p2 = _records(steward, "POLICY", "P1", "P2")

    def auto(a, b, probability):
        return CandidatePair.objects.create(
            record_l=a, record_r=b, match_probability=probability, match_weight=5, status=PairStatus.AUTO_LINKED
        )

    auto(x, p1, 0.99)
    auto(x, y, 0.98)
    weaker = auto(y, p2, 0.95)
    resolve_all(actor=steward)
    weaker.refresh_from_db()
    assert weaker.status == PairStatus.REVIEW
    latest = weaker.history.latest()
    assert (latest.history_type, latest.status, latest.history_user) == ("~", PairStatus.REVIEW, steward)
    assert latest.history_change_reason == "自動統合できないため要確認に戻した"
