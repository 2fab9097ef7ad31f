"""The demo's data-subject requests come with the day's reminders (what `compliance_daily` sends), so the
auditor's 期限リマインダー shows the overdue request from the first login (walk finding: it was empty)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_customer
from tsunagu.compliance.dsr_reminders import unread_for
from tsunagu.compliance.models import DsrReminder
from tsunagu.demo.operations.data_subject_requests import demo_requests_load
from tsunagu.demo.org import ensure_agencies, ensure_departments, ensure_users

pytestmark = pytest.mark.django_db


def test_the_demo_requests_remind_the_auditor_of_the_overdue_one():
    users = ensure_users(None, ensure_departments(None), ensure_agencies(None, 2))
    for given, kana in zip("一二三四五六七", ("イチ", "ニ", "サン", "シ", "ゴ", "ロク", "ナナ"), strict=True):
        make_customer(users["admin"], name=f"開示 {given}郎", name_kana=f"カイジ {kana}ロウ", phones=[], emails=[])
    assert demo_requests_load(users=users, as_of=dt.date(2026, 12, 4)) == 5
    auditor = users["auditor"]
    kinds = set(DsrReminder.objects.filter(recipient=auditor).values_list("kind", flat=True))
    assert "overdue" in kinds
    assert unread_for(auditor) >= 1
