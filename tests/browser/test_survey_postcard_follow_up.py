"""Agency staff enter a returned postcard in a real browser — found by its 回答番号 from the menu —
and the detractor's answer opens a follow-up that they close with an outcome, also from the menu."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD, make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.surveys.choices import Channel, FollowUpStatus, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import FollowUp, Invitation, Response
from tsunagu.surveys.services.invitations import answer_number

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_postcard_answer_then_its_follow_up_closed(page, screenshot, hq_operator, agency_a_staff, org):
    survey = claim_survey(cs_manager())
    customer = make_customer(hq_operator, agency=org["agency_a"], name="葉書 次郎", name_kana="ハガキ ジロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="HGK-100")
    postcard = Invitation.objects.create(
        version=survey.versions.get(),
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=dt.date.today() - dt.timedelta(days=20),
        customer=customer,
        policy=policy,
        channel=Channel.POST,
        status=InvitationStatus.SENT,
        scheduled_for=dt.date.today() - dt.timedelta(days=14),
    )
    number = answer_number(postcard.pk)

    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    # Agency staff do not see the survey definitions (アンケート): the entry sits beside their follow-ups.
    assert page.locator("nav.mainnav").get_by_role("link", name="アンケート", exact=True).count() == 0
    page.locator("nav.mainnav").get_by_role("link", name="フォローアップ").first.click()
    page.get_by_role("link", name="はがき・電話の回答入力").first.click()
    page.get_by_label("回答番号または証券番号").fill(number.lower())  # as typed: lower case works too
    page.locator("#entry-lookup").get_by_role("button", name="検索").click()
    page.get_by_role("heading", name="アンケート回答の入力").wait_for()
    assert f"回答番号 {number}" in page.locator("main").inner_text()

    page.get_by_role("button", name="回答を登録").click()  # nothing chosen: Japanese errors, nothing saved
    assert page.get_by_text("回答を選んでください。").first.is_visible()
    assert Response.objects.count() == 0

    page.get_by_role("group", name="事故対応を知人にすすめたいと思いますか").get_by_label("2", exact=True).check()
    page.get_by_label("ご意見・ご感想をお聞かせください").fill("修理工場の紹介まで時間がかかった")
    screenshot("survey-postcard-entry")
    page.get_by_role("button", name="回答を登録").click()
    page.wait_for_load_state()
    response = Response.objects.get()
    assert response.invitation_id == postcard.pk
    assert response.channel == Channel.POST
    follow_up = FollowUp.objects.get(response=response)
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.agency == org["agency_a"]

    page.locator("nav.mainnav").get_by_role("link", name="フォローアップ").first.click()
    page.get_by_role("link", name=follow_up.due_date.strftime("%Y/%m/%d")).first.click()
    page.get_by_role("heading", name="対応結果").wait_for()
    page.get_by_role("button", name="対応結果を記録").click()
    assert page.get_by_text("対応結果の区分を選択してください。").first.is_visible()
    page.get_by_label("対応済").check()
    page.get_by_label("対応の内容").fill("お電話でお詫びし、修理工場の手配が遅れた理由をご説明した")
    page.get_by_role("button", name="対応結果を記録").click()
    page.wait_for_load_state()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE
    assert follow_up.closed_by == agency_a_staff
    assert "修理工場の手配" in follow_up.outcome
