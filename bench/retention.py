"""Benchmark the retention run (保存期間と廃棄・匿名化) over a book whose relationships ended long ago.

    DJANGO_DEBUG=1 .venv/bin/python bench/retention.py                       # 20,000 customers, SQLite
    DJANGO_DEBUG=1 .venv/bin/python bench/retention.py --customers 100000
    DJANGO_DEBUG=1 .venv/bin/python bench/retention.py --customers 1000000 --db-url postgres://postgres@127.0.0.1:5432/postgres

The book is written in bulk (COPY on PostgreSQL, executemany on SQLite; each history-tracked table gets
its "+" history rows copied by the database, as the product's bulk writes do), once per (customers,
migrations, day): cached as var/bench/retention-N-STAMP.sqlite3 or the PostgreSQL template database
`tsunagu_bench_ret_N_STAMP`; every run works on a copy, since the run rewrites it. `--rebuild` forces it.

The mix, per customer (seeded): the customer master with an address, one or two phones and half an
e-mail; one policy (a third two); 0–6 contacts (3 on average); a closed case for a quarter (60 %
inquiries, 25 % accidents with their report, 15 % complaints), each with two timeline entries; one
issued document (its PDF file written to a temporary document directory before the run); a voice with
its indexed words for a tenth; a churn score each. The relationships:

- 55 % ended 11–15 years ago: every record type is due (the master anonymised);
- 15 % ended 6–9 years ago: contacts, cases, complaints, voices, scores and (7 years) part of the
  documents are due, the master is not;
- 30 % hold a policy in force: nothing is due;
- 0.5 % of the long-ended are under a legal hold (held back, counted).

Measured (one `retention_execute`, as `manage.py retention_run` does it): `retention_run_seconds` (wall,
with process CPU), `retention_customers_per_s` (customer × record-type pairs processed per second),
`retention_rows_per_s` (rows anonymised or deleted per second, history and audit rows not counted),
`retention_peak_rss_mb`, and the seconds of each record type (`by_type`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import PYTHON, REPO, cached_database, db_kind, emit, log

BENCH = "retention"
BUILD = "1"  # bump when the generated data changes (invalidates the cached databases)
BATCH = 20_000
LONG_ENDED, RECENTLY_ENDED = 0.55, 0.15  # the rest: in force
HOLD_SHARE = 0.005
CASE_SHARE, VOICE_SHARE = 0.25, 0.10
JST = dt.timezone(dt.timedelta(hours=9))
WORDS = ("保険金", "支払", "遅い", "説明", "不足", "担当者", "対応", "丁寧", "事故", "連絡", "電話", "書類")


# --- the book ---------------------------------------------------------------------------------------------


def _write(model: Any, records: list[Any]) -> list[int]:
    """Insert plain records (defaults for what they lack) and return the new rows' ids, in order."""
    from django.db import transaction

    from tsunagu.core import bulk

    if not records:
        return []
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key or f.null or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    for record in records:  # what a record leaves out takes the field's default ("" for text)
        for f in fields:
            if not hasattr(record, f.attname):
                setattr(record, f.attname, f.get_default())
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        bulk.insert_records(model, records)
    return list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True))


def _history(model: Any, ids: list[int], user_id: int) -> None:
    from django.db import transaction

    from tsunagu.core import bulk

    with transaction.atomic():
        for start in range(0, len(ids), 50_000):
            bulk.copy_to_history(model, ids[start : start + 50_000], user_id=user_id, reason="ベンチの作成")


def _build(customers: int, today: dt.date) -> None:
    """Fill the (migrated, empty) database of DATABASE_URL."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from tsunagu.analytics.models import ModelVersion, Score
    from tsunagu.cases.models import AccidentReport, Case, CaseEvent, ComplaintCategory, ComplaintDetail, InquiryDetail
    from tsunagu.compliance.models import LegalHold
    from tsunagu.core.choices import DepartmentKind, Role
    from tsunagu.core.models import Agency, Branch, Department
    from tsunagu.core.services import user_create
    from tsunagu.customers.models import Address, Customer, Email, Phone
    from tsunagu.documents.models import Document
    from tsunagu.interactions.models import Interaction
    from tsunagu.policies.models import Policy, Product
    from tsunagu.voice import text
    from tsunagu.voice.models import Voice, VoiceCategory, VoiceTerm, VoiceTermStat

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
    rng = random.Random(1)
    began = time.perf_counter()
    branch = Branch.objects.create(code="RB01", name="ベンチ営業部")
    agencies = [Agency.objects.create(code=f"RA{a:03d}", name=f"ベンチ代理店{a}", branch=branch) for a in range(20)]
    password = "bench-pass-2026"
    center = Department.objects.create(code="RCC", name="ベンチコールセンター", kind=DepartmentKind.CALL_CENTER)
    compliance = Department.objects.create(code="RCP", name="ベンチ監査部", kind=DepartmentKind.COMPLIANCE)
    staff = user_create(
        actor=None,
        username="bench_staff",
        password=password,
        display_name="担当",
        roles=[Role.OPERATOR],
        department=center,
    )
    roles = [Role.COMPLIANCE_AUDITOR]
    user_create(
        actor=None, username="bench_auditor", password=password, display_name="監査", roles=roles, department=compliance
    )
    products = {
        line: Product.objects.create(code=f"RET-{line}"[:20], name=line, line=line) for line in ("auto", "fire")
    }
    category = ComplaintCategory.objects.filter(is_active=True).order_by("pk").first()
    voice_category = VoiceCategory.objects.filter(is_active=True, kind="dissatisfaction").order_by("pk").first()
    model = ModelVersion.objects.create(kind="churn", version=1, artifact="{}", trained_by=staff, is_active=True)
    tz = timezone.get_current_timezone()

    def at(day: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    counts: dict[str, int] = {}
    for start in range(0, customers, BATCH):
        n = min(BATCH, customers - start)
        ends: list[dt.date | None] = []
        for _ in range(n):
            draw = rng.random()
            if draw < LONG_ENDED:
                ends.append(today - dt.timedelta(days=rng.randint(11 * 365 + 3, 15 * 365)))
            elif draw < LONG_ENDED + RECENTLY_ENDED:
                ends.append(today - dt.timedelta(days=rng.randint(6 * 365 + 2, 9 * 365)))
            else:
                ends.append(None)  # in force
        registered = [(end or today) - dt.timedelta(days=rng.randint(3 * 365, 10 * 365)) for end in ends]
        ids = _write(
            Customer,
            [
                SimpleNamespace(
                    kind="individual",
                    name=f"退会 {start + i}",
                    family_name="退会",
                    given_name=str(start + i),
                    name_kana="タイカイ",
                    birth_date=dt.date(1940 + (start + i) % 50, 1 + i % 12, 1 + i % 28),
                    name_key=f"退会{start + i}",
                    kana_key="タイカイ",
                    created_at=at(registered[i]),
                )
                for i in range(n)
            ],
        )
        _history(Customer, ids, staff.pk)
        _history(Address, _write(Address, [
            SimpleNamespace(customer_id=c, postal_code="100-0001", prefecture="東京都", city="千代田区",
                            street=f"千代田{i % 9 + 1}-{i % 20 + 1}", building="ベンチビル")
            for i, c in enumerate(ids)
        ]), staff.pk)  # fmt: skip
        phones = [(c, f"090-{i % 10000:04d}-{c % 10000:04d}") for i, c in enumerate(ids)]
        phones += [(c, f"03-{i % 10000:04d}-{c % 10000:04d}") for i, c in enumerate(ids) if rng.random() < 0.4]
        _history(Phone, _write(Phone, [
            SimpleNamespace(customer_id=c, kind="mobile", number=number, digits=number.replace("-", ""))
            for c, number in phones
        ]), staff.pk)  # fmt: skip
        _history(Email, _write(Email, [
            SimpleNamespace(customer_id=c, address=f"c{c}@example.jp", key=f"c{c}@example.jp")
            for c in ids if c % 2
        ]), staff.pk)  # fmt: skip
        policies = []
        for i, c in enumerate(ids):
            end = ends[i] or today + dt.timedelta(days=rng.randint(30, 360))
            terms = [end] if rng.random() >= 1 / 3 else [end, end - dt.timedelta(days=rng.randint(400, 900))]
            for k, expiry in enumerate(terms):
                line = "auto" if (c + k) % 2 else "fire"
                policies.append(SimpleNamespace(
                    number=f"R{c:09d}{k}", line=line, product_id=products[line].pk,
                    status="in_force" if expiry > today else "matured", contract_date=expiry - dt.timedelta(days=380),
                    inception=expiry - dt.timedelta(days=365), expiry=expiry, term_years=1, annual_premium=60_000,
                    payment_method="bank_transfer", payment_frequency="annual", policyholder_id=c,
                    agency_id=agencies[c % len(agencies)].pk, sales_channel="agency",
                ))  # fmt: skip
        policy_ids = _write(Policy, policies)
        _history(Policy, policy_ids, staff.pk)
        first_policy = {}
        for record, pk in zip(policies, policy_ids, strict=True):
            first_policy.setdefault(record.policyholder_id, pk)
        contacts = []
        for i, c in enumerate(ids):
            last = ends[i] or today
            for _ in range(rng.randint(0, 6)):
                when = last - dt.timedelta(days=rng.randint(1, 3 * 365))
                contacts.append(SimpleNamespace(
                    customer_id=c, channel="phone", direction="inbound", occurred_at=at(when), staff_id=staff.pk,
                    subject="契約内容の確認", notes="ご家族の入院について相談あり。折り返しは夕方希望。",
                ))  # fmt: skip
        _write(Interaction, contacts)
        cases, kinds = [], []
        for i, c in enumerate(ids):
            if rng.random() >= CASE_SHARE:
                continue
            closed = (ends[i] or today) - dt.timedelta(days=rng.randint(10, 300))
            draw = rng.random()
            kind = "inquiry" if draw < 0.6 else "accident" if draw < 0.85 else "complaint"
            kinds.append(kind)
            cases.append(SimpleNamespace(
                number=f"RC{c:010d}", case_type=kind, sub_type="auto" if kind == "accident" else "", channel="phone",
                customer_id=c, policy_id=first_policy[c], agency_id=agencies[c % len(agencies)].pk,
                subject="ご相談", description="お客さまのご事情の詳細(本人・家族の健康状態を含む)", status="completed",
                is_open=False, opened_on=closed - dt.timedelta(days=20), due_date=closed, closed_at=at(closed),
                resolution_summary="ご説明し了承いただいた", created_by_id=staff.pk,
            ))  # fmt: skip
        case_ids = _write(Case, cases)
        _history(Case, case_ids, staff.pk)
        _write(CaseEvent, [
            SimpleNamespace(case_id=pk, kind=kind, summary="対応記録", body="通話内容の詳細", actor_id=staff.pk)
            for pk in case_ids for kind in ("created", "note")
        ])  # fmt: skip
        by_kind: dict[str, list[Any]] = {"inquiry": [], "accident": [], "complaint": []}
        for pk, kind, case in zip(case_ids, kinds, cases, strict=True):
            if kind == "inquiry":
                by_kind[kind].append(SimpleNamespace(case_id=pk, category="contract", question="補償の範囲は?",
                                                     answer="約款に基づきご説明"))  # fmt: skip
            elif kind == "accident":
                by_kind[kind].append(SimpleNamespace(
                    case_id=pk, occurred_at=case.closed_at, place="東京都千代田区 交差点", line="auto",
                    accident_type="対物", description="交差点で相手車両と接触", parties="相手方 090-0000-0000",
                    injuries="むち打ち", police_report_number="千代田123",
                ))  # fmt: skip
            else:
                by_kind[kind].append(SimpleNamespace(case_id=pk, category_id=category.pk,
                                                     customer_request="担当者の対応について説明を求める",
                                                     fact_finding="通話記録を確認"))  # fmt: skip
        for kind, detail in (("inquiry", InquiryDetail), ("accident", AccidentReport), ("complaint", ComplaintDetail)):
            _history(detail, _write(detail, by_kind[kind]), staff.pk)
        _history(Document, _write(Document, [
            SimpleNamespace(
                number=f"RD{c:010d}", doc_type="policy", customer_id=c, policy_id=first_policy[c],
                issued_by_id=staff.pk, issued_at=at((ends[i] or today) - dt.timedelta(days=300)),
                delivery_channel="electronic", delivery_name=f"退会 {start + i}", delivery_postal_code="100-0001",
                delivery_address="東京都千代田区千代田1-1", storage_backend="local",
                storage_key=f"retention-bench/{c % 100:02d}/RD{c:010d}.pdf", sha256="0" * 64,
            )
            for i, c in enumerate(ids)
        ]), staff.pk)  # fmt: skip
        voices, voice_texts = [], []
        for i, c in enumerate(ids):
            if rng.random() >= VOICE_SHARE:
                continue
            words = "、".join(rng.sample(WORDS, 6)) + "。"
            counts_ = text.term_counts(words)
            voice_texts.append(counts_)
            received = (ends[i] or today) - dt.timedelta(days=rng.randint(30, 700))
            voices.append(SimpleNamespace(
                received_on=received, channel="phone", category_id=voice_category.pk, kind=voice_category.kind,
                text=words, customer_id=c, agency_id=agencies[c % len(agencies)].pk, term_norm=text.norm(counts_),
                recorded_by_id=staff.pk, created_at=at(received),
            ))  # fmt: skip
        voice_ids = _write(Voice, voices)
        _history(Voice, voice_ids, staff.pk)
        _write(VoiceTerm, [
            SimpleNamespace(voice_id=pk, term=term, tf=tf)
            for pk, counts_ in zip(voice_ids, voice_texts, strict=True) for term, tf in counts_.items()
        ])  # fmt: skip
        scored_on = today - dt.timedelta(days=400)
        _write(Score, [
            SimpleNamespace(customer_id=c, kind="churn", model_id=model.pk, score=0.3, as_of=scored_on,
                            scored_at=at(scored_on), reasons=[])
            for c in ids
        ])  # fmt: skip
        held = [c for i, c in enumerate(ids) if ends[i] and ends[i] < today - dt.timedelta(days=11 * 365)]
        _history(LegalHold, _write(LegalHold, [
            SimpleNamespace(customer_id=c, kind="lawsuit", reason="訴訟係属中", starts_on=today - dt.timedelta(days=30),
                            placed_by_id=staff.pk)
            for c in held[: int(len(held) * HOLD_SHARE)]
        ]), staff.pk)  # fmt: skip
        counts["customers"] = counts.get("customers", 0) + n
        log(f"  {start + n:,} customers ({time.perf_counter() - began:.0f} s)")
    from django.db.models import Count

    stats = VoiceTerm.objects.values("term").annotate(df=Count("voice_id")).values_list("term", "df")
    _write(VoiceTermStat, [SimpleNamespace(term=term, df=df) for term, df in stats])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  built in {time.perf_counter() - began:.1f} s")


# --- the cached database ------------------------------------------------------------------------------------


def _build_into(url: str, args: argparse.Namespace, today: dt.date) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings"}
    command = [PYTHON, __file__, "--build", "--customers", str(args.customers), "--today", str(today)]
    subprocess.run(command, cwd=REPO, env=env, check=True)


def _database(args: argparse.Namespace, today: dt.date) -> Any:
    """A copy of the cached built database (built first when missing or stale)."""
    return cached_database(
        f"retention-{args.customers}",
        f"{BUILD}|{args.customers}|{today}",
        lambda url: _build_into(url, args, today),
        db_url=args.db_url,
        rebuild=args.rebuild,
    )


# --- the run ------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, today: dt.date) -> None:
    import django

    django.setup()
    from django.conf import settings

    from tsunagu.compliance.retention_services import retention_execute
    from tsunagu.core.models import User
    from tsunagu.documents.models import Document

    files = Path(tempfile.mkdtemp(prefix="tsunagu_bench_retention_files_"))
    settings.TSUNAGU_DOCUMENT_DIR = files
    try:
        for key in Document.objects.values_list("storage_key", flat=True).iterator(chunk_size=10_000):
            path = files / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4 bench")
        auditor = User.objects.get(username="bench_auditor")
        marks: dict[str, float] = {}
        began = time.perf_counter()
        cpu = time.process_time()

        def progress(record_type: str, _n: int) -> None:
            marks[record_type] = time.perf_counter()

        result = retention_execute(actor=auditor, on=today, progress=progress)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        shutil.rmtree(files, ignore_errors=True)
    by_type: dict[str, float] = {}
    previous = began
    for record_type, mark in marks.items():  # in processing order: each type's time since the one before
        by_type[record_type] = round(mark - previous, 2)
        previous = mark
    pairs = sum(v["customers"] for v in result.counts.values())
    rows = sum(v["rows"] for v in result.counts.values())
    extra = {"customers": args.customers, "db": db_kind(os.environ["DATABASE_URL"])}
    emit(BENCH, "retention_run_seconds", wall, "s", cpu_s=round(cpu, 2), by_type=by_type, **extra)
    emit(BENCH, "retention_customers_per_s", pairs / wall, "customer-types/s", pairs=pairs, **extra)
    emit(BENCH, "retention_rows_per_s", rows / wall, "rows/s", rows=rows, **extra)
    emit(BENCH, "retention_files_deleted", result.counts.get("document", {}).get("files", 0), "files", **extra)
    emit(BENCH, "retention_held_back", sum(result.blocked.values()), "customer-types", **extra)
    emit(BENCH, "retention_peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB", **extra)
    log(f"counts: {result.counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000, help="customers in the book (default 20,000)")
    parser.add_argument("--db-url", default=None, help="PostgreSQL server (default: a temporary SQLite file)")
    parser.add_argument("--rebuild", action="store_true", help="build the database even if a cached one fits")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # internal: fill DATABASE_URL
    parser.add_argument("--today", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(JST).date()
    if args.build:
        _build(args.customers, today)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    with _database(args, today) as url:
        os.environ["DATABASE_URL"] = url
        measure(args, today)


if __name__ == "__main__":
    main()
