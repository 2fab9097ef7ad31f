"""Encryption of sensitive fields (機微情報) at rest: the keys, encrypt and decrypt.

The keys never live in the database. `settings.TSUNAGU_FIELD_KEYS` lists them, the current one
first (from the environment variable of the same name, or one per line in the file named by
`TSUNAGU_FIELD_KEY_FILE`; DEBUG derives a published development key). Each key is a random string;
the Fernet key (AES-128-CBC + HMAC-SHA256, from `cryptography`) is derived from it with HKDF, and a
short key id (8 hex digits of a SHA-256 of the key) is stored in front of every value:

    enc:<key id>:<Fernet token>

so a reader picks the right key at once, `rotate_field_keys` finds the rows not yet on the current
key with one `LIKE` per chunk, and a row written with a key nobody holds any more is
reported by its key id instead of failing with an anonymous error. Empty strings stay empty (a
blank field is not a secret, and `if value` in templates keeps working).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "enc:"
KEY_ID_LENGTH = 8
# What a reader sees when a stored value cannot be decrypted (its key is not configured).
UNREADABLE = "(機微情報: 暗号鍵が設定されていないため表示できません。システム管理者に連絡してください)"


class FieldKeyError(Exception):
    """A key problem, with a Japanese message for the operator (never shown with a traceback)."""


@dataclass(frozen=True)
class FieldKey:
    id: str
    fernet: Fernet


def key_id_of(secret: str) -> str:
    return hashlib.sha256(b"tsunagu field key id:" + secret.encode()).hexdigest()[:KEY_ID_LENGTH]


def _derive(secret: str) -> FieldKey:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tsunagu field encryption v1").derive(
        secret.encode()
    )
    return FieldKey(key_id_of(secret), Fernet(base64.urlsafe_b64encode(material)))


@functools.lru_cache(maxsize=8)
def _keyring(secrets: tuple[str, ...]) -> tuple[FieldKey, ...]:
    return tuple(_derive(s) for s in secrets)


def keys() -> tuple[FieldKey, ...]:
    """The configured keys, current first (FieldKeyError when there is none)."""
    configured = tuple(k.strip() for k in getattr(settings, "TSUNAGU_FIELD_KEYS", ()) if k and k.strip())
    if not configured:
        raise FieldKeyError(
            "機微情報の暗号鍵が設定されていません。環境変数 TSUNAGU_FIELD_KEYS または TSUNAGU_FIELD_KEY_FILE を"
            "設定してください(docs/deployment.md)。"
        )
    return _keyring(configured)


def current_key() -> FieldKey:
    return keys()[0]


def is_ciphertext(value: str) -> bool:
    return value.startswith(PREFIX) and value[len(PREFIX) + KEY_ID_LENGTH : len(PREFIX) + KEY_ID_LENGTH + 1] == ":"


def key_id_in(value: str) -> str:
    return value[len(PREFIX) : len(PREFIX) + KEY_ID_LENGTH]


def encrypt(plaintext: str, key: FieldKey | None = None) -> str:
    if plaintext == "":
        return ""
    key = key or current_key()
    return f"{PREFIX}{key.id}:{key.fernet.encrypt(plaintext.encode()).decode('ascii')}"


def decrypt(stored: str) -> str:
    """The clear text of a stored value. A value that is not ciphertext is returned as it is: a row
    written before the encrypting migration ran (the migration and `rotate_field_keys` encrypt it)."""
    if not is_ciphertext(stored):
        return stored
    wanted = key_id_in(stored)
    for key in keys():
        if key.id == wanted:
            try:
                return key.fernet.decrypt(stored[len(PREFIX) + KEY_ID_LENGTH + 1 :].encode("ascii")).decode()
            except (InvalidToken, UnicodeError):
                raise FieldKeyError(
                    f"機微情報を復号できません: 鍵ID {wanted} の鍵で検証できませんでした(値が改ざんされたか、"
                    "同じ鍵IDの別の鍵が設定されています)。"
                ) from None
    raise FieldKeyError(
        f"機微情報を復号できません: 鍵ID {wanted} の鍵が設定されていません。"
        "ローテーション前の鍵を TSUNAGU_FIELD_KEYS の2番目以降に戻してください。"
    )


def reencrypt(stored: str) -> str:
    """The value under the current key (plaintext is encrypted; a value already on it is kept)."""
    if stored == "":
        return ""
    current = current_key()
    if is_ciphertext(stored) and key_id_in(stored) == current.id:
        return stored
    return encrypt(decrypt(stored), current)


class Unreadable(str):
    """Shown instead of a value whose key is missing; saving it again writes the stored ciphertext back
    unchanged, so a misconfigured key never destroys data."""

    ciphertext: str
    problem: str

    def __new__(cls, ciphertext: str, problem: str) -> Unreadable:
        obj = super().__new__(cls, UNREADABLE)
        obj.ciphertext = ciphertext
        obj.problem = problem
        return obj
