"""DSR reminders: due-soon and overdue reminders to the receiver and the auditors, once each, from
compliance_daily; answered requests stop counting; the badge and mark-as-read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import make_customer
from tsunagu.compliance import dsr_reminders as reminders
from tsunagu.compliance.dsr_services import dsr_receive, dsr_withdraw
from tsunagu.compliance.models import DsrReminder
from tsunagu.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_which_reminder_a_request_needs():
    due = dt.date(2026, 12, 18)
    assert reminders.reminder_kind(due=due, on=dt.date(2026, 12, 14), days=3) is None
    assert reminders.reminder_kind(due=due, on=dt.date(2026, 12, 15), days=3) == "due_soon"
    assert reminders.reminder_kind(due=due, on=due, days=3) == "due_soon"
    assert reminders.reminder_kind(due=due, on=dt.date(2026, 12, 19), days=3) == "overdue"


@pytest.fixture
def request_row(auditor, hq_operator, settings):
    settings.TSUNAGU_DSR_ANSWER_DAYS = 14
    customer = make_customer(hq_operator, name="請求 花子")
    return dsr_receive(
        actor=auditor,
        customer=customer,
        kind="disclosure",
        channel="post",
        received_on=timezone.localdate(),
        requester_name="請求 花子",
    )


def test_reminders_are_created_once_per_kind_and_person(auditor, request_row):
    due = request_row.due_on
    assert sum(reminders.dsr_reminders_create(actor=auditor, on=due - dt.timedelta(days=4)).values()) == 0
    created = reminders.dsr_reminders_create(actor=auditor, on=due - dt.timedelta(days=3))
    assert created == {"due_soon": 1}  # the auditor received it: one person
    assert sum(reminders.dsr_reminders_create(actor=auditor, on=due - dt.timedelta(days=2)).values()) == 0
    assert reminders.dsr_reminders_create(actor=auditor, on=due + dt.timedelta(days=1)) == {"overdue": 1}
    assert reminders.unread_for(auditor) == 2
    assert AuditEvent.objects.filter(action="compliance.dsr_remind", target_id=str(request_row.pk)).count() == 2
    reminder = DsrReminder.objects.filter(kind="overdue").get()
    assert reminder.history.get().history_user.username in ("auditor", "system")


def test_compliance_daily_sends_them_and_answered_requests_stop_counting(auditor, request_row, capsys):
    call_command("compliance_daily", "--date", (request_row.due_on + dt.timedelta(days=1)).isoformat())
    assert "期限超過 1件" in capsys.readouterr().out
    assert reminders.unread_for(auditor) == 1
    dsr_withdraw(actor=auditor, request=request_row, reason="本人から取下げの電話")
    assert reminders.unread_for(auditor) is None


def test_mark_read_and_the_badge(auditor, hq_operator, request_row):
    reminders.dsr_reminders_create(actor=auditor, on=request_row.due_on)
    assert reminders.unread_for(hq_operator) is None  # not compliance staff: no badge at all
    assert reminders.reminders_mark_read(actor=auditor) == 1
    assert reminders.unread_for(auditor) is None
    assert DsrReminder.objects.get().history.count() == 2
