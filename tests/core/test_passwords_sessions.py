"""Passwords follow the full validator set (≥ 12 characters), and staff sessions expire when idle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tsunagu.core.choices import Role
from tsunagu.core.models import User
from tsunagu.core.services import user_create
from tsunagu.core.sessions import KEY
from tsunagu.demo.org import DEMO_USERS


def _create(org, username: str, password: str) -> User:
    return user_create(
        actor=None,
        username=username,
        password=password,
        display_name="佐藤 美咲",
        roles=[Role.OPERATOR],
        department=org["call_center"],
    )


@pytest.mark.parametrize(
    ("username", "password", "expected"),
    [
        ("operator", "operator1", "短すぎます"),  # the weak password from the audit
        ("tanaka.makoto", "tanaka.makoto7", "似すぎています"),
        ("sato", "202612041234567", "数字しか"),
        ("suzuki", "password1234", "一般的すぎ"),
    ],
)
def test_weak_passwords_are_refused_in_japanese_and_nothing_is_written(org, username, password, expected):
    with pytest.raises(ValidationError) as caught:
        _create(org, username, password)
    messages = caught.value.message_dict["password"]
    assert any(expected in m for m in messages), messages
    assert not User.objects.filter(username=username).exists()


def test_a_long_unrelated_password_is_accepted(org):
    user = _create(org, "operator", "kaigan-dori-hikari-7")
    assert user.check_password("kaigan-dori-hikari-7")


def test_the_demo_passwords_pass_the_validators():
    for demo in DEMO_USERS:
        validate_password(demo.password, user=User(username=demo.username, display_name=demo.display_name))


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_expire_after_the_idle_limit(client, hq_operator):
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # the documented default
    client.force_login(hq_operator)
    home = reverse("desk:home")
    assert client.get(home).status_code == 200
    expires = _session(client).expire_date
    assert abs((expires - timezone.now()) - dt.timedelta(minutes=30)) < dt.timedelta(minutes=1)
    # 31 minutes without a request: the stored session has expired, the next request must sign in.
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_renews_the_session(client, hq_operator):
    client.force_login(hq_operator)
    session = client.session
    session[KEY] = int(timezone.now().timestamp()) - 120  # last renewed two minutes ago
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get(reverse("desk:home")).status_code == 200
    renewed = _session(client).expire_date - timezone.now()
    assert renewed > dt.timedelta(minutes=29)
