"""Matching features derived from source records (pure: pandas and the core normalization only).

`prepare` turns records with the fields of RECORD_FIELDS (original strings, any notation) into the
normalized columns that the comparisons and blocking rules use. The original columns are kept
unchanged; every derived column is new. Values are computed once per distinct original value, so
a million records with repeated names, dates and postal codes are prepared in seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from tsunagu.core import normalize

RECORD_FIELDS: tuple[str, ...] = (
    "record_id",
    "source_system",
    "name_kanji",
    "family_name",
    "given_name",
    "name_kana",
    "family_kana",
    "given_kana",
    "birth_date",
    "gender",
    "postal_code",
    "address",
    "phone",
    "mobile",
    "email",
)
# Optional: an identifier shared across sources (FEBRL's soc_sec_id). Never My Number (個人番号).
OPTIONAL_FIELDS: tuple[str, ...] = ("other_id",)

# Derived columns, in the order prepare() adds them.
FEATURE_COLUMNS: tuple[str, ...] = (
    "kanji_key",  # kanji (or Latin) full name key: variants folded, no spaces
    "fam_kanji",
    "giv_kanji",
    "kana_key",  # reading key (fuzzy kana), no spaces
    "fam_kana",
    "giv_kana",
    "head_kanji",  # first two characters of kanji_key (blocking)
    "tail_kanji",  # last two characters of kanji_key (blocking)
    "tail_kana",  # last two characters of kana_key (blocking)
    "dob",  # ISO 8601 date, or null when missing or not a date
    "sex",
    "postal",
    "addr",  # canonical address without prefecture and building
    "addr_bld",  # building and room, canonical
    "landline",  # a non-mobile number: a household signal
    "mobile_n",  # a mobile number (070/080/090) from either phone column
    "email_n",
    "other_id_n",
)
PREPARED_MARKER = "kanji_key"


# --- names -------------------------------------------------------------------------------------


@dataclass
class SurnameLexicon:
    """Family names seen split in the data (kanji key and reading key, with counts).

    Unsplit names (田中優斗 / ﾀﾅｶﾕｳﾄ) are split at the longest known family name; a kanji family
    name's most frequent reading splits the reading too. Learned without labels from the records'
    own separators (田中 優斗), so a split in one source helps every source.
    """

    kanji: Counter[str] = field(default_factory=Counter)
    kana: Counter[str] = field(default_factory=Counter)
    readings: dict[str, Counter[str]] = field(default_factory=dict)

    MIN_COUNT = 2

    def add(self, family_k: str, family_r: str | None) -> None:
        if family_k:
            self.kanji[family_k] += 1
            if family_r:
                self.readings.setdefault(family_k, Counter())[family_r] += 1
        if family_r:
            self.kana[family_r] += 1

    def merge(self, other: SurnameLexicon) -> SurnameLexicon:
        merged = SurnameLexicon(self.kanji + other.kanji, self.kana + other.kana, {})
        for source in (self.readings, other.readings):
            for key, counter in source.items():
                merged.readings.setdefault(key, Counter()).update(counter)
        return merged

    def split_kanji(self, full: str) -> tuple[str, str] | None:
        for size in range(min(len(full) - 1, 4), 0, -1):
            if self.kanji.get(full[:size], 0) >= self.MIN_COUNT:
                return full[:size], full[size:]
        return None

    def split_kana(self, full: str, family_k: str | None = None) -> tuple[str, str] | None:
        if family_k and family_k in self.readings:
            for reading, _count in self.readings[family_k].most_common():
                if full.startswith(reading) and len(full) > len(reading):
                    return reading, full[len(reading) :]
        for size in range(min(len(full) - 1, 7), 0, -1):
            if self.kana.get(full[:size], 0) >= self.MIN_COUNT:
                return full[:size], full[size:]
        return None

    def to_dict(self, *, limit: int = 20000) -> dict[str, object]:
        kanji = dict(self.kanji.most_common(limit))
        return {
            "kanji": kanji,
            "kana": dict(self.kana.most_common(limit)),
            "readings": {k: dict(self.readings[k].most_common(3)) for k in kanji if k in self.readings},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SurnameLexicon:
        kanji = data.get("kanji", {})
        kana = data.get("kana", {})
        readings = data.get("readings", {})
        assert isinstance(kanji, dict) and isinstance(kana, dict) and isinstance(readings, dict)
        return cls(Counter(kanji), Counter(kana), {k: Counter(v) for k, v in readings.items()})


_SPLIT_RE = re.compile(r"[\s\u3000]+")


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _clean_text(str(value))


@lru_cache(maxsize=1 << 18)
def _clean_text(text: str) -> str:
    return normalize.collapse_spaces(normalize.nfkc(text)) if text else ""


def _parts(text: str) -> tuple[str, str] | None:
    pieces = _SPLIT_RE.split(text.strip(), maxsplit=1)
    return (pieces[0], pieces[1]) if len(pieces) == 2 and pieces[0] and pieces[1] else None


@lru_cache(maxsize=1 << 18)
def _reading(text: str) -> str:
    """A kana reading key; a Latin or kanji 'reading' (wrong column) gives no key."""
    if not text or not normalize.is_kana_reading(text):
        return ""
    return normalize.fuzzy_kana_key(text)


@lru_cache(maxsize=1 << 18)
def _name_key(text: str) -> str:
    return normalize.name_key(text).lower()


@dataclass(frozen=True)
class _Names:
    full_k: str
    fam_kanji: str
    giv_kanji: str
    full_r: str
    fam_kana: str
    giv_kana: str


def _raw_names(
    name: str, family: str, given: str, kana: str, fam_kana: str, giv_kana: str
) -> tuple[tuple[str, str] | None, str, tuple[str, str] | None, str]:
    """(kanji split or None, kanji full, reading split or None, reading full) from one record."""
    if family or given:
        k_split: tuple[str, str] | None = (_name_key(family), _name_key(given)) if family and given else None
        k_full = _name_key(family + given)
    else:
        parts = _parts(name)
        k_split = (_name_key(parts[0]), _name_key(parts[1])) if parts else None
        k_full = _name_key(name)
    if fam_kana or giv_kana:
        r_split = (_reading(fam_kana), _reading(giv_kana)) if fam_kana and giv_kana else None
        r_full = _reading(fam_kana + giv_kana)
    else:
        parts = _parts(kana)
        r_split = (_reading(parts[0]), _reading(parts[1])) if parts else None
        r_full = _reading(kana)
    if r_split is not None and not all(r_split):
        r_split = None
    return k_split, k_full, r_split, r_full


_RawNames = tuple[tuple[str, str] | None, str, tuple[str, str] | None, str]
_NAME_COLUMNS = ("name_kanji", "family_name", "given_name", "name_kana", "family_kana", "given_kana")


def _name_tuples(records: pd.DataFrame) -> list[tuple[object, ...]]:
    columns = [_column(records, c).astype(object) for c in _NAME_COLUMNS]
    return list(zip(*[c.where(c.notna(), "").tolist() for c in columns], strict=True))


def _raw_names_of(rows: list[tuple[object, ...]]) -> tuple[list[_RawNames], dict[tuple[object, ...], _RawNames]]:
    cache: dict[tuple[object, ...], _RawNames] = {}
    out: list[_RawNames] = []
    for row in rows:
        raw = cache.get(row)
        if raw is None:
            raw = _raw_names(*(_clean(v) for v in row))
            cache[row] = raw
        out.append(raw)
    return out, cache


def _learn(raws: Iterable[_RawNames]) -> SurnameLexicon:
    lexicon = SurnameLexicon()
    for k_split, _k_full, r_split, _r_full in raws:
        if k_split is not None:
            lexicon.add(k_split[0], r_split[0] if r_split else None)
        elif r_split is not None:
            lexicon.add("", r_split[0])
    return lexicon


def learn_surnames(records: pd.DataFrame) -> SurnameLexicon:
    """Family names from every record whose source splits the name (field or separator)."""
    return _learn(_raw_names_of(_name_tuples(records))[0])


def split_names(
    name: str, family: str, given: str, kana: str, fam_kana: str, giv_kana: str, lexicon: SurnameLexicon
) -> _Names:
    return _split_raw(_raw_names(name, family, given, kana, fam_kana, giv_kana), lexicon)


def _split_raw(raw: _RawNames, lexicon: SurnameLexicon) -> _Names:
    k_split, k_full, r_split, r_full = raw
    if k_split is None and k_full:
        k_split = lexicon.split_kanji(k_full)
    if r_split is None and r_full:
        r_split = lexicon.split_kana(r_full, k_split[0] if k_split else None)
    fam_kanji, giv_kanji = k_split or ("", "")
    fam_kana, giv_kana = r_split or ("", "")
    return _Names(k_full, fam_kanji, giv_kanji, r_full, fam_kana, giv_kana)


# --- dates, phones, addresses ---------------------------------------------------------------------


def birth_date_iso(text: str) -> str:
    """ISO date for any notation parse_date reads (Western, 和暦, compact); '' when unreadable."""
    if not text:
        return ""
    try:
        return normalize.parse_date(text).value.isoformat()
    except normalize.DateParseError:
        return ""


def phone_key(text: str) -> str:
    """Canonical phone digits; a trunk 0 that was dropped (90-1234-5678) is restored."""
    digits = normalize.phone_digits(text) if text else ""
    if digits and not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    return digits if normalize.is_valid_phone(digits) else ""


_PREFECTURE_RE = re.compile(r"^(東京都|北海道|京都府|大阪府|.{2,3}県)")
_BLOCK_RE = re.compile(r"\d+(?:-\d+)+")


def address_parts(text: str) -> tuple[str, str]:
    """(street address without prefecture, building) — block numbers canonical, building weak.

    The street part ends with the first hyphenated block number (1-2-3, after address_key turned
    1丁目2番3号 into it); what follows is the building and room (コート503).
    """
    if not text:
        return "", ""
    key = _PREFECTURE_RE.sub("", normalize.address_key(text), count=1)
    match = _BLOCK_RE.search(key)
    if not match:
        return key, ""
    return key[: match.end()], key[match.end() :].strip("-")


def postal_key(text: str) -> str:
    digits = normalize.postal_code_digits(text) if text else ""
    return digits if len(digits) == 7 else ""


def email_normalized(text: str) -> str:
    value = normalize.email_key(text) if text else ""
    return value if "@" in value else ""


def sex_key(text: str) -> str:
    value = normalize.nfkc(text).strip().lower() if text else ""
    if value in {"男", "男性", "m", "male", "1"}:
        return "m"
    if value in {"女", "女性", "f", "female", "2"}:
        return "f"
    return ""


# --- prepare --------------------------------------------------------------------------------------


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    if name in records.columns:
        return records[name]
    return pd.Series([None] * len(records), index=records.index, dtype=object)


def _map_unique(series: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """Apply `function` once per distinct value (cleaned to str; missing → '')."""
    values = series.astype(object).where(series.notna(), "")
    uniques = pd.unique(values)
    table = {value: function(_clean(value)) for value in uniques}
    return values.map(table)


def _nullable(series: pd.Series) -> pd.Series:
    return series.where(series != "", None).astype(object)


def is_prepared(records: pd.DataFrame) -> bool:
    return PREPARED_MARKER in records.columns


def prepare(records: pd.DataFrame, *, surnames: SurnameLexicon | None = None) -> pd.DataFrame:
    """Derive the normalized matching features; the original columns are returned untouched.

    Missing input columns are allowed (treated as empty). `surnames` splits unsplit names; by
    default it is learned from the records themselves.
    """
    out = records.copy()
    for name in (*RECORD_FIELDS, *OPTIONAL_FIELDS):
        if name not in out.columns:
            out[name] = None
    out["record_id"] = out["record_id"].astype(str)
    rows = _name_tuples(out)
    raws, raw_cache = _raw_names_of(rows)
    lexicon = _learn(raws) if surnames is None else surnames
    split_cache = {row: _split_raw(raw, lexicon) for row, raw in raw_cache.items()}
    names = [split_cache[row] for row in rows]
    for attr, column in (
        ("full_k", "kanji_key"),
        ("fam_kanji", "fam_kanji"),
        ("giv_kanji", "giv_kanji"),
        ("full_r", "kana_key"),
        ("fam_kana", "fam_kana"),
        ("giv_kana", "giv_kana"),
    ):
        out[column] = _nullable(pd.Series([getattr(n, attr) for n in names], index=out.index, dtype=object))
    out["head_kanji"] = out["kanji_key"].str[:2]
    out["tail_kanji"] = out["kanji_key"].str[-2:]
    out["tail_kana"] = out["kana_key"].str[-2:]

    out["dob"] = _nullable(_map_unique(out["birth_date"], birth_date_iso))
    out["sex"] = _nullable(_map_unique(out["gender"], sex_key))
    out["postal"] = _nullable(_map_unique(out["postal_code"], postal_key))
    parts = _map_unique(out["address"], address_parts)
    out["addr"] = _nullable(parts.map(lambda p: p[0]))
    out["addr_bld"] = _nullable(parts.map(lambda p: p[1]))

    phone = _map_unique(out["phone"], phone_key)
    mobile = _map_unique(out["mobile"], phone_key)
    phone_is_mobile = phone.map(normalize.is_mobile)
    mobile_is_mobile = mobile.map(normalize.is_mobile)
    # A mobile is personal wherever it was entered; any other number is the household's line.
    out["mobile_n"] = _nullable(mobile.where(mobile_is_mobile, phone.where(phone_is_mobile, "")))
    landline = phone.where(~phone_is_mobile & (phone != ""), mobile.where(~mobile_is_mobile, ""))
    out["landline"] = _nullable(landline)
    out["email_n"] = _nullable(_map_unique(out["email"], email_normalized))
    out["other_id_n"] = _nullable(_map_unique(out["other_id"], lambda v: normalize.identifier_key(v) if v else ""))
    return out


def prepare_record(record: Mapping[str, object], *, surnames: SurnameLexicon | None = None) -> dict[str, object]:
    """prepare() for one record, as a dict (for match_one and blocking_keys)."""
    frame = pd.DataFrame([{k: record.get(k) for k in (*RECORD_FIELDS, *OPTIONAL_FIELDS)}])
    row = prepare(frame, surnames=surnames or SurnameLexicon()).iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
