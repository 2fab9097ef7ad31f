"""Request-level input checks (tsunagu.core.middleware, tsunagu.core.input): undecodable bodies and
query strings, text no database can store, and integer parameters past the database's range."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, _user
from tsunagu.core.choices import Role
from tsunagu.core.input import BIGINT_MAX, BadInput, query_int, text_problem

HUGE = "99999999999999999999"


@pytest.mark.parametrize("text", ["a\x00b", "\x01", "\x7f", "\x85", "\ud800", "x\udfff"])
def test_text_problem_refuses_controls_and_lone_surrogates(text):
    assert text_problem(text)


@pytest.mark.parametrize("text", ["", "東京都\t千代田区\r\n1-1", "𠮷野家", "\ufffd"])
def test_text_problem_accepts_ordinary_text(text):
    assert text_problem(text) is None


@pytest.mark.parametrize("raw", [HUGE, "-1", "abc", "1.5", "١٢", str(BIGINT_MAX + 1), "9" * 400])
def test_query_int_refuses_with_japanese_message(raw):
    with pytest.raises(BadInput) as error:
        query_int({"page": raw}, "page", minimum=1)
    assert "整数で指定してください" in error.value.message


def test_query_int_accepts_bounds_and_defaults():
    assert query_int({}, "page", default=1) == 1
    assert query_int({"page": " "}, "page", default=1) == 1
    assert query_int({"page": str(BIGINT_MAX)}, "page") == BIGINT_MAX
    assert query_int({"page": "0"}, "page") == 0


@pytest.mark.django_db
def test_undecodable_query_string_is_400(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    response = client.get("/cases/faq/", QUERY_STRING="q=%93%8C%8B%9E")
    assert response.status_code == 400
    assert "UTF-8" in (response.content.decode() if response.context is None else response.context["message"])
    assert client.get("/cases/faq/", {"q": "東京"}).status_code == 200


@pytest.mark.django_db
def test_undecodable_multipart_field_is_400(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + b"\x93\x8c\x8b\x9e\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post("/cases/1/note/", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400


@pytest.mark.django_db
def test_undecodable_json_is_japanese_400_on_any_api(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    response = client.post("/api/cases/", b'{"subject": "\x93\x8c"}', content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"offset": HUGE}, {"offset": "-1"}, {"offset": "abc"}, {"limit": HUGE}])
def test_identity_review_api_bounds_paging(client, org, params):
    from tsunagu.core.models import Department

    crm = Department.objects.create(code="CRM", name="顧客データ管理")
    _user("steward", [Role.DATA_STEWARD], department=crm)
    client.login(username="steward", password=PASSWORD)
    assert client.get("/api/identity/review/").status_code == 200
    response = client.get("/api/identity/review/", params)
    assert response.status_code == 422, response.content


@pytest.mark.django_db
def test_identity_api_huge_ids_are_422(client, org):
    from tsunagu.core.models import Department

    crm = Department.objects.create(code="CRM", name="顧客データ管理")
    _user("steward", [Role.DATA_STEWARD], department=crm)
    client.login(username="steward", password=PASSWORD)
    assert client.get("/api/identity/review/9999999999999999999/").status_code == 422
    response = client.post(
        "/api/identity/merges/",
        {"survivor_id": int(HUGE), "absorbed_id": 1, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_find_bad_text_names_the_path_and_survives_deep_nesting():
    from tsunagu.core.input import find_bad_text

    assert find_bad_text({"a": [{"b": "ok"}, {"c": "x\x00"}]})[0] == "a[1].c"
    assert find_bad_text({"a\ud800": 1})[0] == "a\ud800"
    assert find_bad_text({"a": ["ok", 1, None, True]}) is None
    deep: object = "\x00"
    for _ in range(5000):
        deep = [deep]
    assert find_bad_text(deep) is not None


@pytest.mark.django_db
def test_deeply_nested_json_is_400_not_500(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    client.raise_request_exception = False
    body = "[" * 100000 + "]" * 100000
    response = client.post("/api/cases/", body, content_type="application/json")
    assert response.status_code in (400, 422)
