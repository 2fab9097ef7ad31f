"""A customer merged into another one (名寄せ) shows a notice with a link to the surviving customer
instead of the normal page; the read is still scoped and access-logged."""

from __future__ import annotations

import pytest

from tests.conftest import make_customer, make_policy
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.customers.services import customer_set_merged_into

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(hq_operator, org):
    survivor = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ", note="生存側の備考")
    absorbed = make_customer(hq_operator, name="渡邊 恵子", name_kana="ワタナベ ケイコ")
    make_policy(hq_operator, absorbed, agency=org["agency_a"])  # agency A serves the absorbed one
    customer_set_merged_into(actor=hq_operator, customer=absorbed, into=survivor, reason="名寄せ統合")
    return survivor, absorbed


def test_notice_with_a_link_to_the_survivor_and_the_read_is_logged(client, hq_operator, merged):
    survivor, absorbed = merged
    client.force_login(hq_operator)
    before = AccessLog.objects.count()
    response = client.get(f"/customers/{absorbed.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "この顧客は統合済みです" in body
    assert f'href="/customers/{survivor.pk}/"' in body
    assert survivor.number in body
    assert 'class="quick-actions"' not in body
    rows = list(AccessLog.objects.order_by("id")[before:])
    assert [(r.customer_id, r.purpose, r.user_id) for r in rows] == [(absorbed.pk, AccessPurpose.VIEW, hq_operator.pk)]


def test_the_survivor_page_is_the_normal_page(client, hq_operator, merged):
    survivor, _ = merged
    client.force_login(hq_operator)
    body = client.get(f"/customers/{survivor.pk}/").content.decode()
    assert "この顧客は統合済みです" not in body
    assert "生存側の備考" in body


def test_chained_merges_link_to_the_live_customer(client, hq_operator, merged):
    survivor, absorbed = merged
    third = make_customer(hq_operator, name="渡辺 けい子", name_kana="ワタナベ ケイコ")
    customer_set_merged_into(actor=hq_operator, customer=survivor, into=third, reason="名寄せ統合")
    client.force_login(hq_operator)
    body = client.get(f"/customers/{absorbed.pk}/").content.decode()
    assert f'href="/customers/{third.pk}/"' in body


def test_outsiders_get_404(client, agency_b_staff, merged):
    _, absorbed = merged
    client.force_login(agency_b_staff)
    response = client.get(f"/customers/{absorbed.pk}/")
    assert response.status_code == 404
    assert "渡邊" not in response.content.decode()
    assert not AccessLog.objects.filter(user=agency_b_staff, customer_id=absorbed.pk).exists()


def test_no_link_to_a_survivor_outside_the_user_s_scope(client, agency_a_staff, merged):
    survivor, absorbed = merged  # the survivor is not (yet) agency A's customer
    client.force_login(agency_a_staff)
    body = client.get(f"/customers/{absorbed.pk}/").content.decode()
    assert "この顧客は統合済みです" in body
    assert f"/customers/{survivor.pk}/" not in body
    assert "生存側の備考" not in body
    assert survivor.number not in body


def test_timeline_request_gets_the_notice_and_calls_are_not_logged_on_it(client, hq_operator, merged):
    _, absorbed = merged
    client.force_login(hq_operator)
    response = client.get(f"/customers/{absorbed.pk}/", {"channel": "phone"}, HTTP_HX_REQUEST="true")
    assert "この顧客は統合済みです" in response.content.decode()
    response = client.post(
        f"/customers/{absorbed.pk}/interactions/", {"channel": "phone", "direction": "inbound", "subject": "問合せ"}
    )
    assert "統合されています" in response.content.decode()
    assert not absorbed.interactions.exists()
