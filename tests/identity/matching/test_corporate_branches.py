"""Corporations: a branch office's records and the company they belong to (IDENTITY II §10)."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.core import normalize
from tsunagu.identity.matching import Matcher, corporate, prepare
from tsunagu.identity.matching.thresholds import Thresholds

THRESHOLDS = Thresholds(auto_link=0.9, review=0.1)

# The head office of 山田工業株式会社 (two records of it, one address and phone) …
HEAD = {"name_kanji": "山田工業株式会社", "address": "東京都港区芝1-2-3", "phone": "03-1234-5678"}
HEAD_KANA = {"name_kana": "ｶ)ﾔﾏﾀﾞｺｳｷﾞﾖｳ", "address": "東京都港区芝1-2-3", "phone": "312345678"}
# … and its Osaka branch: its own address and phone, nothing else in common with the head office.
BRANCH = {"name_kanji": "株式会社山田工業 大阪支店", "address": "大阪府大阪市北区梅田1-1-1", "phone": "06-6345-0000"}
BRANCH_KANA = {"name_kana": "ﾔﾏﾀﾞｺｳｷﾞﾖｳ(ｶ", "address": "大阪府大阪市北区梅田1-1-1", "phone": "663450000"}
# Another 山田工業株式会社 (商号 is unique only at one address): a hard negative.
NAMESAKE = {"name_kanji": "山田工業株式会社", "address": "福岡県福岡市博多区博多駅前2-2-2", "phone": "092-111-2222"}


def _companies(*rows: dict[str, str]) -> pd.DataFrame:
    return prepare(pd.DataFrame([{"record_id": str(i), **row} for i, row in enumerate(rows)]))


def _scored(*rows: dict[str, str]) -> pd.DataFrame:
    return corporate.score(_companies(*rows), THRESHOLDS).set_index(["record_id_l", "record_id_r"])


def _rule(scored: pd.DataFrame, pair: tuple[str, str]) -> str | None:
    return scored.loc[pair, "rule"] if pair in scored.index else None


def _linked(scored: pd.DataFrame, pair: tuple[str, str]) -> bool:
    return pair in scored.index and scored.loc[pair, "match_probability"] >= THRESHOLDS.auto_link


@pytest.mark.parametrize(
    ("name", "branch"),
    [
        ("株式会社山田工業 大阪支店", True),
        ("山田工業(株) 大阪支店", True),
        ("山田工業株式会社　札幌営業所", True),  # full-width space
        ("有限会社 ノーステック 網走支店", True),
        ("Sky Tech Co., Ltd. 横浜支店", True),
        ("株式会社山田工業", False),
        ("株式会社山田鉄工場", False),  # 工場 is part of the trade name
        ("株式会社山田食品安芸支店", False),  # written without a space: the trade name keeps it
        ("大阪支店", False),  # no legal form: not a company
        ("", False),
        (None, False),
    ],
)
def test_is_branch_office(name, branch):
    assert corporate.is_branch_office(name) is branch


def test_a_branch_links_to_the_one_company_of_its_name():
    scored = _scored(HEAD, HEAD_KANA, BRANCH, BRANCH_KANA)
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_MATCH  # head office: name and phone
    assert _rule(scored, ("2", "3")) == corporate.CORPORATE_MATCH  # the branch's own records
    # Every record of the branch with every record of the head office, the kana-only ones too.
    for pair in (("0", "2"), ("0", "3"), ("1", "2"), ("1", "3")):
        assert _rule(scored, pair) == corporate.CORPORATE_BRANCH, pair
        assert _linked(scored, pair), pair
    assert scored.loc[("0", "2"), "evidence"]["company"] == {"level": "branch_of_the_one_company"}


def test_without_the_branch_suffix_the_name_alone_stays_in_review():
    # A kana-only record elsewhere does not say it is a branch: it may be another company.
    scored = _scored(HEAD, HEAD_KANA, BRANCH_KANA)
    assert _rule(scored, ("0", "2")) == corporate.CORPORATE_NAME_ONLY
    assert not _linked(scored, ("0", "2"))


def test_two_companies_of_the_name_leave_the_branch_in_review():
    scored = _scored(HEAD, HEAD_KANA, BRANCH, NAMESAKE)
    for pair in (("0", "2"), ("1", "2"), ("2", "3")):
        assert _rule(scored, pair) == corporate.CORPORATE_NAME_ONLY, pair
        assert not _linked(scored, pair), pair
    assert not _linked(scored, ("0", "3"))  # the two companies of one name are never linked


def test_an_english_name_of_the_same_sound_is_another_candidate():
    # Blue Ocean Co., Ltd. may be the branch's company as much as ブルーオーシャン株式会社.
    scored = _scored(
        {"name_kanji": "ブルーオーシャン株式会社", "address": "新潟県長岡市中野西29-11", "phone": "0258-35-1562"},
        {"name_kanji": "Blue Ocean Co., Ltd.", "address": "岐阜県下呂市湯之島8-13", "email": "soumu@blue-ocean.com"},
        {"name_kanji": "ブルーオーシャン（株） 名張支店", "address": "三重県名張市大屋戸905番地12"},
    )
    assert _rule(scored, ("0", "2")) == corporate.CORPORATE_NAME_ONLY
    assert not _linked(scored, ("0", "2"))


def test_a_branch_with_another_company_domain_is_not_linked():
    scored = _scored(
        {**HEAD, "email": "info@yamada-kogyo.co.jp"},
        {**BRANCH, "email": "soumu@yamada-k.jp"},
    )
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_NAME_ONLY
    # A free mail domain says nothing about a company: the branch is linked.
    scored = _scored({**HEAD, "email": "info@yamada-kogyo.co.jp"}, {**BRANCH, "email": "yamada.osaka@gmail.com"})
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_BRANCH


def test_another_corporate_number_is_never_linked():
    number = f"{normalize.corporate_number_check_digit('234567890123')}234567890123"
    other = f"{normalize.corporate_number_check_digit('234567890124')}234567890124"
    scored = _scored({**HEAD, "corporate_number": number}, {**BRANCH, "corporate_number": other})
    assert scored.loc[("0", "1"), "match_probability"] == 0.0
    scored = _scored({**HEAD, "corporate_number": number}, {**BRANCH, "corporate_number": number})
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_NUMBER


def test_another_legal_form_is_another_company():
    scored = _scored(HEAD, {**BRANCH, "name_kanji": "合同会社山田工業 大阪支店"})
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_FORM_DIFFERS
    assert not _linked(scored, ("0", "1"))
    # 有限会社 → 株式会社 (a converted 特例有限会社) is one company.
    scored = _scored(HEAD, {**BRANCH, "name_kanji": "有限会社山田工業 大阪支店"})
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_BRANCH


def test_two_branches_without_their_head_office_are_not_linked_to_each_other_by_name():
    scored = _scored(
        BRANCH,
        {
            **BRANCH,
            "name_kanji": "山田工業株式会社 札幌支店",
            "address": "北海道札幌市中央区北1条西2-1",
            "phone": "011-222-3333",
        },
    )
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_NAME_ONLY


def test_group_company_at_the_head_office_is_not_the_branch_company():
    # 山田建設 shares the head office's address and phone (group companies): never paired with the
    # branch by name, and the head office stays the one company of the branch's name.
    group = {"name_kanji": "山田建設株式会社", "address": "東京都港区芝1-2-3", "phone": "03-1234-5678"}
    scored = _scored(HEAD, BRANCH, group)
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_BRANCH
    assert ("1", "2") not in scored.index
    assert not _linked(scored, ("0", "2"))


def test_records_of_one_company_linked_through_another_are_linked():
    scored = _scored(
        {"name_kanji": "株式会社山田工業", "address": "東京都港区芝1-2-3", "phone": "03-1234-5678"},
        {"name_kanji": "山田工業(株)", "phone": "03-1234-5678", "email": "info@yamada-kogyo.co.jp"},
        {"name_kanji": "山田工業株式会社", "address": "東京都千代田区丸の内1-1-1", "email": "soumu@yamada-kogyo.co.jp"},
    )
    assert _rule(scored, ("0", "1")) == corporate.CORPORATE_MATCH
    assert _rule(scored, ("1", "2")) == corporate.CORPORATE_MATCH
    assert _rule(scored, ("0", "2")) == corporate.CORPORATE_SAME_COMPANY
    assert _linked(scored, ("0", "2"))


def test_owner_at_the_branch_address_is_never_merged_with_the_company(records):
    """A person living at the branch's address, with its phone: never a candidate of the company."""
    matcher = Matcher.train(records.drop(columns=["cluster_id", "household_id", "variations"]).head(800), u_pairs=1e4)
    owner = {
        "record_id": "P",
        "name_kanji": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "birth_date": "1960-04-01",
        "address": BRANCH["address"],
        "phone": BRANCH["phone"],
    }
    stored = pd.DataFrame([{"record_id": "A", **HEAD}, {"record_id": "B", **HEAD_KANA}, owner])
    found = matcher.match_one({"record_id": "C", **BRANCH}, stored)
    assert sorted(c.record_id for c in found) == ["A", "B"]
    assert all(c.match_probability >= matcher.thresholds.auto_link for c in found)
    # The person's own candidates hold no company.
    found = matcher.match_one(owner, pd.DataFrame([{"record_id": "C", **BRANCH}, {"record_id": "A", **HEAD}]))
    assert found == []


def test_every_corporate_rule_and_level_has_a_japanese_label_on_the_review_screen():
    from tsunagu.identity.views import EVIDENCE_LABELS, LEVEL_LABELS

    scored = _scored(HEAD, HEAD_KANA, BRANCH, BRANCH_KANA, NAMESAKE)
    rules = [value for key, value in vars(corporate).items() if key.startswith("CORPORATE_") and isinstance(value, str)]
    assert corporate.CORPORATE_BRANCH in rules
    assert [rule for rule in rules if rule not in LEVEL_LABELS] == []
    levels = ["sounds_alike", "similar", "differs", "agrees", "same_company", "branch_of_the_one_company", "else"]
    assert [level for level in levels if level not in LEVEL_LABELS] == []
    for evidence in scored["evidence"]:
        assert evidence["rule"]["level"] in rules
        for name, item in evidence.items():
            assert name in EVIDENCE_LABELS, name
            assert item["level"] in LEVEL_LABELS, item
