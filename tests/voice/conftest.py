from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import _user, make_customer, make_policy
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department
from tsunagu.voice import services
from tsunagu.voice.choices import VoiceChannel
from tsunagu.voice.models import VoiceCategory


def category(code: str) -> VoiceCategory:
    return VoiceCategory.objects.get(code=code)


def record(actor, text: str, *, code: str = "dis-delay", customer=None, policy=None, on=None, **kw):
    return services.voice_record(
        actor=actor,
        data=services.VoiceInput(
            received_on=on or dt.date(2026, 5, 10),
            channel=kw.pop("channel", VoiceChannel.PHONE),
            category=category(code),
            text=text,
            customer=customer,
            policy=policy,
            **kw,
        ),
    )


@pytest.fixture
def cs_officer(org):
    relations = Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS)
    return _user("cs_officer", [Role.COMPLAINTS_OFFICER], department=relations)


@pytest.fixture
def customer_b(hq_operator, org):
    customer = make_customer(
        hq_operator, name="佐藤 次郎", name_kana="サトウ ジロウ", phones=[("mobile", "090-2222-3333")]
    )
    make_policy(hq_operator, customer, agency=org["agency_b"])
    return customer


@pytest.fixture
def policy_a(customer_a):
    return customer_a.policies.first()
