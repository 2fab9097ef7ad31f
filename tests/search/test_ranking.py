"""Ranking: exact identifiers, then full name, then family/given name, then partial; ties by recency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import make_customer, make_policy
from tsunagu.interactions.choices import Channel
from tsunagu.interactions.services import interaction_log
from tsunagu.search import engine
from tsunagu.search.query import TIER_FULL_NAME, TIER_IDENTIFIER, TIER_NAME_PART, TIER_PARTIAL
from tsunagu.search.selectors import search_customers

from .conftest import names

pytestmark = pytest.mark.django_db


def tiers(user, q):
    return [(row.name, row.tier) for row in search_customers(user=user, q=q).rows]


def test_name_part_before_partial_even_when_partial_is_more_recent(hq_operator, people):
    interaction_log(actor=hq_operator, customer=people["odanaka"], channel=Channel.PHONE, subject="問い合わせ")
    assert tiers(hq_operator, "田中") == [("田中 誠", TIER_NAME_PART), ("小田中 明", TIER_PARTIAL)]


def test_full_name_before_name_part(hq_operator, people):
    make_customer(hq_operator, name="山田 花子子", name_kana="ヤマダ ハナココ")
    assert tiers(hq_operator, "山田花子")[0] == ("山田 花子", TIER_FULL_NAME)
    assert tiers(hq_operator, "やまだ はなこ")[0] == ("山田 花子", TIER_FULL_NAME)


def test_reading_part_before_reading_prefix(hq_operator, people):
    # 株式会社ヤマダ商事 (ヤマダショウジ) only starts with ヤマダ; the 山田s are ヤマダ.
    assert tiers(hq_operator, "やまだ") == [
        ("山田 太郎", TIER_NAME_PART),
        ("山田 花子", TIER_NAME_PART),
        ("株式会社ヤマダ商事", TIER_PARTIAL),
    ]


def test_exact_identifier_first(hq_operator, people, org):
    # The same digits: a policy number of one customer, the last 8 phone digits of another.
    holder = make_customer(hq_operator, name="番号 一致", name_kana="バンゴウ イッチ", phones=[])
    make_policy(hq_operator, holder, agency=None, number="2026-0001")
    make_customer(hq_operator, name="電話 末尾", name_kana="デンワ マツビ", phones=[("home", "03-2026-0001")])
    assert tiers(hq_operator, "20260001") == [("番号 一致", TIER_IDENTIFIER), ("電話 末尾", TIER_PARTIAL)]


def test_ties_broken_by_recent_activity(hq_operator, people):
    assert names(hq_operator, "山田") == ["山田 太郎", "山田 花子"]
    interaction_log(actor=hq_operator, customer=people["yamada_hanako"], channel=Channel.PHONE, subject="住所変更")
    assert names(hq_operator, "山田") == ["山田 花子", "山田 太郎"]


def test_limit_and_has_more(hq_operator, people):
    results = search_customers(user=hq_operator, q="やまだ", limit=2)
    assert [r.name for r in results.rows] == ["山田 太郎", "山田 花子"]
    assert results.has_more
    assert not search_customers(user=hq_operator, q="やまだ", limit=3).has_more


QUERIES = [
    "やまだ", "山田", "田中", "田", "明", "高橋", "5678", "ヤマダ 03", "山田 5678", "田中 S45.3.1",
    "S45.3.1", "TS-2026", "〒150-0001", "hanako@", "存在しない", "03", "ー",
]  # fmt: skip


PLANS = {
    "enumerate": {"ENUMERATION_CAP": 10**6},
    "by_tier": {"ENUMERATION_CAP": -1},
    "by_tier_walks": {"ENUMERATION_CAP": -1, "DENSE": 0},
    "by_tier_short_walks": {"ENUMERATION_CAP": -1, "DENSE": 0, "WINDOW": 2},
}


@pytest.mark.parametrize("limit", [1, 2, 20])
def test_all_plans_give_the_same_results(hq_operator, agency_a_staff, people, monkeypatch, limit):
    """Enumerate-then-sort, tier-by-tier with early stop, and newest-first walks: one answer."""
    results = {}
    for plan, settings in PLANS.items():
        with monkeypatch.context() as patch:
            for name, value in settings.items():
                patch.setattr(engine, name, value)
            results[plan] = {
                (user.username, q): tiers_limited(user, q, limit)
                for user in (hq_operator, agency_a_staff)
                for q in QUERIES
            }
    for plan in PLANS:
        assert results[plan] == results["enumerate"], plan


def tiers_limited(user, q, limit):
    return [(row.customer_id, row.tier) for row in search_customers(user=user, q=q, limit=limit).rows]


def test_enumeration_cap_falls_back_to_tiers(hq_operator, people, monkeypatch):
    expected = names(hq_operator, "山田")
    monkeypatch.setattr(engine, "ENUMERATION_CAP", 1)
    assert names(hq_operator, "山田") == expected


def test_result_row_contents(hq_operator, people):
    row = search_customers(user=hq_operator, q="山田 太郎").rows[0]
    assert row.name_kana == "ヤマダ タロウ"
    today = timezone.localdate()
    assert row.age == today.year - 1950 - ((today.month, today.day) < (5, 5))
    assert row.is_elderly
    assert "高齢者" in row.badges
    assert row.phone_masked == "**-****-4444"
    assert row.address_summary == "東京都千代田区"
    assert row.policy_count == 1
    assert row.number.startswith("K")


def test_open_claim_badge(hq_operator, people):
    from tsunagu.policies.choices import ReportChannel
    from tsunagu.policies.services import claim_register

    claim_register(
        actor=hq_operator,
        policy=people["hanako_policy"],
        number="C-1",
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都",
        accident_type="物損",
        reported_on=dt.date(2026, 5, 1),
        reported_via=ReportChannel.AGENCY,
    )
    row = search_customers(user=hq_operator, q="山田花子").rows[0]
    assert row.open_claim_count == 1
    assert "事故対応中 1件" in row.badges
