"""Error pages are Japanese, rendered from the site's own templates (DEBUG is off in tests)."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults


def test_404_is_japanese_and_the_same_for_everyone(client, hq_operator):
    anonymous = client.get("/no-such-page/")
    client.force_login(hq_operator)
    signed_in = client.get("/no-such-page/")
    assert anonymous.status_code == signed_in.status_code == 404
    assert "ページが見つかりません" in anonymous.content.decode()
    assert anonymous.content == signed_in.content  # nothing from the request: no hint, no token


def test_403_400_and_500_pages_are_japanese(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    assert "権限がありません" in defaults.permission_denied(request, PermissionDenied()).content.decode()
    assert "処理できません" in defaults.bad_request(request, BadRequest()).content.decode()
    with django_assert_num_queries(0):  # the 500 page must render with the database down
        page = defaults.server_error(request)
    assert page.status_code == 500
    assert "システムエラー" in page.content.decode()


def test_csrf_failure_is_a_japanese_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "画面の有効期限が切れました" in response.content.decode()


def test_a_browser_that_prefers_english_still_gets_japanese_messages(db):
    """LocaleMiddleware follows Accept-Language; the product offers only Japanese (settings.LANGUAGES)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    response = client.post(reverse("admin:login"), {"username": "", "password": ""})  # Django's own form
    assert response.wsgi_request.LANGUAGE_CODE == "ja"
    body = response.content.decode()
    assert "このフィールドは必須です。" in body
    assert "This field is required" not in body
    assert "ページが見つかりません" in client.get("/no-such-page/").content.decode()


def test_expected_refusals_are_not_logged_as_errors_but_server_errors_are(client, agency_a_staff, caplog):
    """A 403/404 is a normal answer (scoping, permissions), not noise with a traceback in the server
    log; a 500 is logged once with its traceback."""
    import logging

    client.force_login(agency_a_staff)
    with caplog.at_level(logging.WARNING):
        assert client.get(reverse("identity:home")).status_code == 403
        assert client.get("/no-such-page/").status_code == 404
    assert not [r for r in caplog.records if r.name == "django.request"]
    logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=RuntimeError("boom"))
    errors = [r for r in caplog.records if r.name == "django.request"]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
