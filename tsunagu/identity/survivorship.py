"""Survivorship: which candidate value a golden customer takes for each field (pure, no Django).

Per field group, candidates are ranked by: verified first (a value a source verifies against
identity documents, or one staff typed into the customer record), then the group's rules in
order — source priority (smaller number first), most recent, most complete — then the smaller
record id, so the result never depends on query order. The winning rule is recorded as lineage.

A cluster of corporate records (法人: a legal form in the name or reading, the matcher's own test)
makes a corporate customer: it takes a 法人番号 and never a birth date or gender; a person never
takes a 法人番号 (groups_for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tsunagu.core import normalize

PRIORITY, RECENT, COMPLETE = "priority", "recent", "complete"

# Fields chosen together come from one record (a name and its parts; a postal code and address).
GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name_kanji", "family_name", "given_name"),
    "name_kana": ("name_kana",),
    "birth_date": ("birth_date",),
    "gender": ("gender",),
    "address": ("postal_code", "address"),
    "phone": ("phone",),
    "mobile": ("mobile",),
    "email": ("email",),
    "corporate_number": ("corporate_number",),
}
RULES: dict[str, tuple[str, ...]] = {
    "name": (PRIORITY, RECENT, COMPLETE),
    "name_kana": (PRIORITY, COMPLETE, RECENT),
    "birth_date": (PRIORITY, RECENT),
    "gender": (PRIORITY, RECENT),
    "address": (RECENT, PRIORITY, COMPLETE),
    "phone": (RECENT, PRIORITY),
    "mobile": (RECENT, PRIORITY),
    "email": (RECENT, PRIORITY),
    "corporate_number": (PRIORITY, RECENT),
}
PERSON_ONLY = frozenset({"birth_date", "gender"})
CORPORATE_ONLY = frozenset({"corporate_number"})
INDIVIDUAL, CORPORATE = "individual", "corporate"  # customers.choices.CustomerKind values
# The group whose key field must be present for the group to have a value.
KEY_FIELD = {"name": "name_kanji", "address": "address"}


@dataclass(frozen=True)
class Candidate:
    value: dict[str, str]  # the group's fields
    record_id: int | None  # None: the customer's own value (typed by staff)
    priority: int
    changed_at: dt.datetime
    verified: bool = False

    @property
    def completeness(self) -> int:
        return sum(len(v) for v in self.value.values() if v) + 100 * sum(1 for v in self.value.values() if v)


@dataclass(frozen=True)
class Choice:
    group: str
    candidate: Candidate
    rule: str  # LineageRule value


def is_corporate_record(features: Mapping[str, Any]) -> bool:
    """A record is a corporation when its name or reading carries a legal form: the test the
    matcher applies (features.corporate_keys → corp_form, corporate.is_corporate), on the
    record's canonical name and reading."""
    return normalize.is_corporate_name(str(features.get("name_kanji") or ""), str(features.get("name_kana") or ""))


def cluster_kind(records: Iterable[Mapping[str, Any]]) -> str:
    """CORPORATE when every record with a name or reading is a corporation (the matcher never
    links a person with a company; a mixed cluster, only a steward's doing, stays INDIVIDUAL)."""
    named = [f for f in records if f.get("name_kanji") or f.get("name_kana")]
    return CORPORATE if named and all(is_corporate_record(f) for f in named) else INDIVIDUAL


def groups_for(kind: str) -> tuple[str, ...]:
    """The groups a customer of this kind takes values for."""
    skip = PERSON_ONLY if kind == CORPORATE else CORPORATE_ONLY
    return tuple(group for group in GROUPS if group not in skip)


def _rule_key(candidate: Candidate, rule: str) -> Any:
    if rule == PRIORITY:
        return candidate.priority
    if rule == RECENT:
        return -candidate.changed_at.timestamp()
    return -candidate.completeness


def _sort_key(candidate: Candidate, rules: tuple[str, ...]) -> tuple[Any, ...]:
    return (
        not candidate.verified,
        *(_rule_key(candidate, rule) for rule in rules),
        candidate.record_id if candidate.record_id is not None else -1,
    )


def choose(group: str, candidates: list[Candidate]) -> Choice | None:
    key_field = KEY_FIELD.get(group, GROUPS[group][0])
    present = [c for c in candidates if c.value.get(key_field)]
    if not present:
        return None
    rules = RULES[group]
    ranked = sorted(present, key=lambda c: _sort_key(c, rules))
    winner = ranked[0]
    others = [c for c in ranked[1:] if c.value != winner.value]
    if not others:
        rule = "only" if winner.record_id is not None else "existing"
    elif winner.verified and not others[0].verified:
        rule = "verified" if winner.record_id is not None else "existing"
    else:
        rule = next((r for r in rules if _rule_key(winner, r) != _rule_key(others[0], r)), rules[-1])
    return Choice(group, winner, rule)


def lineage_value(group: str, value: dict[str, str]) -> str:
    """One string per group for lineage and comparison (fields joined by " / ")."""
    return " / ".join(value.get(f, "") for f in GROUPS[group]).strip(" /")
