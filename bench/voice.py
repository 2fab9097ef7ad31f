"""Bench: voice of the customer (issue 12 "Speed"): the survey results dashboard, the import of
survey results and the similar-voice lookup, on SQLite or PostgreSQL.

    .venv/bin/python bench/voice.py --responses 20000                      # quick (SQLite)
    .venv/bin/python bench/voice.py --responses 1000000 --voices 200000     # the issue's size
    .venv/bin/python bench/voice.py --responses 1000000 --voices 200000 \
        --db-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database per run (a temporary SQLite file, or a uniquely named PostgreSQL database on the
server of --db-url, dropped afterwards), migrated with `manage.py migrate`. The build writes
`--responses` survey responses of the `claim` survey over two years (40 agencies in 5 branches, six
lines, four channels, three triggers, case types for closed cases), `--invitations-per-response`
invitations (1.5: one answered per response plus unanswered ones) and the policies the import needs,
as the services would write them (the same columns and values; answers drawn like the demo's), but
in bulk (`COPY` on PostgreSQL, `executemany` on SQLite) and without history rows; then the aggregates
are rebuilt with the real `aggregates.rebuild`. Measurements, printed as JSON lines
{"bench": "voice", "metric": ..., "value": ..., "unit": ..., "db": ...}:

- `dashboard_p95_ms` (and p50, per named filter, and over `--random-filters` random filter
  combinations): `/surveys/results/` through Django's test client (server time, template included);
  target p95 <= 300 ms at 1,000,000 responses on both databases;
- `import_100k_seconds`: `survey_import_run` (the code path of `manage.py survey_import`) on a CSV of
  `--import-rows` rows (100,000; the metric is `import_seconds` for another size); target <= 60 s;
- `similar_voice_p95_ms`: `voice.selectors.similar_voices` over `--voices` voices (default
  responses / 5) indexed as `voice_record` indexes them (text.term_counts); target <= 200 ms;
- `build_seconds`, `aggregate_rebuild_seconds`, `aggregate_rows`, `load_average`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # server time as deployed: no query recording
# Throwaway keys for the throwaway database (settings refuse to start without them when DEBUG is off).
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
os.environ.setdefault("TSUNAGU_ACCESS_LOG_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("TSUNAGU_FIELD_KEYS", secrets.token_urlsafe(40))

from bench._util import emit as _emit
from bench._util import log, manage, percentile, temp_database

BATCH = 50_000
AGENCIES = 40
BRANCHES = 5
CUSTOMERS_PER_RESPONSE = 0.4  # customers answer more than once over two years
CASE_TYPES = ("change", "accident", "inquiry", "cancellation", "certificate_reissue")


def emit(metric: str, value: float, unit: str, **extra: Any) -> None:
    from django.db import connection

    _emit("voice", metric, value, unit, db=connection.vendor, **extra)


@dataclass
class Context:
    """What the build made, for every measurement."""

    args: argparse.Namespace
    survey: Any  # surveys.Survey (code "claim")
    version: Any
    analyst: Any  # head office (sees all)
    agency_staff: Any  # one agency's staff
    owner: Any  # お客様相談室 (imports, records voices)
    agencies: list[Any]
    branches: list[Any]
    customer_ids: range
    policy_numbers: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def copy_rows(model: Any, attnames: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert plain rows (values already adapted for the database): COPY on PostgreSQL."""
    from tsunagu.core import bulk

    bulk.copy_tuples(model, attnames, rows)


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


def _customers(n: int) -> range:
    from django.db import transaction

    from tsunagu.core import bulk
    from tsunagu.customers.models import Customer

    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
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
    return range(first, first + n)


def _policies(n: int, customer_ids: range, agencies: list[Any], rng: random.Random) -> list[str]:
    """`n` in-force policies (the import's policy numbers), as stored (identifier_key)."""
    from django.db import transaction

    from tsunagu.core import bulk
    from tsunagu.core.normalize import identifier_key
    from tsunagu.policies.choices import LineOfBusiness, PaymentFrequency, PaymentMethod, SalesChannel
    from tsunagu.policies.models import Policy, Product

    products = {
        line: Product.objects.create(code=f"BENCH-{line}"[:20], name=f"ベンチ商品 {line}", line=line)
        for line in LineOfBusiness.values
    }
    today = dt.date.today()
    numbers = []
    for start in range(0, n, BATCH):
        policies = []
        for i in range(start, min(n, start + BATCH)):
            line = rng.choice(LineOfBusiness.values)
            number = identifier_key(f"VB{i:08d}")
            numbers.append(number)
            inception = today - dt.timedelta(days=rng.randint(30, 300))
            policies.append(
                Policy(
                    number=number,
                    line=line,
                    product=products[line],
                    contract_date=inception - dt.timedelta(days=10),
                    inception=inception,
                    expiry=inception.replace(year=inception.year + 1),
                    term_years=1,
                    annual_premium=60_000,
                    payment_method=PaymentMethod.BANK_TRANSFER,
                    payment_frequency=PaymentFrequency.ANNUAL,
                    policyholder_id=customer_ids[i % len(customer_ids)],
                    agency=rng.choice(agencies),
                    sales_channel=SalesChannel.AGENCY,
                )
            )
        with transaction.atomic():
            bulk.insert(policies)
    return numbers


def build(args: argparse.Namespace) -> Context:
    from django.db import connection, transaction
    from django.utils import timezone

    from tsunagu.demo.operations.surveys import SURVEYS, _Draw
    from tsunagu.policies.choices import LineOfBusiness
    from tsunagu.surveys import aggregates
    from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
    from tsunagu.surveys.models import Invitation, Response, ResponseAggregate

    rng = random.Random(args.seed)
    started = time.perf_counter()
    branches, agencies, analyst, owner, staff = _org()
    survey, version = _survey(owner)
    n_customers = max(1000, int(args.responses * CUSTOMERS_PER_RESPONSE))
    customer_ids = _customers(n_customers)
    policy_numbers = _policies(args.import_rows, customer_ids, agencies, rng)
    log(f"voice: {n_customers:,} customers, {len(policy_numbers):,} policies")
    lines = [(line, w) for line, w in zip(LineOfBusiness.values, (50, 25, 5, 8, 7, 5), strict=True)]
    line_values, line_weights = [x for x, _ in lines], [w for _, w in lines]
    channels = [(Channel.WEB, 55), (Channel.POST, 30), (Channel.PHONE, 10), (Channel.IMPORT, 5)]
    channel_values, channel_weights = [str(x) for x, _ in channels], [w for _, w in channels]
    events = [(TriggerEvent.CLAIM_CLOSED, 60), (TriggerEvent.RENEWAL_DONE, 25), (TriggerEvent.CASE_CLOSED, 15)]
    event_values, event_weights = [str(x) for x, _ in events], [w for _, w in events]
    draw = _Draw(f"bench:{args.seed}")
    claim_def = next(d for d in SURVEYS if d.code == "claim")
    today = timezone.localdate()
    now = timezone.now()
    date_value = connection.ops.adapt_datefield_value
    datetime_value = connection.ops.adapt_datetimefield_value
    created = datetime_value(now)
    day_values = [date_value(today - dt.timedelta(days=d)) for d in range(745)]
    sent_values = [datetime_value(now - dt.timedelta(days=d + 3)) for d in range(745)]
    answered, expired = str(InvitationStatus.ANSWERED), str(InvitationStatus.EXPIRED)
    invitation_fields = (
        "version_id",
        "event",
        "event_date",
        "customer_id",
        "agency_id",
        "channel",
        "status",
        "suppression_reason",
        "scheduled_for",
        "sent_at",
        "created_at",
    )
    response_fields = (
        "version_id",
        "survey_id",
        "customer_id",
        "agency_id",
        "line",
        "case_type",
        "event",
        "channel",
        "answered_on",
        "nps",
        "satisfaction",
        "comment",
        "contact_consent",
        "answers",
        "created_at",
    )
    offsets = {a.pk: 45 + draw.agency_offset(a.pk) for a in agencies}
    per_response = args.invitations_per_response
    for start in range(0, args.responses, BATCH):
        stop = min(args.responses, start + BATCH)
        invitations: list[tuple[Any, ...]] = []
        responses: list[tuple[Any, ...]] = []
        for _ in range(start, stop):
            agency = agencies[min(int(rng.paretovariate(1.2)) - 1, AGENCIES - 1)].pk  # a few large agencies
            line = rng.choices(line_values, line_weights)[0]
            channel = rng.choices(channel_values, channel_weights)[0]
            event = rng.choices(event_values, event_weights)[0]
            case_type = rng.choice(CASE_TYPES) if event == TriggerEvent.CASE_CLOSED else ""
            ago = rng.randint(0, 729)
            customer_id = customer_ids[rng.randrange(n_customers)]
            answers = draw.answers(claim_def, offsets[agency])
            invitation = (
                version.pk,
                event,
                day_values[ago + 10],
                customer_id,
                agency,
                channel,
                answered,
                "",
                day_values[ago + 3],
                sent_values[ago],
                created,
            )
            invitations.append(invitation)
            extra = int(per_response - 1) + (rng.random() < (per_response - 1) % 1)
            for _unanswered in range(max(0, extra)):  # sent for another event, never answered
                invitations.append((*invitation[:6], expired, *invitation[7:]))
            responses.append(
                (
                    version.pk,
                    survey.pk,
                    customer_id,
                    agency,
                    line,
                    case_type,
                    event,
                    channel,
                    day_values[ago],
                    answers["nps"],
                    answers.get("satisfaction"),
                    answers.get("comment", ""),
                    answers.get("contact"),
                    json.dumps(answers),
                    created,
                )
            )
        with transaction.atomic():
            copy_rows(Invitation, invitation_fields, invitations)
            copy_rows(Response, response_fields, responses)
        if stop % 200_000 == 0 or stop == args.responses:
            log(f"voice: {stop:,} / {args.responses:,} responses ({time.perf_counter() - started:.0f} s)")
    emit("build_seconds", time.perf_counter() - started, "s", responses=args.responses)
    started = time.perf_counter()
    aggregates.rebuild(survey)
    emit("aggregate_rebuild_seconds", time.perf_counter() - started, "s", responses=args.responses)
    emit("aggregate_rows", ResponseAggregate.objects.count(), "rows", responses=args.responses)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Context(
        args=args,
        survey=survey,
        version=version,
        analyst=analyst,
        agency_staff=staff,
        owner=owner,
        agencies=agencies,
        branches=branches,
        customer_ids=customer_ids,
        policy_numbers=policy_numbers,
    )


def _timed(client: Any, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def dashboard_filters(ctx: Context) -> dict[str, tuple[Any, str]]:
    """(user, query) per named filter: every kind of filter the screen has, alone and combined."""
    from django.utils import timezone

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
        "case_type": (ctx.analyst, "survey=claim&case_type=change"),
        "agency_staff": (ctx.agency_staff, "survey=claim"),
        "every_survey": (ctx.analyst, "survey="),
    }


def random_filters(ctx: Context, count: int, seed: int) -> list[str]:
    """Random combinations of the screen's filters (each present with some chance)."""
    from django.utils import timezone

    from tsunagu.policies.choices import LineOfBusiness
    from tsunagu.surveys.choices import Channel, TriggerEvent

    rng = random.Random(seed)
    today = timezone.localdate()
    months = [(today.replace(day=1) - dt.timedelta(days=31 * k)).replace(day=1) for k in range(25)]
    queries = []
    for _ in range(count):
        parts = ["survey=claim"]
        if rng.random() < 0.5:
            a, b = sorted(rng.sample(months, 2))
            parts += [f"month_from={a:%Y-%m}", f"month_to={b:%Y-%m}"]
        if rng.random() < 0.3:
            parts.append(f"line={rng.choice(LineOfBusiness.values)}")
        if rng.random() < 0.2:
            parts.append(f"branch={rng.choice(ctx.branches).code}")
        elif rng.random() < 0.3:
            parts.append(f"agency={rng.choice(ctx.agencies).code}")
        if rng.random() < 0.15:
            parts.append(f"case_type={rng.choice(CASE_TYPES)}")
        if rng.random() < 0.25:
            parts.append(f"event={rng.choice(TriggerEvent.values)}")
        if rng.random() < 0.25:
            parts.append(f"channel={rng.choice(Channel.values)}")
        queries.append("&".join(parts))
    return queries


def measure_dashboard(ctx: Context) -> None:
    from django.test import Client

    every: list[float] = []
    n = ctx.args.responses
    for name, (user, query) in dashboard_filters(ctx).items():
        client = Client()
        client.force_login(user)
        url = f"/surveys/results/?{query}"
        _timed(client, url, 2)  # warm caches
        times = _timed(client, url, ctx.args.repeat)
        every += times
        emit(f"dashboard_{name}_p95_ms", percentile(times, 95), "ms", responses=n)
    client = Client()
    client.force_login(ctx.analyst)
    randoms: list[float] = []
    for query in random_filters(ctx, ctx.args.random_filters, ctx.args.seed):
        randoms += _timed(client, f"/surveys/results/?{query}", 1)
    every += randoms
    emit("dashboard_random_p95_ms", percentile(randoms, 95), "ms", responses=n, filters=len(randoms))
    emit("dashboard_p50_ms", statistics.median(every), "ms", responses=n)
    emit("dashboard_p95_ms", percentile(every, 95), "ms", responses=n, requests=len(every), target=300)


def measure_import(ctx: Context) -> None:
    """survey_import_run (what `manage.py survey_import` runs) on a CSV of --import-rows rows."""
    from django.utils import timezone

    from tsunagu.surveys.services.imports import survey_import_run

    rows = ctx.args.import_rows
    if not rows:
        return
    rng = random.Random(ctx.args.seed + 7)
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["policy_number", "answered_on", "nps", "satisfaction", "comment"])
    comments = ["", "", "対応が早くて助かりました。", "説明がわかりにくかったです。", "おおむね満足しています。"]
    for number in ctx.policy_numbers[:rows]:
        day = today - dt.timedelta(days=rng.randint(1, 700))
        nps = rng.randint(0, 10)
        writer.writerow(
            [number, f"{day:%Y-%m-%d}", nps, min(10, max(0, nps + rng.randint(-2, 2))), rng.choice(comments)]
        )
    data = out.getvalue().encode("utf-8")
    started, cpu_started = time.perf_counter(), time.process_time()
    if ctx.args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(survey_import_run, actor=ctx.owner, survey=ctx.survey, data=data, file_name="b.csv")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        result = survey_import_run(actor=ctx.owner, survey=ctx.survey, data=data, file_name="bench.csv")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    imported = result.survey_import.imported
    assert imported == rows, (imported, rows, result.errors[:3])
    metric = "import_100k_seconds" if rows == 100_000 else "import_seconds"
    emit(metric, seconds, "s", rows=rows, responses=ctx.args.responses, target=60 if rows == 100_000 else None)
    emit("import_rows_per_s", rows / seconds, "rows/s", rows=rows)
    # this process's CPU time: on a shared, loaded machine the comparable figure (on SQLite the whole
    # import's work; on PostgreSQL the server's share is not in it)
    emit("import_process_cpu_seconds", cpu, "s", rows=rows)


# --- voices --------------------------------------------------------------------------------------


OPENINGS = {
    "praise": (
        "担当の方がとても親切でした。",
        "事故の連絡をしたらすぐに折り返しがありました。",
        "いつも丁寧に説明していただき感謝しています。",
        "ロードサービスが早く到着して助かりました。",
        "更新の手続きが簡単でした。",
        "保険金の支払いが思ったより早く助かりました。",
    ),
    "dissatisfaction": (
        "保険金の支払いまで時間がかかりすぎです。",
        "担当者からの連絡が全くありません。",
        "説明が分かりにくく、補償内容が理解できませんでした。",
        "電話がなかなかつながらず困りました。",
        "等級が下がる理由の説明がなかった。",
        "書類の記入ミスを指摘されたが説明が不十分だった。",
        "代車の手配が遅く、通勤に困りました。",
    ),
    "request": (
        "Webで契約内容を確認できるようにしてほしい。",
        "保険料控除証明書を早めに送ってほしい。",
        "土日も相談できる窓口がほしい。",
    ),
    "other": ("引っ越しの予定があります。", "家族の車を買い替える予定です。"),
}
DETAILS = {
    "praise": ("次の更新もお願いしたいです。", "安心して任せられました。", "家族にもすすめます。", ""),
    "dissatisfaction": (
        "改善をお願いします。",
        "他社への乗換えも考えています。",
        "もう少し早く対応してほしい。",
        "修理工場との調整も遅かった。",
        "",
    ),
    "request": ("検討をお願いします。", ""),
    "other": ("",),
}


def _voice_texts(rng: random.Random) -> Callable[[str], str]:
    """Voices put together like the demo's: openings and details per kind, plus a survey comment
    sentence of the matching band."""
    from tsunagu.demo.operations.surveys import COMMENTS

    band = {"praise": "promoter", "dissatisfaction": "detractor"}
    pools = {kind: [s for pool in COMMENTS[band.get(kind, "passive")].values() for s in pool] for kind in OPENINGS}

    def make(kind: str) -> str:
        words = rng.sample(OPENINGS[kind], k=min(2, len(OPENINGS[kind])))
        words.append(rng.choice(DETAILS[kind]))
        if rng.random() < 0.7:
            words.append(rng.choice(pools[kind]))
        return "".join(words)

    return make


def build_voices(ctx: Context) -> None:
    """--voices voices with their term index and document frequencies, as voice_record writes them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tsunagu.voice import text
    from tsunagu.voice.choices import VoiceChannel
    from tsunagu.voice.models import Voice, VoiceCategory, VoiceTerm, VoiceTermStat

    n = ctx.args.voices
    rng = random.Random(ctx.args.seed + 11)
    make = _voice_texts(rng)
    started = time.perf_counter()
    categories: dict[str, list[Any]] = {}
    for category in VoiceCategory.objects.filter(parent__isnull=False):
        categories.setdefault(category.kind, []).append(category)
    kinds = [("praise", 339), ("dissatisfaction", 109), ("request", 8), ("other", 5)]
    kind_values, kind_weights = [k for k, _ in kinds if k in categories], [w for k, w in kinds if k in categories]
    tokens: dict[str, Counter[str]] = {}
    today = timezone.localdate()
    date_value = connection.ops.adapt_datefield_value
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = (
        "received_on",
        "channel",
        "category_id",
        "kind",
        "text",
        "customer_id",
        "agency_id",
        "complaint_decision",
        "term_norm",
        "recorded_by_id",
        "created_at",
    )
    channels = VoiceChannel.values
    df: Counter[str] = Counter()
    first_id = (Voice.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        voices, terms = [], []
        for i in range(start, stop):
            kind = rng.choices(kind_values, kind_weights)[0]
            words = make(kind)
            counts = tokens.get(words)
            if counts is None:
                counts = tokens[words] = text.term_counts(words)
            voices.append(
                (
                    date_value(today - dt.timedelta(days=rng.randint(0, 729))),
                    rng.choice(channels),
                    rng.choice(categories[kind]).pk,
                    kind,
                    words,
                    ctx.customer_ids[rng.randrange(len(ctx.customer_ids))],
                    rng.choice(ctx.agencies).pk,
                    "undecided",
                    text.norm(counts),
                    ctx.owner.pk,
                    created,
                )
            )
            voice_id = first_id + i  # a fresh table: ids follow the insert order
            terms += [(voice_id, term, min(tf, 32767)) for term, tf in counts.items()]
            df.update(counts.keys())
        with transaction.atomic():
            copy_rows(Voice, fields, voices)
            copy_rows(VoiceTerm, ("voice_id", "term", "tf"), terms)
    last = Voice.objects.order_by("-id").values_list("id", flat=True).first()
    assert last == first_id + n - 1, (last, first_id, n)
    with transaction.atomic():
        copy_rows(VoiceTermStat, ("term", "df"), sorted(df.items()))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    emit("voice_build_seconds", time.perf_counter() - started, "s", voices=n, distinct_texts=len(tokens))
    ctx.extra["voice_text"] = make


def measure_similar(ctx: Context) -> None:
    from tsunagu.voice.selectors import similar_voices

    if not ctx.args.voices:
        return
    build_voices(ctx)
    make = ctx.extra["voice_text"]
    rng = random.Random(ctx.args.seed + 13)
    kinds = ["praise"] * 3 + ["dissatisfaction"] * 2 + ["request"]
    queries = [make(rng.choice(kinds)) for _ in range(ctx.args.similar_queries)]
    for words in queries[:5]:  # warm: the analyser, caches
        similar_voices(user=ctx.owner, words=words, screen="bench")
    times, found = [], 0
    for words in queries:
        started = time.perf_counter()
        rows = similar_voices(user=ctx.owner, words=words, screen="お客様の声の記録(類似の声)")
        times.append((time.perf_counter() - started) * 1000)
        found += bool(rows)
    emit("similar_voice_p50_ms", statistics.median(times), "ms", voices=ctx.args.voices)
    emit(
        "similar_voice_p95_ms",
        percentile(times, 95),
        "ms",
        voices=ctx.args.voices,
        queries=len(times),
        with_results=found,
        target=200,
    )


def _migrations_stamp() -> str:
    """A digest of every migration file: a migrated empty database is reused while it is unchanged."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parent.parent / "tsunagu").glob("*/migrations/*.py")):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def migrated_database(db_url: str | None) -> Iterator[str]:
    """A fresh database for the run, copied from a migrated empty template kept between runs
    (var/bench/voice-template.sqlite3, or the PostgreSQL database tsunagu_bench_voice_template):
    `migrate` of the whole project takes minutes on a busy machine, so the template is only migrated
    (incrementally) when the migration files changed."""
    import shutil
    from urllib.parse import urlsplit, urlunsplit

    stamp = _migrations_stamp()
    var = Path(__file__).resolve().parent.parent / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    if not db_url or db_url.startswith("sqlite"):
        template, stamp_file = var / "voice-template.sqlite3", var / "voice-template.sqlite3.stamp"
        if not stamp_file.exists() or stamp_file.read_text() != stamp:
            log("voice: migrating the template database")
            manage(["migrate", "--noinput", "-v0"], database_url=f"sqlite:///{template}")
            stamp_file.write_text(stamp)
        with temp_database(None, prefix="tsunagu_bench_voice") as url:
            shutil.copyfile(template, url.removeprefix("sqlite:///"))
            os.environ["DATABASE_URL"] = url
            yield url
        return
    import psycopg

    parts = urlsplit(db_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    name, stamp_file = "tsunagu_bench_voice_template", var / "voice-template.pg.stamp"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            stamp_file.unlink(missing_ok=True)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        log("voice: migrating the template database")
        manage(
            ["migrate", "--noinput", "-v0"],
            database_url=urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")),
        )
        stamp_file.write_text(stamp)
    run = f"tsunagu_bench_voice_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{run}" TEMPLATE "{name}"')
    try:
        url = urlunsplit((parts.scheme, parts.netloc, f"/{run}", parts.query, ""))
        os.environ["DATABASE_URL"] = url
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)')


# Each measurement takes the built Context.
MEASURES: list[Callable[[Context], None]] = [measure_dashboard, measure_import, measure_similar]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--voices", type=int, default=None, help="お客様の声の件数(既定: 回答数の1/5)")
    parser.add_argument(
        "--import-rows", type=int, default=None, help="取込の行数(既定: 100,000、回答数が少なければ回答数)"
    )
    parser.add_argument("--invitations-per-response", type=float, default=1.5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--random-filters", type=int, default=200)
    parser.add_argument("--similar-queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db-url", default=None, help="postgres://… (既定: 一時SQLiteファイル)")
    parser.add_argument("--profile", action="store_true", help="取込を cProfile で計測(stderr)")
    parser.add_argument("--only", choices=["dashboard", "import", "similar"], action="append")
    args = parser.parse_args()
    if args.responses < 1 or args.invitations_per_response < 1:
        parser.error("--responses は1以上、--invitations-per-response は1以上を指定してください。")
    if args.voices is None:
        args.voices = args.responses // 5
    if args.import_rows is None:
        args.import_rows = min(100_000, args.responses)
    with migrated_database(args.db_url):
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        try:
            ctx = build(args)
            chosen = {"dashboard": measure_dashboard, "import": measure_import, "similar": measure_similar}
            for measure in [chosen[o] for o in args.only] if args.only else MEASURES:
                measure(ctx)
            emit("load_average", os.getloadavg()[0], "1-min", cores=os.cpu_count())
        finally:
            connection.close()


if __name__ == "__main__":
    main()
