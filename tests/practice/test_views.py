"""Screens: worklists scoped and logged, the intent form's error path (200 with the bound form),
the policy page's panel, outsiders get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tsunagu.core.models import AccessLog
from tsunagu.practice.models import IntentRecord


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_worklist_shows_a_missing_record_and_logs_the_read(agency_a_staff, agency_b_staff, policy_a, holder):
    response = client_for(agency_a_staff).get("/practice/")
    assert response.status_code == 200
    assert policy_a.number in response.content.decode()
    assert AccessLog.objects.filter(customer_id=holder.pk, user=agency_a_staff).exists()
    outsider = client_for(agency_b_staff).get("/practice/")
    assert policy_a.number not in outsider.content.decode()


def test_the_intent_form_keeps_values_and_shows_japanese_errors(agency_a_staff, policy_a):
    client = client_for(agency_a_staff)
    url = f"/practice/policies/{policy_a.pk}/intent/"
    response = client.post(url, {"chose_recommended": "1", "initial_budget": "abc", "initial_cover": "対人無制限"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力内容を確認してください" in body
    assert "対人無制限" in body
    assert not IntentRecord.objects.exists()
    response = client.post(url, {"chose_recommended": "0", "initial_cover": "対人無制限"})
    assert response.status_code == 302
    record = IntentRecord.objects.get()
    assert "推奨商品以外を選んだ理由" in record.missing


def test_the_policy_page_shows_the_panel(agency_a_staff, policy_a):
    body = client_for(agency_a_staff).get(f"/policies/{policy_a.pk}/").content.decode()
    assert 'id="policy-practice-panel"' in body
    assert "未作成" in body


def test_outsiders_get_404_and_pages_render(agency_a_staff, agency_b_staff, policy_a):
    outsider = client_for(agency_b_staff)
    for url in (f"/practice/policies/{policy_a.pk}/intent/", f"/practice/policies/{policy_a.pk}/renewal/"):
        assert outsider.get(url).status_code == 404
    staff = client_for(agency_a_staff)
    for url in ("/practice/elderly/", "/practice/renewals/?months=2", "/practice/training/"):
        assert staff.get(url).status_code == 200
    assert staff.get("/practice/renewals/?months=abc").status_code in (200, 400)
    assert staff.get("/practice/training/new/").status_code == 403


def test_an_incomplete_record_shows_what_is_missing_on_the_policy_and_the_worklist(agency_a_staff, policy_a):
    from tsunagu.practice import services

    services.intent_record_save(
        actor=agency_a_staff, policy=policy_a, data=services.IntentInput(recommended_product="安心カー")
    )
    missing = IntentRecord.objects.get().missing
    assert "当初意向" in missing
    client = client_for(agency_a_staff)
    panel = client.get(f"/policies/{policy_a.pk}/").content.decode()
    worklist = client.get("/practice/").content.decode()
    for body in (panel, worklist):
        assert "未完了" in body
        assert "、".join(missing) in body
    assert policy_a.number in worklist
