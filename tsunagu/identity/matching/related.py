"""Related candidates (関連候補): a person and a corporation that look like an owner and the
company run from the owner's home. Never a merge: the two are different customers, and a steward
records the relation (代表者・関係者) between them.

Pure: pandas only, on a frame from features.prepare (corporations are the rows with `corp_form`).
A pair needs the same address key (`addr`, without prefecture and building) and one more thing in
common that a stranger at that address would not have:

- the same landline (a company run from home answers on the home's line),
- the same mobile (the owner's mobile registered as the company's number), or
- the person's family name at the start of the trade name or of its reading (山田 → 山田工務店,
  ヤマダ → ヤマダコウムテン): 60 % of owner-run companies carry the owner's family name. A family
  name of two or more kanji may stand anywhere in the trade name (東京田中商事); a one-kanji name
  only at the start (林 in 林商店, never in 森林工業).

With the family name alone, different buildings or rooms (both given) mean different units: an
office tower's tenant is not the owner's home. Persons never pair with persons, corporations
never with corporations. The candidates are a join on the address key (not a cross product); an
address with more than MAX_PAIRS_PER_ADDRESS person × corporation combinations is a building with
many tenants, not anyone's home, and is skipped.
"""

from __future__ import annotations

import pandas as pd

# Reasons, in the order they are reported (the review screen labels them).
ADDRESS, LANDLINE, MOBILE, FAMILY_NAME, FAMILY_KANA = "address", "landline", "mobile", "family_name", "family_kana"
REASONS = (ADDRESS, LANDLINE, MOBILE, FAMILY_NAME, FAMILY_KANA)
MAX_PAIRS_PER_ADDRESS = 200
# The shortest reading of a family name that is compared with the trade name's reading (イ, オ
# and the like would start too many readings).
MIN_KANA = 2

PERSON_COLUMNS = ("record_id", "addr", "addr_bld", "landline", "mobile_n", "fam_kanji", "fam_kana")
CORPORATE_COLUMNS = ("record_id", "addr", "addr_bld", "landline", "mobile_n", "corp_name", "corp_kana", "corp_read")
OUTPUT_COLUMNS = ["record_id_person", "record_id_corporation", "reasons"]


def _text(value: object) -> str:
    """The value of a feature, '' for a missing one (None, NaN or pd.NA of an Arrow column)."""
    return value if isinstance(value, str) else ""


def _same(left: object, right: object) -> bool:
    return bool(_text(left)) and _text(left) == _text(right)


def family_name_in_trade_name(family: str, trade_name: str) -> bool:
    """Whether a (kanji) family name key is the owner's name in a trade name key."""
    if not family or not trade_name or len(family) >= len(trade_name):
        return False
    return trade_name.startswith(family) if len(family) == 1 else family in trade_name


def family_kana_in_reading(family_kana: str, reading: str) -> bool:
    """Whether a family name's reading key starts the trade name's reading key."""
    return len(family_kana) >= MIN_KANA and len(reading) > len(family_kana) and reading.startswith(family_kana)


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in names:
        out[name] = frame[name].astype(object) if name in frame.columns else None
    return out


def related_pairs(prepared: pd.DataFrame) -> pd.DataFrame:
    """Person × corporation candidates of a prepared frame: record_id_person,
    record_id_corporation and reasons ('address|landline|family_name' …), one row per pair,
    sorted by the two ids."""
    if "corp_form" not in prepared.columns or "addr" not in prepared.columns or prepared.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    corporate = prepared["corp_form"].notna().to_numpy(dtype=bool)
    located = prepared["addr"].notna().to_numpy(dtype=bool)
    persons = _columns(prepared[~corporate & located], PERSON_COLUMNS)
    companies = _columns(prepared[corporate & located], CORPORATE_COLUMNS)
    if persons.empty or companies.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    persons = persons[persons["addr"].isin(set(companies["addr"]))]
    if persons.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    sizes = persons["addr"].value_counts().mul(companies["addr"].value_counts(), fill_value=0)
    crowded = set(sizes[sizes > MAX_PAIRS_PER_ADDRESS].index)
    if crowded:
        persons = persons[~persons["addr"].isin(crowded)]
    joined = persons.merge(companies, on="addr", suffixes=("_p", "_c"))
    rows: list[tuple[str, str, str]] = []
    for person, company, bld_p, bld_c, land_p, land_c, mob_p, mob_c, fam, fam_kana, name, kana, read in zip(
        joined["record_id_p"],
        joined["record_id_c"],
        joined["addr_bld_p"],
        joined["addr_bld_c"],
        joined["landline_p"],
        joined["landline_c"],
        joined["mobile_n_p"],
        joined["mobile_n_c"],
        joined["fam_kanji"],
        joined["fam_kana"],
        joined["corp_name"],
        joined["corp_kana"],
        joined["corp_read"],
        strict=True,
    ):
        reasons = [ADDRESS]
        if _same(land_p, land_c):
            reasons.append(LANDLINE)
        if _same(mob_p, mob_c):
            reasons.append(MOBILE)
        shares_a_number = len(reasons) > 1
        other_unit = bool(_text(bld_p) and _text(bld_c) and _text(bld_p) != _text(bld_c))
        if not shares_a_number and other_unit:
            continue
        if family_name_in_trade_name(_text(fam), _text(name)):
            reasons.append(FAMILY_NAME)
        elif family_kana_in_reading(_text(fam_kana), _text(kana) or _text(read)):
            reasons.append(FAMILY_KANA)
        if len(reasons) > 1:
            rows.append((str(person), str(company), "|".join(reasons)))
    rows.sort(key=lambda row: (_sort_key(row[0]), _sort_key(row[1])))
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def _sort_key(record_id: str) -> tuple[int, int | str]:
    """Numeric ids (the Django side's primary keys) in numeric order, others as text after them."""
    return (0, int(record_id)) if record_id.isdigit() else (1, record_id)
