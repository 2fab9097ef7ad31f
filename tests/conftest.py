"""Shared fixtures: the organization and the personas every access test is written around.

- hq_operator: コールセンター operator, sees every customer.
- agency_a_staff: sees only agency A's customers and policies.
- agency_b_staff: must see nothing of agency A.
- auditor: compliance auditor in コンプライアンス.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Agency, Agent, Branch, Department, User
from tsunagu.core.services import user_create
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Customer
from tsunagu.customers.services import AddressInput, CustomerInput, customer_create
from tsunagu.policies.choices import LineOfBusiness, PaymentFrequency, PaymentMethod, SalesChannel
from tsunagu.policies.models import Policy, Product
from tsunagu.policies.services import CoverageInput, PolicyInput, policy_create

PASSWORD = "tsunagu-test-pass-2026"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Queued tasks run in the enqueuing process, so tests see their effect at commit. The database
    backend and its worker are tested on their own (tests/documents/test_batch_start.py)."""
    settings.TASKS = IMMEDIATE_TASKS


_numbers = itertools.count(1)


@pytest.fixture
def org(db):
    call_center = Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER)
    compliance = Department.objects.create(code="CP", name="コンプライアンス部", kind=DepartmentKind.COMPLIANCE)
    branch = Branch.objects.create(code="B01", name="東京営業部")
    agency_a = Agency.objects.create(code="A0001", name="あおぞら保険サービス", branch=branch)
    agency_b = Agency.objects.create(code="B0001", name="みどり保険事務所", branch=branch)
    agent_a = Agent.objects.create(registration_number="R-A-001", name="募集 太郎", agency=agency_a)
    products = {
        line: Product.objects.create(code=f"P-{line}", name=f"{label}保険", line=line)
        for line, label in LineOfBusiness.choices
    }
    return {
        "call_center": call_center,
        "compliance": compliance,
        "branch": branch,
        "agency_a": agency_a,
        "agency_b": agency_b,
        "agent_a": agent_a,
        "products": products,
    }


def _user(username: str, roles: list[Role], **kwargs) -> User:
    return user_create(actor=None, username=username, password=PASSWORD, display_name=username, roles=roles, **kwargs)


@pytest.fixture
def hq_operator(org) -> User:
    return _user("hq_operator", [Role.OPERATOR], department=org["call_center"])


@pytest.fixture
def agency_a_staff(org) -> User:
    return _user("agency_a_staff", [Role.AGENCY_STAFF], agency=org["agency_a"])


@pytest.fixture
def agency_b_staff(org) -> User:
    return _user("agency_b_staff", [Role.AGENCY_STAFF], agency=org["agency_b"])


@pytest.fixture
def auditor(org) -> User:
    return _user("auditor", [Role.COMPLIANCE_AUDITOR], department=org["compliance"])


def make_customer(actor: User, *, agency: Agency | None = None, **overrides) -> Customer:
    data = CustomerInput(
        kind=overrides.pop("kind", CustomerKind.INDIVIDUAL),
        name=overrides.pop("name", "山田 太郎"),
        name_kana=overrides.pop("name_kana", "ヤマダ タロウ"),
        birth_date=overrides.pop("birth_date", dt.date(1970, 3, 1)),
        addresses=overrides.pop("addresses", [AddressInput("100-0001", "東京都", "千代田区", "千代田1-1", "")]),
        phones=overrides.pop("phones", [("mobile", "090-1234-5678")]),
        emails=overrides.pop("emails", [("personal", "taro@example.jp")]),
        **overrides,
    )
    return customer_create(actor=actor, data=data, agency=agency)


def make_policy(
    actor: User, holder: Customer, *, agency: Agency | None, line: str = LineOfBusiness.AUTO, **kw
) -> Policy:
    product = Product.objects.get(line=line)
    today = dt.date(2026, 4, 1)
    data = PolicyInput(
        number=kw.pop("number", f"PN-{next(_numbers):08d}"),
        product=product,
        contract_date=kw.pop("contract_date", today),
        inception=kw.pop("inception", today),
        expiry=kw.pop("expiry", today.replace(year=today.year + 1)),
        annual_premium=kw.pop("annual_premium", 60000),
        payment_method=kw.pop("payment_method", PaymentMethod.BANK_TRANSFER),
        payment_frequency=kw.pop("payment_frequency", PaymentFrequency.ANNUAL),
        sales_channel=SalesChannel.AGENCY if agency else SalesChannel.DIRECT,
        agency=agency,
        coverages=kw.pop("coverages", [CoverageInput(name="対人賠償", premium=60000, sum_insured=None)]),
        **kw,
    )
    return policy_create(actor=actor, policyholder=holder, data=data)


@pytest.fixture
def customer_a(hq_operator, org) -> Customer:
    """A customer of agency A with one auto policy."""
    customer = make_customer(hq_operator, name="山田 花子", name_kana="やまだ はなこ")
    make_policy(hq_operator, customer, agency=org["agency_a"])
    return customer


def seed_case_reference_data() -> None:
    """The case rules, reference lists and voice categories the migrations seed (get_or_create: safe
    to repeat)."""
    import importlib

    from django.apps import apps

    importlib.import_module("tsunagu.cases.migrations.0002_seed_reference_data").seed(apps, None)
    importlib.import_module("tsunagu.voice.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture
def case_reference_data(db):  # type: ignore[no-untyped-def]
    """A transactional test's flush removes the seeded reference data for the tests after it, so
    those that open cases (or load demo data) seed it again."""
    seed_case_reference_data()


def read(user: User, customer: Customer) -> Customer:
    """The customer as a screen gets it: through customer_get (scoped, access-logged). Selectors of one
    customer's policies, cases, documents and contacts accept only such an instance."""
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.customers.selectors import customer_get

    return customer_get(user=user, pk=customer.pk, purpose=AccessPurpose.VIEW, screen="test")
