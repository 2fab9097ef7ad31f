"""How a scoring run stores its scores (analytics.services._scores_replace): a kind's rows are replaced
and the other kinds' kept, the reasons read back equal to what the run wrote, the scores stay scoped
like their customers for agency and branch staff, and the ORM still cascades and protects although
the table has no foreign-key constraints. Also: the bulk reasons' fast rendering gives the texts of
`render(decode(...))`, and the customer features are built once per book and date."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from tests.conftest import _user, make_customer, make_policy
from tsunagu.analytics import features as F
from tsunagu.analytics import selectors, services
from tsunagu.analytics.feature_labels import FEATURE_LABELS
from tsunagu.analytics.modeling import TrainOptions, train_binary
from tsunagu.analytics.modeling.reasons import decode, render, top_reasons, top_reasons_json
from tsunagu.analytics.models import Score
from tsunagu.core.choices import Role
from tsunagu.core.models import Agency, Branch

from .helpers import model_version_for_tests

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)


def _frame(customers, model, kind: str, base: float) -> pl.DataFrame:
    reasons = [
        json.dumps(
            [{"feature": "complaints_6m", "text": f"直近6か月に苦情あり {i}", "contribution": 0.4}], ensure_ascii=False
        )
        for i in range(len(customers))
    ]
    return pl.DataFrame(
        {
            "customer_id": [c.pk for c in customers],
            "kind": [kind] * len(customers),
            "model_id": [model.pk] * len(customers),
            "score": [base + i / 100 for i in range(len(customers))],
            "product_line": ["fire" if kind == "next_product" else ""] * len(customers),
            "reasons": reasons,
            "marketing_allowed": [True] * len(customers),
            "as_of": [AS_OF] * len(customers),
            "scored_at": [timezone.now()] * len(customers),
        },
        schema_overrides={"model_id": pl.Int64, "scored_at": pl.Datetime("us", "UTC")},
    )


@pytest.fixture
def world(hq_operator, org):
    osaka = Branch.objects.create(code="B02", name="大阪支店")
    agency_c = Agency.objects.create(code="C0001", name="なにわ保険企画", branch=osaka)
    customers = {}
    for key, agency, name in (
        ("a", org["agency_a"], "山田 花子"),
        ("b", org["agency_b"], "鈴木 一郎"),
        ("c", agency_c, "大阪 次郎"),
    ):
        customers[key] = make_customer(hq_operator, agency=agency, name=name)
        make_policy(hq_operator, customers[key], agency=agency)
    return {
        "customers": customers,
        "osaka": osaka,
        "model": model_version_for_tests(trained_by=hq_operator, is_active=True),
    }


def test_a_run_replaces_its_kind_and_keeps_the_others(world):
    people = list(world["customers"].values())
    model = world["model"]
    services._scores_replace("next_product", _frame(people, model, "next_product", 0.2))
    services._scores_replace("churn", _frame(people, model, "churn", 0.5))
    services._scores_replace("churn", _frame(people[:2], model, "churn", 0.7))  # the next run: fewer customers
    churn = list(Score.objects.filter(kind="churn").order_by("customer_id").values_list("customer_id", "score"))
    assert churn == [(people[0].pk, 0.7), (people[1].pk, 0.71)]
    assert Score.objects.filter(kind="next_product").count() == 3  # untouched
    assert Score.objects.count() == 5


def test_reasons_read_back_as_written(world, hq_operator):
    a = world["customers"]["a"]
    written = [
        {"feature": "premium_change", "text": "更新時の保険料上昇 +18%", "contribution": 0.5123},
        {"feature": "age", "text": '年齢 23歳 "引用" \\ 改行\n', "contribution": 0.02},
    ]
    frame = _frame([a], world["model"], "churn", 0.6).with_columns(
        pl.Series("reasons", [json.dumps(written, ensure_ascii=False)])
    )
    services._scores_replace("churn", frame)
    assert Score.objects.get(customer=a, kind="churn").reasons == written
    shown = selectors.customer_scores(user=hq_operator, customer=a)
    assert shown[0].reasons == [r["text"] for r in written]


def test_scores_stay_scoped_for_agency_and_branch_staff(world, org, agency_a_staff, agency_b_staff):
    people = world["customers"]
    services._scores_replace("churn", _frame(list(people.values()), world["model"], "churn", 0.5))
    tokyo_branch = _user("branch_tokyo", [Role.BRANCH_STAFF], branch=org["branch"])
    osaka_branch = _user("branch_osaka", [Role.BRANCH_STAFF], branch=world["osaka"])

    def visible(user) -> set[int]:
        return set(Score.objects.visible_to(user).values_list("customer_id", flat=True))

    assert visible(agency_a_staff) == {people["a"].pk}
    assert visible(agency_b_staff) == {people["b"].pk}
    assert visible(tokyo_branch) == {people["a"].pk, people["b"].pk}
    assert visible(osaka_branch) == {people["c"].pk}
    assert selectors.customer_scores(user=osaka_branch, customer=people["a"]) == []


def test_deleting_through_the_orm_still_cascades_and_protects(world, hq_operator, org):
    people = world["customers"]
    prospect = make_customer(hq_operator, agency=org["agency_a"], name="見込 太郎")  # no policy: deletable
    services._scores_replace("churn", _frame([*people.values(), prospect], world["model"], "churn", 0.5))
    prospect.delete()  # CASCADE (Django's collector; the table has no constraint to do it)
    assert not Score.objects.filter(customer_id=prospect.pk).exists()
    assert Score.objects.filter(kind="churn").count() == 3
    with pytest.raises(ProtectedError):
        world["model"].delete()


def test_fast_rendering_gives_the_texts_of_render():
    rng = np.random.default_rng(3)
    n = 400
    frame = pl.DataFrame(
        {
            "premium_change": rng.normal(0.02, 0.1, n),
            "complaints_6m": rng.integers(0, 3, n),
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.integers(20, 80, n).astype(float)),
            "payment_method": rng.choice(["口座振替", "払込票", "クレジットカード"], n),
        }
    )
    risk = 3 * frame["premium_change"].to_numpy() + frame["complaints_6m"].to_numpy()
    frame = frame.with_columns(pl.Series("lapsed", (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)))
    model = train_binary(frame, target="lapsed", options=TrainOptions(labels=FEATURE_LABELS, baseline=False))
    matrix = model.matrix(frame)
    contributions = model._attributed(frame)[2]
    listed = top_reasons(model.preprocessor, model.labels, matrix, contributions)
    names = model.features
    checked = 0
    for i, reasons in enumerate(listed):
        for reason in reasons:
            j = names.index(reason["feature"])
            expected = render(model.labels.get(reason["feature"]), reason["feature"], _decoded(model, j, matrix[i, j]))
            assert reason["text"] == expected
            checked += 1
    assert checked > n // 2
    written = top_reasons_json(model.preprocessor, model.labels, matrix, contributions).to_list()
    assert [json.loads(text) for text in written] == listed


def _decoded(model, j, raw):
    return None if np.isnan(raw) else decode(model.preprocessor, j, float(raw))


def test_customer_features_are_built_once_per_book_and_date(world):
    book = F.load_book()
    first = F.customer_features(book, AS_OF)
    assert F.customer_features(book, AS_OF) is first
    assert F.customer_features(book, AS_OF - dt.timedelta(days=1)) is not first
    for offset in range(F.FEATURES_CACHED + 1):
        F.customer_features(book, AS_OF - dt.timedelta(days=10 + offset))
    assert len(book.features_cache) == F.FEATURES_CACHED
    assert F.customer_features(F.load_book(), AS_OF).equals(first)


def test_next_product_best_lines_are_those_predict_ranks_first():
    """Each customer's best candidate line, picked with numpy from the one feature matrix, is the line
    `predict` ranks first (the first of equals), with the same score and reasons as explaining it."""
    rng = np.random.default_rng(5)
    n = 600
    frame = pl.DataFrame(
        {
            "customer_id": rng.integers(1, 250, n),  # several candidate lines per customer, in no order
            "premium_change": rng.normal(0.02, 0.1, n),
            "complaints_6m": rng.integers(0, 3, n),
            "line": rng.choice(["fire", "earthquake", "liability"], n),
            "contact_consent": rng.random(n) < 0.9,
        }
    )
    risk = 3 * frame["premium_change"].to_numpy() + frame["complaints_6m"].to_numpy()
    frame = frame.with_columns(pl.Series("added", (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)))
    model = train_binary(
        frame, target="added", exclude=("customer_id", "contact_consent"), options=TrainOptions(baseline=False)
    )
    rows = frame.drop("added")
    got = services.customer_scores(model, rows, kind="next_product")
    order = np.lexsort((-model.predict(rows), rows["customer_id"].to_numpy()))
    expected_rows = rows[order].unique(subset="customer_id", keep="first", maintain_order=True)
    scores, reasons = model.explain_json(expected_rows)
    assert got["customer_id"].to_list() == expected_rows["customer_id"].to_list()
    assert got["product_line"].to_list() == expected_rows["line"].to_list()
    assert np.allclose(got["score"].to_numpy(), scores)
    assert got["reasons"].to_list() == reasons.to_list()
