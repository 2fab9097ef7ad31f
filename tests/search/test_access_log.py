"""Every search is access-logged with the query and the customers it returned."""

from __future__ import annotations

import pytest

from tsunagu.core.access_log import verify_chain
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.search.selectors import search_customers

pytestmark = pytest.mark.django_db


def test_search_logs_one_row_per_customer_returned(hq_operator, people):
    before = AccessLog.objects.count()
    results = search_customers(user=hq_operator, q="山田", screen="テスト")
    rows = list(AccessLog.objects.order_by("id")[before:])
    ids = [r.customer_id for r in results.rows]
    assert [r.customer_id for r in rows] == ids
    for row in rows:
        assert row.purpose == AccessPurpose.SEARCH
        assert row.user == hq_operator
        assert row.screen == "テスト"
        assert row.detail == {"q": "山田", "result_ids": ids}
    assert verify_chain()[1] is None


def test_search_without_results_is_logged_too(hq_operator, people):
    search_customers(user=hq_operator, q="存在しない")
    row = AccessLog.objects.order_by("-id").first()
    assert row.customer_id is None
    assert row.detail == {"q": "存在しない", "result_ids": []}


def test_scoped_out_customers_are_not_in_the_log(agency_b_staff, people):
    search_customers(user=agency_b_staff, q="山田")
    logged = set(AccessLog.objects.filter(user=agency_b_staff).values_list("customer_id", flat=True))
    assert logged == {people["yamada_taro"].pk}


def test_api_and_html_searches_are_logged(client, hq_operator, people):
    client.force_login(hq_operator)
    client.get("/api/customers/search", {"q": "田中 誠"})
    assert AccessLog.objects.order_by("-id").first().screen == "API 顧客検索"
    client.get("/search/", {"q": "田中 誠"})
    row = AccessLog.objects.order_by("-id").first()
    assert (row.screen, row.customer_id, row.detail["q"]) == ("顧客検索", people["tanaka"].pk, "田中 誠")


def test_rejected_queries_read_nothing_and_log_nothing(hq_operator, people):
    before = AccessLog.objects.count()
    with pytest.raises(Exception):  # noqa: B017, PT011 (ValidationError, tested elsewhere)
        search_customers(user=hq_operator, q="")
    assert AccessLog.objects.count() == before
