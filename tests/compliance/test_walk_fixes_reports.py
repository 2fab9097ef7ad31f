"""Walk findings of issue 15: the retention history's labels, confirmation of irreversible actions,
the monthly summary's dates, the auditor's night-reads panel, thousands separators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from tests.compliance.conftest import DAY, TZ, at, reads
from tests.conftest import _user
from tsunagu.compliance import reports, selectors
from tsunagu.compliance.choices import CampaignStatus, Conclusion
from tsunagu.compliance.models import Alert, RetentionRun
from tsunagu.compliance.services import alert_conclude, review_open, rules_run
from tsunagu.core.access_log import PastRead, log_access_backfill
from tsunagu.core.choices import AccessPurpose, Role

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 13: the run history in Japanese; 本日分を処理する and 締め切る ask first ------------------------------


def test_the_retention_history_names_the_record_types_in_japanese_with_separators(auditor):
    RetentionRun.objects.create(
        run_on=DAY,
        actor=auditor,
        status="done",
        counts={"customer": {"customers": 1234, "rows": 5678}, "contact": {"customers": 0, "rows": 0}},
    )
    page = client_for(auditor).get("/compliance/retention/").content.decode()
    assert "顧客基本情報: 1,234人・5,678行、コンタクト履歴: 0人・0行" in page
    assert "customer:" not in page
    assert "contact:" not in page


def test_the_retention_run_asks_for_confirmation_first(auditor, retention_periods):
    client = client_for(auditor)
    page = client.post("/compliance/retention/run/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "保存期間の処理の確認" in html
    assert 'name="confirm" value="1"' in html
    assert "取り消せません" in html
    assert not RetentionRun.objects.exists()
    done = client.post("/compliance/retention/run/", {"confirm": "1"})
    assert done.status_code == 302
    assert RetentionRun.objects.filter(dry_run=False).count() == 1


def test_closing_a_review_asks_for_confirmation_first(auditor, hq_operator, org):
    manager = _user("cc_manager", [Role.OPERATOR], department=org["call_center"])
    hq_operator.manager = manager
    hq_operator.save()
    campaign = review_open(actor=auditor, title="2026年度下期", deadline=timezone.localdate() + dt.timedelta(days=14))
    client = client_for(auditor)
    page = client.post(f"/compliance/reviews/{campaign.pk}/close/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "を締め切る" in html
    assert 'name="confirm" value="1"' in html
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    assert client.post(f"/compliance/reviews/{campaign.pk}/close/", {"confirm": "1"}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    # A second close (already closed) is not asked again: the service's message, back to the page.
    again = client.post(f"/compliance/reviews/{campaign.pk}/close/", follow=True)
    assert "すでに締切済み" in again.content.decode()


# --- 20: the monthly summary by the conclusion's date; open alerts as at the month's end ------------


def _monthly(user, month: dt.date) -> dict[str, object]:
    return {row[0]: row[1] for row in reports.monthly(user=user, month=month).rows}


def test_the_monthly_summary_counts_conclusions_in_their_month_and_open_alerts_at_its_end(
    auditor, hq_operator, case_reference_data
):
    reads(hq_operator, range(1, 16), at(DAY, 23))  # 2026/11/10, night reads: one alert
    (alert,) = rules_run(actor=auditor, date_from=DAY, date_to=DAY).created
    alert_conclude(actor=auditor, alert=alert, conclusion=Conclusion.values[0], comment="業務上の理由を確認した")
    # Raised on 11/11, concluded on 12/02 (test setup: the dates the services would have written then).
    models.QuerySet(Alert).filter(pk=alert.pk).update(
        raised_at=dt.datetime(2026, 11, 11, 9, tzinfo=TZ), concluded_at=dt.datetime(2026, 12, 2, 10, tzinfo=TZ)
    )
    label = f"結論: {Conclusion.choices[0][1]}"
    november = _monthly(auditor, dt.date(2026, 11, 1))
    assert november[label] == 0
    assert november["未結論のアラート(月末時点の全件)"] == 1
    december = _monthly(auditor, dt.date(2026, 12, 1))
    assert december[label] == 1
    assert december["未結論のアラート(月末時点の全件)"] == 0
    october = _monthly(auditor, dt.date(2026, 10, 1))
    assert october["未結論のアラート(月末時点の全件)"] == 0  # not raised yet


# --- 19: the auditor's 時間外の閲覧 counts views only ---------------------------------------------------


def test_the_night_reads_panel_ignores_batch_commands_and_exports(auditor, hq_operator):
    night = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=2), dt.time(23, 0)))
    early = night + dt.timedelta(hours=8, minutes=30)  # 07:30, the batch's time
    log_access_backfill(
        [
            PastRead(at=night, user=hq_operator, customer_ids=(1,), purpose=AccessPurpose.VIEW),
            PastRead(at=night, user=hq_operator, customer_ids=(2,), purpose=AccessPurpose.API),
            PastRead(at=early, user=hq_operator, customer_ids=(3,), purpose=AccessPurpose.COMMAND),
            PastRead(at=early, user=hq_operator, customer_ids=(4,), purpose=AccessPurpose.EXPORT),
        ]
    )
    summary = selectors.access_log_summary(user=auditor)
    assert [(r["username"], r["n"]) for r in summary["outside_hours"]] == [("hq_operator", 2)]
    assert summary["outside_hours_total"] == 2


# --- 18: counts with thousands separators --------------------------------------------------------------


def test_report_counts_are_shown_with_separators(auditor, monkeypatch):
    report = reports.Report("monthly", reports.KINDS["monthly"], "2026年11月", ["項目", "件数"])
    report.rows = [["アクセスログ行数", 8809], ["利用者", "2026/11/10"]]
    monkeypatch.setattr(reports, "monthly", lambda **kwargs: report)
    page = (
        client_for(auditor)
        .get("/compliance/reports/", {"kind": "monthly", "date_from": "2026-11-01", "date_to": "2026-11-30"})
        .content.decode()
    )
    assert '<td class="num">8,809</td>' in page
    assert "<td>2026/11/10</td>" in page
