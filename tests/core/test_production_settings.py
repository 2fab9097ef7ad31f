"""Production defaults: no DEBUG and no public secret key unless asked for, `check --deploy` clean.

Each test starts `manage.py` in a subprocess with a controlled environment, because settings are
read once per process (pytest's own process runs the development defaults of settings_dev).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = ROOT / "docs" / "production.env.example"


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TSUNAGU_")) and k not in {"DATABASE_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "tsunagu.config.settings", "TSUNAGU_VAR_DIR": str(tmp_path)})
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _documented_env() -> dict[str, str]:
    values = {}
    for line in EXAMPLE_ENV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    values.pop("TSUNAGU_VAR_DIR", None)  # the test's own directory, not /var/lib
    return values


def _production_env() -> dict[str, str]:
    """The documented environment with its placeholders filled as the comments say."""
    return {
        key: secrets.token_urlsafe(64) if value.startswith("replace-with") else value
        for key, value in _documented_env().items()
    }


def test_without_debug_and_secret_key_check_refuses_to_start_naming_the_variable(tmp_path):
    result = _manage(_clean_env(tmp_path), "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_published_development_key_is_refused_in_production(tmp_path):
    env = _clean_env(tmp_path, DJANGO_SECRET_KEY="tsunagu-development-only-not-secret")
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_example_key_from_the_docs_is_refused(tmp_path):
    env = _clean_env(tmp_path, **_documented_env())
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_turned_on(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    env = _clean_env(tmp_path, **{k: v for k, v in _production_env().items() if k != "DATABASE_URL"})
    off = _manage(env, "shell", "--no-imports", "-c", code)
    assert off.stdout.split() == ["False", "True"], off.stderr
    on = _manage(_clean_env(tmp_path, DJANGO_DEBUG="1"), "shell", "--no-imports", "-c", code)
    assert on.stdout.split() == ["True", "False"], on.stderr


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    documented = _production_env()
    documented.pop("DATABASE_URL")  # no PostgreSQL server needed to check the settings
    result = _manage(_clean_env(tmp_path, **documented), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_a_malformed_boolean_is_a_clear_configuration_error(tmp_path):
    result = _manage(_clean_env(tmp_path, DJANGO_DEBUG="maybe"), "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_the_file_only_modelling_commands_run_without_the_production_keys(tmp_path):
    """propensity_train / propensity_score read and write only the files named on the command line, so a
    data scientist runs them on a fresh clone with no keys; the same environment still cannot start
    anything else (`check`, a server)."""
    rows = ["x,y"] + [f"{i % 7},{int(i % 7 > 3)}" for i in range(120)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = _clean_env(tmp_path)
    trained = _manage(env, "propensity_train", "--csv", str(tmp_path / "train.csv"), "--target", "y",
                      "--out", str(tmp_path / "m.json"))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "学習しました" in trained.stdout
    scored = _manage(env, "propensity_score", "--model", str(tmp_path / "m.json"), "--csv",
                     str(tmp_path / "train.csv"), "--out", str(tmp_path / "s.csv"))  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert len((tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()) == 121
    assert "DJANGO_SECRET_KEY" in _manage(env, "check").stderr
    assert "DJANGO_SECRET_KEY" in _manage(env, "runserver", "--noreload", "127.0.0.1:0").stderr
