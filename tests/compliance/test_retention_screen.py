"""The retention screen: auditors see it with the counts; others are refused; a hold with bad input
shows Japanese errors and saves nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tsunagu.compliance.models import LegalHold

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_auditor_sees_periods_due_counts_and_runs(auditor):
    page = _client(auditor).get("/compliance/retention/")
    assert page.status_code == 200
    assert "本日の処理対象" in page.content.decode()
    assert "顧客基本情報" in page.content.decode()


def test_an_operator_is_refused(hq_operator):
    assert _client(hq_operator).get("/compliance/retention/").status_code in (403, 404)


def test_a_hold_with_bad_input_says_why_in_japanese(auditor):
    page = _client(auditor).post(
        "/compliance/retention/holds/", {"customer": "K999999999", "kind": "lawsuit", "reason": "", "starts_on": "x"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "日付は 2026/12/04 の形式で" in body
    assert not LegalHold.objects.exists()
