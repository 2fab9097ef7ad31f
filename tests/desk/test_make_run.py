"""`make run HOST=…` prints the login URL of the address it serves on (defect 11: always 8000)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tsunagu.core.models import User
from tsunagu.demo.org import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(*args: str) -> str:
    """The commands `make run` would run (make -n executes nothing)."""
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0:8123", "http://0.0.0.0:8123/login/"),
        ("8124", "http://127.0.0.1:8124/login/"),
        (None, "http://127.0.0.1:8000/login/"),
    ],
)
def test_the_printed_login_url_follows_host(host, url):
    out = _dry_run(*([f"HOST={host}"] if host else []))
    assert f'demo_logins --url "{url}"' in out
    assert f"runserver {host or '127.0.0.1:8000'}" in out


@pytest.mark.django_db
def test_demo_logins_prints_the_given_url():
    User.objects.create_user(username=DEMO_USERS[0].username, password="x-demo-pass-2026")
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8124/login/", stdout=out)
    assert "ログイン画面: http://127.0.0.1:8124/login/" in out.getvalue()
    assert "8000" not in out.getvalue()
