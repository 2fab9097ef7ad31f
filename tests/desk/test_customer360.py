"""The customer 360: everything on one page, scoped, logged, masked, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.customers.choices import NameChangeReason
from tsunagu.customers.services import customer_change_name
from tsunagu.desk.selectors import renewal_status
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Policy

from .conftest import add_activity

pytestmark = pytest.mark.django_db

# Session + user + roles, customer and its contact points, policies, claims, cases, documents,
# interactions, history (the customer, its addresses, phones, e-mails, relatives and policies: one
# query each), and the access-log append. Fixed: it must not grow with the data.
# お客様の声: the customer's voices and the menu's unread 回覧 badge (+2).
# アンケート回答: the customer's survey answers (+1); the survey follow-ups' menu badge (+1).
# 予測スコア: the customer's scores (+1, roles with analytics.scores).
# 関連する法人 / 代表者・関係者 (名寄せ): the customer's relations (+1; more only when there are some).
QUERY_BUDGET = 41


def page(client, user, customer, **params):
    client.force_login(user)
    response = client.get(f"/customers/{customer.pk}/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_header(client, hq_operator, rich_customer):
    customer_change_name(
        actor=hq_operator, customer=rich_customer, name="鈴木 花子", name_kana="スズキ ハナコ",
        reason=NameChangeReason.MARRIAGE, changed_on=dt.date(2026, 4, 1),
    )  # fmt: skip
    body = page(client, hq_operator, rich_customer)
    assert "鈴木 花子" in body
    assert "スズキ ハナコ" in body
    assert "高齢者" in body
    assert f"{rich_customer.age}歳" in body
    assert "1950/03/01" in body
    assert "昭和25年3月1日" in body
    # Contact points, primary first.
    phones = [body.index(n) for n in ("080-9999-0000", "03-1111-2222", "090-1234-5678")]
    assert phones == sorted(phones)
    assert "second@example.jp" in body
    assert "希望連絡方法" in body
    assert "DM" in body
    assert "登録親族" in body
    assert "山田 一郎" in body
    assert "090-5555-6666" in body
    assert "旧氏名" in body
    assert "山田 花子" in body


def test_panels(client, hq_operator, org, rich_customer):
    add_activity(hq_operator, rich_customer, org, policies=2, interactions=3)
    body = page(client, hq_operator, rich_customer)
    policies = body[body.index('id="policies-panel"') : body.index('id="claims-panel"')]
    assert len(re.findall(r"<td><a href=\"/policies/\d+/\">PN\d{8}</a></td>", policies)) == 2
    assert "事故対応中 2件" in body
    assert "あおぞら保険サービス" in body  # the policy's agency
    assert "満期まで" in body or "継続中" in body
    assert 'id="timeline"' in body
    assert "連絡 2" in body
    assert "案件" in body
    assert "発行帳票" in body
    # Newest contact first.
    assert body.index("連絡 2") < body.index("連絡 1") < body.index("連絡 0")


def test_channel_filter(client, hq_operator, org, rich_customer):
    add_activity(hq_operator, rich_customer, org, policies=0, interactions=4)
    client.force_login(hq_operator)
    response = client.get(f"/customers/{rich_customer.pk}/", {"channel": "email"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.startswith('\n  <ol class="timeline" id="timeline">') or body.lstrip().startswith("<ol")
    assert "連絡 0" in body
    assert "連絡 2" in body
    assert "連絡 1" not in body
    assert "連絡 3" not in body


def test_log_a_call_without_leaving_the_page(client, hq_operator, rich_customer):
    client.force_login(hq_operator)
    response = client.post(
        f"/customers/{rich_customer.pk}/interactions/",
        {"channel": "phone", "direction": "inbound", "subject": "住所変更の問い合わせ", "notes": "転居予定"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="interactions-panel"' in body
    assert "住所変更の問い合わせ" in body
    assert rich_customer.interactions.get().subject == "住所変更の問い合わせ"


def test_log_a_call_shows_errors(client, hq_operator, rich_customer):
    client.force_login(hq_operator)
    response = client.post(f"/customers/{rich_customer.pk}/interactions/", {"channel": "phone", "direction": "inbound"})
    assert "件名を入力してください。" in response.content.decode()
    assert not rich_customer.interactions.exists()


def test_every_opening_is_logged(client, hq_operator, rich_customer):
    before = AccessLog.objects.count()
    page(client, hq_operator, rich_customer)
    page(client, hq_operator, rich_customer)
    rows = list(AccessLog.objects.order_by("id")[before:])
    assert [(r.customer_id, r.purpose, r.user_id) for r in rows] == [
        (rich_customer.pk, AccessPurpose.VIEW, hq_operator.pk)
    ] * 2


def test_outsiders_get_404_and_nothing_is_shown(client, agency_b_staff, hq_operator, org, rich_customer):
    add_activity(hq_operator, rich_customer, org, policies=1, interactions=0)  # now agency A's customer
    client.force_login(agency_b_staff)
    response = client.get(f"/customers/{rich_customer.pk}/")
    assert response.status_code == 404
    assert "山田" not in response.content.decode()


def test_agency_staff_see_their_customer(client, agency_a_staff, hq_operator, org, rich_customer):
    add_activity(hq_operator, rich_customer, org, policies=1, interactions=1)
    body = page(client, agency_a_staff, rich_customer)
    assert "山田 花子" in body


@pytest.mark.parametrize(("policies", "interactions"), [(1, 1), (6, 12)])
def test_query_count_is_bounded(
    client, django_assert_max_num_queries, hq_operator, org, rich_customer, policies, interactions
):
    add_activity(hq_operator, rich_customer, org, policies=policies, interactions=interactions)
    client.force_login(hq_operator)
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(f"/customers/{rich_customer.pk}/")
    assert response.status_code == 200


def test_query_count_does_not_grow_with_data(client, hq_operator, org, rich_customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(hq_operator)
    add_activity(hq_operator, rich_customer, org, policies=1, interactions=1)
    client.get(f"/customers/{rich_customer.pk}/")  # the first access-log row creates the chain head
    with CaptureQueriesContext(connection) as small:
        client.get(f"/customers/{rich_customer.pk}/")
    add_activity(hq_operator, rich_customer, org, policies=5, interactions=10)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/customers/{rich_customer.pk}/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_renewal_status():
    today = dt.date(2026, 6, 1)

    def policy(**kw):
        return Policy(status=kw.get("status", PolicyStatus.IN_FORCE), expiry=kw["expiry"])

    assert renewal_status(policy(expiry=dt.date(2027, 6, 1)), today).label == "継続中"
    assert renewal_status(policy(expiry=dt.date(2026, 7, 1)), today).label == "満期まで30日・未更改"
    assert renewal_status(policy(expiry=dt.date(2026, 5, 1)), today).label == "満期・未更改"
    assert renewal_status(policy(expiry=dt.date(2026, 5, 1), status=PolicyStatus.CANCELLED), today).label == "—"


def test_renewed_policy(client, hq_operator, org, rich_customer):
    from tests.conftest import make_policy

    old = make_policy(hq_operator, rich_customer, agency=org["agency_a"])
    make_policy(hq_operator, rich_customer, agency=org["agency_a"], previous_policy=old)
    assert "更改済" in page(client, hq_operator, rich_customer)


def test_timeline_shows_a_new_call(client, hq_operator, rich_customer):
    interaction_log(actor=hq_operator, customer=rich_customer, channel="phone", subject="満期の案内")
    assert "満期の案内" in page(client, hq_operator, rich_customer)
