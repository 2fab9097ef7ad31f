"""The in-product feature pipeline: reproducible for an as-of date, no 機微情報; scores are scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import _user, make_customer, make_policy
from tsunagu.analytics import features as F
from tsunagu.analytics import selectors
from tsunagu.analytics.feature_labels import FEATURE_LABELS
from tsunagu.analytics.models import Score
from tsunagu.cases.models import AccidentReport, ComplaintDetail
from tsunagu.core.choices import Role
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

from .helpers import model_version_for_tests

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def book_of_a(hq_operator, org):
    customer = make_customer(hq_operator, agency=org["agency_a"])
    first = make_policy(
        hq_operator, customer, agency=org["agency_a"], contract_date=dt.date(2025, 3, 20),
        inception=dt.date(2025, 4, 1), expiry=dt.date(2026, 4, 1), annual_premium=50000,
    )  # fmt: skip
    make_policy(
        hq_operator, customer, agency=org["agency_a"], previous_policy=first, contract_date=dt.date(2026, 3, 20),
        inception=dt.date(2026, 4, 1), expiry=dt.date(2027, 4, 1), annual_premium=59000,
    )  # fmt: skip
    interaction_log(
        actor=hq_operator, customer=customer, channel="phone", subject="保険料について",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 10, 10, 0)),
    )  # fmt: skip
    return customer


def test_features_of_a_customer_as_of_a_date(book_of_a):
    frame = F.customer_features(F.load_book(), AS_OF)
    row = frame.filter(frame["customer_id"] == book_of_a.pk).to_dicts()[0]
    assert row["policies_in_force"] == 1  # the first term ended on 2026/04/01
    assert row["premium_change"] == pytest.approx(0.18)  # 59,000 / 50,000 − 1 at the renewal
    assert row["renewals"] == 1
    assert row["contacts_6m"] == 1
    assert row["days_to_expiry"] == (dt.date(2027, 4, 1) - AS_OF).days
    assert row["age"] == 56
    assert row["payment_method"] == "口座振替"  # categorical values are the Japanese labels
    assert set(frame.columns) - {"customer_id", "contact_consent"} <= set(FEATURE_LABELS)


def test_later_data_does_not_change_an_earlier_as_of_date(book_of_a, hq_operator, org):
    before = F.customer_features(F.load_book(), AS_OF)
    # After the as-of date: a call, a new contract, a claim-free cancellation of the current term.
    interaction_log(
        actor=hq_operator, customer=book_of_a, channel="phone", subject="解約したい",
        occurred_at=timezone.make_aware(dt.datetime(2026, 7, 1, 10, 0)),
    )  # fmt: skip
    make_policy(
        hq_operator, book_of_a, agency=org["agency_a"], line=LineOfBusiness.FIRE, contract_date=dt.date(2026, 8, 1),
        inception=dt.date(2026, 8, 1), expiry=dt.date(2027, 8, 1),
    )  # fmt: skip
    current = Policy.objects.filter(policyholder=book_of_a, previous_policy__isnull=False)
    from tsunagu.core import writes

    writes.update_rows(current, actor=hq_operator, cancellation_date=dt.date(2026, 9, 1), status="cancelled")
    book = F.load_book()
    assert F.customer_features(book, AS_OF).equals(before)
    # ... while the later facts are seen from a later date, and the earlier date's label sees the cancellation
    later = F.customer_features(book, dt.date(2026, 8, 15))
    assert later.filter(later["customer_id"] == book_of_a.pk)["policies_in_force"].item() == 2
    assert (
        F.churn_labels(book, AS_OF).filter(F.churn_labels(book, AS_OF)["customer_id"] == book_of_a.pk)["churn"].item()
        == 1
    )


def test_sensitive_fields_are_never_read(book_of_a):
    with CaptureQueriesContext(connection) as queries:
        F.load_book()
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    sensitive = [*ComplaintDetail.SENSITIVE_FIELDS, "injuries", "description", "notes", "note", "reason_text"]
    for column in sensitive:
        assert f".{column}" not in sql
        assert f" {column}," not in sql
        assert f'"{column}"' not in sql
    assert AccidentReport._meta.db_table not in sql
    assert ComplaintDetail._meta.db_table not in sql


def test_next_product_rows_only_for_consenting_customers(book_of_a, hq_operator, org):
    quiet = make_customer(hq_operator, agency=org["agency_a"], name="静香 花子", contact_consent=False)
    make_policy(hq_operator, quiet, agency=org["agency_a"], contract_date=dt.date(2026, 1, 5),
                inception=dt.date(2026, 1, 10), expiry=dt.date(2027, 1, 10))  # fmt: skip
    book = F.load_book()
    rows = F.next_product_rows(book, F.customer_features(book, AS_OF), AS_OF, labels=True)
    assert quiet.pk not in rows["customer_id"].to_list()
    offered = set(rows.filter(rows["customer_id"] == book_of_a.pk)["candidate_line"].to_list())
    assert offered == {"賠償責任", "傷害", "火災"}  # an auto holder without them
    assert rows.filter(rows["customer_id"] == book_of_a.pk)["added"].sum() == 0


def _score(customer, model, *, age_reason: bool = False) -> Score:
    reasons = [{"feature": "complaints_6m", "text": "直近6か月に苦情あり", "contribution": 0.4}]
    if age_reason:
        reasons.append({"feature": "age", "text": "年齢 23歳", "contribution": 0.2})
    return Score.objects.create(
        customer=customer, kind="churn", model=model, score=0.7, reasons=reasons, marketing_allowed=True,
        as_of=AS_OF, scored_at=timezone.now(),
    )  # fmt: skip


def test_agency_b_sees_none_of_agency_a_scores(book_of_a, hq_operator, agency_a_staff, agency_b_staff, org):
    model = model_version_for_tests(trained_by=hq_operator, is_active=True)
    _score(book_of_a, model)
    of_b = make_customer(hq_operator, agency=org["agency_b"], name="緑川 次郎")
    _score(of_b, model)
    assert [s.customer.pk for s in selectors.top_scores(user=agency_b_staff, kind="churn", screen="t")] == [of_b.pk]
    assert [s.customer.pk for s in selectors.top_scores(user=agency_a_staff, kind="churn", screen="t")] == [
        book_of_a.pk
    ]
    assert selectors.customer_scores(user=agency_b_staff, customer=book_of_a) == []
    assert not Score.objects.visible_to(agency_b_staff).filter(customer=book_of_a).exists()


def test_reasons_from_masked_fields_are_masked(book_of_a, hq_operator, org):
    model = model_version_for_tests(trained_by=hq_operator, is_active=True)
    _score(book_of_a, model, age_reason=True)
    analyst = _user("analyst_t", [Role.ANALYST], department=org["compliance"])
    shown = selectors.customer_scores(user=hq_operator, customer=book_of_a)
    assert shown[0].reasons == ["直近6か月に苦情あり", "年齢 23歳"]  # an operator sees birth dates
    # an analyst sees birth dates masked, so the age behind a reason is masked too
    assert selectors.customer_scores(user=analyst, customer=book_of_a)[0].reasons == [
        "直近6か月に苦情あり",
        "年齢",
    ]


def test_survey_answers_and_voices_as_of_a_date(book_of_a):
    """NPS answers and voices count only up to the as-of date; the latest answer is the one shown."""
    import dataclasses

    import polars as pl

    book = F.load_book()
    responses = pl.DataFrame(
        {
            "customer_id": [book_of_a.pk] * 3,
            "answered_on": [dt.date(2025, 1, 10), dt.date(2026, 2, 1), dt.date(2026, 7, 1)],  # the last after AS_OF
            "nps": [9, 4, 10],
        }
    )
    voices = pl.DataFrame(
        {
            "customer_id": [book_of_a.pk] * 4,
            "received_on": [dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2025, 1, 1), dt.date(2026, 6, 2)],
            "kind": ["dissatisfaction", "dissatisfaction", "dissatisfaction", "praise"],  # 2 in the 12 months
        }
    )
    row = (
        F.customer_features(dataclasses.replace(book, responses=responses, voices=voices, features_cache={}), AS_OF)
        .filter(pl.col("customer_id") == book_of_a.pk)
        .to_dicts()[0]
    )
    assert row["nps_last"] == 4
    assert row["detractor_12m"] == 1
    assert row["dissatisfied_voices_12m"] == 2
    assert row["praise_voices_12m"] == 0  # received the day after AS_OF
    # Without any answer or voice: no score, no detractor, no voices.
    plain = F.customer_features(book, AS_OF).filter(pl.col("customer_id") == book_of_a.pk).to_dicts()[0]
    assert plain["nps_last"] is None
    assert (plain["detractor_12m"], plain["dissatisfied_voices_12m"], plain["praise_voices_12m"]) == (0, 0, 0)


def test_voices_are_read_by_kind_and_date_without_their_words(book_of_a, hq_operator):
    from tsunagu.voice import services as voice_services
    from tsunagu.voice.models import VoiceCategory

    voice_services.voice_record(
        actor=hq_operator,
        data=voice_services.VoiceInput(
            received_on=dt.date(2026, 5, 20), channel="phone", category=VoiceCategory.objects.get(code="dis-delay"),
            text="到着が遅かった", customer=book_of_a,
        ),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        book = F.load_book()
    assert book.voices.to_dicts() == [
        {"customer_id": book_of_a.pk, "received_on": dt.date(2026, 5, 20), "kind": "dissatisfaction"}
    ]
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "voice" in sql  # the voices were read …
    for words in ("到着", '"text"', ".text", "comment"):  # … without their words
        assert words not in sql
    features = F.customer_features(book, AS_OF)
    assert features.filter(features["customer_id"] == book_of_a.pk)["dissatisfied_voices_12m"].item() == 1
