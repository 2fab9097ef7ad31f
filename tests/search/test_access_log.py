"""Every search is access-logged with the query and the customers it returned."""

from __future__ import annotations

import datetime as dt

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


def _rows(user, screen: str) -> list[int | None]:
    return list(AccessLog.objects.filter(user=user, screen=screen).order_by("id").values_list("customer_id", flat=True))


def test_the_same_search_again_within_the_window_writes_nothing(client, hq_operator, people):
    """Defect 13 for search (docs/access-log.md § 一覧画面の記録): a reload of the results, or the
    htmx table redrawn, logs nothing new; another query is another search and is logged."""
    client.force_login(hq_operator)
    client.get("/search/", {"q": "田中 誠"})
    assert _rows(hq_operator, "顧客検索") == [people["tanaka"].pk]
    before = AccessLog.objects.count()
    client.get("/search/", {"q": "田中 誠"})
    client.get("/search/", {"q": "田中 誠"}, headers={"HX-Request": "true"})
    assert AccessLog.objects.count() == before
    client.get("/search/", {"q": "田中"})  # another query: logged with what was searched for
    assert AccessLog.objects.count() > before
    assert AccessLog.objects.order_by("-id").first().detail["q"] == "田中"


def test_a_repeated_search_logs_only_customers_it_had_not_returned(hq_operator, people):
    first = search_customers(user=hq_operator, q="山田", screen="テスト", limit=1)
    assert len(first.rows) == 1
    assert _rows(hq_operator, "テスト") == [first.rows[0].customer_id]
    wider = search_customers(user=hq_operator, q="山田", screen="テスト")
    ids = [r.customer_id for r in wider.rows]
    assert len(ids) > 1
    rows = list(AccessLog.objects.filter(user=hq_operator, screen="テスト").order_by("id"))
    assert [r.customer_id for r in rows] == [ids[0], *ids[1:]]  # the first customer once
    assert rows[-1].detail == {"q": "山田", "result_ids": ids}
    assert verify_chain()[1] is None


def test_a_repeated_search_without_results_writes_nothing(hq_operator, people):
    search_customers(user=hq_operator, q="存在しない", screen="テスト")
    search_customers(user=hq_operator, q="存在しない", screen="テスト")
    assert _rows(hq_operator, "テスト") == [None]


def test_past_the_window_and_in_the_api_every_search_is_logged(client, hq_operator, people):
    search_customers(user=hq_operator, q="田中 誠", screen="テスト")
    search_customers(user=hq_operator, q="田中 誠", screen="テスト", log_window=dt.timedelta(0))
    assert _rows(hq_operator, "テスト") == [people["tanaka"].pk] * 2
    client.force_login(hq_operator)
    for _ in range(2):
        assert client.get("/api/customers/search", {"q": "田中 誠"}).status_code == 200
    assert _rows(hq_operator, "API 顧客検索") == [people["tanaka"].pk] * 2
