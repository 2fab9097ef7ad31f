"""A GET to a POST-only screen URL is the Japanese 405 page, not an empty body (walk finding 21)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_get_to_a_post_only_url_shows_the_japanese_page(auditor):
    client = Client()
    client.force_login(auditor)
    response = client.get("/compliance/manager/reviews/11/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "この画面は直接開けません(405)" in body
    assert "画面のボタン" in body


def test_a_post_still_reaches_the_view(auditor):
    client = Client()
    client.force_login(auditor)
    assert client.post("/compliance/manager/reviews/999999/", {"decision": "keep"}).status_code == 404
