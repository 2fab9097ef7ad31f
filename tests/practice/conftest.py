from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import _user, make_customer, make_policy
from tsunagu.core.choices import Role
from tsunagu.core.models import User

TODAY = dt.date(2026, 12, 5)
# A new policy applied for on 2026/11/20, starting on 2026/12/01 for a year.
PERIOD = {"contract_date": dt.date(2026, 11, 20), "inception": dt.date(2026, 12, 1), "expiry": dt.date(2027, 12, 1)}


@pytest.fixture
def agency_a_manager(org, agency_a_staff) -> User:
    """Agency A's manager: agency staff who is agency_a_staff's manager (User.manager)."""
    manager = _user("agency_a_manager", [Role.AGENCY_STAFF], agency=org["agency_a"])
    agency_a_staff.manager = manager
    agency_a_staff.save(update_fields=["manager"])
    return manager


@pytest.fixture
def holder(hq_operator, org):
    return make_customer(hq_operator, agency=org["agency_a"], name="高橋 一郎", name_kana="タカハシ イチロウ")


@pytest.fixture
def elderly_holder(hq_operator, org):
    return make_customer(
        hq_operator,
        agency=org["agency_a"],
        name="古川 ふみ",
        name_kana="フルカワ フミ",
        birth_date=dt.date(1944, 6, 1),
    )


@pytest.fixture
def policy_a(hq_operator, holder, org):
    return make_policy(hq_operator, holder, agency=org["agency_a"], **PERIOD)


@pytest.fixture
def elderly_policy(hq_operator, elderly_holder, org):
    return make_policy(hq_operator, elderly_holder, agency=org["agency_a"], **PERIOD)


AUTO_INTENT = {
    "cover": "対人・対物無制限、人身傷害3000万円",
    "vehicle_cover": "一般",
    "driver_scope": "家族限定",
    "budget": 80000,
    "term": 1,
}
