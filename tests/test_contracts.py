"""Contract tests for every app's models: every model is in the admin, keeps row history, and is
scoped when it holds a customer's data (or is listed below with a reason); the admin of every model
holding a customer's data is scoped and logs reads; the foundation apps' admin pages render.

A new model in any app fails these until it is registered in the admin (scoped when it holds a
customer's data), given a history and scoped — or listed in an exemption below with a reason.
"""

from __future__ import annotations

import datetime as dt

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
from tsunagu.core.scoping import ScopedQuerySet
from tsunagu.core.services import api_token_create

FOUNDATION_APPS = ("core", "customers", "policies", "interactions")
# Every app of the project: a new app must be added here (test_every_project_app_is_checked).
ALL_APPS = (
    *FOUNDATION_APPS,
    "cases",
    "documents",
    "identity",
    "search",
    "surveys",
    "voice",
    "practice",
    "kpis",
    "analytics",
    "compliance",
    "desk",
    "demo",
)

# Tables that are their own history (append-only) or the chain's bookkeeping: no row history.
WITHOUT_ROW_HISTORY = {"core.AccessLog", "core.AccessLogHead", "core.AuditEvent", "interactions.Interaction"}


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


def all_models() -> list[type]:
    """Concrete models of every app, without django-simple-history's Historical* tables."""
    return [
        model
        for label in ALL_APPS
        for model in apps.get_app_config(label).get_models()
        if not issubclass(model, HistoricalChanges)
    ]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def test_the_foundation_has_the_models_these_contracts_expect():
    names = {name(model) for model in foundation_models()}
    assert {"core.User", "core.AccessLog", "customers.Customer", "policies.Policy", "interactions.Interaction"} <= names
    assert names >= WITHOUT_ROW_HISTORY


@pytest.mark.parametrize("label", sorted(WITHOUT_ROW_HISTORY))
def test_the_append_only_tables_have_no_row_history(label):
    assert not hasattr(apps.get_model(label), "history")


# --- every app ---------------------------------------------------------------------------------

CASE_PART = (
    "a part of a case: shown and changed only on the case page, through the case services "
    "(each change a case event, checked against the case's version)"
)
SEARCH_INDEX = "the search index: derived from the customer tables and rebuilt from them, not data of its own"
VOICE_INDEX = "the index of the voices' words: derived from Voice.text at write time (voice_reindex rebuilds it)"
DOCUMENT_SCREENS = (
    "read only through the document screens (scoped by core.scoping, masked, access-logged); "
    "an admin for it would have to be a ScopedAdmin"
)

# Models with no admin page, and why.
COMPLIANCE_REGISTERS = (
    "kept on the compliance screens (委託先管理・内部監査) through registers_services, with row history"
)
RETENTION_SCREEN = "kept on the compliance retention screen through retention_services (auditors only)"
NOT_IN_ADMIN = {
    "compliance.Contractor": COMPLIANCE_REGISTERS,
    "compliance.ContractorAgreement": COMPLIANCE_REGISTERS,
    "compliance.ContractorAudit": COMPLIANCE_REGISTERS,
    "compliance.AuditChecklistItem": "seeded by migration compliance 0005; changed by a migration, not by hand",
    "compliance.InternalAudit": COMPLIANCE_REGISTERS,
    "compliance.InternalAuditAnswer": COMPLIANCE_REGISTERS,
    "compliance.AuditFinding": COMPLIANCE_REGISTERS,
    "compliance.RetentionPeriod": RETENTION_SCREEN,
    "compliance.LegalHold": RETENTION_SCREEN,
    "compliance.RetentionRun": "written by retention_run; shown on the retention screen",
    "compliance.RetentionDone": "written by retention_run; what was processed per customer and type",
    "compliance.DsrReminder": "written by compliance_daily; shown on the reminders screen",
    "compliance.DailyFigure": "derived per-user daily figures of the monitoring rules, rebuilt by each run",
    "cases.CaseEvent": CASE_PART,
    "cases.CaseDocument": CASE_PART,
    "cases.CaseTask": CASE_PART,
    "cases.CasePause": CASE_PART,
    "cases.ChangeRequest": CASE_PART,
    "cases.AccidentReport": CASE_PART,
    "cases.IdentityVerification": CASE_PART,
    "cases.InquiryDetail": CASE_PART,
    "cases.ComplaintDetail": CASE_PART,
    "cases.CancellationRequest": CASE_PART,
    "cases.CaseNumberSequence": "the counter behind case numbers; editing it by hand would issue duplicate numbers",
    "documents.Document": DOCUMENT_SCREENS,
    "documents.DeductionCertificate": DOCUMENT_SCREENS,
    "documents.ContractNoticeReply": DOCUMENT_SCREENS,
    "documents.DownloadLink": "holds only a hash of the customer's link token; links are issued and opened by services",
    "documents.DocumentBatch": "a batch job's progress, shown at documents:batches; its start and end are audit events",
    "search.CustomerDoc": SEARCH_INDEX,
    "search.SearchTerm": SEARCH_INDEX,
    "search.NameTrigramFts": SEARCH_INDEX,
    "search.NameGramFts": SEARCH_INDEX,
    "surveys.SurveyImport": "an import job's record, shown on the survey import screen; its rows keep their history",
    "surveys.ResponseAggregate": "derived counts rebuilt from the responses; read by the results dashboard",
    "voice.VoiceTerm": VOICE_INDEX,
    "voice.VoiceTermStat": VOICE_INDEX,
    "voice.CirculationRead": "「確認しました」 receipts, shown to the circulation's readers on the 回覧 page",
    "analytics.Score": "read only through the analytics screens and the customer page (scoped, masked, access-logged)",
    "kpis.KpiMonthly": "derived counts rebuilt from the records (kpi_rebuild); read by the KPI dashboards",
    "surveys.ResponseRollup": "derived counts rebuilt from the responses (dashboard read model)",
    "surveys.RollupSlot": "which answer statistic each numbered rollup column holds; written with the rollup",
    "compliance.BreachAffectedPerson": "listed, found and notified on the incident page (names logged as a list read)",
    "compliance.DataSubjectRequest": "received, verified and answered on the request pages (compliance.dsr; each "
    "read logged); the admin would show the person's request without the access log",
    **dict.fromkeys(
        (
            "practice.TrainingSession",
            "practice.Attendance",
            "practice.RolePlayScore",
            "practice.Qualification",
            "practice.GuidanceRecord",
        ),
        "agency staff's training records (no customer data): kept on the 研修 screens through the practice services",
    ),
}

# Models without a row history, and why (the foundation's are WITHOUT_ROW_HISTORY above).
WITHOUT_ROW_HISTORY_ALL_APPS = {
    **dict.fromkeys(WITHOUT_ROW_HISTORY, "append-only: the table is its own history"),
    "cases.CaseEvent": "append-only: the case's timeline is its history",
    "cases.OverdueSnapshot": "append-only: one row per day and department, never changed",
    "cases.CaseNumberSequence": "a counter; every number it hands out is recorded on the case",
    "documents.DocumentBatch": "a batch job's progress counters; its start and end are audit events",
    "identity.ImportBatch": "an import job's record; the rows it brought in keep their history",
    "identity.StagedRow": "append-only: the rows of an import file as they were read",
    "identity.BlockingKey": "derived from a source record and rebuilt with it",
    "identity.MatchModel": "a trained model artifact, versioned by its `version`; activation is an audit event",
    "identity.MatchRun": "a matching job's progress counters; its decisions are candidate pairs with history",
    "search.CustomerDoc": SEARCH_INDEX,
    "search.SearchTerm": SEARCH_INDEX,
    "search.NameTrigramFts": SEARCH_INDEX,
    "search.NameGramFts": SEARCH_INDEX,
    "surveys.SurveyImport": "an import job's record; the responses it brought in keep their history",
    "surveys.ResponseAggregate": "derived counts, rebuilt from the responses",
    "voice.VoiceTerm": VOICE_INDEX,
    "voice.VoiceTermStat": VOICE_INDEX,
    "compliance.RuleRun": "a rule run's job record (period, log ids covered, counts); its end is an audit event",
    "analytics.ModelVersion": "a trained model artifact, versioned by its `version`; activation is an audit event",
    "analytics.Score": "derived: replaced by every scoring run, which is an audit event naming the model version",
    "kpis.KpiMonthly": "derived counts, rebuilt from the records",
    "kpis.KpiReportVersion": "append-only: a published version is frozen (save refuses a change)",
    "surveys.ResponseRollup": "derived counts, rebuilt from the responses",
    "surveys.RollupSlot": "derived: the column layout of the rollup, rebuilt with it",
    "compliance.DailyFigure": "derived per-user daily figures of the monitoring rules, rewritten by each run",
}

# Rows of a customer's data that are not scoped themselves: the path to the scoped row they are
# read through (selectors take that row, fetched with `visible_to` and access-logged, never an id).
READ_THROUGH = {
    "customers.CustomerAgency": "customer",
    "customers.Address": "customer",
    "customers.Phone": "customer",
    "customers.Email": "customer",
    "customers.Relative": "customer",
    "customers.FormerName": "customer",
    "policies.InsuredPerson": "policy",
    "policies.Coverage": "policy",
    "policies.Vehicle": "policy",
    "policies.Building": "policy",
    "policies.PremiumPayment": "policy",
    "cases.CaseEvent": "case",
    "cases.CaseDocument": "case",
    "cases.CaseTask": "case",
    "cases.CasePause": "case",
    "cases.ChangeRequest": "case",
    "cases.AccidentReport": "case",
    "cases.IdentityVerification": "case",
    "cases.InquiryDetail": "case",
    "cases.ComplaintDetail": "case",
    "cases.CancellationRequest": "case",
    "documents.DeductionCertificate": "document",
    "documents.DownloadLink": "document",
    "documents.ContractNoticeReply": "document",
    "search.CustomerDoc": "customer",
    "search.SearchTerm": "customer",
    "voice.VoiceTerm": "voice",
    "voice.CirculationRead": "circulation",
}
STEWARD_ONLY = (
    "名寄せ data: head-office data stewards only (permissions.IDENTITY_STEWARD); a source record may have no "
    "customer yet, so there is no agency to scope it by"
)
# Customer data that is neither scoped nor read through a scoped row, and why.
UNSCOPED = {
    "compliance.BreachAffectedPerson": "head-office compliance only (permission compliance.breaches); "
    "listing names is logged",
    "compliance.DataSubjectRequest": "head-office compliance only (permission compliance.dsr); the list and the "
    "request page are logged reads",
    "compliance.LegalHold": "head-office compliance only (permission compliance.retention); the list is a logged read",
    "compliance.RetentionDone": "head-office compliance only: written by retention_run, never listed by name",
    "compliance.DsrReminder": "head-office compliance only: reminders of data-subject requests to their staff",
    "identity.SourceRecord": STEWARD_ONLY,
    "identity.BlockingKey": STEWARD_ONLY,
    "identity.CandidatePair": STEWARD_ONLY,
    "identity.CustomerMerge": STEWARD_ONLY,
    "identity.FieldLineage": STEWARD_ONLY,
}


def is_scoped(model: type) -> bool:
    return isinstance(model._default_manager.get_queryset(), ScopedQuerySet)


def customer_data_models() -> list[type]:
    """The scoped models, and every model that points (through foreign keys, at any depth) at one."""
    holding = {name(m) for m in all_models() if is_scoped(m)}
    grew = True
    while grew:
        grew = False
        for model in all_models():
            related = {
                f.related_model._meta.label
                for f in model._meta.get_fields()
                if f.concrete and f.is_relation and f.related_model is not None
            }
            if name(model) not in holding and related & holding:
                holding.add(name(model))
                grew = True
    return [m for m in all_models() if name(m) in holding]


def _target(model: type, path: str) -> type:
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def test_every_project_app_is_checked():
    project = {config.label for config in apps.get_app_configs() if config.name.startswith("tsunagu.")}
    assert project == set(ALL_APPS), f"add the new app to ALL_APPS: {sorted(project - set(ALL_APPS))}"


def test_the_exemption_lists_name_existing_models():
    labels = {name(m) for m in all_models()}
    for exemptions in (NOT_IN_ADMIN, WITHOUT_ROW_HISTORY_ALL_APPS, READ_THROUGH, UNSCOPED):
        assert set(exemptions) <= labels, sorted(set(exemptions) - labels)
    assert not set(READ_THROUGH) & set(UNSCOPED)


def test_customer_data_is_found_through_the_scoped_models():
    """The detection the scoping contract relies on: scoped rows and what hangs off them."""
    found = {name(m) for m in customer_data_models()}
    assert {"customers.Customer", "policies.Policy", "policies.Claim", "cases.Case", "documents.Document"} <= found
    assert {"customers.Address", "cases.CaseTask", "documents.DownloadLink", "identity.CandidatePair"} <= found
    assert "core.Department" not in found


@pytest.mark.parametrize("model", all_models(), ids=name)
def test_every_model_is_in_the_admin_or_says_why_not(model):
    if name(model) in NOT_IN_ADMIN:
        assert not admin.site.is_registered(model), f"{name(model)} is in the admin now: drop it from NOT_IN_ADMIN"
        return
    assert admin.site.is_registered(model), f"{name(model)} is not registered in the admin (or listed in NOT_IN_ADMIN)"


@pytest.mark.parametrize("model", all_models(), ids=name)
def test_every_model_keeps_a_row_history_or_says_why_not(model):
    if name(model) in WITHOUT_ROW_HISTORY_ALL_APPS:
        assert not hasattr(model, "history"), f"{name(model)} has a history now: drop it from the exemptions"
        return
    manager = getattr(model, "history", None)
    assert manager is not None, f"{name(model)} has no simple_history `history` manager (or a listed reason)"
    assert issubclass(manager.model, HistoricalChanges)
    assert manager.model._meta.get_field("history_user").related_model is apps.get_model("core", "User")


@pytest.mark.parametrize("model", customer_data_models(), ids=name)
def test_every_model_of_customer_data_is_scoped_or_read_through_a_scoped_row(model):
    label = name(model)
    if label in UNSCOPED:
        return
    if label in READ_THROUGH:
        assert not is_scoped(model), f"{label} is scoped itself now: drop it from READ_THROUGH"
        parent = _target(model, READ_THROUGH[label])
        assert is_scoped(parent), f"{label} is read through {name(parent)}, which is not scoped"
        return
    assert is_scoped(model), (
        f"{label} holds a customer's data: its default queryset must be a core.scoping.ScopedQuerySet "
        "(or list the scoped row it is read through in READ_THROUGH)"
    )


@pytest.mark.parametrize("model", [m for m in customer_data_models() if admin.site.is_registered(m)], ids=name)
def test_every_admin_of_customer_data_in_any_app_is_scoped_and_access_logged(model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ScopedAdmin), f"{name(model)}'s admin is not a ScopedAdmin"
    assert model_admin.customer_field is not None, f"{name(model)}'s admin does not log reads"
    assert is_scoped(model) or model_admin.scope_field, f"{name(model)}'s admin shows every row to everyone"


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
    _walk_admin_pages(client, admin_user, foundation_models(), subtests)


def test_every_admin_page_of_the_other_apps_renders_for_a_superuser(client, admin_user, settings, tmp_path, subtests):
    """The same pages for every registered model of cases, documents, identity and search, with the
    route walk's world (tests/routes_world.py) as the sample."""
    from tests.routes_world import build_world
    from tsunagu.cases.models import CalendarException
    from tsunagu.cases.services.overdue import overdue_snapshot_record
    from tsunagu.identity.models import CustomerRelation, MatchModel

    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"
    world = build_world()
    overdue_snapshot_record(actor=world.users["hq_operator"], on=dt.date(2027, 1, 1))
    CalendarException.objects.create(date=dt.date(2027, 1, 4), note="臨時休業")
    MatchModel.objects.create(
        version=1, model_json="{}", auto_link=0.99, review=0.5, trained_by=world.users["steward"], is_active=False
    )
    merge = world.identity["merge"]
    CustomerRelation.objects.create(person=merge.absorbed, corporation=merge.survivor, created_by=merge.merged_by)
    others = [m for m in all_models() if m._meta.app_label not in FOUNDATION_APPS and admin.site.is_registered(m)]
    assert others, "no registered model outside the foundation apps"
    _walk_admin_pages(client, admin_user, others, subtests)


def _walk_admin_pages(client, admin_user, models, subtests) -> None:
    client.force_login(admin_user)
    request = type("Request", (), {"user": admin_user})()
    for model in models:
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
