"""Walk findings of the compliance screens (issue 15): bounded dates, rule setting ranges, the manager
field, one open review campaign, concluded alerts, the who-saw report's unknown customer, the
manager's decision without a default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import _user
from tsunagu.compliance import breach_forms, dsr_forms, forms, registers_forms, retention_forms
from tsunagu.core.input import BoundedDateField

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)
RANGE_ERROR = "から 2099/12/31 までの日付を入力してください。"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the bounded date field (findings 2 and 16) ----------------------------------------------------


def test_the_field_refuses_dates_outside_its_range_and_relative_to_today():
    field = BoundedDateField(label="受付日", first=dt.date(2000, 1, 1), not_future=True)
    assert field.clean("2026/04/01") == dt.date(2026, 4, 1)
    assert field.clean(TODAY.isoformat()) == TODAY
    for text in ("0001-01-01", "1999-12-31", "9999-12-31"):
        with pytest.raises(forms.forms.ValidationError) as raised:
            field.clean(text)
        assert raised.value.messages == ["受付日は 2000/01/01 から 2099/12/31 までの日付を入力してください。"]
    with pytest.raises(forms.forms.ValidationError) as raised:
        field.clean(TOMORROW.isoformat())
    assert raised.value.messages == ["受付日に未来の日付は指定できません。"]
    with pytest.raises(forms.forms.ValidationError) as raised:
        field.clean("2026-02-30")
    assert raised.value.messages == ["日付は 2026/12/04 の形式で、実在する日付を入力してください。"]
    ahead = BoundedDateField(label="期限", not_past=True, max_days_ahead=30)
    with pytest.raises(forms.forms.ValidationError) as raised:
        ahead.clean((TODAY - dt.timedelta(days=1)).isoformat())
    assert raised.value.messages == ["期限に過去の日付は指定できません。"]
    with pytest.raises(forms.forms.ValidationError) as raised:
        ahead.clean((TODAY + dt.timedelta(days=31)).isoformat())
    assert raised.value.messages == ["期限は今日から30日以内の日付にしてください。"]


@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (forms.AccessLogFilterForm, {"date_from": "0001-01-01"}, "date_from"),
        (forms.ReportForm, {"kind": "by_user", "date_from": "9999-12-31", "date_to": "9999-12-31"}, "date_from"),
        (forms.CampaignForm, {"title": "x", "deadline": "9999-12-31"}, "deadline"),
        (breach_forms.FindAffectedForm, {"date_from": "2026-11-01", "date_to": "9999-12-31"}, "date_to"),
        (breach_forms.ReportForm, {"kind": "final", "reported_on": "0001-01-01"}, "reported_on"),
        (dsr_forms.VerifyForm, {"identity_document": "license", "verified_on": "0001-01-01"}, "verified_on"),
        (
            retention_forms.PeriodForm,
            {"record_type": "customer", "years": "5", "effective_from": "9999-12-31", "basis": "x"},
            "effective_from",
        ),
        (
            retention_forms.HoldForm,
            {"customer": "K000000001", "kind": "lawsuit", "starts_on": "0001-01-01"},
            "starts_on",
        ),
        (retention_forms.ReleaseForm, {"released_on": "9999-12-31"}, "released_on"),
        (
            registers_forms.AgreementForm,
            {"title": "x", "signed_on": "2026-01-05", "valid_from": "0001-01-01"},
            "valid_from",
        ),
        (registers_forms.ContractorAuditForm, {"audited_on": "0001-01-01"}, "audited_on"),
    ],
)
def test_every_compliance_date_is_bounded(db, form_class, data, field):
    form = form_class(data)
    assert not form.is_valid()
    assert any(RANGE_ERROR in message for message in form.errors[field])


def test_dates_that_happened_cannot_be_in_the_future(db):
    future = TOMORROW.isoformat()
    received = dsr_forms.ReceiveForm({"received_on": future})
    assert not received.is_valid()
    assert received.errors["received_on"] == ["受付日に未来の日付は指定できません。"]
    audit = registers_forms.ContractorAuditForm({"audited_on": future})
    assert not audit.is_valid()
    assert audit.errors["audited_on"] == ["監査日に未来の日付は指定できません。"]
    agreement = registers_forms.AgreementForm({"title": "x", "signed_on": future, "valid_from": "2026-01-01"})
    assert not agreement.is_valid()
    assert agreement.errors["signed_on"] == ["締結日に未来の日付は指定できません。"]


def test_periods_run_forwards(db):
    hold = retention_forms.HoldForm(
        {"customer": "K000000001", "kind": "lawsuit", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    )
    assert not hold.is_valid()
    assert hold.errors["ends_on"] == ["終了予定日(任意)は開始日と同じか、それより後の日付にしてください。"]
    agreement = registers_forms.AgreementForm(
        {"title": "x", "signed_on": "2026-01-05", "valid_from": "2026-04-01", "valid_to": "2026-03-31"}
    )
    assert not agreement.is_valid()
    assert agreement.errors["valid_to"] == [
        "有効期間の終了日は有効期間の開始日と同じか、それより後の日付にしてください。"
    ]
    find = breach_forms.FindAffectedForm({"date_from": "2026-11-02", "date_to": "2026-11-01"})
    assert not find.is_valid()
    assert find.errors["date_to"] == ["期間(終了日)は期間(開始日)と同じか、それより後の日付にしてください。"]


def test_a_breach_occurs_before_it_is_noticed(db):
    base = {"title": "紛失", "cause_kind": "loss", "aware_on": "2026-11-10"}
    late = breach_forms.IncidentForm({**base, "occurred_from": "2026-11-11"})
    assert not late.is_valid()
    assert late.errors["aware_on"] == ["認識日は発生期間(開始)と同じか、それより後の日付にしてください。"]
    backwards = breach_forms.IncidentForm({**base, "occurred_from": "2026-11-05", "occurred_to": "2026-11-04"})
    assert not backwards.is_valid()
    assert backwards.errors["occurred_to"] == [
        "発生期間(終了)は発生期間(開始)と同じか、それより後の日付にしてください。"
    ]
    fine = breach_forms.IncidentForm({**base, "occurred_from": "2026-11-01", "occurred_to": "2026-11-10"})
    assert fine.is_valid(), fine.errors


def test_the_report_screen_answers_absurd_dates_with_a_form_error(db, auditor):
    client = client_for(auditor)
    for day in ("9999-12-31", "0001-01-01"):
        page = client.get("/compliance/reports/", {"kind": "by_user", "date_from": day, "date_to": day})
        assert page.status_code == 200
        body = page.content.decode()
        assert RANGE_ERROR in body
        assert f'value="{day}"' in body  # what was typed stays in the field


def test_breach_find_with_an_absurd_end_is_a_form_error(db, auditor, hq_operator):
    from tsunagu.compliance import breach_services
    from tsunagu.compliance.choices import BreachCause

    incident = breach_services.breach_open(
        actor=auditor,
        title="持出し",
        cause_kind=BreachCause.MISUSE,
        aware_on=TODAY,
        occurred_from=TODAY - dt.timedelta(days=3),
        occurred_to=TODAY,
        suspect_user=hq_operator,
    )
    page = client_for(auditor).post(
        f"/compliance/breaches/{incident.pk}/find/", {"date_from": "2026-11-01", "date_to": "9999-12-31"}
    )
    assert page.status_code == 200
    assert RANGE_ERROR in page.content.decode()
    assert not incident.affected.exists()


# --- rule settings (finding 17) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("factor", "-1.00", "倍率は 0.01 以上 100 以下の数値で入力してください。"),
        ("factor", "0", "倍率は 0.01 以上 100 以下の数値で入力してください。"),
        ("window_days", "0", "日数は 1 以上 730 以下の整数で入力してください。"),
        ("threshold", "0", "閾値は 1 以上 1,000,000 以下の整数で入力してください。"),
        ("threshold", "9223372036854775807", "閾値は 1 以上 1,000,000 以下の整数で入力してください。"),
    ],
)
def test_rule_settings_refuse_values_outside_their_range(db, auditor, field, value, message):
    from tsunagu.compliance.models import RuleSetting

    data = {"rule": "bulk_viewing", "enabled": "on", "threshold": "100", "factor": "3", "window_days": "28"}
    data |= {"business_start": "8", "business_end": "20", field: value}
    page = client_for(auditor).post("/compliance/settings/new/", data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not RuleSetting.objects.exists()


def test_the_service_checks_the_ranges_too(db, auditor):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from tsunagu.compliance.models import RuleSetting
    from tsunagu.compliance.services import rule_setting_save

    setting = RuleSetting(rule="bulk_viewing", threshold=100, factor=Decimal("-1"), window_days=0)
    with pytest.raises(ValidationError) as raised:
        rule_setting_save(actor=auditor, setting=setting)
    assert set(raised.value.message_dict) == {"factor", "window_days"}
    assert not RuleSetting.objects.exists()


# --- reviews (findings 5, 6, 22) and the who-saw report (finding 23) ------------------------------------------


def test_only_one_review_campaign_is_open_at_a_time(db, auditor):
    from tsunagu.compliance.models import ReviewCampaign

    client = client_for(auditor)
    deadline = (TODAY + dt.timedelta(days=14)).isoformat()
    assert client.post("/compliance/reviews/", {"title": "上期", "deadline": deadline}).status_code == 302
    page = client.post("/compliance/reviews/", {"title": "上期(重複)", "deadline": deadline})
    assert page.status_code == 200
    body = page.content.decode()
    assert "実施中のアクセス権レビュー「上期」があります。締め切ってから新しいレビューを開始してください。" in body
    assert 'value="上期(重複)"' in body
    assert ReviewCampaign.objects.count() == 1
    far = client.post("/compliance/reviews/", {"title": "x", "deadline": (TODAY + dt.timedelta(days=400)).isoformat()})
    assert "期限は今日から366日以内の日付にしてください。" in far.content.decode()


def test_the_decision_has_no_default_and_the_auditor_cannot_decide_their_own_role(db, auditor, hq_operator):
    from tsunagu.compliance.models import ReviewItem
    from tsunagu.compliance.services import review_open

    campaign = review_open(actor=auditor, title="上期", deadline=TODAY + dt.timedelta(days=7))
    own = ReviewItem.objects.get(campaign=campaign, staff=auditor)
    client = client_for(auditor)
    page = client.get(f"/compliance/reviews/{campaign.pk}/").content.decode()
    assert '<option value="" selected>選択してください</option>' in page
    assert "本人のロールは他の担当者が確認します" in page
    assert f'action="/compliance/manager/reviews/{own.pk}/"' not in page
    missing = client.post(f"/compliance/manager/reviews/{own.pk}/", {"comment": ""})
    assert "継続か取消を選んでください。" in missing.content.decode()
    refused = client.post(f"/compliance/manager/reviews/{own.pk}/", {"decision": "keep"})
    assert refused.status_code == 200
    assert "自分自身のアクセス権は確認できません。" in refused.content.decode()
    own.refresh_from_db()
    assert own.decision == "pending"


def test_an_unknown_customer_in_the_who_saw_report_is_a_form_error(db, auditor):
    page = client_for(auditor).get(
        "/compliance/reports/",
        {"kind": "who_saw", "customer": "K999999999", "date_from": "2026-11-01", "date_to": "2026-11-30"},
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "顧客番号 K999999999 の顧客は見つかりません。" in body
    assert 'value="K999999999"' in body


def test_posting_to_a_concluded_alert_says_why(db, auditor, hq_operator, case_reference_data):
    from tests.compliance.conftest import DAY, at, reads
    from tsunagu.compliance.services import alert_conclude, rules_run

    reads(hq_operator, range(1, 16), at(DAY, 23))
    (alert,) = rules_run(actor=auditor, date_from=DAY, date_to=DAY).created
    alert_conclude(actor=auditor, alert=alert, conclusion="justified", comment="業務上の対応")
    client = client_for(auditor)
    page = client.post(
        f"/compliance/alerts/{alert.pk}/conclude/", {"conclusion": "justified", "comment": "再"}, follow=True
    )
    assert page.status_code == 200
    assert "このアラートはすでに結論済みです。" in page.content.decode()
    assigned = client.post(f"/compliance/alerts/{alert.pk}/assign/", {"assignee": auditor.pk}, follow=True)
    assert "結論済みのアラートは変更できません。" in assigned.content.decode()


def test_a_manager_is_another_active_login_user(db, org, auditor, hq_operator):
    from django.core.exceptions import ValidationError
    from django.db import models

    from tsunagu.core.models import User
    from tsunagu.core.services import system_user

    hq_operator.manager = hq_operator
    with pytest.raises(ValidationError) as raised:
        hq_operator.full_clean()
    assert raised.value.message_dict["manager"] == ["本人を自分の上長にすることはできません。"]
    hq_operator.manager = system_user()
    with pytest.raises(ValidationError) as raised:
        hq_operator.full_clean()
    assert "ログインできる有効なユーザー" in raised.value.message_dict["manager"][0]
    hq_operator.manager = auditor
    hq_operator.full_clean()
    left = _user("left_manager", [], department=org["call_center"])
    models.QuerySet(User).filter(pk=left.pk).update(is_active=False)  # setup: the account is disabled
    hq_operator.manager = User.objects.get(pk=left.pk)
    with pytest.raises(ValidationError):
        hq_operator.full_clean()


def test_the_manager_badge_counts_roles_to_review(db, org, auditor, hq_operator):
    from tsunagu.compliance.apps import _open_requests
    from tsunagu.compliance.services import review_open

    assert _open_requests(auditor) is None
    hq_operator.manager = auditor
    hq_operator.save()
    review_open(actor=auditor, title="上期", deadline=TODAY + dt.timedelta(days=7))
    assert _open_requests(auditor) == hq_operator.groups.count()
