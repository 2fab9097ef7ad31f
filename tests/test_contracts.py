"""Contract tests for the foundation apps: every model is in the admin, keeps row history, is scoped,
and its admin pages render.

A new model in core, customers, policies or interactions fails these until it is registered in the
admin (scoped when it holds a customer's data) and given a history, or listed below with a reason.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse
from simple_history.models import HistoricalChanges

from tests.core.helpers import FAST_HASHERS, fill_book
from tsunagu.core.access_log import log_access
from tsunagu.core.admin import ScopedAdmin
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.services import api_token_create

FOUNDATION_APPS = ("core", "customers", "policies", "interactions")

# Tables that are their own history (append-only) or the chain's bookkeeping: no row history.
WITHOUT_ROW_HISTORY = {"core.AccessLog", "core.AccessLogHead", "core.AuditEvent", "interactions.Interaction"}

# The models through which a row belongs to a customer; their admins must be scoped.
CUSTOMER_MODELS = {"customers.Customer", "policies.Policy", "policies.Claim"}


def foundation_models() -> list[type]:
    """Concrete models of the foundation apps, without django-simple-history's Historical* tables."""
    return [
        model
        for label in FOUNDATION_APPS
        for model in apps.get_app_config(label).get_models()
        if not issubclass(model, HistoricalChanges)
    ]


def name(model: type) -> str:
    return model._meta.label


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def test_the_foundation_has_the_models_these_contracts_expect():
    names = {name(model) for model in foundation_models()}
    assert {"core.User", "core.AccessLog", "customers.Customer", "policies.Policy", "interactions.Interaction"} <= names
    assert names >= WITHOUT_ROW_HISTORY


@pytest.mark.parametrize("model", foundation_models(), ids=name)
def test_every_foundation_model_is_registered_in_the_admin(model):
    assert admin.site.is_registered(model), f"{name(model)} is not registered in the admin"


@pytest.mark.parametrize("model", [m for m in foundation_models() if name(m) not in WITHOUT_ROW_HISTORY], ids=name)
def test_every_business_model_keeps_a_row_history(model):
    manager = getattr(model, "history", None)
    assert manager is not None, f"{name(model)} has no simple_history `history` manager"
    assert issubclass(manager.model, HistoricalChanges)
    assert manager.model._meta.get_field("history_user").related_model is apps.get_model("core", "User")


@pytest.mark.parametrize("label", sorted(WITHOUT_ROW_HISTORY))
def test_the_append_only_tables_have_no_row_history(label):
    assert not hasattr(apps.get_model(label), "history")


def _holds_customer_data(model: type) -> bool:
    """The customer, policy and claim tables, and every table with a foreign key to one of them."""
    related = {
        field.related_model._meta.label
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is not None
    }
    return name(model) in CUSTOMER_MODELS or bool(related & CUSTOMER_MODELS)


@pytest.mark.parametrize("model", [m for m in foundation_models() if _holds_customer_data(m)], ids=name)
def test_every_admin_showing_a_customer_s_data_is_scoped_and_access_logged(model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ScopedAdmin), f"{name(model)}'s admin is not a ScopedAdmin"
    assert model_admin.customer_field is not None, f"{name(model)}'s admin does not log reads"
    scoped_by_itself = hasattr(model._default_manager.get_queryset(), "visible_to")
    assert scoped_by_itself or model_admin.scope_field, f"{name(model)}'s admin shows every row to everyone"


# --- every admin page renders --------------------------------------------------------------


@pytest.fixture
def sample(db, hq_operator, agency_a_staff, customer_a, org):
    """At least one row of every foundation model."""
    fill_book(hq_operator, customer_a, agency=org["agency_a"])
    api_token_create(actor=hq_operator, user=agency_a_staff, name="連携テスト")
    log_access(user=hq_operator, customer_ids=[customer_a.pk], purpose=AccessPurpose.VIEW)
    return customer_a


def admin_url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_page_renders_for_a_superuser(client, admin_user, sample, subtests):
    """Changelist (plain and searched), add, change and history pages of every foundation model.

    One sample for all models (subtests report each model separately): building it per model
    would cost more than the pages themselves.
    """
    client.force_login(admin_user)
    request = type("Request", (), {"user": admin_user})()
    for model in foundation_models():
        with subtests.test(model=name(model)):
            model_admin = admin.site._registry[model]
            changelist = client.get(admin_url(model, "changelist"))
            assert changelist.status_code == 200, changelist.content[:500]
            assert client.get(admin_url(model, "changelist"), {"q": "山田"}).status_code == 200

            add = client.get(admin_url(model, "add"))
            assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)

            obj = model._default_manager.order_by("pk").first()
            assert obj is not None, f"the sample has no {name(model)}"
            change = client.get(admin_url(model, "change", quote(obj.pk)))
            assert change.status_code == 200, change.content[:500]
            history = client.get(admin_url(model, "history", quote(obj.pk)))
            assert history.status_code == 200, history.content[:500]
