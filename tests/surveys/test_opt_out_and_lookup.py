"""アンケート辞退 (the customer's 「今後アンケートを受け取らない」 on the web page, staff recording and
withdrawing it from the customer page; planning then suppresses with the reason 「アンケート辞退」) and
the postcard/phone entry lookup by 回答番号 or policy number (scoped, logged)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core import writes
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.core.services import system_user
from tsunagu.surveys import config
from tsunagu.surveys.choices import Channel, InvitationStatus, SuppressionReason, TriggerEvent
from tsunagu.surveys.models import Invitation, SurveyOptOut
from tsunagu.surveys.services.invitations import TriggerRuleInput, answer_number, invitations_plan, trigger_rule_save
from tsunagu.surveys.services.responses import invitation_issue_token, survey_opt_out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    customer = make_customer(hq_operator, agency=org["agency_a"], name="鈴木 一郎", name_kana="スズキ イチロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="OPT-555")
    common = {
        "version": survey.versions.get(),
        "event": TriggerEvent.CLAIM_CLOSED,
        "event_date": dt.date(2026, 5, 1),
        "customer": customer,
        "policy": policy,
    }
    web = Invitation.objects.create(
        channel=Channel.WEB, status=InvitationStatus.SENT, scheduled_for=dt.date(2026, 5, 8), **common
    )
    post = Invitation.objects.create(
        channel=Channel.POST, status=InvitationStatus.SENT, scheduled_for=dt.date(2026, 5, 8), **common
    )
    planned = Invitation.objects.create(
        channel=Channel.POST, status=InvitationStatus.SCHEDULED, scheduled_for=dt.date(2026, 12, 20), **common
    )
    token = invitation_issue_token(invitation=web)
    return {
        "manager": manager,
        "survey": survey,
        "customer": customer,
        "policy": policy,
        "web": web,
        "post": post,
        "planned": planned,
        "token": token,
    }


# --- the customer's opt-out on the web page ------------------------------------------------------


def test_the_answer_page_offers_the_opt_out_as_a_plain_form(client, world):
    html = client.get(reverse("surveys:answer", args=[world["token"]])).content.decode()
    action = reverse("surveys:opt_out_public", args=[world["token"]])
    assert f'<form method="post" action="{action}">' in html
    assert "今後アンケートを受け取らない" in html


def test_the_customer_opts_out_from_the_link(client, world):
    url = reverse("surveys:opt_out_public", args=[world["token"]])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "アンケートの受け取りをやめる" in confirm.content.decode()
    assert "鈴木" not in confirm.content.decode()
    done = client.post(url)
    assert done.status_code == 200
    html = done.content.decode()
    assert "今後アンケートをお送りしません" in html
    assert "鈴木" not in html
    assert "OPT" not in html
    opt_out = SurveyOptOut.objects.get(customer=world["customer"])
    assert opt_out.recorded_by == system_user()
    assert opt_out.note == f"お客さまが回答ページで辞退(回答番号 {answer_number(world['web'].pk)})"
    # the survey planned but not yet sent is suppressed with the reason; sent ones stay as they are
    world["planned"].refresh_from_db()
    assert (world["planned"].status, world["planned"].suppression_reason) == (
        InvitationStatus.SUPPRESSED,
        SuppressionReason.OPTED_OUT,
    )
    world["post"].refresh_from_db()
    assert world["post"].status == InvitationStatus.SENT
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_OPT_OUT)
    assert event.data["suppressed_invitations"] == 1
    # pressing it again changes nothing
    assert client.post(url).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_OPT_OUT).count() == 1


def test_a_wrong_link_cannot_opt_anyone_out(client, world):
    response = client.post(reverse("surveys:opt_out_public", args=["not-a-token"]))
    assert response.status_code == 404
    assert "URLが正しくありません" in response.content.decode()
    assert not SurveyOptOut.objects.exists()


def test_planning_suppresses_an_opted_out_customer(client, world, hq_operator, org):
    """After the customer opted out, a new event is planned as suppressed 「アンケート辞退」."""
    from tests.surveys.test_invitations import _claim

    client.post(reverse("surveys:opt_out_public", args=[world["token"]]))
    day = dt.date(2026, 6, 1)
    trigger_rule_save(
        actor=world["manager"],
        rule=None,
        data=TriggerRuleInput(survey=world["survey"], event=TriggerEvent.CLAIM_CLOSED, quiet_days=0),
    )
    claim = _claim(hq_operator, world["customer"], org["agency_a"], closed_on=day)
    invitations_plan(actor=world["manager"], on=day)
    planned = Invitation.objects.get(claim=claim)
    assert (planned.status, planned.suppression_reason) == (InvitationStatus.SUPPRESSED, SuppressionReason.OPTED_OUT)


# --- staff record and withdraw it ----------------------------------------------------------------


def test_staff_record_and_withdraw_an_opt_out(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    url = reverse("surveys:opt_out", args=[world["customer"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "アンケート辞退の記録はありません" in page.content.decode()
    assert "送付予定のアンケートが 1件あります" in page.content.decode()
    assert AccessLog.objects.filter(customer_id=world["customer"].pk, purpose=AccessPurpose.VIEW).exists()
    saved = client.post(url, {"action": "record", "since": "2026-11-30", "note": "電話で申し出"})
    assert saved.status_code == 302
    opt_out = SurveyOptOut.objects.get(customer=world["customer"])
    assert (opt_out.since, opt_out.note, opt_out.recorded_by) == (dt.date(2026, 11, 30), "電話で申し出", agency_a_staff)
    assert opt_out.history.count() == 1
    world["planned"].refresh_from_db()
    assert world["planned"].status == InvitationStatus.SUPPRESSED
    assert "2026/11/30 から" in client.get(url).content.decode()
    withdrawn = client.post(url, {"action": "withdraw", "note": "再開の申し出"})
    assert withdrawn.status_code == 302
    assert not SurveyOptOut.objects.filter(customer=world["customer"]).exists()
    assert list(
        AuditEvent.objects.filter(action__in=[AuditAction.SURVEY_OPT_OUT, AuditAction.SURVEY_OPT_IN])
        .order_by("id")
        .values_list("action", flat=True)
    ) == [AuditAction.SURVEY_OPT_OUT, AuditAction.SURVEY_OPT_IN]


def test_staff_errors_are_japanese_and_change_nothing(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    url = reverse("surveys:opt_out", args=[world["customer"].pk])
    future = client.post(url, {"action": "record", "since": "2099-01-01", "note": ""})
    assert future.status_code == 200
    assert "が未来の日付です" in future.content.decode()
    bad = client.post(url, {"action": "record", "since": "きのう", "note": "x" * 201})
    html = bad.content.decode()
    assert "日付は 2026-06-10 の形で入力してください。" in html
    assert "備考は200文字以内で入力してください。" in html
    assert not SurveyOptOut.objects.exists()
    with pytest.raises(ValidationError):
        survey_opt_out(actor=agency_a_staff, customer=world["customer"], since=dt.date(2026, 11, 1), note="x" * 201)


def test_agency_b_cannot_see_or_record_agency_a_customers_opt_out(client, world, agency_b_staff):
    client.force_login(agency_b_staff)
    url = reverse("surveys:opt_out", args=[world["customer"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "record", "since": "2026-11-30"}).status_code == 404
    assert not SurveyOptOut.objects.exists()


def test_the_customer_page_links_to_the_opt_out(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    html = client.get(reverse("desk:customer_detail", args=[world["customer"].pk])).content.decode()
    assert reverse("surveys:opt_out", args=[world["customer"].pk]) in html


# --- the postcard lookup -------------------------------------------------------------------------


def test_the_answer_number_opens_that_postcards_entry(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    number = answer_number(world["post"].pk)
    for typed in (number, number.lower(), "Ｑ" + number[1:]):  # as staff type it: case and width
        response = client.get(reverse("surveys:entry_lookup"), {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == reverse("surveys:invitation_entry", args=[world["post"].pk])
    page = client.get(response["Location"]).content.decode()
    assert f"回答番号 {number}" in page


def test_the_policy_number_finds_the_holder_and_their_open_postcards(client, world, agency_a_staff):
    client.force_login(agency_a_staff)
    before = AccessLog.objects.filter(customer_id=world["customer"].pk).count()
    response = client.get(reverse("surveys:entry_lookup"), {"q": "opt-555"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "鈴木 一郎 様" in html
    assert answer_number(world["post"].pk) in html
    assert answer_number(world["web"].pk) not in html  # web surveys are answered by the customer
    entry = reverse("surveys:entry", args=[world["customer"].pk])
    assert f"{entry}?survey=claim&amp;policy={world['policy'].pk}" in html
    assert AccessLog.objects.filter(customer_id=world["customer"].pk).count() == before + 1
    chosen = client.get(entry, {"survey": "claim", "policy": world["policy"].pk}).content.decode()
    assert f'<option value="{world["policy"].pk}" selected>' in chosen


def test_lookup_problems_are_japanese_and_scoped(client, world, agency_a_staff, agency_b_staff):
    client.force_login(agency_a_staff)
    url = reverse("surveys:entry_lookup")
    assert "入力してください" in client.get(url, {"q": ""}).content.decode()
    assert "のアンケートは見つかりません" in client.get(url, {"q": "Q999999999"}).content.decode()
    assert "の契約は見つかりません" in client.get(url, {"q": "NOPE-1"}).content.decode()
    writes.update_rows(Invitation.objects.filter(pk=world["post"].pk), actor=None, status=InvitationStatus.ANSWERED)
    assert "回答済みです" in client.get(url, {"q": answer_number(world["post"].pk)}).content.decode()
    client.force_login(agency_b_staff)
    before = AccessLog.objects.filter(customer_id=world["customer"].pk).count()
    outsider = client.get(url, {"q": answer_number(world["web"].pk)}).content.decode()
    assert "のアンケートは見つかりません" in outsider
    by_policy = client.get(url, {"q": "OPT-555"}).content.decode()
    assert "の契約は見つかりません" in by_policy
    assert "鈴木" not in by_policy
    assert AccessLog.objects.filter(customer_id=world["customer"].pk).count() == before


def test_the_survey_defaults_are_read_from_settings(settings):
    assert (config.quiet_days(), config.min_n(), config.token_days(), config.follow_up_days()) == (90, 30, 30, 3)
    settings.TSUNAGU_SURVEY_TOKEN_DAYS = 14
    settings.TSUNAGU_SURVEY_QUIET_DAYS = 60
    assert (config.token_days(), config.quiet_days()) == (14, 60)
