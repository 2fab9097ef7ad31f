"""Who sees which customers: the queryset, the selectors and the desk screens, with access logs.

Personas: agency A staff see agency A's customers; agency B staff must see nothing of them (404,
never a hint the row exists); HQ sees every customer; anonymous visitors are sent to log in.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from tests.conftest import make_customer
from tests.core.helpers import access_rows
from tsunagu.core import context
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get, customer_list
from tsunagu.interactions.services import interaction_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_b(agency_b_staff):
    """Agency B's own customer, registered by its staff."""
    return make_customer(agency_b_staff, name="鈴木 一郎", name_kana="スズキ イチロウ")


@pytest.fixture
def unassigned(hq_operator):
    """A customer no agency serves (a direct customer)."""
    return make_customer(hq_operator, name="田中 三郎", name_kana="タナカ サブロウ")


# --- the one queryset method -----------------------------------------------------------------


def test_visible_to_gives_each_persona_exactly_its_customers(
    customer_a, customer_b, unassigned, hq_operator, auditor, agency_a_staff, agency_b_staff, admin_user
):
    everyone = {customer_a, customer_b, unassigned}
    assert set(Customer.objects.visible_to(hq_operator)) == everyone
    assert set(Customer.objects.visible_to(auditor)) == everyone
    assert set(Customer.objects.visible_to(admin_user)) == everyone
    assert set(Customer.objects.visible_to(agency_a_staff)) == {customer_a}
    assert set(Customer.objects.visible_to(agency_b_staff)) == {customer_b}
    assert not Customer.objects.visible_to(AnonymousUser()).exists()


def test_a_user_with_neither_department_nor_agency_sees_no_customer(customer_a, django_user_model):
    stray = django_user_model.objects.create(username="stray")
    assert not Customer.objects.visible_to(stray).exists()


def test_a_customer_served_by_both_agencies_is_visible_to_both(customer_a, hq_operator, org, agency_b_staff):
    from tsunagu.customers.services import customer_link_agency

    customer_link_agency(actor=hq_operator, customer=customer_a, agency=org["agency_b"])
    assert list(Customer.objects.visible_to(agency_b_staff)) == [customer_a]


# --- selectors -------------------------------------------------------------------------------


def test_agency_b_staff_get_404_for_an_agency_a_customer_and_the_failed_read_is_not_logged(customer_a, agency_b_staff):
    with pytest.raises(Http404):
        customer_get(user=agency_b_staff, pk=customer_a.pk, purpose=AccessPurpose.VIEW)
    assert not AccessLog.objects.exists()


def test_the_404_for_another_agency_s_customer_is_the_same_as_for_a_missing_one(customer_a, agency_b_staff):
    with pytest.raises(Http404) as hidden:
        customer_get(user=agency_b_staff, pk=customer_a.pk, purpose=AccessPurpose.VIEW)
    with pytest.raises(Http404) as missing:
        customer_get(user=agency_b_staff, pk=999_999, purpose=AccessPurpose.VIEW)
    assert str(hidden.value) == str(missing.value)


def test_anonymous_users_get_404_from_customer_get(customer_a):
    with pytest.raises(Http404):
        customer_get(user=AnonymousUser(), pk=customer_a.pk, purpose=AccessPurpose.VIEW)


@pytest.mark.parametrize("persona", ["agency_a_staff", "hq_operator", "auditor"])
def test_customer_get_returns_the_customer_and_logs_who_read_it_from_where(request, customer_a, persona):
    user = request.getfixturevalue(persona)
    with context.request_context(client_address="198.51.100.7", screen="/ignored"):
        customer = customer_get(user=user, pk=customer_a.pk, purpose=AccessPurpose.VIEW, screen="顧客詳細")
    assert customer == customer_a
    [log] = access_rows()
    assert (log.user, log.username, log.customer_id, log.purpose, log.screen, log.client_address) == (
        user,
        persona,
        customer_a.pk,
        "view",
        "顧客詳細",
        "198.51.100.7",
    )


def test_without_a_screen_the_log_names_the_request_path(customer_a, hq_operator):
    with context.request_context(client_address="198.51.100.7", screen="/customers/1/"):
        customer_get(user=hq_operator, pk=customer_a.pk, purpose=AccessPurpose.VIEW)
    assert access_rows()[0].screen == "/customers/1/"


def test_customer_list_shows_each_persona_its_customers_and_logs_one_row_per_customer(
    customer_a, customer_b, unassigned, hq_operator, agency_a_staff, agency_b_staff
):
    assert customer_list(user=agency_a_staff, screen="一覧") == [customer_a]
    assert customer_list(user=agency_b_staff, screen="一覧") == [customer_b]
    assert set(customer_list(user=hq_operator, screen="一覧")) == {customer_a, customer_b, unassigned}
    logs = [(log.username, log.customer_id, log.purpose) for log in access_rows()]
    assert logs[:2] == [("agency_a_staff", customer_a.pk, "list"), ("agency_b_staff", customer_b.pk, "list")]
    assert {customer_id for _, customer_id, _ in logs[2:]} == {customer_a.pk, customer_b.pk, unassigned.pk}


def test_an_empty_list_is_logged_without_a_customer(customer_a, agency_b_staff):
    assert customer_list(user=agency_b_staff) == []
    [log] = access_rows()
    assert (log.username, log.customer_id, log.purpose) == ("agency_b_staff", None, "list")


# --- desk screens ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_from_every_desk_screen(client, customer_a):
    for path in ("/", f"/customers/{customer_a.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={path}"
    assert not AccessLog.objects.exists()


def test_agency_b_staff_get_404_on_an_agency_a_customer_page_with_no_hint_of_the_customer(
    client, customer_a, agency_b_staff
):
    client.force_login(agency_b_staff)
    response = client.get(f"/customers/{customer_a.pk}/")
    missing = client.get("/customers/999999/")
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert "花子" not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_agency_b_staff_get_404_on_the_timeline_fragment_too(client, customer_a, agency_b_staff):
    client.force_login(agency_b_staff)
    assert client.get(f"/customers/{customer_a.pk}/?channel=phone", HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("persona", ["agency_a_staff", "hq_operator"])
def test_the_customer_page_shows_the_customer_and_logs_the_read(client, request, customer_a, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(f"/customers/{customer_a.pk}/", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    assert "山田 花子" in response.content.decode()
    [log] = access_rows()
    assert (log.user, log.customer_id, log.purpose, log.screen, log.client_address) == (
        user,
        customer_a.pk,
        "view",
        "顧客詳細",
        "203.0.113.5",
    )


def test_the_home_screen_lists_only_visible_customers_recent_contacts_and_logs_them(
    client, customer_a, customer_b, hq_operator, agency_a_staff, agency_b_staff
):
    """The home page lists the user's own recent contacts (desk/home.py), of customers they may see."""
    interaction_log(actor=agency_a_staff, customer=customer_a, channel="phone", subject="住所変更の問い合わせ")
    interaction_log(actor=agency_b_staff, customer=customer_b, channel="phone", subject="満期の案内")
    interaction_log(actor=hq_operator, customer=customer_a, channel="phone", subject="本社からの確認")
    interaction_log(actor=hq_operator, customer=customer_b, channel="phone", subject="本社からの案内")

    client.force_login(agency_b_staff)
    page = client.get("/").content.decode()
    assert "満期の案内" in page
    assert "山田 花子" not in page
    assert "住所変更の問い合わせ" not in page
    assert [(log.customer_id, log.purpose, log.screen) for log in access_rows()] == [(customer_b.pk, "list", "ホーム")]

    client.force_login(agency_a_staff)
    page = client.get("/").content.decode()
    assert "山田 花子" in page
    assert "鈴木 一郎" not in page
    assert [log.customer_id for log in access_rows(username="agency_a_staff")] == [customer_a.pk]

    client.force_login(hq_operator)
    page = client.get("/").content.decode()
    assert "山田 花子" in page
    assert "鈴木 一郎" in page
    assert {log.customer_id for log in access_rows(username="hq_operator")} == {customer_a.pk, customer_b.pk}
