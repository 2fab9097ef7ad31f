"""Fixtures for documents: fire policies with earthquake cover, premium payments and a file store."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_customer, make_policy
from tsunagu.customers.choices import CustomerKind
from tsunagu.documents.storage import LocalDirectoryStorage
from tsunagu.policies.choices import InsuredObject, LineOfBusiness, PaymentFrequency, PaymentMethod
from tsunagu.policies.services import CoverageInput, premium_payment_record

D = dt.date
ISSUE_DATE = D(2026, 10, 15)


@pytest.fixture
def storage(tmp_path) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(tmp_path / "documents")


def fire_policy(actor, holder, *, agency=None, quake=12_000, frequency=PaymentFrequency.ANNUAL, **kw):
    return make_policy(
        actor,
        holder,
        agency=agency,
        line=LineOfBusiness.FIRE,
        annual_premium=kw.pop("annual_premium", 30_000 + quake),
        payment_frequency=frequency,
        coverages=kw.pop(
            "coverages",
            [
                CoverageInput(name="火災", premium=30_000, sum_insured=20_000_000),
                CoverageInput(name="地震保険", premium=quake, sum_insured=10_000_000, is_earthquake=True),
            ],
        ),
        building=kw.pop(
            "building",
            {"location": "東京都千代田区千代田1-1", "structure_class": "H", "insured_object": InsuredObject.BUILDING},
        ),
        **kw,
    )


def pay(actor, policy, paid_on, amount, quake, period_from=None, period_to=None):
    return premium_payment_record(
        actor=actor,
        policy=policy,
        paid_on=paid_on,
        amount=amount,
        earthquake_portion=quake,
        period_from=period_from or paid_on,
        period_to=period_to or paid_on,
    )


@pytest.fixture
def book(hq_operator, org):
    """Six policyholders covering the batch's paths (see each comment)."""
    op = hq_operator
    # A: monthly (quake 1,000/month, Apr–Oct paid) + annual (quake 20,000 paid 2026-05-25): one sheet, two lines.
    a = make_customer(op, name="髙橋 一郎", name_kana="タカハシ イチロウ")
    monthly = fire_policy(
        op,
        a,
        quake=12_000,
        frequency=PaymentFrequency.MONTHLY,
        inception=D(2026, 4, 1),
        expiry=D(2027, 4, 1),
        contract_date=D(2026, 3, 1),
    )
    for month in range(4, 11):
        pay(op, monthly, D(2026, month, 1), 3_500, 1_000)
    annual = fire_policy(
        op, a, quake=20_000, inception=D(2025, 6, 1), expiry=D(2027, 6, 1), contract_date=D(2025, 5, 1)
    )
    pay(op, annual, D(2025, 5, 20), 50_000, 20_000, D(2025, 6, 1), D(2026, 5, 31))
    pay(op, annual, D(2026, 5, 25), 50_000, 20_000, D(2026, 6, 1), D(2027, 5, 31))
    # B: corporate holder -> excluded with reason, no document.
    b = make_customer(
        op, kind=CustomerKind.CORPORATE, name="株式会社つなぐ商事", name_kana="ツナグショウジ", birth_date=None
    )
    pb = fire_policy(op, b, inception=D(2026, 1, 1), expiry=D(2027, 1, 1), contract_date=D(2025, 12, 1))
    pay(op, pb, D(2026, 1, 5), 42_000, 12_000)
    # C: no address -> exceptions report.
    c = make_customer(op, name="住所 なし", name_kana="ジュウショ ナシ", addresses=[])
    pc = fire_policy(op, c, inception=D(2026, 1, 1), expiry=D(2027, 1, 1), contract_date=D(2025, 12, 1))
    pay(op, pc, D(2026, 1, 5), 42_000, 12_000)
    # D: earthquake cover but no premium data -> exceptions report.
    dd = make_customer(op, name="入金 なし", name_kana="ニュウキン ナシ")
    fire_policy(op, dd, inception=D(2026, 1, 1), expiry=D(2027, 1, 1), contract_date=D(2025, 12, 1))
    # E: group payroll -> excluded with reason.
    e = make_customer(op, name="団体 花子", name_kana="ダンタイ ハナコ")
    pe = fire_policy(
        op,
        e,
        inception=D(2026, 1, 1),
        expiry=D(2027, 1, 1),
        contract_date=D(2025, 12, 1),
        payment_method=PaymentMethod.PAYROLL,
    )
    pay(op, pe, D(2026, 1, 25), 42_000, 12_000)
    # F: electronic delivery, 5-year lump sum 37,500 paid before inception -> 7,500 for 2026.
    f = make_customer(op, name="電子 次郎", name_kana="デンシ ジロウ", preferred_channel="email")
    pf = fire_policy(
        op,
        f,
        quake=7_500,
        frequency=PaymentFrequency.LUMP_SUM,
        inception=D(2024, 4, 1),
        expiry=D(2029, 4, 1),
        contract_date=D(2024, 3, 1),
    )
    pay(op, pf, D(2024, 3, 20), 187_500, 37_500, D(2024, 4, 1), D(2029, 3, 31))
    return {"a": a, "b": b, "c": c, "d": dd, "e": e, "f": f, "monthly": monthly, "annual": annual, "lump": pf}


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def document_dir(settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "var-documents"
    return settings.TSUNAGU_DOCUMENT_DIR


def open_case(actor, customer, policy, case_type, *, verify=True, receive=True):
    """A reissue case for `policy`, with its documents received and (by default) identity verified."""
    from tsunagu.cases.choices import CaseChannel, CaseType
    from tsunagu.cases.services import CaseInput, case_create, document_receive, identity_verify

    case = case_create(
        actor=actor,
        data=CaseInput(
            case_type=case_type,
            channel=CaseChannel.PHONE,
            customer=customer,
            policy=policy,
            subject=f"{CaseType(case_type).label}のご依頼",
        ),
    )
    if receive:
        for document in case.documents.all():
            document_receive(actor=actor, document=document)
    if verify:
        identity_verify(actor=actor, case=case, method="phone_qa")
    case.refresh_from_db()
    return case
