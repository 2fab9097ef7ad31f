"""The elderly flag is derived from the birth date on every read, with a configurable threshold."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import make_customer
from tests.core.helpers import years_ago
from tsunagu.config import settings as project_settings
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_a_customer_who_turned_70_today_is_elderly_and_one_a_day_short_is_not(hq_operator):
    today = timezone.localdate()
    seventy = make_customer(hq_operator, birth_date=years_ago(70, today=today))
    almost = make_customer(hq_operator, birth_date=years_ago(70, today=today, days=-1))
    assert (seventy.age, seventy.is_elderly) == (70, True)
    assert (almost.age, almost.is_elderly) == (69, False)


def test_the_threshold_comes_from_settings(hq_operator, settings):
    customer = make_customer(hq_operator, birth_date=years_ago(75, today=timezone.localdate()))
    assert customer.is_elderly
    settings.TSUNAGU_ELDERLY_AGE = 80
    assert not Customer.objects.get(pk=customer.pk).is_elderly
    settings.TSUNAGU_ELDERLY_AGE = 75
    assert Customer.objects.get(pk=customer.pk).is_elderly


def test_the_default_threshold_is_70(monkeypatch):
    monkeypatch.delenv("TSUNAGU_ELDERLY_AGE", raising=False)
    fresh_settings = runpy.run_path(str(Path(project_settings.__file__)))
    assert fresh_settings["TSUNAGU_ELDERLY_AGE"] == 70


def test_customers_without_a_birth_date_and_corporations_are_never_elderly(hq_operator):
    unknown = make_customer(hq_operator, birth_date=None)
    corporation = make_customer(
        hq_operator, kind=CustomerKind.CORPORATE, name="古都商事株式会社", name_kana="コトショウジ", birth_date=None
    )
    assert (unknown.age, unknown.is_elderly) == (None, False)
    assert corporation.is_elderly is False


def test_the_elderly_flag_is_not_stored():
    columns = {field.name for field in Customer._meta.get_fields()}
    assert not columns & {"is_elderly", "elderly", "age"}
    assert not any("elderly" in field.name for field in Customer.history.model._meta.get_fields())


def test_the_customer_page_shows_the_elderly_badge_only_for_elderly_customers(client, hq_operator, settings):
    elderly = make_customer(hq_operator, birth_date=years_ago(75, today=timezone.localdate()))
    client.force_login(hq_operator)
    assert "高齢者" in client.get(f"/customers/{elderly.pk}/").content.decode()
    settings.TSUNAGU_ELDERLY_AGE = 80
    assert "高齢者" not in client.get(f"/customers/{elderly.pk}/").content.decode()
