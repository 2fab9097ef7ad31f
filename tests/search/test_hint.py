"""The search box says what the search does (defect 11: the hint said 2文字から, one character found hits)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tsunagu.search.query import HINT

from .conftest import names

pytestmark = pytest.mark.django_db


def test_the_hint_and_the_search_agree_on_one_character(client, hq_operator, people):
    assert "小田中 明" in names(hq_operator, "明")  # one character is a search
    client.force_login(hq_operator)
    page = client.get(reverse("search:customers")).content.decode()
    hint = re.search(r'<p class="hint" id="search-q_helptext">(.*?)</p>', page, re.S)
    assert hint is not None
    assert hint[1] == HINT
    assert "1文字から" in hint[1]
    assert "2文字から" not in page
    assert 'aria-describedby="search-q_helptext"' in page


def test_enter_opens_the_first_hit_of_the_shown_query(client, hq_operator, people):
    """keys.js opens [data-first-hit] when the box holds the results' data-query."""
    client.force_login(hq_operator)
    page = client.get(reverse("search:customers"), {"q": " 山田 "}).content.decode()
    assert 'data-query="山田"' in page
    assert page.count("data-first-hit") == 1


def test_no_hits_is_an_empty_state_row(client, hq_operator, people):
    client.force_login(hq_operator)
    page = client.get(reverse("search:customers"), {"q": "存在しない名前"}).content.decode()
    assert '<tr class="empty"><td colspan="9">該当する顧客は見つかりませんでした。' in page
