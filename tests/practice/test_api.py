"""API (/api/practice/): the worklists and records scoped like the screens and logged as API reads;
the double check by the agency manager (403 for the recorder's role, 400 in Japanese for a refused
check, 404 for an outsider, who also leaves no log of agency A's customer)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import make_policy
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.core.services import api_token_create
from tsunagu.practice import services
from tsunagu.practice.models import ElderlySolicitation, IntentRecord, RenewalProgress

from .test_services import complete_input

D = dt.date


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api_for(user: User) -> Client:
    _, key = api_token_create(actor=user, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _logged(user: User, customer_id: int) -> bool:
    return AccessLog.objects.filter(user=user, customer_id=customer_id, purpose=AccessPurpose.API).exists()


@pytest.fixture
def non_recommended(agency_a_staff, policy_a) -> IntentRecord:
    data = complete_input(chose_recommended=False, chosen_product="格安カー", non_recommended_reason="保険料を優先")
    return services.intent_record_save(actor=agency_a_staff, policy=policy_a, data=data)


def test_the_intent_worklist_lists_missing_and_incomplete_records_of_the_own_agency(
    agency_a_staff, agency_b_staff, policy_a, holder, non_recommended
):
    response = api_for(agency_a_staff).get("/api/practice/intents/")
    assert response.status_code == 200
    body = response.json()
    [row] = body["results"]
    assert row["policy_number"] == policy_a.number
    assert row["customer_name"] == holder.name
    assert row["state"] == "未完了"
    assert row["missing"] == ["ダブルチェック(記録者以外)"]
    assert body["counts"]["non_recommended"] == 1
    assert body["counts"]["double_checked"] == 0
    assert _logged(agency_a_staff, holder.pk)
    outsider = api_for(agency_b_staff).get("/api/practice/intents/")
    assert outsider.status_code == 200
    assert outsider.json()["results"] == []
    assert outsider.json()["counts"]["total"] == 0
    assert not AccessLog.objects.filter(user=agency_b_staff, customer_id=holder.pk).exists()


def test_the_manager_double_checks_through_the_api(agency_a_staff, agency_a_manager, policy_a, holder, non_recommended):
    url = f"/api/practice/policies/{policy_a.pk}/intent/double-check/"
    refused = api_for(agency_a_staff).post(url, {"note": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "ダブルチェック" in refused.json()["detail"]
    manager = api_for(agency_a_manager)
    before = manager.get(f"/api/practice/policies/{policy_a.pk}/intent/").json()
    assert before["state"] == "未完了"
    assert before["record"]["double_check_required"] is True
    response = manager.post(url, {"note": "理由を確認しました"}, content_type="application/json")
    assert response.status_code == 200, response.content
    record = response.json()["record"]
    assert response.json()["state"] == "完了"
    assert record["double_checked_by"] == agency_a_manager.display_name
    assert record["double_check_note"] == "理由を確認しました"
    assert IntentRecord.objects.get(pk=non_recommended.pk).double_checked_by == agency_a_manager
    assert _logged(agency_a_manager, holder.pk)
    again = manager.post(url, {"note": ""}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["errors"]["__all__"] == ["この記録はダブルチェック済みです。"]


def test_outsiders_and_bad_input_get_japanese_errors_and_change_nothing(
    agency_a_manager, agency_b_staff, policy_a, holder, non_recommended
):
    outsider = api_for(agency_b_staff)
    assert outsider.get(f"/api/practice/policies/{policy_a.pk}/intent/").status_code == 404
    response = outsider.post(
        f"/api/practice/policies/{policy_a.pk}/intent/double-check/", {"note": ""}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "見つかりません。"
    assert not AccessLog.objects.filter(user=agency_b_staff, customer_id=holder.pk).exists()
    manager = api_for(agency_a_manager)
    too_long = manager.post(
        f"/api/practice/policies/{policy_a.pk}/intent/double-check/",
        {"note": "あ" * 1001},
        content_type="application/json",
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["msg"] == "長すぎます。"
    assert manager.get("/api/practice/renewals/?months=9").status_code == 422
    assert manager.get("/api/practice/elderly/999999/").status_code == 404
    assert IntentRecord.objects.get(pk=non_recommended.pk).double_checked_by is None


def expiring_policy(hq_operator, holder, org, days: int = 40):
    """An agency A policy expiring `days` from today (the worklist looks at the real calendar)."""
    today = timezone.localdate()
    expiry = today + dt.timedelta(days=days)
    return make_policy(
        hq_operator,
        holder,
        agency=org["agency_a"],
        number="PN-RENEW-01",
        contract_date=expiry - dt.timedelta(days=380),
        inception=expiry - dt.timedelta(days=365),
        expiry=expiry,
    )


def test_the_elderly_worklist_and_record(agency_a_staff, agency_b_staff, elderly_policy, elderly_holder):
    solicitation = services.elderly_solicitation_start(
        actor=agency_a_staff, policy=elderly_policy, solicited_on=D(2026, 11, 20)
    )
    client = api_for(agency_a_staff)
    body = client.get("/api/practice/elderly/").json()
    assert [row["id"] for row in body["incomplete"]] == [solicitation.pk]
    assert body["incomplete"][0]["tier"] == "enhanced"
    assert body["counts"]["total"] == 1
    detail = client.get(f"/api/practice/elderly/{solicitation.pk}/")
    assert detail.status_code == 200
    assert detail.json()["missing"] == ElderlySolicitation.objects.get(pk=solicitation.pk).missing != []
    assert detail.json()["measures"] == []
    assert _logged(agency_a_staff, elderly_holder.pk)
    assert api_for(agency_b_staff).get(f"/api/practice/elderly/{solicitation.pk}/").status_code == 404
    assert api_for(agency_b_staff).get("/api/practice/elderly/").json()["incomplete"] == []


def test_the_renewal_worklist_shows_the_overdue_steps_by_agent(
    hq_operator, agency_a_staff, agency_a_manager, agency_b_staff, holder, org
):
    policy = expiring_policy(hq_operator, holder, org)
    RenewalProgress.objects.create(policy=policy, agency=policy.agency, agent=agency_a_staff, expiry=policy.expiry)
    client = api_for(agency_a_staff)
    body = client.get("/api/practice/renewals/").json()
    [row] = body["results"]
    assert row["policy_number"] == policy.number
    assert row["agent"] == agency_a_staff.display_name
    assert row["overdue"] is True
    assert body["overdue_count"] == 1
    start = row["steps"][0]
    assert (start["label"], start["status"]) == ("着手", "overdue")
    assert start["status_label"] == f"期限超過 {start['days_overdue']}日"
    assert _logged(agency_a_staff, holder.pk)
    assert client.get(f"/api/practice/renewals/?agent_id={agency_a_manager.pk}").json()["results"] == []
    assert client.get(f"/api/practice/renewals/?agent_id={agency_b_staff.pk}").status_code == 404
    assert api_for(agency_b_staff).get("/api/practice/renewals/").json()["results"] == []
