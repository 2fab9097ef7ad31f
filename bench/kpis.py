"""Bench: the KPI pack (issue 13 "Speed"): the full pack for every agency for one fiscal year, and one
agency's dashboard, on SQLite or PostgreSQL.

    .venv/bin/python bench/kpis.py --customers 20000                      # quick (SQLite)
    .venv/bin/python bench/kpis.py --customers 1000000                    # the issue's size
    .venv/bin/python bench/kpis.py --customers 1000000 --db-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database per run (bench/voice.py's migrated template, copied). The build writes, per customer,
about 1.2 policies over two fiscal years (a third of the year's policies renew one of the year
before, 40 agencies in 5 branches), claims on 8% of the policies, claim-survey answers for a third of
the claims, and cases (with cancellation requests) for 10% of the customers, in bulk (COPY on
PostgreSQL, executemany on SQLite) with the columns the services write. Measurements (JSON lines
{"bench": "kpis", "metric": ..., "value": ..., "unit": ..., "db": ...}):

- `full_pack_seconds`: `kpis.selectors.pack` (the code of `manage.py agency_kpis --fiscal-year`) for
  the company and every agency, computed live from the records; target <= 30 s at 1,000,000 customers;
- `rebuild_seconds`: `kpis.aggregates.rebuild` of the fiscal year and the one before (the monthly counts);
- `dashboard_p95_ms` (and p50): `/kpis/` as one agency's staff through Django's test client (server
  time, template included); target p95 <= 300 ms;
- `build_seconds`, `policies`, `claims`, `load_average`.

The practice app's records are built too (an intent record for every policy of the year, elderly
solicitations for 8% with two measures each, training sessions, role-play scores and qualifications
per agency), so the 意向把握, 高齢者 and 研修 KPIs count real rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import voice as base
from bench._util import emit as _emit
from bench._util import log, percentile

FY = 2025
BATCH = 20_000


def emit(metric: str, value: float, unit: str, **extra: Any) -> None:
    from django.db import connection

    _emit("kpis", metric, value, unit, db=connection.vendor, **extra)


def _day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 4, 1) + dt.timedelta(days=rng.randint(0, 364))


def build(customers: int, seed: int) -> tuple[Any, list[Any]]:
    from django.db import transaction
    from django.utils import timezone

    from tsunagu.cases.models import CancellationRequest, Case
    from tsunagu.policies.models import Claim, Policy, Product
    from tsunagu.surveys.models import Response

    rng = random.Random(seed)
    started = time.perf_counter()
    _branches, agencies, _analyst, owner, staff = base._org()
    survey, version = base._survey(owner)
    customer_ids = base._customers(customers)
    products = {line: Product.objects.create(code=f"K-{line}"[:20], name=line, line=line) for line in ("auto", "fire")}
    now = timezone.now()
    agency_ids = [a.pk for a in agencies]
    ftf_rate = {a: 0.3 + 0.5 * (i / len(agency_ids)) for i, a in enumerate(agency_ids)}
    policy_cols = [
        "number", "line", "product_id", "status", "contract_date", "inception", "expiry", "term_years",
        "annual_premium", "payment_method", "payment_frequency", "policyholder_id", "agency_id",
        "sales_channel", "face_to_face", "previous_policy_id", "has_maturity_refund", "created_at", "updated_at",
    ]  # fmt: skip

    def policy_row(i: int, year: int, previous: tuple[int, dt.date] | None) -> tuple[Any, ...]:
        line = "auto" if rng.random() < 0.6 else "fire"
        agency = agency_ids[i % len(agency_ids)]
        if previous is not None:
            expiry_prev = previous[1]
            contract = expiry_prev - dt.timedelta(days=rng.randint(0, 60))
            inception = expiry_prev
        else:
            contract = _day(rng, year)
            inception = contract
        return (
            f"KP{year}{i:09d}", line, products[line].pk, "in_force", contract, inception,
            inception + dt.timedelta(days=365), 1, 60_000, "bank_transfer", "annual",
            customer_ids[i % len(customer_ids)], agency, "agency", rng.random() < ftf_rate[agency],
            previous[0] if previous else None, False, now, now,
        )  # fmt: skip

    old_count = int(customers * 0.6)
    for start in range(0, old_count, BATCH):
        with transaction.atomic():
            base.copy_rows(
                Policy, policy_cols, (policy_row(i, FY - 1, None) for i in range(start, min(old_count, start + BATCH)))
            )
    old = list(Policy.objects.order_by("pk").values_list("pk", "expiry", "agency_id"))
    renewals = [row for row in old if row[1] >= dt.date(FY, 4, 1) and rng.random() < 0.5]
    new_count = int(customers * 0.6)
    for start in range(0, new_count, BATCH):
        rows = []
        for i in range(start, min(new_count, start + BATCH)):
            prev = renewals[i] if i < len(renewals) else None
            rows.append(policy_row(old_count + i, FY, (prev[0], prev[1]) if prev else None))
        with transaction.atomic():
            base.copy_rows(Policy, policy_cols, rows)
    policies = list(Policy.objects.filter(contract_date__gte=dt.date(FY, 4, 1)).values_list("pk", "line", "agency_id"))
    claim_cols = [
        "number", "policy_id", "accident_date", "accident_place", "accident_type", "reported_on", "reported_via",
        "status", "amount_paid",
    ]  # fmt: skip
    claims = [p for p in policies if rng.random() < 0.08]
    with transaction.atomic():
        base.copy_rows(
            Claim,
            claim_cols,
            (
                (f"KC{n:09d}", pk, d, "東京都", "接触", d, "agency" if rng.random() < 0.8 else "call_center", "paid", 0)
                for n, (pk, _line, _a) in enumerate(claims)
                for d in [_day(rng, FY)]
            ),
        )
    claim_rows = list(Claim.objects.values_list("pk", "policy_id", "policy__line", "policy__agency_id", "reported_on"))
    response_cols = [
        "version_id", "survey_id", "customer_id", "policy_id", "claim_id", "agency_id", "line", "case_type",
        "event", "channel", "answered_on", "nps", "satisfaction", "comment", "answers", "created_at",
    ]  # fmt: skip
    answered = [c for c in claim_rows if rng.random() < 0.35]
    with transaction.atomic():
        base.copy_rows(
            Response,
            response_cols,
            (
                (
                    version.pk,
                    survey.pk,
                    customer_ids[0],
                    policy,
                    claim,
                    agency,
                    line,
                    "",
                    "claim_closed",
                    "post",
                    min(reported + dt.timedelta(days=30), dt.date(FY + 1, 3, 31)),
                    score,
                    score,
                    "",
                    "{}",
                    now,
                )
                for claim, policy, line, agency, reported in answered
                for score in [min(10, max(0, int(rng.gauss(8, 2))))]
            ),
        )
    case_cols = [
        "number", "case_type", "sub_type", "channel", "customer_id", "policy_id", "agency_id", "subject",
        "description", "priority", "status", "is_open", "opened_on", "due_date", "paused_business_days",
        "resolution_summary", "created_by_id", "created_at", "updated_at", "version",
    ]  # fmt: skip
    case_count = customers // 10
    with transaction.atomic():
        rows = []
        for n in range(case_count):
            pk, _line, agency = policies[n % len(policies)]
            opened = _day(rng, FY)
            kind = "cancellation" if n % 4 == 0 else "inquiry"
            is_open = rng.random() < 0.05
            rows.append(
                (f"KS{n:09d}", kind, "", "phone", customer_ids[n % len(customer_ids)], pk, agency, "件名", "", "normal",
                 "received" if is_open else "completed", is_open, opened, opened + dt.timedelta(days=5), 0, "",
                 owner.pk, now, now, 1)
            )  # fmt: skip
        base.copy_rows(Case, case_cols, rows)
    cancellations = list(Case.objects.filter(case_type="cancellation").values_list("pk", flat=True))
    with transaction.atomic():
        base.copy_rows(
            CancellationRequest,
            ["case_id", "reason", "reason_text", "competitor", "offer_made", "outcome", "refund_note"],
            ((pk, "price", "", "", "", "retained" if rng.random() < 0.4 else "cancelled", "") for pk in cancellations),
        )
    _practice(rng, staff, owner, agency_ids, now)
    emit("build_seconds", time.perf_counter() - started, "s", customers=customers)
    emit("policies", Policy.objects.count(), "rows")
    emit("claims", len(claim_rows), "rows")
    return staff, agencies


def _practice(rng: random.Random, staff: Any, owner: Any, agency_ids: list[int], now: Any) -> None:
    """The practice app's records the 意向把握, 高齢者 and 研修 KPIs count: an intent record for every
    policy of the year (5% incomplete, 3% another insurer's), an elderly solicitation for 8% of them with
    two measures each, and per agency twelve sessions, role-play scores and qualifications."""
    from django.db import transaction

    from tsunagu.policies.models import Policy
    from tsunagu.practice.models import (
        Attendance,
        ElderlyMeasure,
        ElderlySolicitation,
        IntentRecord,
        Qualification,
        RolePlayScore,
        TrainingSession,
    )

    intent_cols = [
        "policy_id", "agency_id", "kind", "line", "initial_intent", "final_intent", "intent_changed",
        "change_difference", "change_reason", "products_presented", "narrowing_reason", "recommended_product",
        "recommendation_reason", "chose_recommended", "chosen_product", "non_recommended_reason",
        "double_check_note", "confirmation_method", "other_insurer", "complete", "missing", "created_at",
        "updated_at",
    ]  # fmt: skip
    year = Policy.objects.filter(contract_date__gte=dt.date(FY, 4, 1), agency__isnull=False).order_by("pk")
    policies = list(year.values_list("pk", "line", "agency_id", "policyholder_id", "contract_date"))
    for start in range(0, len(policies), BATCH):
        with transaction.atomic():
            base.copy_rows(
                IntentRecord,
                intent_cols,
                (
                    (
                        pk,
                        agency,
                        "new",
                        line,
                        "{}",
                        "{}",
                        False,
                        "",
                        "",
                        "[]",
                        "",
                        "",
                        "",
                        True,
                        "",
                        "",
                        "",
                        "paper",
                        rng.random() < 0.03,
                        rng.random() >= 0.05,
                        "[]",
                        now,
                        now,
                    )
                    for pk, line, agency, _holder, _day in policies[start : start + BATCH]
                ),
            )
    elderly = [p for p in policies if rng.random() < 0.08]
    with transaction.atomic():
        base.copy_rows(
            ElderlySolicitation,
            [
                "policy_id",
                "customer_id",
                "agency_id",
                "solicited_on",
                "age",
                "tier",
                "complete",
                "missing",
                "created_at",
            ],
            (
                (pk, holder, agency, day, 82, "enhanced", rng.random() < 0.9, "[]", now)
                for pk, _line, agency, holder, day in elderly
            ),
        )
    kinds = ["relative_present", "multiple_agents", "multiple_meetings", "confirmation_call", "recording"]
    solicitations = list(ElderlySolicitation.objects.values_list("pk", "solicited_on"))
    with transaction.atomic():
        base.copy_rows(
            ElderlyMeasure,
            [
                "solicitation_id",
                "kind",
                "done_on",
                "done_by_id",
                "call_answers",
                "recording_ref",
                "notes",
                "created_at",
            ],
            (
                (pk, kind, day, owner.pk, "{}", "", "", now)
                for pk, day in solicitations
                for kind in rng.sample(kinds, 2)
            ),
        )
    with transaction.atomic():
        base.copy_rows(
            TrainingSession,
            ["agency_id", "kind", "date", "topic", "notes"],
            (
                (agency, "study" if m % 3 else "quality_meeting", dt.date(FY + (m < 4), m, 10), "研修", "")
                for agency in agency_ids
                for m in range(1, 13)
            ),
        )
        sessions = list(TrainingSession.objects.filter(agency_id=staff.agency_id).values_list("pk", flat=True))
        base.copy_rows(Attendance, ["session_id", "person_id"], ((pk, staff.pk) for pk in sessions[:9]))
        base.copy_rows(
            RolePlayScore,
            ["agency_id", "person_id", "scored_on", "theme", "score", "max_score", "pass_mark", "passed"],
            (
                (agency, staff.pk, _day(rng, FY), "更改", score, 36, 25, score >= 25)
                for agency in agency_ids
                for _ in range(20)
                for score in [rng.randint(15, 36)]
            ),
        )
        base.copy_rows(
            Qualification,
            ["agency_id", "person_id", "kind", "acquired_on"],
            ((agency, staff.pk, "basic_unit", _day(rng, FY)) for agency in agency_ids for _ in range(5)),
        )


def measure(staff: Any, repeat: int) -> None:
    from django.test import Client

    from tsunagu.kpis import aggregates, selectors
    from tsunagu.kpis.definitions import FiscalYear

    fy = FiscalYear(FY)
    started = time.perf_counter()
    rows = selectors.pack(fy)
    emit("full_pack_seconds", time.perf_counter() - started, "s", rows=len(rows), target=30)
    face = next(r for r in rows if r.agency is None and r.kpi == "face_to_face_rate")
    log(f"kpis: company face_to_face_rate {face.value} ({face.numerator}/{face.denominator})")
    from tsunagu.kpis import definitions, sources

    for family in sources.families(definitions.REGISTRY.values()):  # where the pack's time goes (stderr)
        kpis = [kpi for kpi, _spec in family]
        t0 = time.perf_counter()
        sources.counts_many(kpis, fy.start, fy.end)
        log(f"kpis: {'+'.join(k.key for k in kpis)} {time.perf_counter() - t0:.2f}s")
    started = time.perf_counter()
    written = aggregates.rebuild([fy.previous(), fy])
    emit("rebuild_seconds", time.perf_counter() - started, "s", rows=written, years=2)
    client = Client()
    client.force_login(staff)
    url = f"/kpis/?fy={FY}"
    first = client.get(url, secure=True)
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    emit("dashboard_p95_ms", percentile(times, 95), "ms", p50=round(statistics.median(times), 1), target=300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db-url", default=None, help="postgres://… (既定: 一時SQLiteファイル)")
    args = parser.parse_args()
    if args.customers < 100:
        parser.error("--customers は100以上を指定してください。")
    with base.migrated_database(args.db_url):
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        try:
            staff, _agencies = build(args.customers, args.seed)
            measure(staff, args.repeat)
            emit("load_average", os.getloadavg()[0], "1-min", cores=os.cpu_count())
        finally:
            connection.close()


if __name__ == "__main__":
    main()
