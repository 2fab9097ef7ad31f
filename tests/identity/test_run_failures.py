"""A failing full match run is recorded and explained in Japanese on the run page (issue 11,
defect 2): never the engine's raw English message."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tsunagu.identity.choices import RunStatus
from tsunagu.identity.models import MatchRun
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.matching import match_run_start

from .conftest import csv_bytes, person

pytest.importorskip("splink")
pytestmark = pytest.mark.django_db

ENGLISH = "Training rule `l.mobile_n = r.mobile_n` resulted in no record pairs."


def _fail_training(monkeypatch, exc: BaseException) -> None:
    from tsunagu.identity import engine

    def train(cls, frame, **options):
        raise exc

    monkeypatch.setattr(engine.matching().Matcher, "train", classmethod(train))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        ("em", "照合モデルの学習に失敗しました"),
        (RuntimeError("duckdb: Binder Error: something internal"), "予期しないエラーが発生したため中断しました"),
        (MemoryError(), "メモリが不足したため"),
    ],
)
def test_a_failing_run_is_explained_in_japanese(
    exc, expected, steward, sources, client, monkeypatch, django_capture_on_commit_callbacks
):
    from splink.internals.exceptions import EMTrainingException

    if exc == "em":
        exc = EMTrainingException(ENGLISH)
    rows = [person(f"P{i}", mobile="", phone=f"03-1111-{i:04d}") for i in range(3)]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="p.csv", match=False)
    _fail_training(monkeypatch, exc)
    with django_capture_on_commit_callbacks(execute=True):  # the task records its failure (re-raised)
        match_run_start(actor=steward)
    run = MatchRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert expected in run.message
    assert "Training rule" not in run.message
    assert "Binder Error" not in run.message
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/runs/{run.pk}/").content.decode()
    assert expected in page
    assert "resulted in no record pairs" not in page
