"""The demo's planted access-log anomalies (docs/demo-data.md) are found by `manage.py access_alerts`,
and the demo's normal reading raises nothing else."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.conftest import seed_case_reference_data
from tsunagu.compliance.detection import monitoring_day
from tsunagu.core.models import AccessLog
from tsunagu.demo.operations.access_log import NIGHT_ADDRESS

N = 400
AS_OF = dt.date(2026, 11, 30)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One demo load for the module, rolled back at the end (as tests/demo/test_demo_identity_log.py)."""
    checkpoints = tmp_path_factory.mktemp("checkpoints") / "checkpoints.jsonl"
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE=str(checkpoints),
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    )
    overrides.enable()
    atomic = transaction.atomic()
    try:
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                seed_case_reference_data()
                out = StringIO()
                call_command(
                    "demo_data", customers=N, seed=5, as_of=AS_OF, no_progress=True, no_search_index=True, stdout=out
                )
                from tsunagu.demo.operations.access_log import access_log_plan  # noqa: F401

                alerts = StringIO()
                start = AS_OF - dt.timedelta(days=91)
                call_command(
                    "access_alerts", "--from", start.isoformat(), "--to", AS_OF.isoformat(), "--json", stdout=alerts
                )
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield out.getvalue(), json.loads(alerts.getvalue())
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    finally:
        overrides.disable()


def _anomalies():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from tsunagu.core.models import User
    from tsunagu.demo.operations.access_log import access_log_plan

    users = {u.username: u for u in User.objects.all()}
    return access_log_plan(users=users, seed=5, as_of=AS_OF, now=timezone.now())[1]


def test_every_planted_anomaly_is_found_and_nothing_else(demo, db):
    report, alerts = demo
    assert "監査用に仕込んだ異常 4 件" in report
    found = {(a["user"], a["rule"], a["day"]): a for a in alerts}
    planted = {a.kind: a for a in _anomalies()}
    night = planted["late_night_bulk"]
    night_day = monitoring_day(night.start).isoformat()
    assert ("operator2", "outside_hours", night_day) in found
    assert ("operator2", "bulk_viewing", night_day) in found
    assert found[("operator2", "bulk_viewing", night_day)]["customers"] >= night.rows
    portfolio = planted["outside_portfolio"]
    key = ("claims2", "out_of_portfolio", monitoring_day(portfolio.start).isoformat())
    assert found[key]["customers"] == portfolio.rows
    burst = planted["export_burst"]
    key = ("policy_admin", "exports", monitoring_day(burst.start).isoformat())
    assert found[key]["customers"] >= 100
    sensitive = planted["sensitive_without_task"]
    key = ("claims", "sensitive_without_task", monitoring_day(sensitive.start).isoformat())
    assert found[key]["customers"] == sensitive.rows
    assert f"担当する業務のない顧客{sensitive.rows}人の機微情報" in found[key]["explanation"]
    # Normal behaviour raises nothing: every alert is one of the planted anomalies.
    assert {(user, rule) for user, rule, _day in found} == {
        ("operator2", "outside_hours"),
        ("operator2", "bulk_viewing"),
        ("claims2", "out_of_portfolio"),
        ("policy_admin", "exports"),
        ("claims", "sensitive_without_task"),
    }, sorted(found)
    assert len(found) == 5, sorted(found)


def test_the_claims_handlers_read_the_injuries_of_their_own_cases_without_alerts(demo, db):
    """The demo's ordinary sensitive reads: both claims handlers, several days, far more customers than
    the planted reads; only the planted customers are alerted."""
    from django.db.models import Count

    from tsunagu.compliance.models import Alert
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.core.models import AccessLog

    per_user = dict(
        AccessLog.objects.filter(purpose=AccessPurpose.SENSITIVE)
        .values_list("username")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("username", "n")
    )
    planted = next(a for a in _anomalies() if a.kind == "sensitive_without_task")
    assert set(per_user) == {"claims", "claims2"}
    assert per_user["claims2"] >= 3
    assert per_user["claims"] > planted.rows
    alert = Alert.objects.get(rule="sensitive_without_task")
    assert alert.evidence["fields"] == {"けが人の状況": planted.rows}
    assert alert.evidence["screens"] == {"案件詳細(事故受付)": planted.rows}


def test_the_demo_breach_register_follows_the_planted_bulk_reading(demo):
    from tsunagu.compliance.choices import BreachStatus
    from tsunagu.compliance.models import BreachIncident

    closed = BreachIncident.objects.get(status=BreachStatus.CLOSED)
    assert closed.affected.count() == 1
    assert closed.affected.filter(notified_on__isnull=True).count() == 0
    incident = BreachIncident.objects.get(status=BreachStatus.OPEN)
    assert incident.suspect_user.username == "operator2"
    # Registered from the monitoring alert the demo's rule run raised and the auditor concluded.
    assert incident.alert.rule == "bulk_viewing"
    assert incident.alert.conclusion == "incident"
    assert incident.malicious
    persons = incident.affected.count()
    # exactly the customers operator2 opened that night from the night's address, not the day's ordinary reads
    night = set(
        AccessLog.objects.filter(user=incident.suspect_user, client_address=NIGHT_ADDRESS)
        .exclude(customer_id=None)
        .values_list("customer_id", flat=True)
    )
    assert 370 <= len(night) <= 380
    assert set(incident.affected.values_list("customer_id", flat=True)) == night
    assert incident.affected.filter(notified_on__isnull=False).count() == persons // 2
    assert incident.preliminary_reported_on is not None
    assert incident.final_reported_on is None


def test_the_demo_has_data_subject_requests_at_every_stage(demo):
    from tsunagu.compliance.models import DataSubjectRequest

    requests = {r.kind + ":" + r.status: r for r in DataSubjectRequest.objects.all()}
    assert set(requests) == {
        "correction:completed",
        "disclosure:verified",
        "stop_use:completed",
        "disclosure:received",
        "provision_records:withdrawn",
    }
    assert requests["disclosure:verified"].exported_at is None  # the auditor makes the export in the walk
    assert requests["stop_use:completed"].decision_reason
    assert requests["disclosure:received"].due_on < AS_OF  # waiting for the identity check, overdue
