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


def test_agency_b_staff_see_none_of_agency_a_rows_in_any_changelist(client, books, staff, subtests):
    client.force_login(staff["b"])
    for key in SCOPED:
        with subtests.test(model=key):
            response = client.get(url(books["a"][key], "changelist"))
            assert response.status_code == 200
            assert books["a"][key].pk not in listed_pks(response)
            assert books["b"][key].pk in listed_pks(response)
            assert "山田" not in response.content.decode()
    a_customers = [books["a"]["customer"].pk, books["a"]["spouse"].pk]
    assert not AccessLog.objects.filter(customer_id__in=a_customers).exists()


def test_agency_a_staff_see_their_rows_and_every_changelist_read_is_logged(client, books, staff, subtests):
    client.force_login(staff["a"])
    for key in SCOPED:
        with subtests.test(model=key):
            since = last_access_id()
            response = client.get(url(books["a"][key], "changelist"), REMOTE_ADDR="192.0.2.10")
            assert response.status_code == 200
            assert books["a"][key].pk in listed_pks(response)
            assert books["b"][key].pk not in listed_pks(response)
            logs = new_access_rows(since)
            # One row per customer shown: agency A serves the policyholder and the insured spouse.
            shown = {books["a"]["customer"].pk, books["a"]["spouse"].pk}
            assert customer_of(books["a"], key).pk in {log.customer_id for log in logs}
            assert {log.customer_id for log in logs} <= shown
            assert len(logs) == len({log.customer_id for log in logs})
            screen = f"管理画面:{books['a'][key]._meta.verbose_name}一覧"
            assert {(log.user, log.purpose, log.screen, log.client_address) for log in logs} == {
                (staff["a"], "admin", screen, "192.0.2.10")
            }


def test_hq_sees_every_agency_s_rows(client, books, staff, subtests):
    client.force_login(staff["hq"])
    for key in SCOPED:
        with subtests.test(model=key):
            response = client.get(url(books["a"][key], "changelist"))
            assert listed_pks(response) >= {books["a"][key].pk, books["b"][key].pk}


def test_agency_b_staff_get_the_same_answer_for_agency_a_rows_as_for_rows_that_do_not_exist(
    client, books, staff, subtests
):
    client.force_login(staff["b"])
    for key in SCOPED:
        with subtests.test(model=key):
            row = books["a"][key]
            response = client.get(url(row, "change", row.pk))
            missing = client.get(url(row, "change", 999_999))
            assert response.status_code == missing.status_code == 302
            assert response["Location"] == missing["Location"] == reverse("admin:index")
    assert not AccessLog.objects.exists()


def test_agency_a_staff_open_their_rows_and_every_read_is_logged(client, books, staff, subtests):
    client.force_login(staff["a"])
    for key in SCOPED:
        with subtests.test(model=key):
            since = last_access_id()
            row = books["a"][key]
            assert client.get(url(row, "change", row.pk)).status_code == 200
            [log] = new_access_rows(since)
            assert (log.user, log.customer_id, log.purpose, log.screen, log.client_address) == (
                staff["a"],
                customer_of(books["a"], key).pk,
                "admin",
                f"管理画面:{row._meta.verbose_name}",
                "127.0.0.1",
            )


def test_agency_b_staff_cannot_read_the_history_of_agency_a_rows(client, books, staff, subtests):
    client.force_login(staff["b"])
    for key in WITH_ROW_HISTORY:
        with subtests.test(model=key):
            row = books["a"][key]
            version = row.history.first()
            assert client.get(url(row, "history", row.pk)).status_code == 404
            assert client.get(url(row, "simple_history", row.pk, version.history_id)).status_code == 404
    assert not AccessLog.objects.exists()


def test_agency_a_staff_read_the_history_of_their_rows_and_the_reads_are_logged(client, books, staff, subtests):
    client.force_login(staff["a"])
    for key in WITH_ROW_HISTORY:
        with subtests.test(model=key):
            since = last_access_id()
            row = books["a"][key]
            version = row.history.first()
            assert client.get(url(row, "history", row.pk)).status_code == 200
            assert client.get(url(row, "simple_history", row.pk, version.history_id)).status_code == 200
            name = row._meta.verbose_name
            logs = [(log.customer_id, log.screen) for log in new_access_rows(since)]
            customer_id = customer_of(books["a"], key).pk
            assert logs == [(customer_id, f"管理画面:{name}の変更履歴"), (customer_id, f"管理画面:{name}の過去の版")]


def test_a_past_version_cannot_be_posted_back_through_the_history_form(client, books, staff, admin_user):
    customer = books["a"]["customer"]
    version = customer.history.earliest()
    client.force_login(admin_user)
    response = client.post(url(customer, "simple_history", customer.pk, version.history_id), {"name": "書き換え"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "山田 花子"


@pytest.mark.parametrize("key", ["customer", "policy", "claim", "interaction"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, books, key):
    row = books["a"][key]
    for target in (url(row, "changelist"), url(row, "change", row.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not AccessLog.objects.exists()


def test_agency_staff_without_staff_status_cannot_open_the_admin(client, books, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.get(url(books["a"]["customer"], "change", books["a"]["customer"].pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
