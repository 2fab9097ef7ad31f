"""Bench: voice of the customer — the survey results dashboard over many responses (issue 12 "Speed").

Builds, in a temporary test database, `--responses` survey responses (default 20,000; the target is
1,000,000) over two years, 40 agencies in 5 branches, six lines, four channels and the trigger
events, inserted in bulk (`core.bulk`), with one invitation per response plus unanswered ones
(`--invitations-per-response`, default 1.5) and the monthly aggregates rebuilt from the rows; then
times the dashboard page `/surveys/results/` through Django's test client (in-process: server time,
template included) for a set of filters and prints JSON lines
{"bench": "voice", "metric": ..., "value": ..., "unit": ...}:

- `dashboard_p95_ms` (and p50, and per filter): target p95 ≤ 300 ms at 1,000,000 responses;
- `build_seconds`, `aggregate_rebuild_seconds`, `aggregate_rows`.

Other measurements of the issue join through MEASURES (each gets the built Context):
`import_100k_seconds` (survey_import of 100,000 rows, V1) and `similar_voice_p95_ms` (V4, which
also fills `--voices`).

    .venv/bin/python bench/voice.py --responses 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu .venv/bin/python bench/voice.py --responses 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # server time as deployed: no query recording

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._util import emit as _emit  # noqa: E402
from bench._util import log, percentile  # noqa: E402

BATCH = 20_000
AGENCIES = 40
BRANCHES = 5
CUSTOMERS_PER_RESPONSE = 0.4  # customers answer more than once over two years


def emit(metric: str, value: float, unit: str, **extra: Any) -> None:
    _emit("voice", metric, value, unit, db=connection.vendor, **extra)


@dataclass
class Context:
    """What the build made, for every measurement."""

    args: argparse.Namespace
    survey: Any  # surveys.Survey (code "claim")
    version: Any
    analyst: Any  # head office (sees all)
    agency_staff: Any  # one agency's staff
    agencies: list[Any]
    branches: list[Any]
    customer_ids: range
    extra: dict[str, Any] = field(default_factory=dict)


def _org() -> tuple[list[Any], list[Any], Any, Any, Any]:
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Agency, Branch, Department
    from tsunagu.core.services import user_create

    branches = [Branch.objects.create(code=f"BR{b:02d}", name=f"第{b}営業部") for b in range(1, BRANCHES + 1)]
    agencies = [
        Agency.objects.create(code=f"AG{a:04d}", name=f"ベンチ代理店{a}", branch=branches[a % BRANCHES])
        for a in range(1, AGENCIES + 1)
    ]
    crm = Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM)
    cr = Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS)
    password = "bench-pass-2026"
    analyst = user_create(
        actor=None,
        username="bench_analyst",
        password=password,
        display_name="分析",
        roles=[Role.ANALYST],
        department=crm,
    )
    owner = user_create(
        actor=None,
        username="bench_cs",
        password=password,
        display_name="相談室",
        roles=[Role.COMPLAINTS_OFFICER],
        department=cr,
    )
    staff = user_create(
        actor=None,
        username="bench_agency",
        password=password,
        display_name="代理店",
        roles=[Role.AGENCY_STAFF],
        agency=agencies[0],
    )
    return branches, agencies, analyst, owner, staff


def _survey(owner: Any) -> tuple[Any, Any]:
    from tsunagu.demo.operations.surveys import SURVEYS
    from tsunagu.surveys.services.definitions import survey_create

    claim = next(d for d in SURVEYS if d.code == "claim")
    survey = survey_create(
        actor=owner, code=claim.code, name=claim.name, purpose=claim.purpose, questions=claim.questions
    )
    return survey, survey.versions.get(is_current=True)


def build(args: argparse.Namespace) -> Context:
    from tsunagu.core import bulk
    from tsunagu.customers.models import Customer
    from tsunagu.demo.operations.surveys import SURVEYS, _Draw
    from tsunagu.policies.choices import LineOfBusiness
    from tsunagu.surveys import aggregates
    from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
    from tsunagu.surveys.models import Invitation, Response, ResponseAggregate

    rng = random.Random(args.seed)
    started = time.perf_counter()
    branches, agencies, analyst, owner, staff = _org()
    survey, version = _survey(owner)
    n_customers = max(1, int(args.responses * CUSTOMERS_PER_RESPONSE))
    for start in range(0, n_customers, BATCH):
        stop = min(n_customers, start + BATCH)
        with transaction.atomic():
            bulk.insert(
                [
                    Customer(
                        kind="individual",
                        name=f"顧客 {i}",
                        name_kana="コキャク",
                        name_key=f"顧客{i}",
                        kana_key="コキャク",
                    )
                    for i in range(start, stop)
                ]
            )
    first = Customer.objects.order_by("id").values_list("id", flat=True).first() or 1
    lines = [(line, w) for line, w in zip(LineOfBusiness.values, (50, 25, 5, 8, 7, 5), strict=True)]
    channels = [(Channel.WEB, 55), (Channel.POST, 30), (Channel.PHONE, 10), (Channel.IMPORT, 5)]
    events = [(TriggerEvent.CLAIM_CLOSED, 60), (TriggerEvent.RENEWAL_DONE, 25), (TriggerEvent.CASE_CLOSED, 15)]
    draw = _Draw(f"bench:{args.seed}")
    claim_def = next(d for d in SURVEYS if d.code == "claim")
    today = timezone.localdate()
    sent_at = timezone.now()
    per_response = args.invitations_per_response
    for start in range(0, args.responses, BATCH):
        stop = min(args.responses, start + BATCH)
        invitations, responses = [], []
        for _ in range(start, stop):
            agency = agencies[min(int(rng.paretovariate(1.2)) - 1, AGENCIES - 1)]  # a few large agencies
            line = rng.choices([x for x, _ in lines], [w for _, w in lines])[0]
            channel = rng.choices([x for x, _ in channels], [w for _, w in channels])[0]
            event = rng.choices([x for x, _ in events], [w for _, w in events])[0]
            answered_on = today - dt.timedelta(days=rng.randint(0, 729))
            customer_id = first + rng.randrange(n_customers)
            answers = draw.answers(claim_def, 45 + draw.agency_offset(agency.pk))
            invitation = Invitation(
                version=version,
                event=event,
                event_date=answered_on - dt.timedelta(days=10),
                customer_id=customer_id,
                agency=agency,
                channel=channel,
                status=InvitationStatus.ANSWERED,
                scheduled_for=answered_on - dt.timedelta(days=3),
                sent_at=sent_at - dt.timedelta(days=(today - answered_on).days + 3),
                created_at=sent_at,
            )
            invitations.append(invitation)
            extra = int(per_response - 1) + (rng.random() < (per_response - 1) % 1)
            for _unanswered in range(max(0, extra)):  # sent for another event, never answered
                copy = {f.attname: getattr(invitation, f.attname) for f in Invitation._meta.concrete_fields}
                invitations.append(Invitation(**{**copy, "id": None, "status": InvitationStatus.EXPIRED}))
            responses.append(
                Response(
                    version=version,
                    survey=survey,
                    customer_id=customer_id,
                    agency=agency,
                    line=line,
                    event=event,
                    channel=channel,
                    answered_on=answered_on,
                    nps=answers["nps"],
                    satisfaction=answers.get("satisfaction"),
                    comment=answers.get("comment", ""),
                    contact_consent=answers.get("contact"),
                    answers=answers,
                    created_at=sent_at,
                )
            )
        with transaction.atomic():
            bulk.insert(invitations)
            bulk.insert(responses)
        if stop % 200_000 == 0 or stop == args.responses:
            log(f"voice: {stop:,} / {args.responses:,} responses")
    emit("build_seconds", time.perf_counter() - started, "s", responses=args.responses)
    started = time.perf_counter()
    aggregates.rebuild(survey)
    emit("aggregate_rebuild_seconds", time.perf_counter() - started, "s", responses=args.responses)
    emit("aggregate_rows", ResponseAggregate.objects.count(), "rows", responses=args.responses)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Context(
        args=args,
        survey=survey,
        version=version,
        analyst=analyst,
        agency_staff=staff,
        agencies=agencies,
        branches=branches,
        customer_ids=range(first, first + n_customers),
    )


def _timed(client: Any, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def dashboard_filters(ctx: Context) -> dict[str, tuple[Any, str]]:
    """(user, query) per named filter: every kind of filter the screen has, alone and combined."""
    today = timezone.localdate()
    half_year = f"month_from={(today - dt.timedelta(days=183)):%Y-%m}&month_to={today:%Y-%m}"
    big, small = ctx.agencies[0], ctx.agencies[-1]
    return {
        "all": (ctx.analyst, "survey=claim"),
        "six_months": (ctx.analyst, f"survey=claim&{half_year}"),
        "line": (ctx.analyst, "survey=claim&line=auto"),
        "largest_agency": (ctx.analyst, f"survey=claim&agency={big.code}"),
        "smallest_agency": (ctx.analyst, f"survey=claim&agency={small.code}"),
        "branch": (ctx.analyst, f"survey=claim&branch={ctx.branches[1].code}"),
        "channel_line": (ctx.analyst, "survey=claim&channel=post&line=fire"),
        "event_months": (ctx.analyst, f"survey=claim&event=claim_closed&{half_year}"),
        "agency_staff": (ctx.agency_staff, "survey=claim"),
        "every_survey": (ctx.analyst, "survey="),
    }


def measure_dashboard(ctx: Context) -> None:
    from django.test import Client

    every: list[float] = []
    for name, (user, query) in dashboard_filters(ctx).items():
        client = Client()
        client.force_login(user)
        url = f"/surveys/results/?{query}"
        _timed(client, url, 2)  # warm caches
        times = _timed(client, url, ctx.args.repeat)
        every += times
        emit(f"dashboard_{name}_p95_ms", percentile(times, 95), "ms", responses=ctx.args.responses)
    emit("dashboard_p50_ms", statistics.median(every), "ms", responses=ctx.args.responses)
    emit("dashboard_p95_ms", percentile(every, 95), "ms", responses=ctx.args.responses, target=300)


# Each measurement takes the built Context. V1 appends the import of 100,000 rows
# (`import_100k_seconds`); V4 the similar-voice lookup over `--voices` voices (`similar_voice_p95_ms`).
MEASURES: list[Callable[[Context], None]] = [measure_dashboard]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--voices", type=int, default=2_000, help="お客様の声の件数(類似検索の計測用)")
    parser.add_argument("--invitations-per-response", type=float, default=1.5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.responses < 1 or args.invitations_per_response < 1:
        parser.error("--responses は1以上、--invitations-per-response は1以上を指定してください。")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        ctx = build(args)
        for measure in MEASURES:
            measure(ctx)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
