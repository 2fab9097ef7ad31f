"""Login throttling: per username and per client address, a Japanese lockout page, admin unlock;
and the same for API tokens (429 with a Japanese JSON body)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import PASSWORD
from tsunagu.core.services import api_token_create

SEARCH = "/api/customers/search"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.AXES_ENABLED = True  # the documented default, stated so the tests do not depend on it
    settings.AXES_FAILURE_LIMIT = 5
    settings.TSUNAGU_LOGIN_FAILURES_PER_ADDRESS = 20
    cache.clear()
    yield
    cache.clear()


def _login(client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_user_out_with_a_japanese_page(client, hq_operator):
    for _ in range(4):
        assert _login(client, "hq_operator", "wrong-password-0000").status_code == 200
    locked = _login(client, "hq_operator", "wrong-password-0000")
    assert locked.status_code == 429
    response = _login(client, "hq_operator", PASSWORD)  # the right password, too late
    assert response.status_code == 429
    body = response.content.decode()
    assert "ログインを一時停止しています" in body
    assert "管理者" in body
    assert "30分ほど" in body  # minutes, not axes' ISO 8601 duration ("PT30M")
    assert "PT30M" not in body
    assert not _signed_in(client)


def test_the_lockout_covers_every_address_of_that_username(client, hq_operator):
    for number in range(5):
        _login(client, "hq_operator", "wrong-password-0000", address=f"192.0.2.{number}")
    assert _login(client, "hq_operator", PASSWORD, address="198.51.100.7").status_code == 429
    assert not _signed_in(client)


def test_an_admin_unlock_lets_the_right_password_in(client, hq_operator):
    for _ in range(5):
        _login(client, "hq_operator", "wrong-password-0000")
    assert _login(client, "hq_operator", PASSWORD).status_code == 429
    call_command("axes_reset_username", "hq_operator")
    response = _login(client, "hq_operator", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_one_address_gets_its_own_higher_limit(client, hq_operator, agency_a_staff):
    for number in range(20):  # twenty typos by twenty people in one office: four per name at most
        _login(client, f"someone{number % 5}", "wrong-password-0000")
    assert _login(client, "hq_operator", PASSWORD).status_code == 429
    assert not _signed_in(client)
    # Another address is not affected.
    assert _login(client, "agency_a_staff", PASSWORD, address="198.51.100.8").status_code == 302


def test_a_few_typos_from_an_office_do_not_lock_colleagues_out(client, hq_operator, agency_a_staff):
    for _ in range(4):
        _login(client, "hq_operator", "wrong-password-0000")
    assert _login(client, "agency_a_staff", PASSWORD).status_code == 302


def test_signing_in_yourself_does_not_clear_the_count_against_a_colleague(client, hq_operator, agency_a_staff):
    for _ in range(4):
        _login(client, "hq_operator", "wrong-password-0000")
    assert _login(client, "agency_a_staff", PASSWORD).status_code == 302  # the guesser's own account
    client.logout()
    assert _login(client, "hq_operator", "wrong-password-0000").status_code == 429  # the fifth guess
    assert _login(client, "hq_operator", PASSWORD).status_code == 429


def test_a_successful_login_clears_that_users_own_typos(client, hq_operator):
    for _ in range(4):
        _login(client, "hq_operator", "wrong-password-0000")
    assert _login(client, "hq_operator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "hq_operator", "wrong-password-0000").status_code == 200
    assert _login(client, "hq_operator", PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_is_counted(client, settings, hq_operator):
    settings.TSUNAGU_PROXY_COUNT = 1
    settings.TSUNAGU_LOGIN_FAILURES_PER_ADDRESS = 3
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for number in range(3):  # one client guessing three names through the proxy
        client.post(
            reverse("login"),
            {"username": f"someone{number}", "password": "x"},
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
            **proxy,
        )
    colleague = {"username": "hq_operator", "password": PASSWORD}
    # The proxy's own address is not locked: another client through the same proxy signs in ...
    assert client.post(reverse("login"), colleague, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code == 302
    client.logout()
    # ... while the guessing client is, whatever it puts in front of the header.
    assert (
        client.post(reverse("login"), colleague, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9", **proxy).status_code
        == 429
    )


def test_without_a_proxy_x_forwarded_for_is_ignored(client, settings, hq_operator):
    settings.TSUNAGU_LOGIN_FAILURES_PER_ADDRESS = 3
    for number in range(3):  # a new made-up header each time does not give a fresh address
        client.post(
            reverse("login"),
            {"username": f"someone{number}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{number}",
            REMOTE_ADDR="192.0.2.30",
        )
    assert _login(client, "hq_operator", PASSWORD, address="192.0.2.30").status_code == 429


def test_lockouts_can_be_unlocked_in_the_admin(client, admin_user):
    assert admin.site.is_registered(AccessAttempt)
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "ログイン失敗の集計" in changelist.content.decode()  # axes ships no Japanese: ours
    assert "ログイン制限" in client.get(reverse("admin:index")).content.decode()


# --- API tokens ---------------------------------------------------------------------------------


def test_repeated_bad_api_tokens_from_one_address_get_429_in_japanese(client, settings, hq_operator):
    settings.TSUNAGU_API_TOKEN_FAILURES_PER_ADDRESS = 3
    _, key = api_token_create(actor=hq_operator, user=hq_operator, name="連携")
    for number in range(3):
        bad = client.get(SEARCH, {"q": "山田"}, HTTP_AUTHORIZATION=f"Bearer guess-{number}", REMOTE_ADDR="192.0.2.20")
        assert bad.status_code == 401
        assert "認証が必要です" in bad.json()["detail"]
    blocked = client.get(SEARCH, {"q": "山田"}, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="192.0.2.20")
    assert blocked.status_code == 429
    assert "一時的に停止" in blocked.json()["detail"]
    assert int(blocked["Retry-After"]) > 0
    # The right token from another address still works.
    ok = client.get(SEARCH, {"q": "山田"}, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="192.0.2.21")
    assert ok.status_code == 200


def test_valid_tokens_are_not_counted(client, settings, hq_operator):
    settings.TSUNAGU_API_TOKEN_FAILURES_PER_ADDRESS = 3
    _, key = api_token_create(actor=hq_operator, user=hq_operator, name="連携")
    for _ in range(5):
        assert client.get(SEARCH, {"q": "山田"}, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
