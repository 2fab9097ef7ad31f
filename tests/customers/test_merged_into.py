"""`Customer.merged_into`: set and cleared only through customer_set_merged_into, with history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import make_customer
from tsunagu.customers.services import customer_set_merged_into

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(hq_operator):
    a = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ")
    b = make_customer(hq_operator, name="渡邊 恵子", name_kana="ワタナベ ケイコ")
    return a, b


def test_set_and_clear_record_history_with_the_reason(hq_operator, two):
    a, b = two
    customer_set_merged_into(actor=hq_operator, customer=b, into=a, reason="名寄せ統合")
    b.refresh_from_db()
    assert b.merged_into == a
    assert list(a.absorbed_customers.all()) == [b]
    latest = b.history.first()
    assert latest.merged_into_id == a.pk
    assert latest.history_user == hq_operator
    assert latest.history_change_reason == "名寄せ統合"

    customer_set_merged_into(actor=hq_operator, customer=b, into=None, reason="統合解除")
    b.refresh_from_db()
    assert b.merged_into is None
    assert [h.merged_into_id for h in b.history.all()[:2]] == [None, a.pk]


def test_setting_the_same_value_writes_no_history(hq_operator, two):
    a, b = two
    customer_set_merged_into(actor=hq_operator, customer=b, into=a, reason="統合")
    count = b.history.count()
    customer_set_merged_into(actor=hq_operator, customer=b, into=a, reason="統合")
    assert b.history.count() == count


def test_refused_into_itself(hq_operator, two):
    a, _ = two
    with pytest.raises(ValidationError, match="自分自身"):
        customer_set_merged_into(actor=hq_operator, customer=a, into=a, reason="x")


def test_refused_outside_the_actor_s_scope(agency_b_staff, org, hq_operator, two):
    a, b = two
    with pytest.raises(PermissionDenied):
        customer_set_merged_into(actor=agency_b_staff, customer=b, into=a, reason="x")
    b.refresh_from_db()
    assert b.merged_into is None
