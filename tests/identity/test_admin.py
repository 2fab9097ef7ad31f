"""Identity in the admin, held to the same contracts as the foundation apps (tests/test_contracts.py):
every model is registered, admins showing a customer's data are scoped and log reads, every page
renders; plus: stewards only, source systems and mapping profiles are saved through the services."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse
from simple_history.models import HistoricalChanges

from tests.core.helpers import FAST_HASHERS, grant_admin_view
from tests.test_contracts import is_scoped
from tsunagu.core.admin import ScopedAdmin
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import (
    CandidatePair,
    CustomerRelation,
    MappingProfile,
    MatchModel,
    MatchRun,
    SourceRecord,
    SourceSystem,
    StagedRow,
)
from tsunagu.identity.services.golden import golden_create
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.merging import customer_merge

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db

# No row history, with the reason: what they record is itself a log or derived.
WITHOUT_ROW_HISTORY = {
    "identity.ImportBatch",  # one row per import, never changed after it (plus an audit event)
    "identity.StagedRow",  # the error report of one import, append-only
    "identity.BlockingKey",  # derived from the record's features; rebuilt, never edited
    "identity.MatchModel",  # a trained artifact, immutable (training is an audit event)
    "identity.MatchRun",  # progress of one run
}


def identity_models() -> list[type]:
    return [m for m in apps.get_app_config("identity").get_models() if not issubclass(m, HistoricalChanges)]


def name(model: type) -> str:
    return model._meta.label


def admin_url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.mark.parametrize("model", identity_models(), ids=name)
def test_every_identity_model_is_registered_in_the_admin(model):
    assert admin.site.is_registered(model), f"{name(model)} is not registered in the admin"


@pytest.mark.parametrize("model", [m for m in identity_models() if name(m) not in WITHOUT_ROW_HISTORY], ids=name)
def test_every_identity_business_model_keeps_a_row_history(model):
    manager = getattr(model, "history", None)
    assert manager is not None, f"{name(model)} has no simple_history `history` manager"
    assert manager.model._meta.get_field("history_user").related_model is apps.get_model("core", "User")


def _shows_personal_data(model: type) -> bool:
    """A scoped model or one pointing at one (customer data), or source records and what points at them."""
    related = {f.related_model for f in model._meta.get_fields() if f.concrete and f.is_relation}
    holds_customer_data = is_scoped(model) or any(r is not None and is_scoped(r) for r in related)
    return holds_customer_data or model is SourceRecord or SourceRecord in related


@pytest.mark.parametrize("model", [m for m in identity_models() if _shows_personal_data(m)], ids=name)
def test_every_identity_admin_showing_personal_data_is_scoped_and_access_logged(model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ScopedAdmin), f"{name(model)}'s admin is not a ScopedAdmin"
    assert model_admin.customer_field is not None
    assert model_admin.scope_field, f"{name(model)}'s admin shows every row to everyone"


@pytest.fixture
def sample(steward, sources, hq_operator):
    """At least one row of every identity model (no matcher needed: stored rows only)."""
    rows = [
        person("A1"),
        person("A2", name="渡辺 恵子", kana="ワタナベ ケイコ", email="k@example.jp", mobile="090-2222-3333"),
        person("A3", name="渡邊 恵子", kana="ワタナベ ケイコ", email="k2@example.jp", mobile="090-2222-4444"),
        person("", name="取込 失敗"),  # an error row
    ]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="a.csv", match=False)
    a2, a3 = SourceRecord.objects.get(external_id="A2"), SourceRecord.objects.get(external_id="A3")
    survivor, absorbed = golden_create(actor=steward, records=[a2]), golden_create(actor=steward, records=[a3])
    pair = CandidatePair.objects.create(
        record_l=a2, record_r=a3, match_probability=0.9, match_weight=3.2, status=PairStatus.REVIEW
    )
    customer_merge(actor=steward, survivor=survivor, absorbed=absorbed, reason="同一人物", pair=pair)
    # A stored model row for the admin list (inactive: never loaded by a matcher here).
    MatchModel.objects.create(version=1, model_json="{}", auto_link=0.99, review=0.5, trained_by=steward)
    MatchRun.objects.create(started_by=steward)
    CustomerRelation.objects.create(person=absorbed, corporation=survivor, created_by=steward)
    return {"survivor": survivor, "absorbed": absorbed}


def test_every_identity_admin_page_renders_for_a_superuser(client, admin_user, sample, subtests):
    client.force_login(admin_user)
    request = type("Request", (), {"user": admin_user})()
    for model in identity_models():
        with subtests.test(model=name(model)):
            model_admin = admin.site._registry[model]
            changelist = client.get(admin_url(model, "changelist"))
            assert changelist.status_code == 200, changelist.content[:500]
            assert client.get(admin_url(model, "changelist"), {"q": "A2"}).status_code == 200
            add = client.get(admin_url(model, "add"))
            assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)
            obj = model._default_manager.order_by("pk").first()
            assert obj is not None, f"the sample has no {name(model)}"
            change = client.get(admin_url(model, "change", quote(obj.pk)))
            assert change.status_code == 200, change.content[:500]
            assert client.get(admin_url(model, "history", quote(obj.pk))).status_code == 200


def test_labels_are_japanese():
    for model in identity_models():
        assert any("\u3040" <= ch <= "\u9fff" for ch in str(model._meta.verbose_name)), name(model)


@pytest.fixture
def staff(sample, steward, hq_operator):
    models = identity_models()
    return {"steward": grant_admin_view(steward, *models), "hq": grant_admin_view(hq_operator, *models)}


def test_only_stewards_see_identity_in_the_admin(client, staff, subtests):
    for model in identity_models():
        with subtests.test(model=name(model)):
            client.force_login(staff["hq"])  # an operator with view permissions is still not a steward
            assert client.get(admin_url(model, "changelist")).status_code == 403
            client.force_login(staff["steward"])
            assert client.get(admin_url(model, "changelist")).status_code == 200


def test_reads_of_records_and_merges_are_logged(client, staff, sample):
    client.force_login(staff["steward"])
    record = SourceRecord.objects.get(external_id="A3")
    since = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(admin_url(SourceRecord, "change", record.pk)).status_code == 200
    merge_model = apps.get_model("identity", "CustomerMerge")
    merge = merge_model.objects.get()
    assert client.get(admin_url(merge_model, "change", merge.pk)).status_code == 200
    logged = set(AccessLog.objects.filter(id__gt=since, purpose="admin").values_list("customer_id", flat=True))
    assert {sample["survivor"].pk, sample["absorbed"].pk} <= logged
    assert client.get(admin_url(StagedRow, "changelist")).status_code == 200
    assert AccessLog.objects.filter(id__gt=since, screen__contains="取込エラー行").exists()


def test_unlinked_records_are_listed_for_stewards(client, staff, sample):
    client.force_login(staff["steward"])
    unlinked = SourceRecord.objects.get(external_id="A1")
    assert unlinked.customer_id is None
    listed = client.get(admin_url(SourceRecord, "changelist")).context["cl"].result_list
    assert unlinked in listed


def test_the_customer_scope_still_applies_inside_the_admin(sample, agency_b_staff):
    """Stewards are HQ staff and see every customer; the admin's queryset is scoped all the same:
    for a user outside the customers' scope only the unlinked record remains (and StewardOnly
    refuses such a user the page itself)."""
    from tsunagu.identity.admin import CandidatePairAdmin, FieldLineageAdmin, SourceRecordAdmin

    request = type("Request", (), {"user": agency_b_staff})()
    records = SourceRecordAdmin(SourceRecord, admin.site).get_queryset(request)
    assert set(records.values_list("external_id", flat=True)) == {"A1"}
    assert not CandidatePairAdmin(CandidatePair, admin.site).get_queryset(request).exists()
    lineage = apps.get_model("identity", "FieldLineage")
    assert not FieldLineageAdmin(lineage, admin.site).get_queryset(request).exists()


def test_source_systems_are_saved_through_the_service(client, staff):
    client.force_login(staff["steward"])
    staff["steward"].user_permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(codename__in=["add_sourcesystem", "change_sourcesystem"])
    )
    response = client.post(
        admin_url(SourceSystem, "add"),
        {"code": "WEB", "name": "Webフォーム", "priority": 50, "verified_fields": ["email"], "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    web = SourceSystem.objects.get(code="WEB")
    assert web.verified_fields == ["email"]
    assert web.history.first().history_user == staff["steward"]
    assert AuditEvent.objects.filter(action="identity.source_register", target_id=str(web.pk)).exists()


def test_mapping_profile_admin_validates_in_japanese(client, staff, sources):
    client.force_login(staff["steward"])
    staff["steward"].user_permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(codename__in=["add_mappingprofile"])
    )
    response = client.post(
        admin_url(MappingProfile, "add"),
        {"source": sources["AGENCY"].pk, "name": "別形式", "columns": '{"氏名": "name_kanji", "x": "nope"}'},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ソースIDの列を指定してください。" in body
    assert "列「x」の対応先「nope」は項目ではありません。" in body
    assert not MappingProfile.objects.filter(name="別形式").exists()
    response = client.post(
        admin_url(MappingProfile, "add"),
        {"source": sources["AGENCY"].pk, "name": "別形式", "columns": '{"番号": "record_id", "氏名": "name_kanji"}'},
    )
    assert response.status_code == 302
    assert MappingProfile.objects.get(name="別形式").columns == {"番号": "record_id", "氏名": "name_kanji"}
