"""Case fixtures: the departments cases are routed to, a complaints officer, and customers of agency A."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import _user, make_customer, make_policy
from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.services import CaseInput, case_create
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department


@pytest.fixture
def departments(org):
    return {
        "claims": Department.objects.create(code="CL", name="損害サービス部", kind=DepartmentKind.CLAIMS),
        "policy_admin": Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN),
        "relations": Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS),
    }


@pytest.fixture
def complaints_officer(org, departments):
    return _user("complaints_officer", [Role.COMPLAINTS_OFFICER], department=departments["relations"])


@pytest.fixture
def claims_handler(org, departments):
    return _user("claims_handler", [Role.CLAIMS_HANDLER], department=departments["claims"])


@pytest.fixture
def holder(hq_operator, org, departments):
    """Agency A's customer with an auto policy in force 2026-04-01 → 2027-04-01."""
    customer = make_customer(hq_operator, name="佐藤 一郎", name_kana="サトウ イチロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"])
    return customer, policy


def open_case(actor, customer, policy, case_type, sub_type="", **extra):
    return case_create(
        actor=actor,
        data=CaseInput(
            case_type=case_type,
            sub_type=sub_type,
            channel=CaseChannel.PHONE,
            customer=customer,
            policy=policy,
            subject=f"{CaseType(case_type).label}のテスト",
            opened_on=extra.pop("opened_on", dt.date(2026, 6, 1)),
            extra=extra,
        ),
    )
