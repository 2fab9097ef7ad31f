"""The related-candidate finder (matching/related.py): a person and a corporation at the same
address with a shared phone or the person's family name in the trade name; the hard negatives
(a stranger at a company's branch, two persons, two companies) give nothing."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from tsunagu.identity.matching import prepare
from tsunagu.identity.matching.related import (
    MAX_PAIRS_PER_ADDRESS,
    family_kana_in_reading,
    family_name_in_trade_name,
    related_pairs,
)

HOME = "東京都世田谷区桜3-2-1"


def record(rid: str, name: str, kana: str, **fields: str) -> dict[str, str]:
    base = {
        "record_id": rid,
        "source_system": "agency",
        "name_kanji": name,
        "name_kana": kana,
        "birth_date": "",
        "postal_code": "156-0053",
        "address": HOME,
        "phone": "",
        "mobile": "",
        "email": "",
    }
    return base | fields


def owner(rid: str = "1", **fields: str) -> dict[str, str]:
    return record(rid, "山田 太郎", "ヤマダ タロウ", birth_date="1960-04-01", **fields)


def company(
    rid: str = "2", name: str = "株式会社山田工務店", kana: str = "カブシキガイシャヤマダコウムテン", **fields: str
) -> dict[str, str]:
    return record(rid, name, kana, **fields)


def pairs_of(*records: dict[str, str]) -> list[tuple[str, str, str]]:
    found = related_pairs(prepare(pd.DataFrame(records)))
    return list(found.itertuples(index=False, name=None))


def test_owner_and_company_at_the_home_with_the_home_landline():
    found = pairs_of(
        owner(phone="03-3333-4444"), company(name="株式会社サクラ企画", kana="サクラキカク(カ", phone="03-3333-4444")
    )
    assert found == [("1", "2", "address|landline")]


def test_owner_and_company_on_the_family_name_without_a_phone():
    assert pairs_of(owner(), company()) == [("1", "2", "address|family_name")]


def test_the_family_name_is_read_from_a_kana_only_company_record():
    # A mainframe writes the company in half-width kana only (全銀 style): the reading decides.
    found = pairs_of(owner(), company(name="", kana="ｶ)ﾔﾏﾀﾞｺｳﾑﾃﾝ"))
    assert found == [("1", "2", "address|family_kana")]


def test_a_shared_mobile_and_the_family_name_are_both_reported():
    found = pairs_of(owner(mobile="090-1234-5678"), company(phone="090-1234-5678"))
    assert found == [("1", "2", "address|mobile|family_name")]


def test_address_written_differently_is_still_the_same_address_key():
    found = pairs_of(owner(phone="03-3333-4444"), company(address="東京都世田谷区桜三丁目2番1号", phone="0333334444"))
    assert found == [("1", "2", "address|landline|family_name")]


def test_a_stranger_at_the_company_branch_address_is_not_related():
    # Another family name and no shared number: a neighbour or a tenant, not the owner.
    found = pairs_of(
        record("1", "佐藤 花子", "サトウ ハナコ", birth_date="1975-01-01", phone="03-5555-6666"),
        company(name="株式会社山田工務店 世田谷支店", phone="03-3333-4444"),
    )
    assert found == []


def test_same_family_name_in_another_unit_of_the_building_needs_a_shared_number():
    tower = "東京都港区芝5-1-1"
    person = owner(address=f"{tower} 芝タワー1201号室")
    office = company(address=f"{tower} 芝タワー3階")
    assert pairs_of(person, office) == []
    person["phone"] = office["phone"] = "03-6666-7777"
    assert pairs_of(person, office) == [("1", "2", "address|landline|family_name")]


def test_two_persons_and_two_companies_never_pair():
    wife = record("2", "山田 花子", "ヤマダ ハナコ", phone="03-3333-4444")
    assert pairs_of(owner(phone="03-3333-4444"), wife) == []
    sister = company("2", name="山田商事株式会社", phone="03-3333-4444")
    assert pairs_of(company("1", phone="03-3333-4444"), sister) == []


def test_another_address_gives_nothing_even_with_the_family_name():
    assert pairs_of(owner(), company(address="大阪府大阪市北区梅田1-1-1", postal_code="530-0001")) == []


def test_the_whole_household_pairs_and_each_pair_once():
    found = pairs_of(
        owner("1", phone="03-3333-4444"),
        record("3", "山田 花子", "ヤマダ ハナコ", birth_date="1962-05-05", phone="03-3333-4444"),
        company("2", phone="03-3333-4444"),
        company("4", name="ヤマダ工務店(株)", kana="", phone="03-3333-4444"),
    )
    assert [(p, c) for p, c, _ in found] == [("1", "2"), ("1", "4"), ("3", "2"), ("3", "4")]


def test_family_name_rules():
    assert family_name_in_trade_name("山田", "山田工務店")
    assert family_name_in_trade_name("田中", "東京田中商事")
    assert family_name_in_trade_name("林", "林商店")
    assert not family_name_in_trade_name("林", "森林工業")  # one kanji: only at the start
    assert not family_name_in_trade_name("山田", "山田")  # the whole name is not "inside"
    assert not family_name_in_trade_name("", "山田工務店")
    assert family_kana_in_reading("ヤマダ", "ヤマダコウムテン")
    assert not family_kana_in_reading("イ", "イトウシヨウジ")
    assert not family_kana_in_reading("ヤマダ", "コヤマダシヨウテン")


def test_a_crowded_address_is_skipped():
    persons = [owner(str(i), phone="03-3333-4444") for i in range(1, MAX_PAIRS_PER_ADDRESS + 2)]
    assert pairs_of(*persons, company("999", phone="03-3333-4444")) == []


def test_no_records_or_no_corporations():
    assert related_pairs(pd.DataFrame()).empty
    assert pairs_of(owner()) == []


def _where(mask: np.ndarray, value: str) -> list[str | None]:
    return [value if m else None for m in mask]


def test_a_large_book_is_a_join_not_a_cross_product():
    """200,000 prepared rows (90 % persons, 10 % corporations, 60,000 addresses): seconds, not hours
    (a cross product would be 360 million pairs). The 1M figure is in docs/identity-related.md."""
    rng = np.random.default_rng(1)
    n = 200_000
    addresses = np.array([f"町{i}" for i in range(60_000)], dtype=object)
    addr = addresses[rng.integers(0, len(addresses), n)]
    corporate = rng.random(n) < 0.1
    landline = np.array([f"03{i:08d}" for i in rng.integers(0, 80_000, n)], dtype=object)
    frame = pd.DataFrame(
        {
            "record_id": [str(i) for i in range(n)],
            "corp_form": _where(corporate, "kabushiki"),
            "addr": addr,
            "addr_bld": None,
            "landline": landline,
            "mobile_n": None,
            "fam_kanji": _where(~corporate, "山田"),
            "fam_kana": _where(~corporate, "ヤマダ"),
            "corp_name": _where(corporate, "佐藤商事"),
            "corp_kana": _where(corporate, "サトウシヨウジ"),
            "corp_read": None,
        }
    )
    started = time.perf_counter()
    found = related_pairs(frame)
    seconds = time.perf_counter() - started
    assert seconds < 20
    assert len(found) > 0
    assert set(found["reasons"]) <= {"address|landline"}


def test_missing_values_of_arrow_columns_are_no_evidence():
    """prepare() gives Arrow string columns: a missing phone is pd.NA there, never equal to anything."""
    frame = prepare(pd.DataFrame([owner(mobile="090-1111-2222"), company(phone="03-3333-4444")]))
    assert str(frame["mobile_n"].dtype).startswith("string")
    assert list(related_pairs(frame).itertuples(index=False, name=None)) == [("1", "2", "address|family_name")]
