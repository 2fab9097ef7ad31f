"""Branch staff (営業拠点) in the customer search: their branch's agencies' customers, and a policy number
of another branch's agency never confirms a customer (the rule agency staff follow, core.scoping.sees_part).

The population is tests/search/conftest.py `people` (agency A: 山田 花子 with TS-2026-000123, 田中 誠;
agency B: 山田 太郎; the rest served by no agency), both agencies in branch B01; branch B02's agency C
also serves 山田 花子 through a policy of its own and has a customer of its own.
"""

from __future__ import annotations

import pytest

from tests.conftest import _user, make_customer, make_policy
from tests.search.conftest import names, people  # noqa: F401  (the population fixture)
from tsunagu.core.choices import Role
from tsunagu.core.models import Agency, Branch, User

pytestmark = pytest.mark.django_db

OSAKA_NUMBER = "OS-2026-000999"


@pytest.fixture
def osaka(hq_operator, org, people):  # noqa: F811
    branch = Branch.objects.create(code="B02", name="大阪支店")
    agency_c = Agency.objects.create(code="C0001", name="なにわ保険企画", branch=branch)
    make_policy(hq_operator, people["yamada_hanako"], agency=agency_c, number=OSAKA_NUMBER)
    own = make_customer(
        hq_operator, name="山田 三郎", name_kana="ヤマダ サブロウ", phones=[("mobile", "090-7777-1234")]
    )
    make_policy(hq_operator, own, agency=agency_c)
    return {"branch": branch, "agency_c": agency_c, "own": own}


@pytest.fixture
def branch1(org) -> User:
    return _user("branch1", [Role.BRANCH_STAFF], branch=org["branch"])


@pytest.fixture
def branch2(osaka) -> User:
    return _user("branch2", [Role.BRANCH_STAFF], branch=osaka["branch"])


def test_branch_staff_find_the_customers_of_all_their_agencies(branch1, osaka):
    assert set(names(branch1, "山田")) == {"山田 花子", "山田 太郎"}
    assert names(branch1, "田中") == ["田中 誠"]
    assert names(branch1, "佐藤") == []  # served by no agency


def test_the_other_branch_finds_only_its_own(branch2, osaka):
    assert set(names(branch2, "山田")) == {"山田 花子", "山田 三郎"}
    assert names(branch2, "田中") == []


def test_a_policy_number_of_another_branch_s_agency_confirms_nothing(branch1, branch2, hq_operator, osaka):
    assert names(hq_operator, OSAKA_NUMBER) == ["山田 花子"]
    assert names(branch1, OSAKA_NUMBER) == []  # 山田 花子 is branch1's customer, but not through this number
    assert names(branch1, "TS-2026-000123") == ["山田 花子"]
    assert names(branch2, OSAKA_NUMBER) == ["山田 花子"]
    assert names(branch2, "TS-2026-000123") == []


def test_the_search_page_is_scoped(client, branch1, osaka):
    client.force_login(branch1)
    body = client.get("/search/", {"q": "山田"}).content.decode()
    assert "山田 花子" in body
    assert "山田 太郎" in body
    assert "山田 三郎" not in body
