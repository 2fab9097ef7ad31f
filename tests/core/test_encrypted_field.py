"""core.crypto and core.fields: 機微情報 encrypted at rest with keys outside the database."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tsunagu.cases.models import AccidentReport, ComplaintDetail
from tsunagu.core import crypto
from tsunagu.core.fields import EncryptedTextField, encrypted_fields

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "a" * 20 + secrets.token_urlsafe(24)
KEY_B = "b" * 20 + secrets.token_urlsafe(24)


def test_a_value_round_trips_and_the_stored_form_names_its_key_and_is_randomised(settings):
    settings.TSUNAGU_FIELD_KEYS = [KEY_A]
    stored = crypto.encrypt("右足骨折・入院")
    assert stored.startswith(f"enc:{crypto.key_id_of(KEY_A)}:")
    assert "右足骨折" not in stored
    assert stored != crypto.encrypt("右足骨折・入院")  # Fernet's IV: equal values do not look equal
    assert crypto.decrypt(stored) == "右足骨折・入院"
    assert crypto.encrypt("") == ""


def test_an_older_key_still_decrypts_and_reencrypt_moves_the_value_to_the_current_key(settings):
    settings.TSUNAGU_FIELD_KEYS = [KEY_A]
    old = crypto.encrypt("通院中")
    settings.TSUNAGU_FIELD_KEYS = [KEY_B, KEY_A]
    assert crypto.decrypt(old) == "通院中"
    new = crypto.reencrypt(old)
    assert crypto.key_id_in(new) == crypto.key_id_of(KEY_B)
    assert crypto.reencrypt(new) == new  # already on the current key: unchanged
    assert crypto.reencrypt("平文のメモ").startswith(f"enc:{crypto.key_id_of(KEY_B)}:")
    settings.TSUNAGU_FIELD_KEYS = [KEY_B]
    assert crypto.decrypt(new) == "通院中"


def test_a_missing_key_or_a_tampered_value_is_a_japanese_error(settings):
    settings.TSUNAGU_FIELD_KEYS = [KEY_A]
    stored = crypto.encrypt("既往症あり")
    settings.TSUNAGU_FIELD_KEYS = [KEY_B]
    with pytest.raises(crypto.FieldKeyError, match=f"鍵ID {crypto.key_id_of(KEY_A)} の鍵が設定されていません"):
        crypto.decrypt(stored)
    settings.TSUNAGU_FIELD_KEYS = [KEY_A]
    tampered = stored[:-6] + ("AAAAAA" if not stored.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(crypto.FieldKeyError, match="検証できませんでした"):
        crypto.decrypt(tampered)
    settings.TSUNAGU_FIELD_KEYS = []
    with pytest.raises(crypto.FieldKeyError, match="TSUNAGU_FIELD_KEYS"):
        crypto.encrypt("x")


def test_plain_text_written_before_encryption_reads_as_it_is():
    assert crypto.decrypt("旧データの平文") == "旧データの平文"
    assert not crypto.is_ciphertext("enc:の話")


def test_the_sensitive_fields_and_their_history_copies_are_encrypted_fields():
    assert [f.name for f in encrypted_fields(AccidentReport)] == ["injuries"]
    assert {f.name for f in encrypted_fields(ComplaintDetail)} == set(ComplaintDetail.SENSITIVE_FIELDS)
    for model in (AccidentReport, ComplaintDetail):
        history = model.history.model  # type: ignore[attr-defined]
        assert {f.name for f in encrypted_fields(history)} == {f.name for f in encrypted_fields(model)}
        assert all(isinstance(f, EncryptedTextField) for f in encrypted_fields(history))


def test_unreadable_values_are_written_back_unchanged():
    field = AccidentReport._meta.get_field("injuries")
    unreadable = crypto.Unreadable("enc:00000000:token", "鍵がありません")
    assert str(unreadable) == crypto.UNREADABLE
    assert field.get_prep_value(unreadable) == "enc:00000000:token"


# --- settings: production refuses to start without a key ---------------------------------------------


def _manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TSUNAGU_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tsunagu.config.settings",
        TSUNAGU_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        TSUNAGU_ACCESS_LOG_KEY=secrets.token_urlsafe(40),
    )
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_field_key_naming_the_variable(tmp_path):
    result = _manage(tmp_path, "check")
    assert result.returncode != 0
    assert "TSUNAGU_FIELD_KEYS" in result.stderr
    assert "機微情報" in result.stderr
    assert "Traceback" not in result.stderr
    short = _manage(tmp_path, "check", TSUNAGU_FIELD_KEYS="short")
    assert short.returncode != 0
    assert "32文字以上" in short.stderr


def test_keys_come_from_the_variable_or_a_key_file_current_first(tmp_path):
    code = (
        "from django.conf import settings; print(len(settings.TSUNAGU_FIELD_KEYS), settings.TSUNAGU_FIELD_KEYS[0][:1])"
    )
    listed = _manage(tmp_path, "shell", "--no-imports", "-c", code, TSUNAGU_FIELD_KEYS=f"{KEY_B},{KEY_A}")
    assert listed.stdout.split() == ["2", "b"], listed.stderr
    key_file = tmp_path / "field.keys"
    key_file.write_text(f"# current first\n{KEY_A}\n{KEY_B}\n", encoding="utf-8")
    filed = _manage(tmp_path, "shell", "--no-imports", "-c", code, TSUNAGU_FIELD_KEY_FILE=str(key_file))
    assert filed.stdout.split() == ["2", "a"], filed.stderr
    missing = _manage(tmp_path, "check", TSUNAGU_FIELD_KEY_FILE=str(tmp_path / "nothing"))
    assert missing.returncode != 0
    assert "鍵ファイル" in missing.stderr
    assert "Traceback" not in missing.stderr
