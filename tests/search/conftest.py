"""A small population of customers written through the services (so the index is kept by events).

Written in this order (later = more recent activity, ranked first among equals):
- yamada_hanako   山田 花子 / ヤマダ ハナコ, 1970-03-01, 090-1234-5678, agency A policy
- takahashi       髙橋 一郎 / タカハシ イチロウ, 06-1111-5678 (same last 4 as 山田 花子)
- tanaka          田中 誠 / タナカ マコト, 1970-03-01 (S45.3.1), 080-2222-3333, agency A policy
- odanaka         小田中 明 / オダナカ アキラ (contains 田中, but is not a 田中)
- yamada_shoji    株式会社ヤマダ商事 / ヤマダショウジ (corporate)
- sato            佐藤 陽子 / サトウ ヨウコ, hiroko@example.jp, 〒150-0001
- yamada_taro     山田 太郎 / ヤマダ タロウ, 1950-05-05 (elderly), 03-3333-4444, agency B policy
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_customer, make_policy
from tsunagu.core.choices import Role
from tsunagu.core.models import User
from tsunagu.core.services import user_create
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.services import AddressInput
from tsunagu.search.selectors import search_customers

TOKYO = [AddressInput("100-0001", "東京都", "千代田区", "千代田1-1")]


@pytest.fixture
def people(hq_operator, org):
    op = hq_operator
    p = {}
    p["yamada_hanako"] = make_customer(
        op,
        name="山田 花子",
        name_kana="やまだ はなこ",
        family_name="山田",
        given_name="花子",
        birth_date=dt.date(1970, 3, 1),
        phones=[("mobile", "090-1234-5678")],
        emails=[("personal", "hanako@example.jp")],
    )
    p["hanako_policy"] = make_policy(op, p["yamada_hanako"], agency=org["agency_a"], number="TS-2026-000123")
    p["takahashi"] = make_customer(
        op,
        name="髙橋 一郎",
        name_kana="タカハシ イチロウ",
        birth_date=dt.date(1980, 7, 7),
        phones=[("home", "06-1111-5678")],
        emails=[("personal", "ichiro@example.jp")],
        addresses=[AddressInput("530-0001", "大阪府", "大阪市北区", "梅田1-1")],
    )
    p["tanaka"] = make_customer(
        op,
        name="田中 誠",
        name_kana="タナカ マコト",
        birth_date=dt.date(1970, 3, 1),
        phones=[("mobile", "080-2222-3333")],
        emails=[("personal", "makoto@example.jp")],
    )
    make_policy(op, p["tanaka"], agency=org["agency_a"])
    p["odanaka"] = make_customer(
        op,
        name="小田中 明",
        name_kana="オダナカ アキラ",
        birth_date=dt.date(1990, 1, 1),
        phones=[("mobile", "070-5555-6666")],
        emails=[],
    )
    p["yamada_shoji"] = make_customer(
        op,
        kind=CustomerKind.CORPORATE,
        name="株式会社ヤマダ商事",
        name_kana="ヤマダショウジ",
        birth_date=None,
        phones=[("work", "03-5555-0000")],
        emails=[],
    )
    p["sato"] = make_customer(
        op,
        name="佐藤 陽子",
        name_kana="サトウ ヨウコ",
        birth_date=dt.date(1985, 12, 24),
        phones=[("mobile", "090-8888-9999")],
        emails=[("personal", "Hiroko@Example.JP")],
        addresses=[AddressInput("〒150-0001", "東京都", "渋谷区", "神宮前1-1")],
    )
    p["yamada_taro"] = make_customer(
        op,
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        family_name="山田",
        given_name="太郎",
        birth_date=dt.date(1950, 5, 5),
        phones=[("home", "03-3333-4444")],
        emails=[],
    )
    make_policy(op, p["yamada_taro"], agency=org["agency_b"])
    return p


@pytest.fixture
def analyst(org) -> User:
    return user_create(
        actor=None, username="analyst", password="x-analyst-pass-2026", display_name="analyst",
        roles=[Role.ANALYST], department=org["call_center"],
    )  # fmt: skip


def names(user: User, q: str, **kwargs: object) -> list[str]:
    return [row.name for row in search_customers(user=user, q=q, **kwargs).rows]  # type: ignore[arg-type]
