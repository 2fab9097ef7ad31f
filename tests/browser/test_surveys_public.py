"""The customer's survey page in a real browser, as a phone shows it with JavaScript turned off:
large text, labelled questions, a Japanese error on a missing required answer with what was typed
kept, the answer sent; a used link and an expired link say so; nothing about the customer appears;
「今後アンケートを受け取らない」 works without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import Invitation, Response, SurveyOptOut
from tsunagu.surveys.services.responses import invitation_issue_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    """A phone-sized page with JavaScript disabled."""
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport=PHONE, java_script_enabled=False, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def links(org, hq_operator):
    cache.clear()
    survey = claim_survey(cs_manager())
    customer = make_customer(hq_operator, agency=org["agency_a"], name="鈴木 一郎", name_kana="スズキ イチロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="MOB-321")

    def link(expires_on: dt.date | None = None) -> str:
        invitation = Invitation.objects.create(
            version=survey.versions.get(),
            event=TriggerEvent.CLAIM_CLOSED,
            event_date=dt.date(2026, 5, 1),
            customer=customer,
            policy=policy,
            channel=Channel.WEB,
            status=InvitationStatus.SENT,
            scheduled_for=dt.date(2026, 5, 8),
            expires_on=expires_on,
        )
        return f"/surveys/r/{invitation_issue_token(invitation=invitation)}/"

    return {"link": link, "customer": customer}


def _nothing_personal(text: str, customer) -> None:  # type: ignore[no-untyped-def]
    for personal in ("鈴木", "スズキ", customer.number, "MOB-321", "MOB321", "あおぞら"):
        assert personal not in text


def test_answering_on_a_phone_without_javascript(phone, links):
    url = links["link"]()
    phone.goto(url)
    phone.get_by_role("heading", name="事故対応アンケート").wait_for()
    assert phone.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "18px"
    assert (
        phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    )  # one column, no sideways scroll
    _nothing_personal(phone.content(), links["customer"])
    # labelled: each radio button is found by its label, the comment box by its question
    phone.get_by_label("ご意見・ご感想をお聞かせください").fill("説明が丁寧でした")
    phone.get_by_role("group", name="事故対応全体の満足度をお聞かせください").get_by_label("8", exact=True).check()
    phone.get_by_role("button", name="回答を送信する").click()
    # the required NPS question was left out: a Japanese error, and what was typed is kept
    summary = phone.get_by_role("alert")
    assert "入力内容を確認してください" in summary.inner_text()
    assert "事故対応を知人にすすめたいと思いますか" in summary.inner_text()
    assert phone.locator("fieldset.has-error .field-error").count() == 1
    assert phone.get_by_label("ご意見・ご感想をお聞かせください").input_value() == "説明が丁寧でした"
    assert (
        phone.get_by_role("group", name="事故対応全体の満足度をお聞かせください")
        .get_by_label("8", exact=True)
        .is_checked()
    )
    phone.get_by_role("group", name="事故対応を知人にすすめたいと思いますか").get_by_label("9", exact=True).check()
    phone.get_by_role("button", name="回答を送信する").click()
    phone.get_by_role("heading", name="ご回答ありがとうございました").wait_for()
    answer = Response.objects.get()
    assert (answer.nps, answer.satisfaction, answer.comment) == (9, 8, "説明が丁寧でした")
    # the link is used: it says so, and reveals nothing
    phone.goto(url)
    phone.get_by_role("heading", name="回答済みです").wait_for()
    _nothing_personal(phone.content(), links["customer"])


def test_an_expired_link_says_so(phone, links):
    phone.goto(links["link"](expires_on=dt.date(2026, 1, 31)))
    phone.get_by_role("heading", name="回答期限が過ぎています").wait_for()
    assert phone.get_by_role("button", name="回答を送信する").count() == 0
    _nothing_personal(phone.content(), links["customer"])


def test_opting_out_without_javascript(phone, links):
    phone.goto(links["link"]())
    phone.get_by_role("button", name="今後アンケートを受け取らない").click()
    phone.get_by_role("heading", name="今後アンケートをお送りしません").wait_for()
    _nothing_personal(phone.content(), links["customer"])
    assert SurveyOptOut.objects.filter(customer=links["customer"]).exists()
