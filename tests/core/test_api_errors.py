"""Every API error body is Japanese JSON, and the API docs are behind login with local assets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tsunagu.core.services import api_token_create
from tsunagu.search import api as search_api

SEARCH = "/api/customers/search"


@pytest.fixture
def bearer(hq_operator) -> dict[str, str]:
    _, key = api_token_create(actor=hq_operator, user=hq_operator, name="連携")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _japanese(text: str) -> bool:
    return re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) is not None


def test_401_is_japanese(client):
    response = client.get(SEARCH, {"q": "山田"})
    assert response.status_code == 401
    assert "認証が必要です".encode() in response.content  # readable UTF-8, not \uXXXX escapes
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "detail": "認証が必要です。有効な API トークン(Authorization: Bearer)を指定するか、ログインしてください。"
    }


def test_anonymous_post_is_401_not_a_csrf_403(db):
    """Without a session cookie there is no CSRF to check: the caller is anonymous (401)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/cases/", data={}, content_type="application/json")
    assert response.status_code == 401
    assert "認証が必要です" in response.json()["detail"]


def test_session_post_without_csrf_token_is_refused(hq_operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hq_operator)
    response = client.post("/api/cases/", data={}, content_type="application/json")
    assert response.status_code == 403


def test_404_is_japanese(client, bearer):
    response = client.get("/api/cases/999999/", **bearer)
    assert response.status_code == 404
    assert response.json() == {"detail": "見つかりません。"}


def test_405_is_japanese_json_with_the_allowed_methods(client, bearer):
    response = client.delete(SEARCH, **bearer)
    assert response.status_code == 405
    assert response.json() == {"detail": "この URL では、このメソッドは使えません。"}
    assert "GET" in response["Allow"]


def test_422_names_each_field_in_japanese(client, bearer):
    response = client.post("/api/cases/", {"subject": 12}, content_type="application/json", **bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "入力内容に誤りがあります。"
    assert body["errors"], body
    for error in body["errors"]:
        assert _japanese(error["msg"]), error
        assert error["loc"]
    assert any(e["type"] == "missing" and e["msg"] == "必須項目です。" for e in body["errors"])


def test_422_for_a_query_parameter_of_the_wrong_type(client, bearer):
    response = client.get(SEARCH, {"q": "山田", "limit": "many"}, **bearer)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors == [{"loc": ["query", "limit"], "msg": "整数を指定してください。", "type": "int_parsing"}]


def test_unhandled_errors_are_a_logged_japanese_500(client, bearer, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(search_api, "search_customers", broken)
    response = client.get(SEARCH, {"q": "山田"}, **bearer)
    assert response.status_code == 500
    assert "システムエラー" in response.json()["detail"]
    assert "boom" not in response.content.decode()
    assert any("boom" in (r.exc_text or str(r.exc_info)) for r in caplog.records if r.name == "tsunagu.api")


def test_api_docs_need_a_login(client):
    for url in ("/api/docs", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_api_docs_load_only_local_assets(client, hq_operator):
    client.force_login(hq_operator)
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
