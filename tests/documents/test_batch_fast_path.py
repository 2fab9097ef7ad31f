"""The tuple-based plan (fast path) gives exactly the rows, documents, sheets and skips of the previous
model-instance plan (tests/documents/reference_plan.py), on generated books, on re-runs and on resume."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from tests.conftest import make_customer
from tsunagu.core import writes
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Customer
from tsunagu.documents import deduction as d
from tsunagu.documents.models import DeductionCertificate, Document
from tsunagu.documents.services import processes, records
from tsunagu.documents.services.certificate_batch import run_certificate_batch
from tsunagu.documents.services.records import BatchOptions, ReissueMode
from tsunagu.documents.services.rendering import plan_chunk
from tsunagu.documents.services.selection import pending_holder_chunks
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod, PolicyStatus
from tsunagu.policies.models import Policy

from . import reference_plan
from .conftest import ISSUE_DATE, fire_policy, pay

D = dt.date
DOC_FIELDS = [
    "number",
    "customer_id",
    "tax_year",
    "version",
    "issued_by_id",
    "delivery_channel",
    "delivery_name",
    "delivery_postal_code",
    "delivery_address",
    "storage_backend",
    "storage_key",
    "page_count",
    "batch_id",
    "note",
    "doc_type",
    "status",
]
ROW_FIELDS = [
    "policy_id",
    "customer_id",
    "tax_year",
    "category",
    "status",
    "excluded",
    "exclusion_reason",
    "issue_date",
    "certified_amount",
    "declared_amount",
    "product_name",
    "insured_object",
    "location",
    "period_start",
    "period_end",
    "payment_mode",
    "version",
    "batch_id",
]


def generated_book(actor, seed: int, holders: int = 14) -> list[Customer]:
    """Random holders with monthly / annual / lump-sum / 旧長期 contracts, exclusions and bad data."""
    rng = random.Random(seed)
    made = []
    for i in range(holders):
        kind = rng.choice([CustomerKind.INDIVIDUAL] * 5 + [CustomerKind.CORPORATE])
        extra = {"addresses": []} if rng.random() < 0.1 else {}
        customer = make_customer(
            actor,
            kind=kind,
            name=f"生成 {i}号" if kind == CustomerKind.INDIVIDUAL else f"株式会社生成{i}",
            name_kana="セイセイ",
            birth_date=None if kind == CustomerKind.CORPORATE else D(1970, 1, 1),
            preferred_channel=rng.choice(["post", "post", "email", "web", "phone"]),
            **extra,  # no address: the holder goes to the exceptions report
        )
        made.append(customer)
        for _ in range(rng.randint(1, 3)):
            shape = rng.choice(["monthly", "annual", "lump", "old", "payroll", "nopay", "cancelled"])
            quake = rng.choice([0, 6_000, 12_000, 31_000]) if shape == "old" else rng.choice([6_000, 12_000, 60_000])
            if shape == "monthly":
                start = D(2026, rng.choice([1, 3, 5, 7, 8]), rng.choice([1, 15, 28, 31]))
                p = fire_policy(
                    actor,
                    customer,
                    quake=quake,
                    frequency=PaymentFrequency.MONTHLY,
                    inception=start,
                    expiry=start.replace(year=2027),
                    contract_date=start - dt.timedelta(days=10),
                )
                for month in range(start.month, 11):
                    pay(actor, p, D(2026, month, 1), 2_500 + quake // 12, quake // 12)
            elif shape in ("annual", "payroll", "cancelled"):
                start = D(2025, rng.randint(1, 12), 1)
                p = fire_policy(
                    actor,
                    customer,
                    quake=quake,
                    inception=start,
                    expiry=start.replace(year=2027),
                    contract_date=start - dt.timedelta(days=5),
                    payment_method=PaymentMethod.PAYROLL if shape == "payroll" else PaymentMethod.BANK_TRANSFER,
                )
                pay(actor, p, start - dt.timedelta(days=3), 30_000 + quake, quake, start, start.replace(year=2026))
                due = start.replace(year=2026)
                if due <= ISSUE_DATE:
                    pay(actor, p, due, 30_000 + quake, quake, due, due.replace(year=2027))
                if shape == "cancelled":
                    writes.update_rows(Policy.objects.filter(pk=p.pk), actor=actor, status=PolicyStatus.CANCELLED)
            elif shape == "lump":
                start = D(rng.randint(2022, 2026), 4, 1)
                p = fire_policy(
                    actor,
                    customer,
                    quake=quake,
                    frequency=PaymentFrequency.LUMP_SUM,
                    inception=start,
                    expiry=start.replace(year=start.year + 5),
                    contract_date=start,
                )
                pay(actor, p, start - dt.timedelta(days=12), 5 * (30_000 + quake), 5 * quake, start, start)
            elif shape == "old":
                start = D(rng.randint(1998, 2006), 7, 1)
                coverages = None if quake else []
                kw = {"coverages": coverages} if coverages is not None else {}
                p = fire_policy(
                    actor,
                    customer,
                    quake=quake or 6_000,
                    inception=start,
                    expiry=start.replace(year=start.year + 30),
                    contract_date=start,
                    has_maturity_refund=True,
                    **kw,
                )
                amount = rng.choice([8_000, 16_000, 40_000])
                pay(actor, p, D(2026, 7, 1), amount + quake // 2, quake // 2, D(2026, 7, 1), D(2027, 6, 30))
            else:  # earthquake cover, no payment data
                fire_policy(
                    actor,
                    customer,
                    quake=quake,
                    inception=D(2026, 2, 1),
                    expiry=D(2027, 2, 1),
                    contract_date=D(2026, 1, 20),
                )
    return made


def normalized(plan) -> dict:
    sheets = list(plan.job.post) if plan.job else []
    electronic = [s for _, s in plan.job.electronic] if plan.job else []
    keys = [k for k, _ in plan.job.electronic] if plan.job else []
    return {
        "documents": [tuple(getattr(doc, f) for f in DOC_FIELDS) for doc in plan.documents],
        "rows": [(number, tuple(getattr(row, f) for f in ROW_FIELDS)) for number, row in plan.certificates],
        "post": [dataclasses.astuple(s) for s in sheets],
        "electronic": [dataclasses.astuple(s) for s in electronic],
        "keys": keys,
        "skipped": [dataclasses.astuple(s) for s in plan.skipped],
        "holders": plan.holders,
    }


def normalized_reference(plan) -> dict:
    return {
        "documents": [
            tuple(getattr(doc, "issued_by_id" if f == "issued_by_id" else f) for f in DOC_FIELDS)
            for doc in plan.documents
        ],
        "rows": [(number, tuple(getattr(row, f) for f in ROW_FIELDS)) for number, row in plan.certificates],
        "post": [dataclasses.astuple(s) for s in plan.post],
        "electronic": [dataclasses.astuple(s) for _, s in plan.electronic],
        "keys": [k for k, _ in plan.electronic],
        "skipped": [dataclasses.astuple(s) for s in plan.skipped],
        "holders": plan.holders,
    }


def options(storage) -> BatchOptions:
    return BatchOptions(tax_year=2026, issue_date=ISSUE_DATE, storage=storage, rules=d.rules_for(2026))


def assert_same_plans(actor, storage, holder_ids, batch=None):
    fast = normalized(plan_chunk(holder_ids, options(storage), batch, actor))
    reference = normalized_reference(reference_plan.plan_chunk(holder_ids, options(storage), batch, actor))
    assert fast == reference
    return fast


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_plan_equals_reference_on_generated_books(hq_operator, book, storage, seed):
    generated_book(hq_operator, seed)
    holders = list(pending_holder_chunks(2026, 1000))
    assert len(holders) == 1
    fast = assert_same_plans(hq_operator, storage, holders[0])
    assert fast["documents"]
    assert fast["skipped"]
    assert any(row[1][5] for row in fast["rows"])  # exclusions are compared too
    # Customer numbers built from ids are the model's own.
    for customer in Customer.objects.all()[:5]:
        assert records.customer_number(customer.pk) == customer.number


def test_fast_plan_equals_reference_on_rerun_and_resume(hq_operator, book, storage, monkeypatch):
    generated_book(hq_operator, 7)
    real = processes.register_chunk
    calls = {"n": 0}

    def crash_on_third(plan, result, batch, actor):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(plan, result, batch, actor)

    monkeypatch.setattr(processes, "register_chunk", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run_certificate_batch(
            actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=0, chunk_size=2
        )
    monkeypatch.setattr(processes, "register_chunk", real)
    # After the crash: the pending holders plan the same with both implementations (rows already
    # written for excluded contracts are not planned again by either).
    pending = list(pending_holder_chunks(2026, 1000))
    assert_same_plans(hq_operator, storage, pending[0])
    resumed = run_certificate_batch(
        actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=0, chunk_size=3
    )
    assert resumed.status == "completed"
    # Complete: a re-run plans nothing new, and every holder is planned alike (all rows current).
    all_holders = list(Customer.objects.order_by("id").values_list("id", flat=True))
    again = assert_same_plans(hq_operator, storage, all_holders)
    assert again["rows"] == []
    # One current row per (policy, category), one current document per holder.
    rows = DeductionCertificate.objects.values_list("policy_id", "category")
    assert len(list(rows)) == len(set(rows))
    docs = Document.objects.values_list("customer_id", flat=True)
    assert len(list(docs)) == len(set(docs))


def test_reissue_mode_plans_like_reference(hq_operator, book, storage):
    run_certificate_batch(actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=0)
    mode = ReissueMode(note="再発行(1回目)", channel="electronic", document_note="控除証明書再発行")
    holder = [book["a"].pk]
    fast = plan_chunk(holder, options(storage), None, hq_operator, reissue=mode)
    reference = reference_plan.plan_chunk(holder, options(storage), None, hq_operator, reissue=mode)
    a, b = normalized(fast), normalized_reference(reference)
    # Reissue keys carry a random suffix; everything else is equal.
    assert [k.rsplit("-", 1)[0] for k in a.pop("keys")] == [k.rsplit("-", 1)[0] for k in b.pop("keys")]
    for doc_a, doc_b in zip(a["documents"], b["documents"], strict=True):
        assert doc_a[:10] + doc_a[11:] == doc_b[:10] + doc_b[11:]
    a.pop("documents"), b.pop("documents")
    assert a == b
