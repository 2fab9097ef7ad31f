"""Bad input gets a clear Japanese message (400 on HTML and API); FTS syntax is plain text."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import make_customer
from tsunagu.customers.choices import CustomerKind
from tsunagu.search import query
from tsunagu.search.selectors import search_customers

from .conftest import names

pytestmark = pytest.mark.django_db

BAD = [
    ("", "検索語を入力してください。"),
    ("   　 ", "検索語を入力してください。"),
    ("山" * 201, "200文字以内"),
    ("山田\x00", "制御文字"),
    ("山田\x1b[31m", "制御文字"),
    ("\x7f", "制御文字"),
    ("山田\x85", "制御文字"),
    (" ".join(["山"] * 11), "10語以内"),
]


@pytest.mark.parametrize(("q", "message"), BAD)
def test_service_rejects_with_a_japanese_message(hq_operator, q, message):
    with pytest.raises(ValidationError) as error:
        search_customers(user=hq_operator, q=q)
    assert message in error.value.message_dict["q"][0]


def test_200_characters_are_accepted(hq_operator):
    assert search_customers(user=hq_operator, q="山" * 200).rows == []


def test_none_is_empty(hq_operator):
    with pytest.raises(ValidationError):
        search_customers(user=hq_operator, q=None)


@pytest.mark.parametrize(("q", "message"), BAD[:5])
def test_html_answers_400_with_the_message(client, hq_operator, q, message):
    client.force_login(hq_operator)
    response = client.get("/search/", {"q": q})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(("q", "message"), BAD[:5])
def test_api_answers_400_with_the_message(client, hq_operator, q, message):
    client.force_login(hq_operator)
    response = client.get("/api/customers/search", {"q": q})
    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"]["q"][0]


def test_search_page_without_a_query_just_shows_the_box(client, hq_operator):
    client.force_login(hq_operator)
    response = client.get("/search/")
    assert response.status_code == 200
    assert "検索語を入力してください" in response.content.decode()


FTS_SYNTAX = [
    '"', '""', '"山田"', '山田"', "'", "*", "山田*", "山*", "NEAR(山田 花子)", "NEAR(山田", "(山田)", "(", ")",
    "-山田", "山田 -花子", "山田:花子", "names:山田", "grams:山田", "山田 OR 田中", "AND", "NOT 山田", "^山田",
    "%", "_", "山_", "%田%", "\\", "{山田}", "[山田]", "山田+", "+",
]  # fmt: skip


@pytest.mark.parametrize("q", FTS_SYNTAX)
def test_fts_syntax_is_plain_text(hq_operator, people, q):
    """Nothing errors, and no operator changes the match: a quote, `*`, NEAR, `-` or `%` is a character."""
    result = names(hq_operator, q)
    for row in result:
        # Only customers whose names literally contain every token could match.
        assert all(token.strip('"') in row for token in q.split()), (q, result)


def test_literal_special_characters_are_found_as_text(hq_operator, people):
    make_customer(
        hq_operator, kind=CustomerKind.CORPORATE, name='合同会社"NEAR*(山田)"', name_kana="ニア", birth_date=None
    )
    assert names(hq_operator, 'NEAR*(山田)"') == ['合同会社"NEAR*(山田)"']
    assert names(hq_operator, "*(") == ['合同会社"NEAR*(山田)"']
    assert names(hq_operator, '"') == ['合同会社"NEAR*(山田)"']
    assert names(hq_operator, "near") == ['合同会社"NEAR*(山田)"']  # case-insensitive, as text
    assert names(hq_operator, "%") == []
    assert names(hq_operator, "山_") == []


def test_tokens_are_read_as_what_they_look_like():
    parsed = query.parse("ヤマダ 090 田中 S45.3.1 TS-2026-1 a@b.jp 〒100-0001 03-1234-5678")
    assert [t.cls.value for t in parsed.tokens] == [
        "kana", "digits", "name", "date", "identifier", "email", "postal", "phone",
    ]  # fmt: skip
    assert query.split_tokens("+81 90 1234 5678 山田") == ["+819012345678", "山田"]


def test_four_digits_are_the_last_four_not_the_start():
    four = {(i.kind.value, i.op.value) for i in query.parse("0367").tokens[0].interps}
    assert ("pr", "prefix") in four
    assert ("ph", "prefix") not in four
    three = {(i.kind.value, i.op.value) for i in query.parse("090").tokens[0].interps}
    assert ("ph", "prefix") in three
