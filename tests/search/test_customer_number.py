"""A customer number as screens, worklists and CSVs show it (K000000723) finds that customer: exactly,
within the user's scope like every other result, logged like every other search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_customer
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.customers.services import customer_set_merged_into
from tsunagu.search.selectors import search_customers

from .conftest import names

pytestmark = pytest.mark.django_db


def test_the_customer_number_finds_the_customer(hq_operator, people):
    hanako = people["yamada_hanako"]
    results = search_customers(user=hq_operator, q=hanako.number)
    assert [r.customer_id for r in results.rows] == [hanako.pk]
    assert results.rows[0].match_label == "番号・連絡先が一致"
    assert results.understood_as == [(hanako.number, "顧客番号")]


FULL_WIDTH = str.maketrans("K0123456789", "Ｋ０１２３４５６７８９")


@pytest.mark.parametrize("spell", [str.lower, lambda n: n.translate(FULL_WIDTH)])
def test_lower_case_and_full_width_numbers_match(hq_operator, people, spell):
    taro = people["yamada_taro"]
    assert names(hq_operator, f" {spell(taro.number)} ") == ["山田 太郎"]


def test_only_the_exact_number(hq_operator, people):
    hanako = people["yamada_hanako"]
    assert names(hq_operator, hanako.number[:-1]) == []  # a prefix is not a customer number
    assert names(hq_operator, "K999999999") == []  # no such customer
    assert names(hq_operator, "K000000000") == []


def test_the_number_is_scoped_like_every_result(agency_a_staff, agency_b_staff, people):
    hanako = people["yamada_hanako"]  # agency A's customer
    assert names(agency_a_staff, hanako.number) == ["山田 花子"]
    assert names(agency_b_staff, hanako.number) == []
    logged = list(AccessLog.objects.filter(user=agency_b_staff).values_list("customer_id", "detail"))
    assert logged == [(None, {"q": hanako.number, "result_ids": []})]  # nothing confirmed, still logged


def test_the_search_is_access_logged(hq_operator, people):
    taro = people["yamada_taro"]
    search_customers(user=hq_operator, q=taro.number, screen="顧客検索")
    row = AccessLog.objects.order_by("-id").first()
    assert row is not None
    assert (row.purpose, row.customer_id, row.screen) == (AccessPurpose.SEARCH, taro.pk, "顧客検索")
    assert row.detail == {"q": taro.number, "result_ids": [taro.pk]}


def test_a_merged_away_customer_is_not_found_by_number(hq_operator, org):
    survivor = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ")
    absorbed = make_customer(hq_operator, name="渡邊 恵子", name_kana="ワタナベ ケイコ")
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=survivor, reason="名寄せ統合")
    assert names(hq_operator, absorbed.number) == []
    assert names(hq_operator, survivor.number) == ["渡辺 恵子"]


def test_the_search_page_and_the_api_find_it(client, hq_operator, people):
    tanaka = people["tanaka"]
    client.force_login(hq_operator)
    page = client.get(reverse("search:customers"), {"q": tanaka.number}).content.decode()
    assert "田中 誠" in page
    api = client.get("/api/customers/search", {"q": tanaka.number})
    assert api.status_code == 200
    assert tanaka.number in api.content.decode()
