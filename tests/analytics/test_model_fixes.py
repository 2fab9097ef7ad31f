"""The walk's model findings (issue 14, sixth session): deterministic training, calibrated scores,
reasons for every score, the next product never a line already held or contracted, PSI without
binning artefacts."""

from __future__ import annotations

import pytest

from tsunagu.analytics import training

from .synthetic import AS_OF, synthetic_book


@pytest.mark.parametrize("kind", [training.CHURN, training.NEXT_PRODUCT])
def test_training_twice_on_the_same_book_gives_the_same_model(kind):
    # The second book holds the same facts with every frame's rows shuffled: joins and group_bys must
    # not carry the input order into the model.
    first = training.train(synthetic_book(600), kind, AS_OF, trainer="t")
    second = training.train(synthetic_book(600, shuffle=7), kind, AS_OF, trainer="t")
    assert first.booster.model_to_string() == second.booster.model_to_string()
    assert first.metadata["metrics"] == second.metadata["metrics"]


def _with_policy(book, **values):
    import dataclasses
    import datetime as dt

    import polars as pl

    row = dict.fromkeys(book.policies.columns)
    defaults = {"policy_id": 10**6, "status": "in_force", "annual_premium": 30_000, "payment_method": "bank_transfer",
                "payment_frequency": "annual", "sales_channel": "agency", "face_to_face": True,
                "earthquake_cover": 0, "renewed": False, "expiry": dt.date(2027, 12, 27)}  # fmt: skip
    row.update(defaults, **values)
    extra = pl.DataFrame([row], schema=book.policies.schema)
    return dataclasses.replace(book, policies=pl.concat([book.policies, extra]), features_cache={})


def test_a_line_contracted_but_not_yet_started_is_never_proposed():
    import datetime as dt

    import polars as pl

    from tsunagu.analytics import features as F

    book = synthetic_book(300)
    rows = training.scoring_rows(book, training.NEXT_PRODUCT, AS_OF)
    customer = rows.filter(pl.col("line") == "fire")["customer_id"][0]
    # 火災 contracted a week before the as-of date, cover starting four weeks after it (the walk's K000001600).
    book = _with_policy(book, customer_id=customer, line="fire", contract_date=AS_OF - dt.timedelta(days=7),
                        inception=AS_OF + dt.timedelta(days=26))  # fmt: skip
    rows = training.scoring_rows(book, training.NEXT_PRODUCT, AS_OF)
    assert rows.filter((pl.col("customer_id") == customer) & (pl.col("line") == "fire")).height == 0
    assert (customer, "fire") in set(F.contracted_lines(book, AS_OF).iter_rows())
    # Still not a holder of 火災 on the date: the feature flag reads the cover in force.
    features = F.customer_features(book, AS_OF).filter(pl.col("customer_id") == customer)
    assert features["has_fire"].to_list() == [0]


def test_every_score_carries_a_reason_and_a_company_gets_no_birth_date_reason():
    import json

    import polars as pl

    from tsunagu.analytics import services

    book = synthetic_book(600)
    model = training.train(book, training.CHURN, AS_OF, trainer="t")
    rows = training.scoring_rows(book, training.CHURN, AS_OF)
    scored = services.customer_scores(model, rows, kind=training.CHURN)
    reasons = [json.loads(text) for text in scored["reasons"]]
    assert all(reasons), sum(1 for r in reasons if not r)
    texts = {r["text"] for row in reasons for r in row}
    assert "生年月日の登録なし" not in texts
    assert all(t.strip() for t in texts)
    companies = set(book.customers.filter(pl.col("kind") == "corporate")["customer_id"])
    assert companies & set(scored["customer_id"])


def test_scores_are_calibrated_on_the_validation_rows_and_old_files_still_score():
    import json

    import numpy as np

    from tsunagu.analytics.modeling.artifact import blend, model_from_json

    book = synthetic_book(600)
    model = training.train(book, training.CHURN, AS_OF, trainer="t")
    lightgbm = model.metadata["metrics"]["lightgbm"]
    assert model.metadata["calibration"]["method"] == "platt"
    assert lightgbm["brier"] <= lightgbm["uncalibrated"]["brier"]
    rows = training.scoring_rows(book, training.CHURN, AS_OF)
    matrix = model.matrix(rows)
    trees = np.asarray(model.booster.predict(matrix, raw_score=True))
    raw = 1 / (1 + np.exp(-blend(trees, model.linear, matrix, model.blend_weight)))  # before calibration
    scores, _ = model.explain(rows)
    assert np.allclose(scores, model.predict(rows))
    assert np.array_equal(np.argsort(raw, kind="stable"), np.argsort(model.predict(rows), kind="stable"))
    # A model file written before calibration existed: scored as it was (identity).
    old = json.loads(model.to_json())
    del old["metadata"]["calibration"]
    loaded = model_from_json(json.dumps(old))
    assert np.allclose(loaded.predict(rows), raw)
    assert np.allclose(model_from_json(model.to_json()).predict(rows), model.predict(rows))


def test_psi_is_near_zero_for_the_same_distribution_with_constant_and_categorical_columns():
    import numpy as np

    from tsunagu.analytics.modeling import drift

    rng = np.random.default_rng(0)

    def matrix(n):
        return np.column_stack([
            rng.normal(size=n),  # continuous
            np.zeros(n),  # constant
            (rng.random(n) < 0.02).astype(float),  # nearly constant flag
            rng.integers(0, 4, n).astype(float),  # categorical codes 0..3
            np.where(rng.random(n) < 0.3, np.nan, rng.poisson(1.0, n)),  # counts with missing values
        ])  # fmt: skip

    reference = drift.reference(matrix(800), [None, None, None, 4, None])
    values = drift.psi(matrix(5000), reference)
    assert max(values) < 0.05, values


@pytest.fixture
def analyst(org):
    from tests.conftest import _user
    from tsunagu.core.choices import Role

    return _user("analyst", [Role.ANALYST], department=org["compliance"])


@pytest.mark.django_db
def test_a_second_training_of_the_same_kind_is_refused_while_one_is_queued(analyst):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django_tasks_db.models import DBTaskResult

    from tsunagu.analytics import services
    from tsunagu.analytics.tasks import model_train_task

    DBTaskResult.objects.create(
        task_path=model_train_task.module_path, status="READY",
        args_kwargs={"args": [analyst.pk, "churn", "2026-12-01"], "kwargs": {}},
        priority=0, queue_name="default", backend_name="default", run_after=None,
    )  # fmt: skip
    assert services.trainings_in_progress() == {"churn"}
    with pytest.raises(ValidationError, match="すでに待機中か実行中"):
        services.model_train_queue(actor=analyst, kind="churn", as_of=dt.date(2026, 12, 1))
    services.model_train_queue(actor=analyst, kind="next_product", as_of=dt.date(2026, 12, 1))
