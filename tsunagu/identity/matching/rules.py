"""The deterministic rule layer on top of the Fellegi-Sunter scores, and the training rules.

The probabilistic model adds up evidence as if fields were independent. Two known traps break
that assumption, so two rules decide them by design rather than by threshold:

- **given-name conflict** (household members, twins): the given names clearly disagree (neither
  the kanji, nor the reading, nor a one-character slip agree). Such a pair is never linked. If a
  personal identifier (mobile, email, shared id) agrees too, it goes to review at most.
- **birth-date conflict** (a parent and child of the same name at one address, 同名の親子): the
  birth years are ten or more years apart. Without an agreeing personal identifier such a pair
  goes to review at most.
- **no personal evidence**: surname, address, postal code and the home landline all describe a
  household, not a person. A pair needs at least one personal field to agree (given name, birth
  date, mobile, email, shared id) to be linked automatically; without one it is review at most.

A married-name change (other family name, same given name and birth date) passes these rules and
is scored by the model; the family-name disagreement costs it a few bits, the agreeing given name,
birth date, mobile and email carry it. One rule lifts instead of capping:

- **personal fields agree**: the given name (kanji or reading), the birth date (exact, day/month
  swapped or one digit off) and a personal identifier (mobile, email, shared id: exactly) or the
  home landline agree (household members differ in given name and birth date). That
  is the person, whatever the family name says (marriage, divorce, adoption): linked at least at
  auto_link. The model alone undercounts it, because a changed surname usually comes with a
  move and new contacts, which the independence assumption counts as separate evidence against.
- **contact at both addresses**: a pair of one name and birth date at two addresses (a move), or
  of one given name and birth date under another family name (a name change), where a contact
  point (landline, mobile, e-mail) is on a record at each address under that side's family name:
  the household took it along. Linked (`_contact_at_both`).

And one raises to review only:

- **possible name change**: the given name and the exact birth date agree, the family name does
  not. With a move and new contacts nothing else agrees, and strangers with the same given name
  and birthday look the same (on the dev set a quarter of such pairs are different people), so
  a data steward decides: at least the review threshold, never auto-linked by this rule.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tsunagu.identity.matching.thresholds import Thresholds

GIVEN_NAME_CONFLICT = "given_name_conflict"
NO_PERSONAL_EVIDENCE = "no_personal_evidence"
BIRTH_DATE_CONFLICT = "birth_date_conflict"
PERSONAL_FIELDS_AGREE = "personal_fields_agree"
POSSIBLE_NAME_CHANGE = "possible_name_change"
NAME_AND_BIRTH_DATE_ONLY = "name_and_birth_date_only"
POSSIBLE_TWINS = "possible_twins"
MOVED_TOGETHER = "moved_together"
CONTACT_AT_BOTH_ADDRESSES = "contact_at_both_addresses"
SHARED_CONTACT_ONLY = "shared_contact_only"
# name levels (gamma): 1 is "kanji differ, a reading unknown" (a possible homophone), 0 else.
KANJI_DIFFERS_READING_UNKNOWN = 1
# birth_date levels (gamma): 6 exact, 5 day/month swapped, 4 one digit, 3 two digits,
# 2 years apart (≥ 10 years), 1 partial, 0 else.
BIRTH_DATE_AGREES = 3  # two digits or better: personal evidence
BIRTH_DATE_TWO_DIGITS = 3
BIRTH_DATE_SLIP = 4  # one digit or better: the same date, mistyped
PERSONAL_IDS = ("mobile_n", "email_n", "other_id_n")
# location levels (gamma) from the top: address and landline, address, landline, then weaker
# ones (postal code, "same town" where the data has it, similar addresses). Counted from the top,
# so that a model with the town level and one without (FEBRL, an older stored model) read alike.
LANDLINE_AGREES_BELOW_TOP = (0, 2)
BIRTH_DATE_YEARS_APART = 2
# A conflicting pair without any agreeing personal identifier is scored down to this.
REJECTED_PROBABILITY = 0.0
# Deterministic rules give the prior (share of matches among all pairs); their assumed recall:
DETERMINISTIC_RECALL = 0.9


# Feature columns the rules read on both sides of a pair (kept in Splink's output).
RETAINED_COLUMNS = ("giv_kana",)
# Feature columns of the scored records that the batch rules read (`apply(records=…)`).
RECORD_COLUMNS = (
    "addr",
    "town",
    "dob",
    "giv_kana",
    "giv_kanji",
    "fam_kana",
    "fam_kanji",
    "mobile_n",
    "email_n",
    "landline",
)
# The records' columns `_moved_together` reads (a housemate at both places).
_RESIDENT_COLUMNS = ("addr", "town", "dob", "giv_kana", "giv_kanji")
# A person's own contact points: the mobile and the e-mail (not the home landline: a household's).
CONTACT_COLUMNS = ("mobile_n", "email_n")
# Every contact point a record can carry: the ones whose presence at two addresses `_contact_at_both`
# reads (a household's landline or family e-mail, a member's mobile).
ALL_CONTACT_COLUMNS = ("landline", "mobile_n", "email_n")
# A household's contact point is seen at its homes (an old one, a new one, a maiden home);
# one seen at more addresses is an agent's or an office's number, or a placeholder.
MAX_CONTACT_ADDRESSES = 3
# A customer of this many records (any source systems), with those linked to them: an established
# customer whose contacts are their own, not one stray record (`_own_contacts_differ`).
ESTABLISHED_RECORDS = 2
_VOICING_MARKS = str.maketrans("", "", "\u3099\u309a")


def _without_voicing(text: object) -> str:
    """A reading without voicing marks (ケンジ → ケンシ, ガオリ → カオリ)."""
    return unicodedata.normalize("NFD", text).translate(_VOICING_MARKS) if isinstance(text, str) else ""


def _voicing_slip(pairs: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Among `rows`, pairs whose given-name readings differ only by voicing marks (゛ ゜): a slip
    of entry or of a half-width conversion (ｹﾝｼﾞ → ｹﾝｼ), not two names. Unknown: False."""
    out = np.zeros(len(pairs), dtype=bool)
    if "giv_kana_l" not in pairs.columns or not rows.any():
        return out
    left = pairs["giv_kana_l"].to_numpy(dtype=object)
    right = pairs["giv_kana_r"].to_numpy(dtype=object)
    for i in np.flatnonzero(rows):
        folded = _without_voicing(left[i])
        out[i] = bool(folded) and folded == _without_voicing(right[i])
    return out


def _decade_apart(pairs: pd.DataFrame, rows: np.ndarray, records: pd.DataFrame | None) -> np.ndarray:
    """Among `rows`, pairs whose birth years are ten or more years apart. Unknown: False."""
    out = np.zeros(len(pairs), dtype=bool)
    if records is None or not rows.any() or "dob" not in records.columns:
        return out
    index = np.flatnonzero(rows)
    ids = np.concatenate([pairs["record_id_l"].to_numpy()[index], pairs["record_id_r"].to_numpy()[index]])
    # The birth dates of these pairs' records only (not of every scored record: a million).
    dob = records["dob"].reindex(ids.astype(str))
    year = pd.to_numeric(dob.str[:4], errors="coerce").to_numpy(dtype=float)
    out[index] = np.abs(year[: len(index)] - year[len(index) :]) >= 10  # NaN compares False
    return out


def _moved_together(
    pairs: pd.DataFrame, rows: np.ndarray, records: pd.DataFrame | None, place: str = "addr"
) -> np.ndarray:
    """Among `rows` (one name and birth date at two places), the pairs whose two places share
    a housemate: someone of another given name (kanji or reading) with one birth date has
    records at both (a spouse, a child). Households move together; a namesake's household and
    the other person's do not share a member. `place`: the records' column that locates them
    (`addr`, or `town` where a 地番 or an old municipality name writes one address two ways).
    `records`: record_id → RECORD_COLUMNS."""
    out = np.zeros(len(pairs), dtype=bool)
    if records is None or not rows.any() or not set(_RESIDENT_COLUMNS) <= set(records.columns):
        return out
    index = np.flatnonzero(rows)
    left = pairs["record_id_l"].to_numpy()[index].astype(str)
    right = pairs["record_id_r"].to_numpy()[index].astype(str)
    moves = pd.DataFrame(
        {
            "at": index,
            "a": records[place].reindex(left).to_numpy(dtype=object),
            "b": records[place].reindex(right).to_numpy(dtype=object),
            "dob_l": records["dob"].reindex(left).to_numpy(dtype=object),
            "dob_r": records["dob"].reindex(right).to_numpy(dtype=object),
        }
    ).dropna(subset=["a", "b"])
    moves = moves[moves["a"] != moves["b"]]
    if moves.empty:
        return out
    # The records at the places the moves name (a batch's records: only those are read).
    at_places = records[place].isin(pd.unique(np.concatenate([moves["a"].to_numpy(), moves["b"].to_numpy()])))
    near = records[at_places.to_numpy()]
    residents = pd.DataFrame(
        {"place": near[place], "kanji": near["giv_kanji"], "kana": near["giv_kana"], "dob": near["dob"]}
    ).dropna(subset=["place", "dob"])
    residents = residents[residents["kanji"].notna() | residents["kana"].notna()].drop_duplicates()
    # A housemate is born on another day (a record of the name in a spelling the pair lacks
    # would otherwise pass: kanji 樹 beside a kana-only pair イツキ) and carries none of the
    # pair's spellings of the given name (a birth-date slip of the name itself).
    own = pd.concat(
        [
            pd.DataFrame({"at": index, "given": records[column].reindex(ids).to_numpy(dtype=object)})
            for column in ("giv_kanji", "giv_kana")
            for ids in (left, right)
        ]
    ).dropna()
    own = own.drop_duplicates().assign(own=True)
    # Residents of the first place who are someone else, then that person (given name in either
    # spelling, birth date) at the second.
    at_a = moves.merge(residents.rename(columns={"place": "a"}), on="a")
    for column in ("kanji", "kana"):
        at_a = at_a.merge(own.rename(columns={"given": column, "own": f"own_{column}"}), on=["at", column], how="left")
    at_a = at_a[at_a["own_kanji"].isna() & at_a["own_kana"].isna()]
    at_a = at_a[(at_a["dob"] != at_a["dob_l"]) & (at_a["dob"] != at_a["dob_r"])]
    spelled = pd.concat(
        [at_a[["at", "b", column, "dob"]].rename(columns={column: "given"}) for column in ("kanji", "kana")]
    )
    at_b = pd.concat(
        [
            residents[["place", column, "dob"]].rename(columns={"place": "b", column: "given"})
            for column in ("kanji", "kana")
        ]
    )
    both = spelled.dropna().merge(at_b.dropna().drop_duplicates(), on=["b", "given", "dob"])
    out[both["at"].unique()] = True
    return out


def _codes(*arrays: np.ndarray) -> list[np.ndarray]:
    """The values of `arrays` as codes into one table (missing: -1), to join them as integers."""
    codes, _ = pd.factorize(np.concatenate(arrays))
    return np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])


def _joint_codes(first: list[np.ndarray], second: list[np.ndarray]) -> list[np.ndarray]:
    """Codes (from `_codes`) of value pairs: equal where both values are, -1 where either is missing."""
    width = int(max(codes.max(initial=-1) for codes in second)) + 1
    return [
        np.where((a >= 0) & (b >= 0), a.astype(np.int64) * width + b, -1) for a, b in zip(first, second, strict=True)
    ]


def _contact_at_both(pairs: pd.DataFrame, rows: np.ndarray, records: pd.DataFrame | None) -> np.ndarray:
    """Among `rows` (one person's name fields at two addresses, no contact of the pair in common),
    the pairs whose two sides' households share a contact point: a landline, mobile or e-mail is
    on a record at the one address under that side's family name (the pair's own record or a
    housemate's) and on a record at the other address under the other side's. A household that
    moves keeps its members' mobiles and e-mails (and, within its area, the landline); a
    namesake's household carries none of the other's. A contact seen at more than
    MAX_CONTACT_ADDRESSES addresses (an agent's office number, a placeholder) is no household's.
    Only the address key locates (not the town: a town holds many households). Unknown: False.
    `records`: record_id → RECORD_COLUMNS."""
    out = np.zeros(len(pairs), dtype=bool)
    columns = [c for c in ALL_CONTACT_COLUMNS if records is not None and c in records.columns]
    needed = ["addr", "fam_kanji", "fam_kana"]
    if records is None or not rows.any() or not columns or not set(needed) <= set(records.columns):
        return out
    index = np.flatnonzero(rows)
    # The pair's two records (one look-up of the three columns for each side).
    sides = [
        records[needed]
        .reindex(pairs[side].to_numpy()[index].astype(str))
        .set_axis(index)
        .rename(columns={"addr": "place"})
        .rename_axis("at")
        .reset_index()
        for side in ("record_id_l", "record_id_r")
    ]
    moved = (sides[0]["place"] != sides[1]["place"]).to_numpy() & sides[0]["place"].notna().to_numpy()
    moved &= sides[1]["place"].notna().to_numpy()
    if not moved.any():
        return out
    sides = [side[moved] for side in sides]
    places = pd.unique(np.concatenate([side["place"].to_numpy() for side in sides]))
    near = records[records["addr"].isin(places).to_numpy()]
    # Each value is kept with its column (a mobile and a landline never collide). The records'
    # address and names are converted from Arrow text once, not once per contact column.
    residents = pd.DataFrame({"place": near["addr"].to_numpy(dtype=object)}).assign(
        fam_kanji=near["fam_kanji"].to_numpy(dtype=object), fam_kana=near["fam_kana"].to_numpy(dtype=object)
    )
    held = pd.concat(
        [residents.assign(value=near[c].to_numpy(dtype=object), column=c).dropna(subset=["value"]) for c in columns]
    )
    if held.empty:
        return out
    # The contacts on a record at each side's address under that side's family name (kanji or
    # reading; an empty name is no family's). Joined on integer codes of the address and the name
    # (one join per side and spelling over some 300,000 records near the pairs at a million: as
    # text, those joins were most of the rule's time).
    contact, contacts = pd.factorize(held["column"] + ":" + held["value"].astype(str))
    frames = (*sides, held)
    place = _codes(*(frame["place"].to_numpy(dtype=object) for frame in frames))
    keys: list[list[np.ndarray]] = [[], []]
    for name in ("fam_kanji", "fam_kana"):
        household = _joint_codes(place, _codes(*(frame[name].to_numpy(dtype=object) for frame in frames)))
        at_held = pd.DataFrame({"household": household[2], "contact": contact})
        at_held = at_held[at_held["household"] >= 0]
        for i, side in enumerate(sides):
            at_side = pd.DataFrame({"household": household[i], "at": side["at"].to_numpy()})
            joined = at_side[at_side["household"] >= 0].merge(at_held, on="household")
            keys[i].append(joined["at"].to_numpy(dtype=np.int64) * len(contacts) + joined["contact"].to_numpy())
    found = [np.unique(np.concatenate(side_keys)) for side_keys in keys]
    shared = np.intersect1d(found[0], found[1])
    both = pd.DataFrame({"at": shared // len(contacts), "contact": contacts[shared % len(contacts)]})
    # How many addresses each contact found at both addresses is seen at, in all the scored
    # records (counted for those few only, not for every contact near the pairs).
    kind = both["contact"].str.split(":", n=1).str[0]
    value = both["contact"].str.split(":", n=1).str[1]
    spread = pd.concat(
        [
            pd.DataFrame(
                {"addr": records["addr"][hit].to_numpy(dtype=object), "contact": c + ":" + records[c][hit].astype(str)}
            )
            for c in columns
            for hit in [records[c].isin(value[kind == c]).to_numpy()]
        ]
    ).dropna()
    addresses = spread.drop_duplicates().groupby("contact").size()
    both = both[both["contact"].isin(addresses[addresses <= MAX_CONTACT_ADDRESSES].index)]
    out[both["at"].unique()] = True
    return out


# Each pair's two records as codes into one index of record ids (as text, as the records' index):
# (left codes, right codes, ids).
RecordCodes = tuple[np.ndarray, np.ndarray, pd.Index]


def _record_codes(pairs: pd.DataFrame) -> RecordCodes:
    """The pairs' records as codes, computed once per `apply` and shared by the rules that read
    groups of linked records: at a million records, converting and hashing the ids of every pair
    was most of each such rule's time."""
    count = len(pairs)
    raw = np.concatenate([pairs["record_id_l"].to_numpy(), pairs["record_id_r"].to_numpy()])
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    # Hashed as they come, then as text (two raw ids of one text, 7 and "7", are one record).
    again, ids = pd.factorize(np.asarray(uniques, dtype=object).astype(str))
    codes = again[codes]
    return codes[:count], codes[count:], pd.Index(ids)


def _components(left: np.ndarray, right: np.ndarray, count: int) -> np.ndarray:
    """Connected components of `count` records joined by the edges `left`–`right` (codes)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def _own_contacts_differ(
    pairs: pd.DataFrame,
    rows: np.ndarray,
    linked: np.ndarray,
    records: pd.DataFrame | None,
    *,
    columns: Sequence[str] = ("mobile_n",),
    min_records: int = 0,
    codes: RecordCodes | None = None,
) -> np.ndarray:
    """Among `rows`, the pairs whose two sides, each with the records it is `linked` to, carry
    contacts of `columns` (mobile, e-mail) and none in common: two people, each with their own
    (a record without a contact borrows its person's from the linked records). `min_records`:
    each side must also have that many records. `codes`: `_record_codes(pairs)` if known.
    Unknown: False."""
    out = np.zeros(len(pairs), dtype=bool)
    present = [c for c in columns if records is not None and c in records.columns]
    if records is None or not rows.any() or not present:
        return out
    left, right, ids = codes if codes is not None else _record_codes(pairs)
    index = np.flatnonzero(rows)
    person = _components(left[linked], right[linked], len(ids))
    mine, theirs = person[left[index]], person[right[index]]
    # The records of the people asked about (only theirs are read: not a million).
    asked = np.isin(person, np.concatenate([mine, theirs]))
    asked_ids = ids[asked]
    # The contacts of the people asked about (a mobile and an e-mail never collide: each value is
    # kept with its column).
    owned = pd.concat(
        [
            pd.DataFrame(
                {"person": person[asked], "contact": records[column].reindex(asked_ids).to_numpy(dtype=object)}
            )
            .dropna()
            .assign(column=column)
            for column in present
        ]
    )
    owned["contact"] = owned["column"] + ":" + owned["contact"].astype(str)
    # An e-mail's name before the @ counts as the contact too: a person who changed provider
    # (taro.s@docomo → taro.s@gmail) or a domain mistyped keeps it.
    mails = owned[owned["column"] == "email_n"]
    owned = pd.concat([owned, mails.assign(contact=mails["contact"].str.split("@").str[0] + "@")])
    held = owned[["person", "contact"]].drop_duplicates()
    # The scored records of each person (an id the records do not know is no record of theirs;
    # looked up in the records' index as `reindex` does, not hashed again as `isin` would).
    known = records.index.get_indexer(asked_ids) >= 0
    size = np.bincount(person[asked], weights=known, minlength=len(ids))
    # Pairs whose two people share a contact: each pair joined to its one side's contacts, then
    # to the other side's same contact.
    asked_pairs = pd.DataFrame({"at": index, "a": mine, "b": theirs})
    shared = asked_pairs.merge(held.rename(columns={"person": "a"}), on="a").merge(
        held.rename(columns={"person": "b"}), on=["b", "contact"]
    )
    holders = held["person"].unique()
    out[index] = (
        (mine != theirs)
        & (np.minimum(size[mine], size[theirs]) >= min_records)
        & np.isin(mine, holders)
        & np.isin(theirs, holders)
        & ~np.isin(index, shared["at"].to_numpy())
    )
    return out


def _pair_keys(left: np.ndarray, right: np.ndarray, count: int) -> np.ndarray:
    """One number per unordered pair of groups (of `count`): a pair and its mirror share it."""
    low, high = np.minimum(left, right).astype(np.int64), np.maximum(left, right).astype(np.int64)
    return low * count + high


def _same_groups(
    pairs: pd.DataFrame, rows: np.ndarray, held: np.ndarray, linked: np.ndarray, codes: RecordCodes | None = None
) -> np.ndarray:
    """Among `rows`, the pairs between the same two groups of `linked` records as a `held` pair
    (a group: the records joined by the linked pairs). `codes`: `_record_codes(pairs)` if known.
    Unknown: False."""
    out = np.zeros(len(pairs), dtype=bool)
    if not rows.any() or not held.any():
        return out
    left, right, ids = codes if codes is not None else _record_codes(pairs)
    group = _components(left[linked], right[linked], len(ids))
    group_l, group_r = group[left], group[right]
    key = _pair_keys(group_l, group_r, len(ids))
    out[rows] = (group_l != group_r)[rows] & np.isin(key[rows], key[held])
    return out


def _asked_together(
    pairs: pd.DataFrame,
    rows: np.ndarray,
    probability: np.ndarray,
    thresholds: Thresholds,
    questions: np.ndarray,
    codes: RecordCodes | None = None,
) -> np.ndarray:
    """Among `rows`, the pairs whose two records are already one question: both in one group of
    auto-linked records, or each in a group that another pair links to the other group at the
    review level and that is one of `questions` (a possible name change: the steward decides on
    those two people anyway). `codes`: `_record_codes(pairs)` if known. Unknown: False."""
    out = np.zeros(len(pairs), dtype=bool)
    if not rows.any() or (codes is None and "record_id_l" not in pairs.columns):
        return out
    left, right, ids = codes if codes is not None else _record_codes(pairs)
    linked = probability >= thresholds.auto_link
    group = _components(left[linked], right[linked], len(ids))
    group_l, group_r = group[left], group[right]
    asked = (probability >= thresholds.review) & ~linked & questions
    key = _pair_keys(group_l, group_r, len(ids))
    out[rows] = ((group_l == group_r) | np.isin(key, key[asked]))[rows]
    return out


def _at_best(pairs: pd.DataFrame, top: Mapping[str, int], name: str, below: int = 0) -> np.ndarray:
    gamma = _gamma(pairs, name)
    return (gamma > 0) & (gamma >= top.get(name, 0) - below)


def name_changes(pairs: pd.DataFrame, top: Mapping[str, int]) -> np.ndarray:
    """Pairs that look like a name change: the given name (kanji or reading) and the birth date
    (exact or a slip) agree, the family name does not (`top`: comparison → its best gamma)."""
    family, dob = _gamma(pairs, "family_name"), _gamma(pairs, "birth_date")
    given = _at_best(pairs, top, "given_name", below=1)
    return given & (family >= 0) & ~_at_best(pairs, top, "family_name", below=1) & (dob >= BIRTH_DATE_SLIP)


def may_be_linked(pairs: pd.DataFrame, top: Mapping[str, int]) -> np.ndarray:
    """Pairs that `apply` may link whatever the model says: the given name and the birth date (or
    a slip of it) with a personal identifier or the home landline (personal fields agree), or with
    the family name (a household's move)."""
    location = _gamma(pairs, "location")
    landline = (location > 0) & np.isin(location, [top.get("location", 0) - b for b in LANDLINE_AGREES_BELOW_TOP])
    exact_id = _at_best(pairs, top, "mobile") | _at_best(pairs, top, "email") | _at_best(pairs, top, "other_id")
    person = _at_best(pairs, top, "given_name", below=1) & (_gamma(pairs, "birth_date") >= BIRTH_DATE_SLIP)
    return person & (exact_id | landline | _at_best(pairs, top, "family_name", below=1))


def _gamma(pairs: pd.DataFrame, name: str) -> np.ndarray:
    column = f"gamma_{name}"
    if column not in pairs.columns:
        return np.full(len(pairs), -1, dtype=np.int64)
    return pairs[column].fillna(-1).astype(np.int64).to_numpy()


# A full name that this many records are expected to carry (relative frequencies of the family
# and the given name × records) is common: two people of it with one birthday are to be expected.
COMMON_NAME_HOLDERS = 5.0
# Where the two people's own mobiles differ (through the records each is linked to), a name
# this common already makes two people of one birthday likely.
COMMON_NAME_HOLDERS_MOBILES_DIFFER = 3.0


def _common_name(
    pairs: pd.DataFrame, population: int | None, holders_at_least: float = COMMON_NAME_HOLDERS
) -> np.ndarray:
    """Pairs whose full name is common (either side's term frequencies; unknown counts as common)."""
    if not population or "tf_fam_kanji_l" not in pairs.columns or "tf_giv_kanji_l" not in pairs.columns:
        return np.ones(len(pairs), dtype=bool)
    holders = np.zeros(len(pairs))
    for side in ("l", "r"):
        fam = pairs[f"tf_fam_kanji_{side}"].astype(float).to_numpy()
        giv = pairs[f"tf_giv_kanji_{side}"].astype(float).to_numpy()
        holders = np.fmax(holders, fam * giv * population)
    return np.isnan(holders) | (holders == 0) | (holders >= holders_at_least)


def _both_kanji_given(pairs: pd.DataFrame) -> np.ndarray:
    if "tf_giv_kanji_l" not in pairs.columns:
        return np.zeros(len(pairs), dtype=bool)
    return (pairs["tf_giv_kanji_l"].notna() & pairs["tf_giv_kanji_r"].notna()).to_numpy(dtype=bool)


def apply(
    pairs: pd.DataFrame,
    thresholds: Thresholds,
    top: Mapping[str, int] | None = None,
    *,
    population: int | None = None,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add `rule` and cap (or lift) `match_probability` / `match_weight` where a rule applies;
    `model_probability` keeps the model's own.

    `top`: comparison → gamma of its best level (from the model); by default the best level seen.
    `population`: the records the model was trained on (how common a full name is); None: every
    name counts as common. `records`: the scored records' RECORD_COLUMNS by record_id (a batch:
    a household's move is seen across its members' pairs); None: the rules that need them skip.
    """

    def best(name: str, below: int = 0) -> np.ndarray:
        """At the comparison's best (exact) level, or at most `below` levels under it."""
        gamma = _gamma(out, name)
        highest = top[name] if top and name in top else gamma.max(initial=0)
        return (gamma > 0) & (gamma >= highest - below)

    out = pairs.copy()
    # The pairs' records as codes, for the rules that read groups of linked records (shared).
    codes = _record_codes(out) if "record_id_l" in out.columns and "record_id_r" in out.columns else None
    probability = out["match_probability"].astype(float).to_numpy().copy()
    given = _gamma(out, "given_name")
    # A shared id with one slip is still that person's id; a mobile one digit off is not (it
    # may be the next number of a family plan), nor an email with a typo.
    personal_id = best("mobile") | best("email") | best("other_id", below=1)
    dob = _gamma(out, "birth_date")
    personal = (given > 0) | (dob >= BIRTH_DATE_AGREES) | personal_id

    conflict = given == 0
    rule = np.full(len(out), None, dtype=object)
    review_cap = thresholds.review
    capped_review = conflict & personal_id
    rejected = conflict & ~personal_id
    no_personal = ~conflict & ~personal
    probability[capped_review] = np.minimum(probability[capped_review], review_cap)
    rule[conflict] = GIVEN_NAME_CONFLICT
    probability[rejected] = np.minimum(probability[rejected], REJECTED_PROBABILITY)
    probability[no_personal] = np.minimum(probability[no_personal], review_cap)
    rule[no_personal] = NO_PERSONAL_EVIDENCE
    # A mobile or e-mail does not lift it: a family shares them (a family e-mail, a child's phone
    # on the parent's contract); only a shared identifier (a policy or customer number) does.
    # The hard-negative rules need personal contacts in the data (mobile, e-mail) and no shared
    # identifier: only there does "no contact agrees" tell strangers apart. (FEBRL has neither
    # phones nor readings; its shared id decides, and its typos move years by decades.)
    compared = top if top is not None else {c.removeprefix("gamma_"): 0 for c in out.columns}
    hard_negatives = ("mobile" in compared or "email" in compared) and "other_id" not in compared
    # Two digits of a date can move the year by a generation too (1959-07-28 / 1995-09-28: a
    # father and son of one name, 同名の親子).
    two_digits = hard_negatives & (dob == BIRTH_DATE_TWO_DIGITS)
    generation = (dob == BIRTH_DATE_YEARS_APART) | _decade_apart(out, two_digits, records)
    dob_conflict = ~conflict & personal & generation & ~best("other_id", below=1)
    probability[dob_conflict] = np.minimum(probability[dob_conflict], review_cap)
    rule[dob_conflict] = BIRTH_DATE_CONFLICT
    # Namesakes: the same common full name and birth date and nothing else in common (another
    # address, no shared contact) is what two people of that name look like as much as one
    # person who moved and changed every contact. A data steward decides. A rare name with the
    # same birth date is one person.
    location = _gamma(out, "location")
    location_top = top["location"] if top and "location" in top else int(location.max(initial=0))
    # The same full name and birth date at another place, no shared id: the namesake rules and the
    # household move below all start from these pairs.
    name_and_birth_date_elsewhere = (
        best("family_name", below=1)
        & best("given_name", below=1)
        & (dob >= BIRTH_DATE_SLIP)
        & (location <= 0)
        & ~personal_id
    )
    namesake = (
        hard_negatives
        & name_and_birth_date_elsewhere
        & (probability >= thresholds.auto_link)  # only an automatic link is withheld
        & _common_name(out, population)
    )
    probability[namesake] = review_cap
    rule[namesake] = NAME_AND_BIRTH_DATE_ONLY
    # Twins: same family and birth date, given names written differently in kanji and in reading
    # (直美 / 直樹). A slip in one record changes one of them, rarely both. Readings that differ
    # only by a voicing mark (ケンジ / ケンシ) are a slip, not two names (the dev set's two pairs).
    # Not limited to one home: twins who live apart are twins too (gen2: 2 false merges more).
    twins = (
        hard_negatives
        & best("family_name", below=1)
        & (dob >= BIRTH_DATE_SLIP)
        & (given > KANJI_DIFFERS_READING_UNKNOWN)  # both readings known (not a homophone)
        & ~best("given_name", below=2)  # below kanji, reading and swapped: fuzzy or weaker
        & _both_kanji_given(out)
        & (probability >= thresholds.auto_link)  # only an automatic link is withheld
    )
    twins &= ~_voicing_slip(out, twins)
    probability[twins] = review_cap
    rule[twins] = POSSIBLE_TWINS
    # A household that moved: the same name and exact birth date at two addresses, and another
    # member of the household (another birth year) likewise at the same two addresses. That
    # is the household's move, not a namesake: linked, also where the name is common. Not
    # where a mobile or e-mail on both sides disagrees.
    contact_differs = (_gamma(out, "mobile") == 0) | (_gamma(out, "email") == 0)
    moved = name_and_birth_date_elsewhere & ~contact_differs
    together = _moved_together(out, moved, records) | _moved_together(out, moved, records, "town")
    moved_lifted = together & (probability < thresholds.auto_link)
    # A pair the namesake rule held back gets its model's probability again.
    model = out["match_probability"].astype(float).to_numpy()
    probability[moved_lifted] = np.maximum(thresholds.auto_link, model[moved_lifted])
    rule[moved_lifted] = MOVED_TOGETHER
    # A move seen in a contact instead of a housemate: a landline, mobile or e-mail at the one
    # address is at the other too (not where the years are a generation apart: 同名の親子 of one
    # household). Linked as a household's move.
    kept = hard_negatives & moved & ~together
    kept &= ~_decade_apart(out, kept, records)
    kept = _contact_at_both(out, kept, records)
    kept_lifted = kept & (probability < thresholds.auto_link)
    probability[kept_lifted] = np.maximum(thresholds.auto_link, model[kept_lifted])
    rule[kept_lifted] = CONTACT_AT_BOTH_ADDRESSES
    together |= kept
    # Namesakes whose phones tell them apart: the name and birth date only (as above), a less
    # common name, and each side, with the records it is linked to by other evidence (an
    # address, a contact), has its own mobile and none in common.
    namesake_mobiles = (
        hard_negatives
        & name_and_birth_date_elsewhere
        & (probability >= thresholds.auto_link)
        & ~together
        & _common_name(out, population, COMMON_NAME_HOLDERS_MOBILES_DIFFER)
    )
    linked = (probability >= thresholds.auto_link) & ~namesake_mobiles
    namesake_mobiles = _own_contacts_differ(out, namesake_mobiles, linked, records, codes=codes)
    probability[namesake_mobiles] = review_cap
    rule[namesake_mobiles] = NAME_AND_BIRTH_DATE_ONLY
    # Two established customers: the name and birth date only (as above), whatever the name, and
    # each side, with the records linked to it by other evidence, two records or more (any
    # source systems) with its own contacts (mobile, e-mail), none of them in common. A person
    # who moved keeps a mobile or an e-mail in one of their records; a lone record with another
    # number (a mover's new phone) does not decide it. A data steward does: a false merge shows
    # one customer's data to another, a review costs a steward a minute.
    two_customers = hard_negatives & name_and_birth_date_elsewhere & (probability >= thresholds.auto_link) & ~together
    linked = (probability >= thresholds.auto_link) & ~two_customers
    two_customers = _own_contacts_differ(
        out, two_customers, linked, records, columns=CONTACT_COLUMNS, min_records=ESTABLISHED_RECORDS, codes=codes
    )
    probability[two_customers] = review_cap
    rule[two_customers] = NAME_AND_BIRTH_DATE_ONLY
    # One question, one answer: where a pair of two groups is held at review as possible
    # namesakes, the other pairs of name and birth date only between the same two groups wait for
    # the steward too (one of them linked would merge the two groups before the steward decides).
    held = name_and_birth_date_elsewhere & (rule == NAME_AND_BIRTH_DATE_ONLY)
    waiting = hard_negatives & name_and_birth_date_elsewhere & (probability >= thresholds.auto_link)
    linked = (probability >= thresholds.auto_link) & ~waiting
    waiting = _same_groups(out, waiting, held, linked, codes)
    probability[waiting] = review_cap
    rule[waiting] = NAME_AND_BIRTH_DATE_ONLY
    # Given names only alike (fuzzy or weaker: 直美 / 直樹, or one reading in other kanji: 優子 /
    # 裕子, a kana-only record ユウコ) and birth dates that disagree: two people of one family
    # sharing a mobile, a landline or an e-mail, siblings of one reading. The contact is the
    # family's, not a person's: review at most.
    unlike = hard_negatives & (given > 0) & ~best("given_name") & (dob == 0)
    unlike &= probability >= thresholds.auto_link
    probability[unlike] = review_cap
    rule[unlike] = SHARED_CONTACT_ONLY
    # No conflict rule can apply below (the given name and birth date agree).
    # The home landline identifies a household; with the given name and birth date, its member.
    landline = (location > 0) & np.isin(location, [location_top - b for b in LANDLINE_AGREES_BELOW_TOP])
    exact_id = best("mobile") | best("email") | best("other_id") | landline
    identified = best("given_name", below=1) & (dob >= BIRTH_DATE_SLIP) & exact_id
    lifted = identified & (probability < thresholds.auto_link)
    probability[lifted] = thresholds.auto_link
    rule[lifted] = PERSONAL_FIELDS_AGREE
    family = _gamma(out, "family_name")
    renamed = best("given_name", below=1) & best("birth_date") & (family >= 0) & ~best("family_name", below=1)
    # An e-mail or mobile one or two characters off is not the person's own (two people of one
    # given name and birth year get such addresses: takashi04947 / takashi04987): with another
    # family name, another address and nothing else in common, a steward decides.
    near = ((_gamma(out, "email") > 0) & ~best("email")) | ((_gamma(out, "mobile") > 0) & ~best("mobile"))
    near_contact = hard_negatives & renamed & near & ~personal_id & (location <= 0)
    near_contact &= probability >= thresholds.auto_link
    probability[near_contact] = review_cap
    rule[near_contact] = POSSIBLE_NAME_CHANGE
    # A name change whose two addresses share a contact point (the landline, a mobile or an
    # e-mail at the married home is on a record at the other address too): the given name, the
    # birth date and the household's contact agree, as in `personal_fields_agree`, through the
    # address rather than on the pair itself. Linked.
    name_kept = hard_negatives & renamed & ~personal_id & ~near & ~contact_differs
    name_kept &= probability < thresholds.auto_link
    name_kept = _contact_at_both(out, name_kept, records)
    probability[name_kept] = thresholds.auto_link
    rule[name_kept] = CONTACT_AT_BOTH_ADDRESSES
    queued = renamed & (probability < review_cap)
    probability[queued] = review_cap
    rule[queued] = POSSIBLE_NAME_CHANGE
    # A name change with a slipped birth date (one digit, day and month swapped): strangers of one
    # given name with such dates are many (80 to each such person on gen2), so it is queued only
    # where its two records are already one question: linked to each other through other records,
    # or each linked to records that are in review with the other's as a possible name change.
    slipped = (
        best("given_name", below=1)
        & (dob >= BIRTH_DATE_SLIP)
        & ~best("birth_date")
        & (family >= 0)
        & ~best("family_name", below=1)
        & (probability < review_cap)
    )
    levels_top = dict(top) if top else {c.removeprefix("gamma_"): 0 for c in out.columns if c.startswith("gamma_")}
    if not top:
        levels_top = {name: int(_gamma(out, name).max(initial=0)) for name in levels_top}
    slipped = _asked_together(out, slipped, probability, thresholds, name_changes(out, levels_top), codes)
    probability[slipped] = review_cap
    rule[slipped] = POSSIBLE_NAME_CHANGE

    changed = probability != out["match_probability"].to_numpy()
    weight = out["match_weight"].astype(float).to_numpy().copy()
    weight[changed] = weight_of(probability[changed])
    out["model_probability"] = out["match_probability"]
    out["match_probability"] = probability
    out["match_weight"] = weight
    out["rule"] = rule
    return out


def weight_of(probability: np.ndarray | float) -> np.ndarray:
    """The match weight (log2 odds, bits) of a probability set by a rule rather than the model."""
    clipped = np.clip(np.asarray(probability, dtype=float), 1e-12, 1 - 1e-12)
    return np.log2(clipped / (1 - clipped))


def odds_of(probability: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(probability, odds) as arrays, the probability kept just below 1."""
    p = np.clip(probability.astype(float).to_numpy(), 0.0, 1 - 1e-12)
    return p, p / (1.0 - p)


def deterministic_rules(present: Sequence[str]) -> list[str]:
    """Rules that admit (almost) no false positives; used to estimate the prior only."""
    out = ["l.kanji_key = r.kanji_key AND l.dob = r.dob"]
    for column in ("mobile_n", "email_n", "other_id_n"):
        if column in present:
            out.append(f"l.{column} = r.{column} AND l.dob = r.dob")
    return out


def em_blocking_rules(present: Sequence[str]) -> list[str]:
    """EM sessions on pairs that are mostly matches (EM finds the match class reliably there).

    Splink leaves out of a session every comparison whose columns the session's rule uses, so
    each rule names the columns it conditions on: birth date and the end of the name (trains
    family name, phones, email, location), both name parts and the postal code (trains birth
    date, phones, email, location; not the names, whose agreement the rule forces), and a
    personal identifier (trains names and birth date where they change: married names, slips).
    """
    out = [
        "l.dob = r.dob AND l.tail_kanji = r.tail_kanji",
        "l.fam_kanji = r.fam_kanji AND l.giv_kanji = r.giv_kanji AND l.postal = r.postal",
    ]
    ids = [c for c in ("mobile_n", "other_id_n") if c in present]
    if ids:
        out.append(f"l.{ids[0]} = r.{ids[0]}")
    return out


def lift_blocking_rules(present: Sequence[str]) -> list[str]:
    """Pairs the raising rules may lift although the model scores them below any floor: the
    given name and a personal identifier (personal fields agree) or the birth date (possible name
    change) agree, the family name does not. (A subset of the prediction blocking: the
    identifiers and the birth date with the end of the name are blocking rules of their own.)"""
    family = "l.fam_kanji IS DISTINCT FROM r.fam_kanji"
    keys = [c for c in (*PERSONAL_IDS, "landline", "dob") if c in present]
    # One equi-join per given-name key (an OR in the join condition is a nested loop in DuckDB).
    return [f"l.{c} = r.{c} AND l.{g} = r.{g} AND {family}" for c in keys for g in ("giv_kanji", "giv_kana")]
