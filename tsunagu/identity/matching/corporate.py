"""Corporate customers (法人): their own candidates and decisions, never mixed with persons.

A record is a corporation when its name or reading carries a legal form in any spelling or
position (株式会社 / (株) / ㈱ / （株） / カブシキガイシャ / ｶ) … / Co., Ltd.; features.corporate_keys).
Persons and corporations are never compared: a company run from its owner's home shares the
owner's address and landline, and a merge of the two would be wrong whatever the score. The
Fellegi-Sunter model is trained on persons only (a trade name has no family/given parts and no
birth date); corporations are decided by the explicit rules below, on the trade name without its
legal form and branch suffix, its reading, and the company's contact points.

The reading is the record's own, else the reading of its trade name (features.trade_name_reading,
SudachiPy), so a kanji-only record (山田商事株式会社) and a kana-only one (ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ) of one company
share a key and compare; a derived reading counts as an equal name only against a record without a
trade name, never between two kanji names that sound alike.

Decisions, weakest first (a stronger one overrides):
- a similar trade name (one character off) or one that sounds alike, and a contact point agrees:
  review;
- the trade name or its reading equal, the legal forms differ (not 有限 → 株式): review;
- the trade name or its reading equal, nothing else agrees (a branch, or another company of that
  name elsewhere): review;
- the trade name, its reading or its sound equal, legal forms compatible, and the address, postal
  code, a phone, the e-mail or the company's own e-mail domain agree: linked;
- the trade name or its reading equal, legal forms compatible, and the two records already in one
  company by the links above (linked through other records of it): linked (corporate_same_company);
- a branch office (its name ends in 〇〇支店, 支社, 営業所 … after the legal form) of a trade name and
  legal form that exactly one other company of the batch carries: the branch's records and that
  company's are linked (corporate_branch). The branch is the group of records linked to each other
  (its own address and phone) in which every record with a trade name is written as a branch; the
  company is any other such group with the trade name, its reading and a compatible legal form,
  unless the two carry different company e-mail domains or 法人番号. Two or more companies of that
  name (another company of the name elsewhere: a hard negative), or none: review as before;
- 法人番号 (the field corporate_number, else the shared id other_id) equal: linked, a branch too;
  both present and different: never linked.
- anything else (group companies at one address and phone have other trade names): no pair.

English ↔ katakana trade names (Sakura Tech ↔ サクラテック) compare through a consonant skeleton of
both (sakuratech / sakuratekku → skrtk); that counts as an equal name when a contact point
agrees, and only as similar otherwise. Only where one of the two names is in Latin letters: between
two Japanese readings the skeleton is too coarse (キョウワセイキ / キョウワセッケイ).
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
CORPORATE_SAME_COMPANY = "corporate_same_company"
CORPORATE_BRANCH = "corporate_branch"
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
    "corp_reading",
    "corp_skeleton",
    "landline",
    "mobile_n",
    "email_n",
    "email_domain",
    "addr",
    "number",
)


# What a branch office writes after the trade name and legal form (山田工業株式会社 大阪支店): the
# suffixes that normalize.split_legal_form drops from the trade name.
_BRANCH_OFFICE_RE = re.compile(r"(支店|支社|営業所|出張所|事業所|工場)$")


def is_branch_office(name: object) -> bool:
    """True for a corporate name written as one of the company's branch offices: 山田工業(株) 大阪支店,
    Sky Tech Co., Ltd. 横浜支店. False where the suffix is part of the trade name itself (株式会社山田鉄工場,
    株式会社山田食品安芸支店 written without a space: its trade name keeps the suffix) or there is
    no legal form."""
    if not isinstance(name, str) or not name:
        return False
    text = normalize.collapse_spaces(normalize.nfkc(name))
    if not _BRANCH_OFFICE_RE.search(text):
        return False
    key, form = normalize.split_legal_form(text)
    return bool(form and key and not _BRANCH_OFFICE_RE.search(key))


def is_corporate(prepared: pd.DataFrame) -> pd.Series:
    """Rows of a prepared frame that are corporations."""
    if "corp_form" not in prepared.columns:
        return pd.Series(False, index=prepared.index)
    return prepared["corp_form"].notna().astype(bool)


# Letters that katakana writes alike (l/r, z/s, v/b …) fold to one.
_SOUND_ALIKE = str.maketrans("clzjvq", "krsgbk")


def skeleton(text: str) -> str:
    """Consonant skeleton of a Latin trade name (words apart by spaces, where known) or a katakana
    reading (English ↔ katakana)."""
    if not text:
        return ""
    if text.isascii():
        latin = text
    else:
        # A reading key has ッ folded to ツ: before a consonant it is the doubled consonant.
        latin = jaconv.kata2alphabet(normalize.to_katakana_reading(text))
        latin = re.sub(r"tsu(?=[bcdfghjklmnpqrstvwxz])", "", latin)
    latin = re.sub(r"[^a-z ]", "", latin.lower())
    latin = re.sub(r"c(?=[eiy])", "s", latin).replace("x", "ks").replace("ph", "f").replace("ck", "k")
    # What katakana does not write apart: an r after a vowel that no vowel follows (star → スター,
    # heart → ハート), sh / s (ocean → オーシャン), ts / t (sports → スポーツ), dg / g (bridge →
    # ブリッジ), a silent g before a final n (design → デザイン, sign → サイン).
    latin = re.sub(r"(?<=[aeiou])r(?![aeiouy])", "", latin)
    latin = re.sub(r"g(?=n(?![aeiouy]))", "", latin) if text.isascii() else latin
    latin = latin.replace("sh", "s").replace("ts", "t").replace("dg", "g")
    latin = latin.replace(" ", "").translate(_SOUND_ALIKE)
    consonants = re.sub(r"[aeiouyhw]", "", latin)
    return re.sub(r"(.)\1+", r"\1", consonants)


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["record_id"] = frame["record_id"].astype(str)
    for column in (
        "corp_name",
        "corp_kana",
        "corp_form",
        "corp_read",
        "corp_number",
        "landline",
        "mobile_n",
        "email_n",
        "addr",
        "postal",
        "other_id_n",
    ):
        values = frame[column].astype(object) if column in frame.columns else pd.Series(None, index=frame.index)
        out[column] = values.where(values.notna(), None)
    # The record's own reading, else the reading of its trade name (features.trade_name_reading).
    out["corp_reading"] = out["corp_kana"].where(out["corp_kana"].notna(), out["corp_read"])
    # 法人番号 in its own field, else the shared id (other_id) where a source puts it there.
    out["number"] = out["corp_number"].where(out["corp_number"].notna(), out["other_id_n"])
    domain = out["email_n"].map(lambda e: e.rpartition("@")[2] if isinstance(e, str) else None)
    out["email_domain"] = domain.where(~domain.isin(FREE_MAIL), None)
    names = frame["name_kanji"] if "name_kanji" in frame.columns else pd.Series(None, index=frame.index)
    latin = pd.Series(
        [
            skeleton(_spaced(key, raw)) if isinstance(key, str) and key.isascii() else ""
            for key, raw in zip(out["corp_name"], names, strict=True)
        ],
        index=out.index,
        dtype=object,
    )
    kana = out["corp_reading"].map(lambda k: skeleton(k) if isinstance(k, str) else "")
    out["corp_skeleton"] = latin.where(latin != "", kana).replace("", None)
    out["branch"] = np.array([is_branch_office(n) for n in names.tolist()], dtype=bool)
    return out


def _spaced(key: str, raw: object) -> str:
    """A Latin trade name key with the spaces of the written name (star ocean for starocean, from
    Star Ocean Corporation): katakana leaves an r silent at the end of a word (スターオーシャン)."""
    if not isinstance(raw, str):
        return key
    words = re.sub(r"[^a-z]+", " ", normalize.nfkc(raw).lower()).split()
    for end in range(len(words), 0, -1):
        if "".join(words[:end]) == key:
            return " ".join(words[:end])
    return key


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


def index_keys(prepared: pd.DataFrame) -> list[list[str]]:
    """The index keys of each row of a prepared frame under which candidate_pairs pairs
    corporations ("corporate_corp_reading:ヤマダシヨウジ", "corporate_landline:…"); none for a
    person. The keys of match_one's candidates (blocking.blocking_keys adds them)."""
    keys: list[list[str]] = [[] for _ in range(len(prepared))]
    rows = np.flatnonzero(is_corporate(prepared).to_numpy(dtype=bool))
    if len(rows) == 0:
        return keys
    corporate = _features(prepared.iloc[rows])
    for key in _KEYS:
        for i, value in zip(rows, corporate[key].tolist(), strict=True):
            if isinstance(value, str) and value:
                keys[i].append(f"corporate_{key}:{value}")
    return keys


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
    # A derived reading stands for a missing one: it meets a record written in kana only
    # (ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ ↔ 山田商事), never two differing kanji names that sound alike (光陽 / 向陽).
    one_without_name = (left["corp_name"].isna() | right["corp_name"].isna()).to_numpy(dtype=bool)
    name = (
        _equal(left["corp_name"], right["corp_name"])
        | _equal(left["corp_kana"], right["corp_kana"])
        | (_equal(left["corp_reading"], right["corp_reading"]) & one_without_name)
    )
    # The sound (skeleton) is for English ↔ katakana only: one of the two names is in Latin
    # letters. Between two Japanese readings it is too coarse (キョウワセイキ / キョウワセッケイ: ksk).
    one_latin = (_latin(left["corp_name"]) | _latin(right["corp_name"])).to_numpy(dtype=bool)
    sounds = _equal(left["corp_skeleton"], right["corp_skeleton"]) & one_latin
    similar = np.array(
        [_similar(a, b) for a, b in zip(left["corp_name"], right["corp_name"], strict=True)], dtype=bool
    ) | np.array([_similar(a, b) for a, b in zip(left["corp_reading"], right["corp_reading"], strict=True)], dtype=bool)
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
    number_same = _equal(left["number"], right["number"])
    number_differs = left["number"].notna().to_numpy() & right["number"].notna().to_numpy() & ~number_same

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
    ):
        probability[mask] = p
        rule[mask] = label
    # Through the companies those links make: the same company (records linked through others of
    # it), and a branch office to the one company of its name.
    same_company, branch = _through_companies(
        corporate,
        pairs,
        (probability >= linked_p) & ~number_differs,
        name & forms & ~number_differs,
        (name | sounds) & forms & ~number_differs,
    )
    for mask, p, label in (
        (same_company, linked_p, CORPORATE_SAME_COMPANY),
        (branch, linked_p, CORPORATE_BRANCH),
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
            "company": {"level": "branch_of_the_one_company" if b else ("same_company" if sc else "else")},
            "rule": {"level": r, "weight": None},
        }
        for n, s, si, f, pl, ph, m, sc, b, r in zip(
            name, sounds, similar, forms, place, phone, mail, same_company, branch, rule, strict=True
        )
    ]
    out = out[out["rule"].notna()]
    return out[columns].reset_index(drop=True)


def _through_companies(
    corporate: pd.DataFrame, pairs: pd.DataFrame, linked: np.ndarray, same_name: np.ndarray, alike: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(same company, branch to the one company of its name) among `pairs` whose trade names are
    `same_name` (equal, compatible legal forms, no differing 法人番号) and not `linked` yet. `alike`
    (same_name, or an English ↔ katakana name that sounds the same) finds the companies a branch
    may belong to: Blue Ocean Co., Ltd. is one of them for ブルーオーシャン(株) 名張支店.

    A company is a group of records joined by the `linked` pairs (connected components, as
    clustering joins them). A branch is a group in which every record with a trade name is written
    as a branch office (is_branch_office; a kana-only record at the branch has no name to say so);
    its company is the one other group, not itself a branch, with an `alike` pair to it, unless
    the two carry company e-mail domains or 法人番号 and none in common (two companies of one name);
    the `same_name` pairs between the two are linked."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    none = np.zeros(len(pairs), dtype=bool)
    asked = same_name & ~linked
    if not asked.any():
        return none, none
    codes, ids = pd.factorize(corporate["record_id"].astype(str))
    left = ids.get_indexer(pairs["record_id_l"].astype(str))
    right = ids.get_indexer(pairs["record_id_r"].astype(str))
    graph = coo_matrix(
        (np.ones(int(linked.sum()), dtype=np.int8), (left[linked], right[linked])), shape=(len(ids),) * 2
    )
    count, group_of_id = connected_components(graph, directed=False)
    group = group_of_id[codes]
    gl, gr = group_of_id[left], group_of_id[right]
    same_company = asked & (gl == gr)

    # A branch group: a record written as a branch, none with a trade name written otherwise.
    written_branch = corporate["branch"].to_numpy(dtype=bool)
    named = corporate["corp_name"].notna().to_numpy(dtype=bool) & ~written_branch
    is_branch = np.zeros(count, dtype=bool)
    np.logical_or.at(is_branch, group, written_branch)
    has_named = np.zeros(count, dtype=bool)
    np.logical_or.at(has_named, group, named)
    is_branch &= ~has_named
    held: dict[str, dict[int, frozenset[str]]] = {}
    for column in ("email_domain", "number"):
        values = pd.DataFrame({"group": group, "value": corporate[column].to_numpy(dtype=object)}).dropna()
        held[column] = values.groupby("group")["value"].agg(frozenset).to_dict()

    def differ(a: int, b: int) -> bool:
        for sets in held.values():
            mine, theirs = sets.get(a), sets.get(b)
            if mine and theirs and not mine & theirs:
                return True
        return False

    # Each branch group's candidate companies; the pair's branch side first.
    across = np.flatnonzero(alike & ~linked & (gl != gr) & (is_branch[gl] != is_branch[gr]))
    branch_side = np.where(is_branch[gl[across]], gl[across], gr[across])
    company_side = np.where(is_branch[gl[across]], gr[across], gl[across])
    companies: dict[int, set[int]] = {}
    kept = np.zeros(len(across), dtype=bool)
    for i, (b, c) in enumerate(zip(branch_side.tolist(), company_side.tolist(), strict=True)):
        if not differ(b, c):
            companies.setdefault(b, set()).add(c)
            kept[i] = True
    sole = np.array([len(companies.get(b, ())) == 1 for b in branch_side.tolist()], dtype=bool)
    branch = none.copy()
    branch[across[kept & sole]] = True
    return same_company, branch & asked


def _latin(names: pd.Series) -> pd.Series:
    return names.map(lambda n: isinstance(n, str) and n.isascii()).astype(bool)


def _similar(a: object, b: object) -> bool:
    if not isinstance(a, str) or not isinstance(b, str) or a == b or min(len(a), len(b)) < 3:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= 1
