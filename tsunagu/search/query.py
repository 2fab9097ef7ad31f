"""Parse what an operator typed into tokens, and say what each token could mean.

Pure Python (normalize.py only). Every token is read as plain text: quotes, `*`, `NEAR`,
parentheses, `-` and `:` are characters to look for, never query syntax, because the backends
receive keys as bound parameters or as quoted, escaped phrases built here.

A token matches a customer when any of its interpretations matches; all tokens must match.
Each interpretation and boost carries a tier used for ranking:
0 exact identifier (policy, claim, phone, email), 1 full name, 2 family or given name, 3 partial.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from tsunagu.core import normalize

MAX_QUERY_LENGTH = 200
MAX_TOKENS = 10

TIER_IDENTIFIER, TIER_FULL_NAME, TIER_NAME_PART, TIER_PARTIAL = 0, 1, 2, 3
TIER_LABELS = {
    TIER_IDENTIFIER: "番号・連絡先が一致",
    TIER_FULL_NAME: "氏名が一致",
    TIER_NAME_PART: "姓または名が一致",
    TIER_PARTIAL: "部分一致",
}


class Kind(StrEnum):
    """Index term kinds (stored in search_term.kind and in CustomerDoc.keys)."""

    NAME_FULL = "nf"
    NAME_PART = "np"
    KANA_FULL = "kf"
    KANA_PART = "kp"
    PHONE = "ph"
    PHONE_REVERSED = "pr"  # digits reversed: "last 4 digits" becomes a prefix
    EMAIL = "em"
    POSTAL = "pc"
    POLICY = "po"
    CLAIM = "cl"
    BIRTH_DATE = "bd"
    NAME_TEXT = "tx"  # not a term: substring of a name (FTS5 / pg_trgm / bigrams)


class Op(StrEnum):
    EQ = "eq"
    PREFIX = "prefix"
    SUBSTR = "substr"


class TokenClass(StrEnum):
    EMAIL = "email"
    DATE = "date"
    POSTAL = "postal"
    PHONE = "phone"
    DIGITS = "digits"
    IDENTIFIER = "identifier"
    KANA = "kana"
    NAME = "name"


class QueryError(ValueError):
    """The query cannot be searched; the message is Japanese and says why."""


@dataclass(frozen=True)
class Interp:
    kind: Kind
    op: Op
    key: str
    tier: int = TIER_PARTIAL
    cost: float = 1.0  # rough number of customers per million that match (driver choice only)


@dataclass(frozen=True)
class Boost:
    """An exact match that ranks a customer higher (it never widens the match)."""

    kind: Kind
    key: str
    tier: int


@dataclass(frozen=True)
class Token:
    text: str
    cls: TokenClass
    interps: tuple[Interp, ...]
    boosts: tuple[Boost, ...] = ()

    @property
    def cost(self) -> float:
        return sum(i.cost for i in self.interps)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    tokens: tuple[Token, ...]
    boosts: tuple[Boost, ...] = field(default=())

    def all_boosts(self) -> list[Boost]:
        return [*self.boosts, *(b for t in self.tokens for b in t.boosts)]


# What the search box and the API say the search accepts; it must match classify() below (a name or
# reading is searched from one character up: 林, 森 and 原 are whole surnames).
HINT = (
    "氏名・フリガナ(1文字から。1文字では候補が多いので、生年月日や電話番号の下4桁と組み合わせると絞り込めます)、"
    "電話番号(下4桁でも)、証券番号・事故番号、顧客番号(K000000723 の形)、郵便番号、メール、生年月日(和暦可)。"
    "空白で区切ると全てに一致する顧客を探します。"
)


# --- validation ------------------------------------------------------------------------------


def _has_controls(text: str) -> bool:
    # Tab, CR and LF are whitespace between tokens; every other C0/C1 control is refused.
    return any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text)


def validate(text: str | None) -> str:
    raw = text or ""
    if _has_controls(raw):  # before strip(): Python strips some controls (U+0085) as whitespace
        raise QueryError("検索語に制御文字が含まれています。文字を入力し直してください。")
    value = raw.strip()
    if not value:
        raise QueryError("検索語を入力してください。")
    if len(value) > MAX_QUERY_LENGTH:
        raise QueryError(f"検索語は{MAX_QUERY_LENGTH}文字以内で入力してください(現在{len(value)}文字)。")
    return value


# --- tokens ----------------------------------------------------------------------------------

_NUMERIC_RE = re.compile(r"^[+\d()\-]+$")
_POSTAL_RE = re.compile(r"^〒?\s*(\d{3})-(\d{4})$")
_DATE_HINT_RE = re.compile(r"[./年月日\-]|^[明大昭平令MTSHR]", re.IGNORECASE)
_IDENTIFIER_RE = re.compile(r"^[A-Za-z0-9\-]+$")


def _dashes_to_hyphen(text: str) -> str:
    # Inside numbers every dash-like character (and ー) means "-" (domain/japanese_text.md).
    return re.sub("[\u2010-\u2015\u2212\u30fc\uff0d\uff70\u2500\u2501]", "-", text)


def split_tokens(text: str) -> list[str]:
    """Whitespace-separated tokens; runs of number groups that form a phone number are joined."""
    raw = normalize.nfkc(text).split()
    out: list[str] = []
    i = 0
    while i < len(raw):
        joined = None
        # "090 1234 5678" and "+81 90 1234 5678" are one phone number.
        for j in range(min(len(raw), i + 4), i + 1, -1):
            group = raw[i:j]
            if all(_NUMERIC_RE.match(_dashes_to_hyphen(g)) for g in group):
                digits = normalize.phone_digits("".join(group))
                if normalize.is_valid_phone(digits):
                    joined = "".join(group)
                    out.append(joined)
                    i = j
                    break
        if joined is None:
            out.append(raw[i])
            i += 1
    return out


def _digit_interps(digits: str) -> list[Interp]:
    interps: list[Interp] = [
        Interp(Kind.POLICY, Op.EQ, digits, TIER_IDENTIFIER, 1),
        Interp(Kind.CLAIM, Op.EQ, digits, TIER_IDENTIFIER, 1),
    ]
    if len(digits) >= 6:
        interps += [
            Interp(Kind.POLICY, Op.PREFIX, digits, cost=10 ** max(0, 12 - len(digits))),
            Interp(Kind.CLAIM, Op.PREFIX, digits, cost=10 ** max(0, 11 - len(digits))),
        ]
    if len(digits) >= 4:
        # The last N digits of a phone number: a prefix of the reversed digits.
        interps.append(Interp(Kind.PHONE_REVERSED, Op.PREFIX, digits[::-1], cost=1.5e6 / 10 ** len(digits)))
    # The start of a number being typed ("090", "03", "09012"); exactly 4 digits are the last 4.
    if digits.startswith("0") and len(digits) < 10 and len(digits) != 4:
        interps.append(
            Interp(Kind.PHONE, Op.PREFIX, digits, cost=5e5 if len(digits) <= 3 else 1.5e6 / 10 ** (len(digits) - 1))
        )
    if len(digits) == 7:
        interps.append(Interp(Kind.POSTAL, Op.EQ, digits, cost=50))
    return interps


def _date_interp(value: str) -> Interp | None:
    try:
        parsed = normalize.parse_date(value)
    except normalize.DateParseError:
        return None
    return Interp(Kind.BIRTH_DATE, Op.EQ, parsed.value.isoformat(), cost=40)


def _kana_cost(length: int) -> float:
    return {1: 1e5, 2: 2e4, 3: 3e3}.get(length, 500)


def _name_cost(length: int) -> float:
    return {1: 1e5, 2: 1e4, 3: 1e3}.get(length, 100)


def classify(text: str) -> Token:
    value = normalize.nfkc(text).strip()
    numeric = _dashes_to_hyphen(value)
    if "@" in value:
        key = normalize.email_key(value)
        return Token(
            text,
            TokenClass.EMAIL,
            (Interp(Kind.EMAIL, Op.EQ, key, TIER_IDENTIFIER, 1), Interp(Kind.EMAIL, Op.PREFIX, key, cost=100)),
        )
    if _DATE_HINT_RE.search(value) and (date := _date_interp(value)) is not None:
        return Token(text, TokenClass.DATE, (date,))
    if match := _POSTAL_RE.match(numeric.replace(" ", "")):
        return Token(text, TokenClass.POSTAL, (Interp(Kind.POSTAL, Op.EQ, match[1] + match[2], cost=50),))
    if value.startswith("〒") and (digits := normalize.postal_code_digits(value)) and len(digits) == 7:
        return Token(text, TokenClass.POSTAL, (Interp(Kind.POSTAL, Op.EQ, digits, cost=50),))
    if _NUMERIC_RE.match(numeric) and any(c.isdigit() for c in numeric):
        digits = normalize.phone_digits(numeric)
        if normalize.is_valid_phone(digits):
            return Token(
                text,
                TokenClass.PHONE,
                (
                    Interp(Kind.PHONE, Op.EQ, digits, TIER_IDENTIFIER, 1),
                    Interp(Kind.POLICY, Op.EQ, digits, TIER_IDENTIFIER, 1),
                    Interp(Kind.CLAIM, Op.EQ, digits, TIER_IDENTIFIER, 1),
                ),
            )
        interps = _digit_interps(digits)
        if len(digits) == 8 and (date := _date_interp(digits)) is not None:
            interps.append(date)
        return Token(text, TokenClass.DIGITS, tuple(interps))
    if _IDENTIFIER_RE.match(numeric) and any(c.isdigit() for c in numeric) and any(c.isalpha() for c in numeric):
        key = normalize.identifier_key(value)
        return Token(
            text,
            TokenClass.IDENTIFIER,
            (
                Interp(Kind.POLICY, Op.EQ, key, TIER_IDENTIFIER, 1),
                Interp(Kind.CLAIM, Op.EQ, key, TIER_IDENTIFIER, 1),
                Interp(Kind.POLICY, Op.PREFIX, key, cost=10 ** max(0, 12 - len(key))),
                Interp(Kind.CLAIM, Op.PREFIX, key, cost=10 ** max(0, 11 - len(key))),
            ),
        )
    if normalize.is_kana_reading(value):
        key = normalize.fuzzy_kana_key(value)
        cost = _kana_cost(len(key))
        return Token(
            text,
            TokenClass.KANA,
            (Interp(Kind.KANA_PART, Op.PREFIX, key, cost=cost), Interp(Kind.KANA_FULL, Op.PREFIX, key, cost=cost)),
            (Boost(Kind.KANA_PART, key, TIER_NAME_PART),),
        )
    key = normalize.name_search_key(value)
    return Token(
        text,
        TokenClass.NAME,
        (Interp(Kind.NAME_TEXT, Op.SUBSTR, key, cost=_name_cost(len(key))),),
        (Boost(Kind.NAME_PART, key, TIER_NAME_PART),),
    )


def parse(text: str | None) -> ParsedQuery:
    """Validate and tokenize. Raises QueryError with a Japanese message for unusable input."""
    value = validate(text)
    parts = split_tokens(value)
    if len(parts) > MAX_TOKENS:
        raise QueryError(f"検索語は{MAX_TOKENS}語以内で入力してください。")
    tokens = tuple(classify(part) for part in parts)
    boosts: list[Boost] = []
    names = [t.interps[0].key for t in tokens if t.cls == TokenClass.NAME]
    kanas = [t.interps[0].key for t in tokens if t.cls == TokenClass.KANA]
    if names:
        boosts.append(Boost(Kind.NAME_FULL, "".join(names), TIER_FULL_NAME))
    if kanas:
        boosts.append(Boost(Kind.KANA_FULL, "".join(kanas), TIER_FULL_NAME))
    return ParsedQuery(value, tokens, tuple(boosts))
