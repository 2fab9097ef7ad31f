"""The survey defaults, read in one place from `config/settings.py` (each can be set by an
environment variable of the same name). Callers ask here, never `settings` directly, so a default
is written once and tests can override the setting.

- `TSUNAGU_SURVEY_QUIET_DAYS` (90): a new 送付ルール's 再送付しない日数 — no survey within this many
  days of the customer's last one.
- `TSUNAGU_SURVEY_MIN_N` (30): results from fewer answers show 「回答数不足」.
- `TSUNAGU_SURVEY_TOKEN_DAYS` (30): a web link (and a sent postcard/phone survey) can be answered
  for this many days.
- `TSUNAGU_SURVEY_FOLLOW_UP_DAYS` (3): business days to call back a dissatisfied customer.
- `TSUNAGU_SURVEY_ELDERLY_AGE` (the product's `TSUNAGU_ELDERLY_AGE`, 70): customers this old get post
  or phone instead of a web link.
- `TSUNAGU_SURVEY_BAD_TOKENS` (20): wrong links one address may try in 15 minutes.
"""

from __future__ import annotations

from django.conf import settings

QUIET_DAYS = 90
MIN_N = 30
TOKEN_DAYS = 30
FOLLOW_UP_DAYS = 3
BAD_TOKENS = 20


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def quiet_days() -> int:
    return _int("TSUNAGU_SURVEY_QUIET_DAYS", QUIET_DAYS)


def min_n() -> int:
    return _int("TSUNAGU_SURVEY_MIN_N", MIN_N)


def token_days() -> int:
    return _int("TSUNAGU_SURVEY_TOKEN_DAYS", TOKEN_DAYS)


def follow_up_days() -> int:
    return _int("TSUNAGU_SURVEY_FOLLOW_UP_DAYS", FOLLOW_UP_DAYS)


def elderly_age() -> int:
    return _int("TSUNAGU_SURVEY_ELDERLY_AGE", _int("TSUNAGU_ELDERLY_AGE", 70))


def bad_tokens() -> int:
    return _int("TSUNAGU_SURVEY_BAD_TOKENS", BAD_TOKENS)
