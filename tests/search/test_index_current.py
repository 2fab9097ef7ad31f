"""The index follows every write in the same transaction, and a rebuild gives the same answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.conftest import make_customer, make_policy
from tsunagu.customers.choices import NameChangeReason
from tsunagu.customers.services import (
    AddressInput,
    address_add,
    customer_change_name,
    customer_update,
    email_add,
    phone_add,
)
from tsunagu.search.models import CustomerDoc, SearchTerm
from tsunagu.search.selectors import search_customers
from tsunagu.search.services import indexing_suspended, search_index_rebuild

from .conftest import names

pytestmark = pytest.mark.django_db


def test_new_customer_is_searchable_at_once(hq_operator, org):
    make_customer(hq_operator, name="新規 登録", name_kana="シンキ トウロク")
    assert names(hq_operator, "新規") == ["新規 登録"]


def test_customer_update_birth_date(hq_operator, people):
    customer_update(actor=hq_operator, customer=people["sato"], birth_date=dt.date(1986, 1, 2))
    assert names(hq_operator, "S61.1.2") == ["佐藤 陽子"]
    assert names(hq_operator, "1985-12-24") == []


def test_phone_add(hq_operator, people):
    phone_add(actor=hq_operator, customer=people["sato"], number="080-4444-0007", kind="mobile")
    assert names(hq_operator, "08044440007") == ["佐藤 陽子"]
    assert names(hq_operator, "0007") == ["佐藤 陽子"]
    assert names(hq_operator, "090-8888-9999") == ["佐藤 陽子"]  # the old number stays


def test_email_and_address_add(hq_operator, people):
    email_add(actor=hq_operator, customer=people["odanaka"], address="akira@example.com")
    address_add(
        actor=hq_operator,
        customer=people["odanaka"],
        data=AddressInput("060-0001", "北海道", "札幌市中央区", "北1条西1"),
    )
    assert names(hq_operator, "akira@example.com") == ["小田中 明"]
    assert names(hq_operator, "060-0001") == ["小田中 明"]


def test_policy_create(hq_operator, people, org):
    make_policy(hq_operator, people["sato"], agency=None, number="ZX-77-0001")
    assert names(hq_operator, "zx770001") == ["佐藤 陽子"]


def test_insured_person_is_found_by_policy_number(hq_operator, people, org):
    make_policy(hq_operator, people["sato"], agency=None, number="INS-1", insured=[(people["odanaka"], "other")])
    assert names(hq_operator, "INS-1") == ["小田中 明", "佐藤 陽子"] or set(names(hq_operator, "INS-1")) == {
        "佐藤 陽子",
        "小田中 明",
    }


def test_change_name_keeps_the_former_name_searchable(hq_operator, people):
    customer_change_name(
        actor=hq_operator,
        customer=people["sato"],
        name="鈴木 陽子",
        name_kana="スズキ ヨウコ",
        reason=NameChangeReason.MARRIAGE,
        changed_on=dt.date(2026, 4, 1),
        family_name="鈴木",
        given_name="陽子",
    )
    assert names(hq_operator, "鈴木") == ["鈴木 陽子"]
    assert names(hq_operator, "すずき ようこ") == ["鈴木 陽子"]
    assert names(hq_operator, "佐藤") == ["鈴木 陽子"]  # 旧姓
    assert names(hq_operator, "さとう") == ["鈴木 陽子"]
    assert names(hq_operator, "佐藤陽子") == ["鈴木 陽子"]


class Rollback(Exception):
    pass


def add_phone_then_fail(actor, customer):
    with transaction.atomic():
        phone_add(actor=actor, customer=customer, number="080-4444-0007")
        assert names(actor, "0007") == ["佐藤 陽子"]  # visible inside the transaction
        raise Rollback


def test_rolled_back_write_leaves_the_index_unchanged(hq_operator, people):
    with pytest.raises(Rollback):
        add_phone_then_fail(hq_operator, people["sato"])
    assert names(hq_operator, "0007") == []


def test_suspended_indexing_then_rebuild(hq_operator, org):
    with indexing_suspended():
        make_customer(hq_operator, name="一括 取込", name_kana="イッカツ トリコミ")
    assert names(hq_operator, "一括") == []
    search_index_rebuild()
    assert names(hq_operator, "一括") == ["一括 取込"]


QUERIES = ["山田", "やまだ", "田中", "5678", "S45.3.1", "TS-2026", "hiroko@example.jp", "〒150-0001", "明", "ヤマダ 03"]


def test_rebuild_gives_the_same_matches(hq_operator, people):
    before = {q: {(r.customer_id, r.tier) for r in search_customers(user=hq_operator, q=q).rows} for q in QUERIES}
    terms_before = sorted(SearchTerm.objects.values_list("customer_id", "kind", "key"))
    call_command("rebuild_search_index", verbosity=0)
    after = {q: {(r.customer_id, r.tier) for r in search_customers(user=hq_operator, q=q).rows} for q in QUERIES}
    assert after == before
    assert sorted(SearchTerm.objects.values_list("customer_id", "kind", "key")) == terms_before
    assert CustomerDoc.objects.count() == 7
    # Incremental updates continue after the rebuild's sequence.
    phone_add(actor=hq_operator, customer=people["sato"], number="080-4444-0007")
    assert names(hq_operator, "0007") == ["佐藤 陽子"]
    assert CustomerDoc.objects.get(customer=people["sato"]).seq == max(
        CustomerDoc.objects.values_list("seq", flat=True)
    )


def test_rebuild_orders_by_last_activity(hq_operator, people):
    from tsunagu.interactions.services import interaction_log

    interaction_log(actor=hq_operator, customer=people["yamada_hanako"], channel="phone", subject="問い合わせ")
    call_command("rebuild_search_index", verbosity=0)
    assert names(hq_operator, "山田") == ["山田 花子", "山田 太郎"]
