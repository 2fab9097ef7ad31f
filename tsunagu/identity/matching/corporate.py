"""Corporate customers (法人): their own candidates and decisions, never mixed with persons.

A record is a corporation when its name or reading carries a legal form in any spelling or
position (株式会社 / (株) / ㈱ / （株） / カブシキガイシャ / ｶ) … / Co., Ltd.; features.corporate_keys).
Persons and corporations are never compared: a company run from its owner's home shares the
owner's address and landline, and a merge of the two would be wrong whatever the score. The
Fellegi-Sunter model is trained on persons only (a trade name has no family/given parts and no
birth date); corporations are decided by the explicit rules below, on the trade name without its
legal form and branch suffix, its reading, and the company's contact points.

Decisions, weakest first (a stronger one overrides):
- a similar trade name (one character off) or one that sounds alike, and a contact point agrees:
  review;
- the trade name or its reading equal, the legal forms differ (not 有限 → 株式): review;
- the trade name or its reading equal, nothing else agrees (a branch, or another company of that
  name elsewhere): review;
- the trade name, its reading or its sound equal, legal forms compatible, and the address, postal
  code, a phone, the e-mail or the company's own e-mail domain agree: linked;
- 法人番号 (the shared id, other_id) equal: linked; both present and different: never linked.
- anything else (group companies at one address and phone have other trade names): no pair.

English ↔ katakana trade names (Sakura Tech ↔ サクラテック) compare through a consonant skeleton of
both (sakuratech / sakuratekku → skrtk); that counts as an equal name when a contact point
agrees, and only as similar otherwise.
"""

from __future__ import annotations

import re

import jaconv
import jellyfish
import numpy as np
import pandas as pd

from tsunagu.core import normalize
from tsunagu.identity.matching.thresholds import Thresholds

CORPORATE_MATCH = "corporate_match"
CORPORATE_NUMBER = "corporate_number"
CORPORATE_NAME_ONLY = "corporate_name_only"
CORPORATE_FORM_DIFFERS = "corporate_form_differs"
CORPORATE_SIMILAR_NAME = "corporate_similar_name"
# Free mail: a shared domain there says nothing about a company.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "yahoo.co.jp",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "icloud.com",
        "softbank.ne.jp",
        "outlook.jp",
        "outlook.com",
        "hotmail.com",
        "au.com",
        "i.softbank.jp",
        "nifty.com",
        "biglobe.ne.jp",
    }
)
_KEYS = (
    "corp_name",
    "corp_kana",
    "corp_skeleton",
    "landline",
    "mobile_n",
    "email_n",
    "email_domain",
    "addr",
    "other_id_n",
)


def is_corporate(prepared: pd.DataFrame) -> pd.Series:
    """Rows of a prepared frame that are corporations."""
    if "corp_form" not in prepared.columns:
        return pd.Series(False, index=prepared.index)
    return prepared["corp_form"].notna().astype(bool)


# Letters that katakana writes alike (l/r, z/s, v/b …) fold to one.
_SOUND_ALIKE = str.maketrans("clzjvq", "krsgbk")


def skeleton(text: str) -> str:
    """Consonant skeleton of a Latin trade name or a katakana reading (English ↔ katakana)."""
    if not text:
        return ""
    latin = text if text.isascii() else jaconv.kata2alphabet(normalize.to_katakana_reading(text))
    latin = re.sub(r"[^a-z]", "", latin.lower())
    latin = re.sub(r"c(?=[eiy])", "s", latin).replace("x", "ks").replace("ph", "f").replace("ck", "k")
    latin = latin.translate(_SOUND_ALIKE)
    consonants = re.sub(r"[aeiouyhw]", "", latin)
    return re.sub(r"(.)\1+", r"\1", consonants)


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["record_id"] = frame["record_id"].astype(str)
    for column in (
        "corp_name",
        "corp_kana",
        "corp_form",
        "landline",
        "mobile_n",
        "email_n",
        "addr",
        "postal",
        "other_id_n",
    ):
        values = frame[column].astype(object) if column in frame.columns else pd.Series(None, index=frame.index)
        out[column] = values.where(values.notna(), None)
    domain = out["email_n"].map(lambda e: e.rpartition("@")[2] if isinstance(e, str) else None)
    out["email_domain"] = domain.where(~domain.isin(FREE_MAIL), None)
    latin = out["corp_name"].map(lambda n: skeleton(n) if isinstance(n, str) and n.isascii() else "")
    kana = out["corp_kana"].map(lambda k: skeleton(k) if isinstance(k, str) else "")
    out["corp_skeleton"] = latin.where(latin != "", kana).replace("", None)
    return out


def candidate_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs of corporate records sharing a trade name, reading, skeleton or contact point."""
    found = []
    for key in _KEYS:
        values = frame[["record_id", key]].dropna()
        if values.empty:
            continue
        joined = values.merge(values, on=key, suffixes=("_l", "_r"))
        joined = joined[joined["record_id_l"] < joined["record_id_r"]]
        found.append(joined[["record_id_l", "record_id_r"]])
    if not found:
        return pd.DataFrame(columns=["record_id_l", "record_id_r"])
    return pd.concat(found, ignore_index=True).drop_duplicates(ignore_index=True)


def _equal(left: pd.Series, right: pd.Series) -> np.ndarray:
    return (left.notna() & right.notna() & (left.astype(object) == right.astype(object))).to_numpy(dtype=bool)


def score(frame: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Decided pairs among the corporate rows of a prepared frame (columns as Matcher.predict)."""
    corporate = _features(frame)
    pairs = candidate_pairs(corporate)
    columns = [
        "record_id_l",
        "record_id_r",
        "match_probability",
        "match_weight",
        "rule",
        "model_probability",
        "evidence",
    ]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    by_id = corporate.set_index("record_id")
    left = by_id.loc[pairs["record_id_l"]].reset_index(drop=True)
    right = by_id.loc[pairs["record_id_r"]].reset_index(drop=True)
    name = _equal(left["corp_name"], right["corp_name"]) | _equal(left["corp_kana"], right["corp_kana"])
    sounds = _equal(left["corp_skeleton"], right["corp_skeleton"])
    similar = np.array(
        [_similar(a, b) for a, b in zip(left["corp_name"], right["corp_name"], strict=True)], dtype=bool
    ) | np.array([_similar(a, b) for a, b in zip(left["corp_kana"], right["corp_kana"], strict=True)], dtype=bool)
    forms = np.array(
        [
            normalize.legal_forms_compatible(a or "", b or "")
            for a, b in zip(left["corp_form"], right["corp_form"], strict=True)
        ],
        dtype=bool,
    )
    place = _equal(left["addr"], right["addr"]) | _equal(left["postal"], right["postal"])
    phone = _equal(left["landline"], right["landline"]) | _equal(left["mobile_n"], right["mobile_n"])
    mail = _equal(left["email_n"], right["email_n"]) | _equal(left["email_domain"], right["email_domain"])
    contact = place | phone | mail
    number_same = _equal(left["other_id_n"], right["other_id_n"])
    number_differs = left["other_id_n"].notna().to_numpy() & right["other_id_n"].notna().to_numpy() & ~number_same

    linked_p = max(thresholds.auto_link, 0.99)
    review_p = (thresholds.review + thresholds.auto_link) / 2
    probability = np.zeros(len(pairs))
    rule = np.full(len(pairs), None, dtype=object)
    # Weakest first: later (stronger) decisions overwrite.
    for mask, p, label in (
        ((similar | sounds) & contact, review_p, CORPORATE_SIMILAR_NAME),
        (name & ~forms, review_p, CORPORATE_FORM_DIFFERS),
        (name & forms, review_p, CORPORATE_NAME_ONLY),
        ((name | sounds) & forms & contact, linked_p, CORPORATE_MATCH),
        (number_same, max(linked_p, 0.999), CORPORATE_NUMBER),
        (number_differs, 0.0, CORPORATE_NUMBER),
    ):
        probability[mask] = p
        rule[mask] = label
    out = pairs.assign(match_probability=probability, rule=rule)
    out["match_weight"] = np.log2(np.clip(probability, 1e-12, 1 - 1e-12) / (1 - np.clip(probability, 1e-12, 1 - 1e-12)))
    out["model_probability"] = probability
    out["evidence"] = [
        {
            "corporate_name": {"level": "equal" if n else ("sounds_alike" if s else ("similar" if si else "else"))},
            "legal_form": {"level": "compatible" if f else "differs"},
            "location": {"level": "agrees" if pl else "else"},
            "phone": {"level": "agrees" if ph else "else"},
            "email": {"level": "agrees" if m else "else"},
            "rule": r,
        }
        for n, s, si, f, pl, ph, m, r in zip(name, sounds, similar, forms, place, phone, mail, rule, strict=True)
    ]
    out = out[out["rule"].notna()]
    return out[columns].reset_index(drop=True)


def _similar(a: object, b: object) -> bool:
    if not isinstance(a, str) or not isinstance(b, str) or a == b or min(len(a), len(b)) < 3:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= 1
