"""Agency staff find only their agency's customers: through the service, the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import _user, make_policy
from tsunagu.core.choices import Role
from tsunagu.core.services import api_token_create
from tsunagu.search.selectors import search_customers

from .conftest import names

pytestmark = pytest.mark.django_db


def test_hq_operator_finds_everyone(hq_operator, people):
    assert set(names(hq_operator, "山田")) == {"山田 花子", "山田 太郎"}


def test_agency_a_staff_find_only_agency_a_customers(agency_a_staff, people):
    assert names(agency_a_staff, "山田") == ["山田 花子"]
    assert names(agency_a_staff, "田中") == ["田中 誠"]
    assert names(agency_a_staff, "5678") == ["山田 花子"]


def test_agency_b_staff_see_nothing_of_agency_a(agency_b_staff, people):
    assert names(agency_b_staff, "山田") == ["山田 太郎"]
    for q in ["山田 花子", "やまだ はなこ", "090-1234-5678", "TS-2026-000123", "hanako@example.jp", "田中", "S45.3.1"]:
        assert names(agency_b_staff, q) == [], q


def test_scope_applies_before_the_limit(agency_b_staff, people):
    # 山田 花子 ranks higher for "山田花子" at HQ; agency B must still get its own 山田 in one result.
    assert names(agency_b_staff, "やまだ", limit=1) == ["山田 太郎"]


def test_no_department_no_agency_sees_nothing(people, org):
    from tsunagu.core.models import User

    nobody = User.objects.create_user(username="nobody", password="x-nobody-pass-2026")
    assert names(nobody, "山田") == []


def test_a_member_of_staff_without_a_role_sees_nothing(people, org, auditor, client):
    """The department places the rows, a role grants the work: once an access review revokes the
    user's last role, search, the customer page and the API show no customer (walk finding)."""
    from tsunagu.compliance.services import user_role_revoke
    from tsunagu.core.models import User
    from tsunagu.core.scoping import Reach, reach

    operator = _user("revoked_operator", [Role.OPERATOR], department=org["call_center"])
    assert names(operator, "山田")
    user_role_revoke(actor=auditor, user=operator, role=Role.OPERATOR.value, reason="異動のため")
    operator = User.objects.get(pk=operator.pk)
    assert reach(operator) is Reach.NONE
    assert names(operator, "山田") == []
    client.force_login(operator)
    assert "山田 太郎" not in client.get("/search/", {"q": "山田"}).content.decode()
    assert client.get(f"/customers/{people['yamada_taro'].pk}/").status_code in (403, 404)


def test_policy_counts_are_scoped(agency_b_staff, hq_operator, people, org):
    make_policy(hq_operator, people["yamada_taro"], agency=org["agency_a"])
    assert search_customers(user=hq_operator, q="山田太郎").rows[0].policy_count == 2
    assert search_customers(user=agency_b_staff, q="山田太郎").rows[0].policy_count == 1


def test_html_is_scoped(client, agency_b_staff, people):
    client.force_login(agency_b_staff)
    body = client.get("/search/", {"q": "山田"}).content.decode()
    assert "山田 太郎" in body
    assert "山田 花子" not in body


def test_htmx_fragment_is_scoped(client, agency_b_staff, people):
    client.force_login(agency_b_staff)
    response = client.get("/search/", {"q": "やまだ"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="search-results"' in body
    assert "<html" not in body
    assert "山田 太郎" in body
    assert "山田 花子" not in body


def test_api_with_token_is_scoped(client, agency_b_staff, people):
    _, key = api_token_create(actor=agency_b_staff, user=agency_b_staff, name="test")
    response = client.get("/api/customers/search", {"q": "山田"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["山田 太郎"]


def test_api_session_and_shape(client, hq_operator, people):
    client.force_login(hq_operator)
    body = client.get("/api/customers/search", {"q": "山田 5678"}).json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert hit["name"] == "山田 花子"
    assert hit["name_kana"] == "ヤマダ ハナコ"
    assert hit["phone_masked"] == "***-****-5678"
    assert hit["url"] == f"/customers/{people['yamada_hanako'].pk}/"
    assert hit["policy_count"] == 1
    assert hit["match"] == "姓または名が一致"


def test_api_requires_authentication(client, people):
    assert client.get("/api/customers/search", {"q": "山田"}).status_code == 401


def test_html_requires_login(client, people):
    response = client.get("/search/", {"q": "山田"})
    assert response.status_code == 302


def test_agency_staff_cannot_find_a_shared_customer_by_another_agencys_numbers(
    agency_a_staff, agency_b_staff, hq_operator, people, org
):
    """Searching agency A's policy or claim number must not confirm it to agency B, even when B also
    serves the customer (the index holds every number of the customer)."""
    from tsunagu.policies.choices import ReportChannel
    from tsunagu.policies.services import claim_register

    hanako = people["yamada_hanako"]
    make_policy(hq_operator, hanako, agency=org["agency_b"], number="TS-2026-000999")
    claim_register(
        actor=hq_operator,
        policy=people["hanako_policy"],
        number="CL-A-777777",
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都千代田区",
        accident_type="追突",
        reported_on=dt.date(2026, 5, 1),
        reported_via=ReportChannel.CALL_CENTER,
    )
    assert names(hq_operator, "TS-2026-000123") == ["山田 花子"]
    assert names(agency_a_staff, "TS-2026-000123") == ["山田 花子"]
    assert names(agency_b_staff, "TS-2026-000999") == ["山田 花子"]  # B's own policy finds her
    assert names(agency_b_staff, "山田 花子") == ["山田 花子"]  # B serves her
    assert names(agency_b_staff, "TS-2026-000123") == []  # A's policy: no confirmation
    assert names(agency_b_staff, "TS20260001") == []  # nor by a prefix of it
    assert names(agency_b_staff, "CL-A-777777") == []  # nor A's claim
    assert names(agency_a_staff, "CL-A-777777") == ["山田 花子"]
    assert names(agency_b_staff, "TS-2026-0009") == ["山田 花子"]  # B's own prefix still works


def test_masked_fields_do_not_match(analyst, hq_operator, people):
    """An analyst sees phone numbers with only the last 4 digits, e-mail and birth date masked: a
    search on the full value must not confirm it."""
    assert names(hq_operator, "090-1234-5678") == ["山田 花子"]
    assert names(analyst, "090-1234-5678") == []
    assert names(analyst, "0901234") == []  # the start of the number is masked too
    assert names(analyst, "hanako@example.jp") == []
    assert names(analyst, "1970/3/1") == []
    assert names(analyst, "5678 山田") == ["山田 花子"]  # the last 4 digits are shown, so they match
    assert names(hq_operator, "hanako@example.jp") == ["山田 花子"]
