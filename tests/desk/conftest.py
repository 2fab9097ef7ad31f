from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.conftest import make_customer, make_policy
from tsunagu.core.choices import Role
from tsunagu.core.models import User
from tsunagu.core.services import user_create
from tsunagu.customers.choices import Relation
from tsunagu.customers.services import email_add, phone_add, relative_add
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import ReportChannel
from tsunagu.policies.services import claim_register

_claims = itertools.count(1)


@pytest.fixture
def analyst(org) -> User:
    return user_create(
        actor=None, username="analyst", password="x-analyst-pass-2026", display_name="分析 担当",
        roles=[Role.ANALYST], department=org["call_center"],
    )  # fmt: skip


def add_activity(actor: User, customer, org, *, policies: int, interactions: int) -> None:
    """Policies (each with a claim) and contacts, to show that the query count does not grow."""
    for _ in range(policies):
        policy = make_policy(actor, customer, agency=org["agency_a"])
        claim_register(
            actor=actor,
            policy=policy,
            number=f"C-{customer.pk}-{next(_claims)}",
            accident_date=dt.date(2026, 4, 1),
            accident_place="東京都",
            accident_type="物損",
            reported_on=dt.date(2026, 4, 2),
            reported_via=ReportChannel.CALL_CENTER,
        )
    for n in range(interactions):
        interaction_log(actor=actor, customer=customer, channel="phone" if n % 2 else "email", subject=f"連絡 {n}")


@pytest.fixture
def rich_customer(hq_operator, org):
    customer = make_customer(
        hq_operator,
        name="山田 花子",
        name_kana="ヤマダ ハナコ",
        birth_date=dt.date(1950, 3, 1),
        phones=[("home", "03-1111-2222"), ("mobile", "090-1234-5678")],
    )
    phone_add(actor=hq_operator, customer=customer, number="080-9999-0000", kind="mobile", primary=True)
    email_add(actor=hq_operator, customer=customer, address="second@example.jp")
    relative_add(
        actor=hq_operator, customer=customer, name="山田 一郎", relation=Relation.CHILD, phone="090-5555-6666",
        consent_date=dt.date(2026, 1, 10), name_kana="ヤマダ イチロウ",
    )  # fmt: skip
    return customer
