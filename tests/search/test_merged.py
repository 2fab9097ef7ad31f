"""A customer merged into another one (名寄せ) is not searchable; it comes back when unmerged."""

from __future__ import annotations

import pytest

from tests.conftest import make_customer
from tsunagu.customers.services import customer_set_merged_into
from tsunagu.search.models import CustomerDoc
from tsunagu.search.services import search_index_rebuild

from .conftest import names

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(hq_operator, org):
    survivor = make_customer(
        hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ", phones=[("mobile", "090-1111-2222")]
    )
    absorbed = make_customer(
        hq_operator, name="渡邊 恵子", name_kana="ワタナベ ケイコ", phones=[("mobile", "090-3333-4444")]
    )
    return survivor, absorbed


def test_merged_customer_leaves_the_index_and_comes_back(hq_operator, two):
    survivor, absorbed = two
    assert sorted(names(hq_operator, "ワタナベ ケイコ")) == ["渡辺 恵子", "渡邊 恵子"]
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=survivor, reason="名寄せ統合")
    assert names(hq_operator, "ワタナベ ケイコ") == ["渡辺 恵子"]
    assert names(hq_operator, "09033334444") == []
    assert not CustomerDoc.objects.filter(customer_id=absorbed.pk).exists()
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=None, reason="統合解除")
    assert sorted(names(hq_operator, "ワタナベ ケイコ")) == ["渡辺 恵子", "渡邊 恵子"]
    assert names(hq_operator, "09033334444") == ["渡邊 恵子"]


def test_rebuild_leaves_merged_customers_out(hq_operator, two):
    survivor, absorbed = two
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=survivor, reason="名寄せ統合")
    result = search_index_rebuild()
    assert result.customers == 1
    assert names(hq_operator, "ワタナベ ケイコ") == ["渡辺 恵子"]
    assert not CustomerDoc.objects.filter(customer_id=absorbed.pk).exists()


def test_a_later_write_to_the_merged_customer_does_not_bring_it_back(hq_operator, two):
    from tsunagu.customers.services import phone_add

    survivor, absorbed = two
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=survivor, reason="名寄せ統合")
    phone_add(actor=hq_operator, customer=absorbed, number="03-9999-0000")
    assert names(hq_operator, "0399990000") == []
