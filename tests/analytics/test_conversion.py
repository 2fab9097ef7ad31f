"""The conversion model: labels from the results that came back (bounded window, no renewals), the
out-of-time split by list date, training and scoring through the services and the commands, the
score on the worklist and the entry page (scoped and masked like the entry), and the Japanese errors."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.analytics import conversion, segments, services, target_selectors, target_services
from tsunagu.analytics import features as F
from tsunagu.analytics.choices import ListBasis
from tsunagu.analytics.models import ModelVersion, Score, TargetEntry
from tsunagu.core.choices import AuditAction, Role
from tsunagu.core.models import AuditEvent
from tsunagu.policies.choices import LineOfBusiness

LIST_DATE = dt.date(2026, 4, 1)
TODAY = dt.date(2026, 12, 1)


# --- labels and the split (polars only) --------------------------------------------------------


def _book(policies: list[tuple[int, dt.date, int | None]]) -> F.Book:
    """A book holding only what the labels read: (customer, contract date, previous policy)."""
    frame = pl.DataFrame(
        [(i + 1, c, d, p) for i, (c, d, p) in enumerate(policies)],
        schema={"policy_id": pl.Int64, "customer_id": pl.Int64, "contract_date": pl.Date,
                "previous_policy_id": pl.Int64},
        orient="row",
    )  # fmt: skip
    empty = pl.DataFrame()
    return F.Book(empty, frame, empty, empty, empty, empty)


def _entries(rows: list[tuple[int, int, dt.date, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"entry_id": pl.Int64, "customer_id": pl.Int64, "list_as_of": pl.Date, "won_on": pl.Date},
        orient="row",
    )  # fmt: skip


def test_converted_is_a_new_contract_or_a_win_within_90_days_of_the_list():
    book = _book([
        (1, dt.date(2026, 5, 1), None),  # new contract 30 days after the list: converted
        (2, dt.date(2026, 5, 1), 99),  # a renewal is not a conversion
        (3, dt.date(2026, 8, 1), None),  # 122 days after: outside the window
        (4, dt.date(2026, 3, 1), None),  # before the list
    ])  # fmt: skip
    entries = _entries([
        (10, 1, LIST_DATE, None), (20, 2, LIST_DATE, None), (30, 3, LIST_DATE, None), (40, 4, LIST_DATE, None),
        (50, 5, LIST_DATE, dt.date(2026, 6, 1)),  # a 成約 result whose policy is within the window
        (60, 6, dt.date(2026, 11, 1), None),  # its window has not closed by TODAY: not learnt from
    ])  # fmt: skip
    labelled = conversion.labels(book, entries, TODAY).sort("entry_id")
    assert labelled["entry_id"].to_list() == [10, 20, 30, 40, 50]
    assert labelled["converted"].to_list() == [1, 0, 0, 0, 1]


def test_later_lists_validate_and_one_list_date_falls_back_to_a_random_split():
    def rows(dates_and_labels):
        return pl.DataFrame(
            [(d, y) for d, n, rate in dates_and_labels for y in [1] * int(n * rate) + [0] * (n - int(n * rate))],
            schema={"list_as_of": pl.Date, "converted": pl.Int8},
            orient="row",
        )

    early, late = dt.date(2025, 6, 1), dt.date(2026, 1, 1)
    split = conversion.split_by_date(rows([(early, 300, 0.2), (late, 100, 0.2)]))
    assert split is not None
    train, valid, cutoff = split
    assert (train.height, valid.height, cutoff) == (300, 100, late)
    assert conversion.split_by_date(rows([(early, 400, 0.2)])) is None
    # The later list has no conversion: no out-of-time AUC possible, so the random split is used.
    assert conversion.split_by_date(rows([(early, 300, 0.2), (late, 100, 0.0)])) is None


# --- training and scoring on a database ----------------------------------------------------------


@pytest.fixture
def analyst(org):
    return _user("analyst", [Role.ANALYST], department=org["compliance"])


@pytest.fixture
def worked_list(hq_operator, analyst, org):
    """A list of 60 consenting customers drawn on LIST_DATE (A: 40, B: 20); a third of the young ones
    and a few older ones made a new contract within 90 days, one is still open (pending)."""
    customers = []
    for i in range(60):
        agency = org["agency_a"] if i < 40 else org["agency_b"]
        young = i % 2 == 0
        customer = make_customer(
            hq_operator, agency=agency, name=f"見込 {i}", name_kana="ミコミ",
            birth_date=dt.date(1996 if young else 1950, 5, 1),
        )  # fmt: skip
        make_policy(hq_operator, customer, agency=agency, contract_date=dt.date(2026, 3, 1))
        customers.append(customer)
    target = target_services.target_list_create(
        actor=analyst, name="傷害保険のご案内", basis=ListBasis.CAMPAIGN,
        segment=segments.Segment(as_of=LIST_DATE), control_percent=1, talking_points="けがへの備え", seed=3,
    )  # fmt: skip
    converters = [c for i, c in enumerate(customers) if (i % 2 == 0 and i % 3 == 0) or i in (1, 7, 13)]
    for customer in converters:
        agency = org["agency_a"] if customers.index(customer) < 40 else org["agency_b"]
        make_policy(
            hq_operator, customer, agency=agency, line=LineOfBusiness.PERSONAL_ACCIDENT,
            contract_date=dt.date(2026, 5, 10), inception=dt.date(2026, 5, 10), expiry=dt.date(2027, 5, 10),
        )  # fmt: skip
    return target, customers, converters


def test_trains_a_conversion_version_and_scores_the_open_entries(
    analyst, worked_list, client, agency_a_staff, agency_b_staff
):
    target, _customers, converters = worked_list
    version = services.model_train(actor=analyst, kind="conversion", as_of=TODAY)
    assert (version.kind, version.version, version.is_active) == ("conversion", 1, True)
    assert (
        version.metrics["train_rows"] + version.metrics["lightgbm"]["rows"] == target.treatment_count == 59
    )  # one control held out
    assert 0 < version.metrics["lightgbm"]["positives"] < len(converters)  # a stratified fifth of the 13
    assert version.data_window["split"].startswith("ランダム")  # one list date only
    assert "list_basis" not in version.features  # one basis only: constant columns are dropped
    assert {"age", "entry_agency"} <= set(version.features)
    assert AuditEvent.objects.filter(action=AuditAction.ANALYTICS_MODEL_TRAIN, target_id=str(version.pk)).exists()

    written = services.scores_refresh(actor=analyst, kind="conversion", as_of=TODAY)
    assert written == 59  # one score per customer (each has one open entry)
    entries = TargetEntry.objects.filter(target_list=target, is_control=False)  # the control is never proposed to
    assert entries.filter(conversion_score__isnull=True).count() == 0
    assert set(entries.values_list("conversion_model", flat=True)) == {version.pk}
    assert Score.objects.filter(kind="conversion").count() == 59

    # The worklist and the entry page show the score with reasons, within the entry's scope.
    a_entry = entries.filter(agency__name=agency_a_staff.agency.name).first()
    b_entry = entries.filter(agency__name=agency_b_staff.agency.name).first()
    client.login(username=agency_a_staff.username, password=PASSWORD)
    page = client.get(f"/analytics/lists/{target.pk}/worklist/").content.decode()
    assert "成約見込み" in page
    assert f"{a_entry.conversion_score:.3f}" in page
    detail = client.get(f"/analytics/entries/{a_entry.pk}/").content.decode()
    assert "成約予測" in detail
    assert f"{a_entry.conversion_score:.3f}" in detail
    assert client.get(f"/analytics/entries/{b_entry.pk}/").status_code == 404


def test_entry_scores_mask_age_reasons_like_the_proposal_points(analyst, worked_list, hq_operator):
    target, _customers, _converters = worked_list
    entry = TargetEntry.objects.filter(target_list=target).first()
    entry_frame = pl.DataFrame(
        {"entry_id": [entry.pk], "score": [0.4],
         "reasons": pl.Series([[{"feature": "age", "text": "年齢 30歳", "contribution": 0.3}]], dtype=pl.Object)}
    )  # fmt: skip
    version = ModelVersion.objects.create(kind="conversion", version=1, artifact="{}", trained_by=analyst)
    assert conversion.entry_scores_write(entry_frame, model_id=version.pk, as_of=TODAY) == 1
    entry.refresh_from_db()
    assert entry.conversion_score == pytest.approx(0.4)
    assert entry.history.count() == 1  # derived values: no history row for the scoring
    operator_row = target_selectors.entry_get(user=hq_operator, pk=entry.pk)
    assert operator_row.conversion_reasons == ["年齢 30歳"]
    analyst_row = target_selectors.entry_get(user=analyst, pk=entry.pk)
    assert analyst_row.conversion_reasons == ["年齢"]


def test_without_results_training_is_refused_in_japanese(analyst, hq_operator, org):
    make_policy(hq_operator, make_customer(hq_operator, agency=org["agency_a"]), agency=org["agency_a"])
    with pytest.raises(CommandError, match="結果の出たターゲットリストの顧客がいません"):
        call_command("analytics_train", "--kind", "conversion", "--as-of", "2026-12-01", stdout=StringIO())
    assert not ModelVersion.objects.filter(kind="conversion").exists()


def test_the_commands_train_and_score_conversion(worked_list):
    out = StringIO()
    call_command("analytics_train", "--kind", "conversion", "--as-of", "2026-12-01", "--activate", stdout=out)
    assert "成約予測 v1 を学習しました" in out.getvalue()
    out = StringIO()
    call_command("analytics_score", "--kind", "conversion", "--as-of", "2026-12-01", stdout=out)
    assert "conversion: 59人を採点しました" in out.getvalue()
