"""`manage.py demo_data` 名寄せ sources and 90 days of access log: source records with duplicates of
existing customers, a finished match run with pending review pairs, a log that verifies and spans
the period, business hours, per-role volumes and the planted anomalies docs/demo-data.md names."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from tests.conftest import seed_case_reference_data
from tsunagu.cases.business_calendar import current_calendar
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.demo.operations.access_log import NIGHT_ADDRESS, PROFILES, access_log_plan
from tsunagu.identity.choices import PairStatus, RunStatus
from tsunagu.identity.models import CandidatePair, ImportBatch, MatchRun, SourceRecord
from tsunagu.policies.models import Claim

N = 600
AS_OF = dt.date(2026, 11, 30)
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One load for the module (training the matcher takes seconds), inside a transaction rolled
    back at the end; each test runs in a savepoint within it (pytest-django's `db`)."""
    checkpoints = tmp_path_factory.mktemp("checkpoints") / "checkpoints.jsonl"
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE=str(checkpoints),
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    )
    overrides.enable()
    atomic = transaction.atomic()
    try:
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                seed_case_reference_data()  # an earlier transactional test may have flushed it
                out = StringIO()
                call_command(
                    "demo_data", customers=N, seed=3, as_of=AS_OF, no_progress=True, no_search_index=True, stdout=out
                )
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield out.getvalue()
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    finally:
        overrides.disable()


@pytest.fixture
def db_access(demo, db):  # type: ignore[no-untyped-def]
    return demo


def test_three_sources_with_duplicates_of_existing_customers_a_finished_run_and_pending_pairs(db_access):
    assert "名寄せ: ソースレコード" in db_access
    assert "要確認" in db_access
    by_source = Counter(SourceRecord.objects.values_list("source__code", flat=True))
    assert by_source["KEIYAKU"] > 100
    assert by_source["DAIRITEN"] > 50
    assert by_source["WEB"] > 30
    assert ImportBatch.objects.filter(source__code="DAIRITEN", encoding__startswith="Shift_JIS").exists()
    run = MatchRun.objects.order_by("-pk").first()
    assert run is not None
    assert run.status == RunStatus.DONE
    pending = CandidatePair.objects.filter(status=PairStatus.REVIEW)
    assert pending.exists()
    # Copies in the agency and web systems found their existing customers (not one new customer each).
    demo_customers = set(Customer.objects.filter(pk__lte=N).values_list("pk", flat=True))
    copies_on_demo_customers = SourceRecord.objects.filter(
        source__code__in=["DAIRITEN", "WEB"], customer_id__in=demo_customers
    ).count()
    assert copies_on_demo_customers >= 30
    new_customers = (
        Customer.objects.filter(pk__gt=N, source_records__source__code__in=["DAIRITEN", "WEB"]).distinct().count()
    )
    assert 0 < new_customers < by_source["DAIRITEN"] + by_source["WEB"] - copies_on_demo_customers + 1
    # Variants a steward meets: 斉藤/齋藤-style kanji, half-width kana, 和暦 birth dates, hyphen-less phones.
    values = [r.values for r in SourceRecord.objects.filter(source__code__in=["DAIRITEN", "WEB"])]
    assert any("年" in v.get("birth_date", "") for v in values)
    assert any(any("ｱ" <= c <= "ﾝ" for c in v.get("name_kana", "") + v.get("family_kana", "")) for v in values)
    assert any(v.get("mobile", "").isdigit() for v in values)


def test_the_review_queue_shows_the_pending_pairs_to_the_steward(db_access, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.get(username="steward"))
    response = client.get("/identity/review/")
    assert response.status_code == 200
    pair = CandidatePair.objects.filter(status=PairStatus.REVIEW).order_by("pk").first()
    assert pair is not None
    assert client.get(f"/identity/review/{pair.pk}/").status_code == 200


def test_the_access_log_verifies_and_spans_ninety_days_of_business_hours(db_access):
    out, err = StringIO(), StringIO()
    call_command("verify_access_log", stdout=out, stderr=err)  # exits 1 (SystemExit) on a finding
    assert "正常" in out.getvalue()
    rows = AccessLog.objects.filter(username__in=["operator", "operator2", "agency1", "claims", "auditor"])
    first, last = rows.order_by("at").first(), rows.order_by("-at").first()
    assert first is not None
    assert last is not None
    assert (last.at - first.at).days >= 60
    assert timezone_date(last.at) < AS_OF
    calendar = current_calendar()
    operator = list(AccessLog.objects.filter(username="operator").values_list("at", flat=True))
    local = [t.astimezone(TZ) for t in operator]
    assert sum(8 <= t.hour < 20 for t in local) == len(local)  # never at night
    assert sum(9 <= t.hour < 18 for t in local) / len(local) > 0.85
    assert all(calendar.is_business_day(t.date()) for t in local)
    # Per role: operators read tens of customers a day, the auditor few.
    days = len({t.date() for t in local})
    per_day = {
        name: AccessLog.objects.filter(username=name, purpose=AccessPurpose.VIEW).count() / days
        for name in ("operator", "auditor", "agency1")
    }
    assert 20 <= per_day["operator"] <= 60
    assert per_day["auditor"] < 3


def test_agency_staff_read_only_their_agencys_customers_and_claims_handlers_their_claimants(db_access):
    agency1 = User.objects.get(username="agency1")
    own = set(CustomerAgency.objects.filter(agency_id=agency1.agency_id).values_list("customer_id", flat=True))
    read = set(
        AccessLog.objects.filter(username="agency1").exclude(customer_id=None).values_list("customer_id", flat=True)
    )
    assert read
    assert read <= own
    claimants = set(Claim.objects.values_list("policy__policyholder_id", flat=True))
    claims = AccessLog.objects.filter(username="claims", purpose=AccessPurpose.VIEW)
    assert set(claims.values_list("customer_id", flat=True)) <= claimants


def test_the_planted_anomalies_are_where_the_docs_say(db_access):
    # 1. operator2 reads hundreds of customers late at night, from an address it never uses otherwise.
    night = [
        r
        for r in AccessLog.objects.filter(username="operator2")
        if r.at.astimezone(TZ).hour >= 23 or r.at.astimezone(TZ).hour < 5
    ]
    assert len(night) >= 300
    assert {r.client_address for r in night} == {"10.99.0.77"}
    assert not AccessLog.objects.filter(client_address="10.99.0.77").exclude(pk__in=[r.pk for r in night]).exists()
    ids = [r.customer_id for r in sorted(night, key=lambda r: r.at)]
    assert ids == sorted(ids)
    # 2. claims2 opens tens of customers without any claim, on one afternoon.
    claimants = set(Claim.objects.values_list("policy__policyholder_id", flat=True))
    outside = AccessLog.objects.filter(username="claims2", purpose=AccessPurpose.VIEW).exclude(
        customer_id__in=claimants
    )
    assert outside.count() >= 40
    assert len({timezone_date(r.at) for r in outside}) == 1
    # 3. policy_admin downloads several agencies' mailing lists within a quarter of an hour after
    #    hours (its only other exports are the monthly notice batch's, in the morning).
    evening = [
        r
        for r in AccessLog.objects.filter(purpose=AccessPurpose.EXPORT, username="policy_admin")
        if r.at.astimezone(TZ).hour >= 18
    ]
    times = sorted({r.at for r in evening})
    assert len(times) >= 4
    assert times[-1] - times[0] <= dt.timedelta(minutes=15)
    assert len({r.detail["agency"] for r in evening}) == len(times)
    assert len(evening) > 200


def test_the_log_is_the_same_for_the_same_seed_and_reference_date(db_access):
    users = {u.username: u for u in User.objects.filter(username__in=list(PROFILES))}
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=TZ)
    first, anomalies = access_log_plan(users=users, seed=3, as_of=AS_OF, now=now)
    again, _ = access_log_plan(users=users, seed=3, as_of=AS_OF, now=now)
    other, _ = access_log_plan(users=users, seed=4, as_of=AS_OF, now=now)
    assert first == again
    assert first != other
    assert [a.kind for a in anomalies] == [
        "late_night_bulk",
        "outside_portfolio",
        "export_burst",
        "sensitive_without_task",
    ]
    # What was written is that plan (the module's load used the same seed and reference date).
    addresses = {p.address for p in PROFILES.values()} | {NIGHT_ADDRESS}
    written = AccessLog.objects.filter(client_address__in=addresses)
    assert written.count() == sum(max(1, len(r.customer_ids)) for r in first)
    assert {r.client_address for r in first} <= addresses


def test_loading_again_adds_customers_but_keeps_the_identity_data_and_the_log(db_access):
    sources = SourceRecord.objects.filter(source__code__in=["KEIYAKU", "DAIRITEN", "WEB"])
    backfilled = AccessLog.objects.filter(client_address__in=[p.address for p in PROFILES.values()])
    records, log_rows, runs = sources.count(), backfilled.count(), MatchRun.objects.count()
    customers = Customer.objects.count()
    call_command(
        "demo_data", customers=20, seed=3, as_of=AS_OF, no_progress=True, no_search_index=True, stdout=StringIO()
    )
    assert Customer.objects.count() == customers + 20
    assert (sources.count(), MatchRun.objects.count(), backfilled.count()) == (records, runs, log_rows)
    call_command("verify_access_log", stdout=StringIO(), stderr=StringIO())


def timezone_date(at: dt.datetime) -> dt.date:
    return at.astimezone(TZ).date()
