"""What the index holds for one customer, built from plain facts (pure Python, no Django).

The same builder serves the per-write update and the bulk rebuild, so both produce identical
index rows. A document has:
- `names`: the customer's name keys (current and former, whole and by part), lower-cased and
  space-separated; FTS5 trigram / pg_trgm search it for substrings of 3+ characters.
- `grams`: every 1- and 2-character substring of those names, for 1–2 character queries
  (trigram indexes cannot answer those).
- `terms`: (kind, key) pairs for B-tree lookups: readings, phone digits (and reversed digits for
  "last 4"), email, postal code, policy and claim numbers, birth date, name parts.
- `keys`: the terms as one string (" kind:key kind:key "), so that a candidate found through
  one token can be checked against the others with instr()/strpos() on a single row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from tsunagu.core import normalize

from .query import Kind


@dataclass
class CustomerFacts:
    id: int
    name: str
    name_kana: str
    family_name: str = ""
    given_name: str = ""
    birth_date: dt.date | None = None
    former_names: list[tuple[str, str]] = field(default_factory=list)  # (name, kana)
    phone_digits: list[str] = field(default_factory=list)
    email_keys: list[str] = field(default_factory=list)
    postal_codes: list[str] = field(default_factory=list)
    policy_numbers: list[str] = field(default_factory=list)
    claim_numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    customer_id: int
    names: str
    grams: tuple[str, ...]
    terms: tuple[tuple[str, str], ...]
    keys: str


def _name_entries(name: str, extra_parts: Iterable[str]) -> tuple[str, list[str]]:
    """The whole-name key and the part keys (split on spaces, plus family/given fields)."""
    full = normalize.name_search_key(name)
    parts = [normalize.name_search_key(p) for p in normalize.collapse_spaces(normalize.nfkc(name)).split(" ")]
    parts += [normalize.name_search_key(p) for p in extra_parts if p.strip()]
    return full, [p for p in parts if p and p != full]


def _kana_entries(kana: str) -> tuple[str, list[str]]:
    full = normalize.fuzzy_kana_key(kana)
    parts = [normalize.fuzzy_kana_key(p) for p in normalize.to_katakana_reading(kana).split(" ")]
    return full, [p for p in parts if p and p != full]


def grams_of(texts: Iterable[str]) -> tuple[str, ...]:
    """Unigrams and bigrams of each text (never across two texts), deduplicated, sorted."""
    out: set[str] = set()
    for text in texts:
        out.update(text)
        out.update(text[i : i + 2] for i in range(len(text) - 1))
    return tuple(sorted(out))


def build(facts: CustomerFacts) -> Document:
    names: list[str] = []
    terms: set[tuple[str, str]] = set()

    def add_name(name: str, kana: str, extra_parts: Iterable[str] = ()) -> None:
        full, parts = _name_entries(name, extra_parts)
        if full:
            terms.add((Kind.NAME_FULL, full))
            names.append(full)
        for part in parts:
            terms.add((Kind.NAME_PART, part))
            if part not in full:
                names.append(part)
        kana_full, kana_parts = _kana_entries(kana)
        if kana_full:
            terms.add((Kind.KANA_FULL, kana_full))
        terms.update((Kind.KANA_PART, p) for p in kana_parts)

    add_name(facts.name, facts.name_kana, (facts.family_name, facts.given_name))
    for former_name, former_kana in facts.former_names:
        add_name(former_name, former_kana)
    for digits in facts.phone_digits:
        if digits:
            terms.add((Kind.PHONE, digits))
            terms.add((Kind.PHONE_REVERSED, digits[::-1]))
    terms.update((Kind.EMAIL, e) for e in facts.email_keys if e)
    terms.update((Kind.POSTAL, p) for p in facts.postal_codes if p)
    terms.update((Kind.POLICY, n) for n in facts.policy_numbers if n)
    terms.update((Kind.CLAIM, n) for n in facts.claim_numbers if n)
    if facts.birth_date is not None:
        terms.add((Kind.BIRTH_DATE, facts.birth_date.isoformat()))
    unique_names = list(dict.fromkeys(names))
    ordered_terms = tuple(sorted((str(k), v) for k, v in terms))
    return Document(
        customer_id=facts.id,
        names=" ".join(unique_names),
        grams=grams_of(unique_names),
        terms=ordered_terms,
        keys=" " + " ".join(f"{k}:{v}" for k, v in ordered_terms) + " ",
    )


# --- encoding of grams for SQLite FTS5 ----------------------------------------------------------

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _char_code(ch: str) -> str:
    """Four base-36 digits per character (36**4 > 0x10FFFF): ASCII-only, fixed width."""
    n = ord(ch)
    return "".join(_B36[(n // 36**p) % 36] for p in (3, 2, 1, 0))


def encode_gram(gram: str) -> str:
    """A gram as one unicode61 token. Encoding makes every character (punctuation, symbols,
    characters unicode61 would split on) an exact token, so matches equal PostgreSQL's."""
    return "".join(_char_code(c) for c in gram)


def encoded_grams(grams: Iterable[str]) -> str:
    return " ".join(encode_gram(g) for g in grams)
