"""Splink comparisons and blocking rules over the features of features.py (DuckDB SQL).

Design (see docs/identity-matching.md):
- family and given name are separate comparisons (kanji key with variants folded, then the
  reading), so that a household member (same family, other given name) and a married-name change
  (other family, same given name) are told apart by which one disagrees;
- address, postal code and the home landline are ONE comparison ("location"): household members
  share all three, and as one comparison they count once instead of three times;
- the birth date has its own levels for a day/month swap and a one-digit slip;
- mobile and email are personal identifiers, separate from the landline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Level = dict[str, Any]
Comparison = dict[str, Any]


def _null(*columns: str) -> Level:
    sql = " OR ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in columns)
    if len(columns) > 1:
        sql = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in columns)
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _level(sql: str, label: str, **extra: Any) -> Level:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


ELSE: Level = {"sql_condition": "ELSE", "label_for_charts": "else"}


def name_part(part: str, *, tf: bool) -> Comparison:
    """Family ('fam') or given ('giv') name: kanji key, reading, fuzzy, else."""
    k, r = f"{part}_kanji", f"{part}_kana"
    exact_extra: dict[str, Any] = {"tf_adjustment_column": k, "tf_adjustment_weight": 1.0} if tf else {}
    return {
        "output_column_name": "family_name" if part == "fam" else "given_name",
        "comparison_levels": [
            _null(k, r),
            _level(f"{k}_l = {k}_r", "kanji", **exact_extra),
            _level(f"{r}_l = {r}_r", "reading"),
            # Family and given name entered the other way round (common in romaji and Western data).
            _level(
                "(fam_kanji_l = giv_kanji_r AND giv_kanji_l = fam_kanji_r)"
                " OR (fam_kana_l = giv_kana_r AND giv_kana_l = fam_kana_r)",
                "swapped",
            ),
            _level(
                f"jaro_winkler_similarity({k}_l, {k}_r) >= 0.92 OR damerau_levenshtein({r}_l, {r}_r) <= 1",
                "fuzzy",
            ),
            _level(f"jaro_winkler_similarity({k}_l, {k}_r) >= 0.85", "similar"),
            _level(
                "jaro_winkler_similarity(fam_kanji_l, giv_kanji_r) >= 0.85"
                " AND jaro_winkler_similarity(giv_kanji_l, fam_kanji_r) >= 0.85",
                "swapped_fuzzy",
            ),
            _level("fam_kanji_l = giv_kanji_r OR giv_kanji_l = fam_kanji_r", "crossed"),
            _level(
                "jaro_winkler_similarity(fam_kanji_l, giv_kanji_r) >= 0.9"
                " OR jaro_winkler_similarity(giv_kanji_l, fam_kanji_r) >= 0.9",
                "crossed_fuzzy",
            ),
            _level(f"jaro_winkler_similarity({k}_l, {k}_r) >= 0.7 AND length({k}_l) > 3", "weak"),
            # Other kanji and no reading on one side: may be a homophone (明 / 彰 アキラ); weaker
            # than a clear disagreement, which needs both readings.
            _level(f"{r}_l IS NULL OR {r}_r IS NULL", "kanji_differs_reading_unknown"),
            ELSE,
        ],
    }


def birth_date() -> Comparison:
    swapped = (
        "(substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
        " AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2))"
    )
    return {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("dob"),
            _level("dob_l = dob_r", "exact"),
            _level(swapped, "day_month_swapped"),
            _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one_digit"),
            _level("damerau_levenshtein(dob_l, dob_r) <= 2", "two_digits"),
            # A generation apart (同名の親子 at one address): the rule layer never auto-links it.
            _level(
                "abs(try_cast(substr(dob_l, 1, 4) AS INTEGER) - try_cast(substr(dob_r, 1, 4) AS INTEGER)) >= 10",
                "years_apart",
            ),
            _level("substr(dob_l, 1, 7) = substr(dob_r, 1, 7) OR substr(dob_l, 6, 5) = substr(dob_r, 6, 5)", "partial"),
            ELSE,
        ],
    }


def identifier(column: str, name: str) -> Comparison:
    return {
        "output_column_name": name,
        "comparison_levels": [
            _null(column),
            _level(f"{column}_l = {column}_r", "exact"),
            _level(f"damerau_levenshtein({column}_l, {column}_r) <= 1", "typo"),
            _level(f"damerau_levenshtein({column}_l, {column}_r) <= 2", "two_typos"),
            ELSE,
        ],
    }


def email() -> Comparison:
    return {
        "output_column_name": "email",
        "comparison_levels": [
            _null("email_n"),
            _level("email_n_l = email_n_r", "exact"),
            _level(
                "damerau_levenshtein(email_n_l, email_n_r) <= 2"
                " OR split_part(email_n_l, '@', 1) = split_part(email_n_r, '@', 1)",
                "typo",
            ),
            ELSE,
        ],
    }


def location(*, town: bool = False) -> Comparison:
    """Address, postal code and home landline as one comparison: a household signal, counted once.

    `town` (the data has addresses that name a known town, features.address_features): a level
    "same town" below the postal code, for 地番 against 住居表示 of one plot and a move within the
    town. The levels above it keep their order, so the rules address them from the top (rules.py).
    """
    town_level = [_level("town_l = town_r", "town")] if town else []
    return {
        "output_column_name": "location",
        "comparison_levels": [
            _null("addr", "postal", "landline"),
            _level("addr_l = addr_r AND landline_l = landline_r", "address_and_landline"),
            _level("addr_l = addr_r", "address"),
            _level("landline_l = landline_r", "landline"),
            _level("postal_l = postal_r AND jaro_winkler_similarity(addr_l, addr_r) >= 0.9", "postal_similar_address"),
            _level("jaro_winkler_similarity(addr_l, addr_r) >= 0.95", "similar_address"),
            _level("postal_l = postal_r", "postal"),
            *town_level,
            _level("jaro_winkler_similarity(addr_l, addr_r) >= 0.85", "weakly_similar_address"),
            ELSE,
        ],
    }


def sex() -> Comparison:
    return {
        "output_column_name": "gender",
        "comparison_levels": [_null("sex"), _level("sex_l = sex_r", "exact"), ELSE],
    }


@dataclass(frozen=True)
class BlockingRule:
    """Records sharing every column's value are compared. Also the index keys of blocking_keys()."""

    name: str
    columns: tuple[str, ...]

    def sql(self) -> str:
        return " AND ".join(f"l.{c} = r.{c}" for c in self.columns)


# One column's equality as BlockingRule.sql writes it ("l.a = r.a"): how a rule read back from a
# model's settings names its columns (model._equi_join_pairs, engines.blocking_keys_sql).
EQUAL_COLUMN_RE = re.compile(r"l\.(\w+) = r\.\1")


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    # The full name alone would compare every pair of namesakes (quadratic in common names);
    # with the birth year, the month and day, or the postal code it still finds slips in each.
    BlockingRule("name_r_year", ("kana_key", "dob_y")),
    BlockingRule("name_k_md", ("kanji_key", "dob_md")),
    BlockingRule("name_k_postal", ("kanji_key", "postal")),
    BlockingRule("dob_tail_r", ("dob", "tail_kana")),
    BlockingRule("dob_tail_k", ("dob", "tail_kanji")),
    BlockingRule("dob_head_k", ("dob", "head_kanji")),
    BlockingRule("mobile", ("mobile_n",)),
    BlockingRule("email", ("email_n",)),
    BlockingRule("landline", ("landline",)),
    BlockingRule("postal_tail_k", ("postal", "tail_kanji")),
    BlockingRule("postal_head_k", ("postal", "head_kanji")),
    BlockingRule("dob_addr", ("dob", "addr")),
    # Family and given name in either order (swapped in romaji and Western data).
    BlockingRule("names_postal", ("name_set", "postal")),
    BlockingRule("names_year", ("name_set", "dob_y")),
    BlockingRule("names_area", ("name_set", "postal_area")),
    BlockingRule("dob_postal", ("dob", "postal")),
    # Birth date within the delivery area: both names changed or corrupted, postal code slipped.
    BlockingRule("dob_area", ("dob", "postal_area")),
    BlockingRule("addr_tail_r", ("addr", "tail_kana")),
    BlockingRule("addr_head_k", ("addr", "head_kanji")),
    BlockingRule("other_id", ("other_id_n",)),
    # A slip in the shared id leaves one half intact; with the head or tail of the name.
    BlockingRule("oid_head_k", ("oid_head", "head_kanji")),
    BlockingRule("oid_tail_k", ("oid_tail", "head_kanji")),
    BlockingRule("oid_head_t", ("oid_head", "tail_kanji")),
    BlockingRule("oid_tail_t", ("oid_tail", "tail_kanji")),
    # A slip in the shared id and both names replaced: half of the id within the postal code.
    BlockingRule("oid_head_postal", ("oid_head", "postal")),
    BlockingRule("oid_tail_postal", ("oid_tail", "postal")),
    # Birth year mistyped and postal code slipped: the birthday with the head of the name, within
    # the delivery area.
    BlockingRule("md_head_area", ("dob_md", "head_kanji", "postal_area")),
)


def comparisons_for(columns_present: Sequence[str]) -> list[Comparison]:
    """The comparisons whose features occur in the training data (FEBRL has no kana, no phone)."""
    present = set(columns_present)
    out: list[Comparison] = [name_part("fam", tf=True), name_part("giv", tf=True), birth_date()]
    if "mobile_n" in present:
        out.append(identifier("mobile_n", "mobile"))
    if "email_n" in present:
        out.append(email())
    if present & {"addr", "postal", "landline"}:
        out.append(location(town="town" in present))
    if "sex" in present:
        out.append(sex())
    if "other_id_n" in present:
        out.append(identifier("other_id_n", "other_id"))
    return out
