"""The admin is scoped like every other read path, and logs every read of a customer's data.

Agency staff normally have no admin access; these tests give the personas staff status and view
permissions, so that the admin's own scoping (not the missing permission) is what is tested.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_customer
from tests.core.helpers import fill_book, grant_admin_view
from tsunagu.core.models import AccessLog

pytestmark = pytest.mark.django_db

# Every admin that shows a customer's data, by the key fill_book() gives its sample row.
SCOPED = [
    "customer",
    "address",
    "phone",
    "email",
    "relative",
    "former_name",
    "agency_link",
    "policy",
    "coverage",
    "insured_person",
    "vehicle",
    "building",
    "premium_payment",
    "claim",
    "interaction",
]
WITH_ROW_HISTORY = [key for key in SCOPED if key != "interaction"]  # interactions are append-only


@pytest.fixture
def books(hq_operator, customer_a, org):
    customer_b = make_customer(hq_operator, name="鈴木 一郎", name_kana="スズキ イチロウ")
    return {
        "a": fill_book(hq_operator, customer_a, agency=org["agency_a"]),
        "b": fill_book(hq_operator, customer_b, agency=org["agency_b"]),
    }


@pytest.fixture
def staff(books, hq_operator, agency_a_staff, agency_b_staff):
    models = {type(row) for row in books["a"].values()}
    return {
        "hq": grant_admin_view(hq_operator, *models),
        "a": grant_admin_view(agency_a_staff, *models),
        "b": grant_admin_view(agency_b_staff, *models),
    }


def url(row, view: str, *args) -> str:
    opts = row._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def customer_of(book: dict, key: str):
    return book["spouse"] if key == "insured_person" else book["customer"]


def listed_pks(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


def new_access_rows(since: int) -> list[AccessLog]:
    return list(AccessLog.objects.filter(id__gt=since).order_by("id"))


def last_access_id() -> int:
    return AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_agency_b_staff_find_nothing_of_agency_a_on_any_admin_page(client, books, staff, subtests):
    """Changelists leave A's rows out; change, history and past-version pages answer as for a
    row that does not exist; nothing is logged about A's customers."""
    client.force_login(staff["b"])
    for key in SCOPED:
        with subtests.test(model=key):
            row = books["a"][key]
            changelist = client.get(url(row, "changelist"))
            assert changelist.status_code == 200
            assert row.pk not in listed_pks(changelist)
            assert books["b"][key].pk in listed_pks(changelist)
            assert "山田" not in changelist.content.decode()

            change, missing = client.get(url(row, "change", row.pk)), client.get(url(row, "change", 999_999))
            assert change.status_code == missing.status_code == 302
            assert change["Location"] == missing["Location"] == reverse("admin:index")

            if key in WITH_ROW_HISTORY:
                version = row.history.first()
                assert client.get(url(row, "history", row.pk)).status_code == 404
                assert client.get(url(row, "simple_history", row.pk, version.history_id)).status_code == 404
    a_customers = [books["a"]["customer"].pk, books["a"]["spouse"].pk]
    assert not AccessLog.objects.filter(customer_id__in=a_customers).exists()


def test_agency_a_staff_see_their_rows_on_every_admin_page_and_every_read_is_logged(client, books, staff, subtests):
    client.force_login(staff["a"])
    # Agency A serves the policyholder and, through the fire policy, the insured spouse.
    serves = {books["a"]["customer"].pk, books["a"]["spouse"].pk}
    for key in SCOPED:
        with subtests.test(model=key):
            row = books["a"][key]
            name = row._meta.verbose_name
            customer_id = customer_of(books["a"], key).pk

            since = last_access_id()
            changelist = client.get(url(row, "changelist"), REMOTE_ADDR="192.0.2.10")
            assert changelist.status_code == 200
            assert row.pk in listed_pks(changelist)
            assert books["b"][key].pk not in listed_pks(changelist)
            logs = new_access_rows(since)  # one row per customer shown
            assert customer_id in {log.customer_id for log in logs} <= serves
            assert len(logs) == len({log.customer_id for log in logs})
            assert {(log.user, log.purpose, log.screen, log.client_address) for log in logs} == {
                (staff["a"], "admin", f"管理画面:{name}一覧", "192.0.2.10")
            }

            since = last_access_id()
            assert client.get(url(row, "change", row.pk)).status_code == 200
            if key in WITH_ROW_HISTORY:
                assert client.get(url(row, "history", row.pk)).status_code == 200
                version = row.history.first()
                assert client.get(url(row, "simple_history", row.pk, version.history_id)).status_code == 200
            screens = [f"管理画面:{name}", f"管理画面:{name}の変更履歴", f"管理画面:{name}の過去の版"]
            expected = screens if key in WITH_ROW_HISTORY else screens[:1]
            logs = new_access_rows(since)
            assert [(log.customer_id, log.screen) for log in logs] == [(customer_id, screen) for screen in expected]
            assert {(log.user, log.purpose, log.client_address) for log in logs} == {(staff["a"], "admin", "127.0.0.1")}


def test_hq_sees_every_agency_s_rows(client, books, staff, subtests):
    client.force_login(staff["hq"])
    for key in SCOPED:
        with subtests.test(model=key):
            response = client.get(url(books["a"][key], "changelist"))
            assert listed_pks(response) >= {books["a"][key].pk, books["b"][key].pk}


def test_a_past_version_cannot_be_posted_back_through_the_history_form(client, hq_operator, admin_user):
    customer = make_customer(hq_operator, name="山田 花子")
    version = customer.history.earliest()
    client.force_login(admin_user)
    response = client.post(url(customer, "simple_history", customer.pk, version.history_id), {"name": "書き換え"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "山田 花子"
    assert customer.history.count() == 1


def test_anonymous_visitors_are_sent_to_the_admin_login(client, customer_a):
    from tsunagu.customers.models import Customer
    from tsunagu.interactions.models import Interaction
    from tsunagu.policies.models import Claim, Policy

    for model in (Customer, Policy, Claim, Interaction):
        opts = model._meta
        for target in (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[customer_a.pk]),
        ):
            response = client.get(target)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
    assert not AccessLog.objects.exists()


def test_agency_staff_without_staff_status_cannot_open_the_admin(client, customer_a, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.get(url(customer_a, "change", customer_a.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AccessLog.objects.exists()
