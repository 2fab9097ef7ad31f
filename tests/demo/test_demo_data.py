"""`manage.py demo_data` and `demo_logins` against the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from tests.conftest import make_customer
from tsunagu.core import normalize
from tsunagu.core.choices import Role
from tsunagu.core.models import Agency, AuditEvent, User
from tsunagu.customers.choices import PREFECTURES, CustomerKind
from tsunagu.customers.models import Address, Customer, CustomerAgency, Email, FormerName, Phone, Relative
from tsunagu.demo.org import ADMIN_PASSWORD, DEMO_USERS, STAFF_PASSWORD
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import (
    Building,
    Claim,
    Coverage,
    InsuredPerson,
    Policy,
    PremiumPayment,
    Vehicle,
)

N = 150
AS_OF = "2026-04-01"


@pytest.fixture(autouse=True)
def _fast_hasher(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"  # the demo issues PDFs: not into the repository


@pytest.fixture(autouse=True)
def _reference_data(case_reference_data):  # type: ignore[no-untyped-def]
    """The demo's cases follow the seeded rules, which an earlier transactional test may have flushed."""


def _load(customers: int = N, seed: int = 7, **extra) -> str:
    out = StringIO()
    call_command(
        "demo_data",
        customers=customers,
        seed=seed,
        as_of=dt.date.fromisoformat(AS_OF),
        no_progress=True,
        no_search_index=True,
        stdout=out,
        **extra,
    )
    return out.getvalue()


def _digest() -> str:
    """Content of customers and policies with natural keys only (ids of users differ on PostgreSQL)."""
    h = hashlib.sha256()
    for customer in Customer.objects.order_by("id").values_list(
        "id", "kind", "name", "name_kana", "birth_date", "gender", "corporate_number", "created_at"
    ):
        h.update(repr(customer).encode())
    for policy in Policy.objects.order_by("id").values_list(
        "number", "line", "product__code", "status", "contract_date", "inception", "expiry", "annual_premium",
        "payment_method", "payment_frequency", "policyholder_id", "agency__code", "agent__registration_number",
        "previous_policy__number",
    ):  # fmt: skip
        h.update(repr(policy).encode())
    for contact in Interaction.objects.order_by("id").values_list(
        "customer_id", "occurred_at", "subject", "staff__username"
    ):
        h.update(repr(contact).encode())
    for model in (Address, Phone, Email, Coverage, PremiumPayment, Claim):
        h.update(str(model.objects.count()).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    digests = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            _load(seed=seed)
            digests.append(_digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


@pytest.mark.django_db
def test_counts_and_mixes_are_plausible():
    output = _load()
    assert "デモデータを投入しました: 顧客 150 件" in output
    assert Customer.objects.count() == N
    corporate = Customer.objects.filter(kind=CustomerKind.CORPORATE).count()
    assert 3 <= corporate <= 30  # ~10%
    individuals = Customer.objects.filter(kind=CustomerKind.INDIVIDUAL)
    elderly = individuals.filter(birth_date__lte=dt.date(1956, 4, 1)).count()
    assert 0.12 < elderly / individuals.count() < 0.40  # ~25% aged 70+
    surnames = set(individuals.values_list("family_name", flat=True))
    assert len(surnames) > 0.6 * individuals.count()
    policies = Policy.objects.count()
    assert 2.4 * N <= policies <= 3.5 * N
    assert not Customer.objects.filter(policies__isnull=True).exists()
    assert 0.04 * policies <= Claim.objects.count() <= 0.18 * policies
    assert 6 * N <= Interaction.objects.count() <= 14 * N
    assert Policy.objects.filter(agency__isnull=False).count() > 0.6 * policies
    assert Policy.objects.filter(previous_policy__isnull=False).exists()
    assert Vehicle.objects.count() == Policy.objects.filter(line="auto").count()
    assert Building.objects.count() == Policy.objects.filter(line__in=["fire", "earthquake"]).count()
    assert Coverage.objects.filter(is_earthquake=True, policy__line="fire").exists()
    assert 0.3 * N < Email.objects.count() < 0.75 * N
    assert Agency.objects.count() >= 5
    assert CustomerAgency.objects.count() > 0.6 * N


@pytest.mark.django_db
def test_every_role_has_a_demo_user_and_the_documented_passwords_work():
    _load(customers=20)
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    assert len(users) == len(DEMO_USERS)
    for role in Role:
        assert any(role.value in u.roles for u in users.values()), role
    agency_staff = [u for u in users.values() if Role.AGENCY_STAFF.value in u.roles]
    assert len({u.agency_id for u in agency_staff}) >= 2
    assert all(u.department_id is None for u in agency_staff)
    assert users["admin"].is_superuser
    assert users["admin"].check_password(ADMIN_PASSWORD)
    assert users["operator"].check_password(STAFF_PASSWORD)


@pytest.mark.django_db
def test_rows_pass_model_validation():
    _load()
    samples = [Customer, Address, Phone, Email, Relative, FormerName, Policy, Coverage, Vehicle, Building]
    samples += [PremiumPayment, Claim, InsuredPerson, CustomerAgency, Interaction]
    errors = []
    for model in samples:
        for obj in model._default_manager.order_by("id")[:60]:
            try:
                obj.full_clean()
            except ValidationError as error:
                errors.append((model.__name__, obj.pk, error.message_dict))
    assert errors == []
    for customer in Customer.objects.all():
        keys = (customer.name_kana, customer.name_key, customer.kana_key)
        customer.refresh_keys()
        assert keys == (customer.name_kana, customer.name_key, customer.kana_key)
        if customer.corporate_number:
            assert normalize.is_valid_corporate_number(customer.corporate_number)
    for phone in Phone.objects.all():
        assert phone.digits == normalize.phone_digits(phone.number)
        assert normalize.is_valid_phone(phone.digits)
    assert set(Address.objects.values_list("prefecture", flat=True)) <= set(PREFECTURES)
    assert all(len(p) == 7 and p.isdigit() for p in Address.objects.values_list("postal_code", flat=True))
    for policy in Policy.objects.exclude(agent=None).select_related("agent"):
        assert policy.agent is not None
        assert policy.agent.agency_id == policy.agency_id


@pytest.mark.django_db
def test_history_rows_are_written_for_customers_and_policies():
    _load(customers=30)
    assert Customer.history.filter(history_type="+").count() == Customer.objects.count()
    assert Policy.history.filter(history_type="+").count() == Policy.objects.count()
    record = Customer.history.select_related("history_user").first()
    assert record is not None
    assert record.history_user.username == "system"
    assert record.history_change_reason == "デモデータ投入"


@pytest.mark.django_db
def test_running_again_adds_new_customers_and_writes_still_work():
    _load(customers=40)
    first = set(Customer.objects.values_list("name", "birth_date"))
    output = _load(customers=40)
    assert "既存のデモデータ(顧客 40 件)に追加しました" in output
    assert Customer.objects.count() == 80
    assert User.objects.filter(username="admin").count() == 1
    added = set(Customer.objects.order_by("-id")[:40].values_list("name", "birth_date"))
    assert len(added & first) < 5  # new people, not the same ones again
    assert AuditEvent.objects.filter(action="demo.load").count() == 2
    # Sequences were moved past the explicit ids: ordinary writes keep working (PostgreSQL).
    operator = User.objects.get(username="operator")
    customer = make_customer(operator, name="新規 顧客", name_kana="シンキ コキャク")
    assert customer.pk > 80


@pytest.mark.django_db
def test_refuses_a_database_with_other_customers(hq_operator):
    make_customer(hq_operator)
    with pytest.raises(CommandError, match="デモデータ以外の顧客"):
        _load(customers=5)
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_rebuilds_the_search_index_when_that_command_exists():
    with (
        mock.patch("tsunagu.demo.loader.get_commands", return_value={"rebuild_search_index": "tsunagu.search"}),
        mock.patch("tsunagu.demo.loader.call_command") as called,
    ):
        out = StringIO()
        call_command("demo_data", customers=3, seed=1, as_of=dt.date(2026, 4, 1), no_progress=True, stdout=out)
    called.assert_called_once_with("rebuild_search_index")
    assert "検索インデックス" in out.getvalue()


@pytest.mark.django_db
def test_stats_file(tmp_path):
    path = tmp_path / "stats.json"
    _load(customers=5, stats_file=path)
    import json

    stats = json.loads(path.read_text(encoding="utf-8"))
    assert stats["customers"] == 5
    assert stats["counts"]["customers"] == 5
    assert stats["rows"] == sum(stats["counts"].values())


@pytest.mark.django_db
def test_rejects_bad_arguments():
    with pytest.raises(CommandError):
        call_command("demo_data", "--customers", "0")


@pytest.mark.django_db
def test_demo_logins_prints_accounts():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "まだ登録されていません" in out.getvalue()
    _load(customers=5)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for demo in DEMO_USERS:
        assert demo.username in text
    assert STAFF_PASSWORD in text
    assert ADMIN_PASSWORD in text
    assert "代理店スタッフ" in text
    assert "コールセンター" in text
