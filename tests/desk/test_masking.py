"""Field masking per role (core/masking.py registry) and on the customer page."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.core import masking
from tsunagu.core.choices import Role
from tsunagu.core.models import User


class FakeUser:
    def __init__(self, *roles: Role, superuser: bool = False) -> None:
        self.roles = frozenset(r.value for r in roles)
        self.is_superuser = superuser


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("090-1234-5678", "***-****-5678"),
        ("0312345678", "******5678"),
        ("(03)1234-5678", "(**)****-5678"),
        ("12", "12"),
    ],
)
def test_mask_phone_keeps_last_four(value, expected):
    assert masking.mask_digits_keep_last(value) == expected


def test_mask_birth_date_and_email():
    assert masking.mask_birth_date(dt.date(1970, 3, 1)) == "1970年**月**日"
    assert masking.mask_email("taro@example.jp") == "t***@example.jp"
    assert masking.mask_email("broken") == "***"


@pytest.mark.parametrize("role", sorted(masking.CONTACT_ROLES, key=str))
def test_contact_roles_see_everything(role):
    user = FakeUser(role)
    assert masking.display(user, "customer.phone", "090-1234-5678") == "090-1234-5678"
    assert masking.display(user, "customer.birth_date", dt.date(1970, 3, 1)) == "1970/03/01"
    assert masking.masked_fields(user) == []


def test_analyst_sees_masked_values():
    user = FakeUser(Role.ANALYST)
    assert masking.display(user, "customer.phone", "090-1234-5678") == "***-****-5678"
    assert masking.display(user, "customer.birth_date", dt.date(1970, 3, 1)) == "1970年**月**日"
    assert masking.display(user, "customer.email", "taro@example.jp") == "t***@example.jp"
    assert masking.display(user, "relative.name", "山田 一郎") == "山**"
    assert "生年月日" in masking.masked_fields(user)


def test_no_role_is_masked_and_superuser_sees_all():
    assert masking.display(FakeUser(), "customer.phone", "090-1234-5678") == "***-****-5678"
    assert masking.display(FakeUser(superuser=True), "customer.phone", "090-1234-5678") == "090-1234-5678"


def test_empty_values_stay_empty():
    assert masking.display(FakeUser(), "customer.phone", "") == ""
    assert masking.display(FakeUser(), "customer.birth_date", None) == ""


def test_every_rule_masks_something():
    samples = {"customer.birth_date": dt.date(1970, 3, 1)}
    for field, rule in masking.RULES.items():
        value = samples.get(field, "山田 太郎 090-1234-5678 a@b.jp")
        assert rule.mask(value) != rule.show(value), field


@pytest.mark.django_db
def test_customer_page_for_an_analyst(client, analyst: User, hq_operator, rich_customer):
    from tsunagu.customers.services import customer_update

    customer_update(actor=hq_operator, customer=rich_customer, birth_date=dt.date(1950, 3, 2))
    client.force_login(analyst)
    body = client.get(f"/customers/{rich_customer.pk}/").content.decode()
    assert "山田 花子" in body
    assert "***-****-0000" in body
    assert "080-9999-0000" not in body
    assert "1950年**月**日" in body
    assert "1950/03/0" not in body
    assert "昭和25年" not in body
    assert "1950-03-01" not in body
    assert "内容は権限により非表示" in body
    assert "090-5555-6666" not in body
    assert "山 一郎" not in body
    assert "権限により一部を伏せて表示しています" in body


@pytest.mark.django_db
def test_customer_page_for_an_operator(client, hq_operator, rich_customer):
    client.force_login(hq_operator)
    body = client.get(f"/customers/{rich_customer.pk}/").content.decode()
    assert "080-9999-0000" in body
    assert "1950/03/01" in body
    assert "権限により一部を伏せて表示しています" not in body
