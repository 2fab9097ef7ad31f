"""The customer's web page (/surveys/r/<token>/): valid, expired, answered and bad tokens, the
plain POST form, errors keeping the input, nothing personal in the HTML, throttling; and the
staff screens around it (entry from the customer page, scoping)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core import writes
from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import Invitation, Response
from tsunagu.surveys.services.responses import invitation_issue_token

pytestmark = pytest.mark.django_db
GOOD = {
    "q_nps": "9",
    "q_satisfaction": "8",
    "q_clarity": "5",
    "q_speed": "良い",
    "q_comment": "丁寧でした",
    "q_contact": "no",
}


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web(org, hq_operator):
    survey = claim_survey(cs_manager())
    customer = make_customer(hq_operator, agency=org["agency_a"], name="鈴木 一郎", name_kana="スズキ イチロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="WEB-777")
    invitation = Invitation.objects.create(
        version=survey.versions.get(),
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=dt.date(2026, 5, 1),
        customer=customer,
        policy=policy,
        channel=Channel.WEB,
        status=InvitationStatus.SENT,
        scheduled_for=dt.date(2026, 5, 8),
    )
    token = invitation_issue_token(invitation=invitation)
    return {"invitation": invitation, "token": token, "customer": customer, "policy": policy}


def _url(token: str) -> str:
    return reverse("surveys:answer", args=[token])


def test_the_page_shows_the_questions_and_nothing_personal(client, web):
    response = client.get(_url(web["token"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "事故対応アンケート" in html
    assert 'type="radio" name="q_nps" value="10"' in html
    assert "0 = まったくそう思わない" in html
    assert "10 = 非常にそう思う" in html
    assert "<fieldset" in html
    assert "<legend>" in html
    for personal in ("鈴木", "スズキ", web["customer"].number, "WEB-777", "WEB777", "あおぞら"):
        assert personal not in html
    assert "<script" not in html  # a plain form: works without JavaScript


def test_a_plain_post_records_the_answer_and_thanks_once(client, web):
    response = client.post(_url(web["token"]), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks")
    assert "ご回答ありがとうございました" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("surveys:thanks")).status_code == 404  # once
    saved = Response.objects.get()
    assert (saved.channel, saved.nps, saved.satisfaction, saved.contact_consent) == (Channel.WEB, 9, 8, False)
    assert saved.entered_by is None
    assert saved.policy == web["policy"]
    web["invitation"].refresh_from_db()
    assert web["invitation"].status == InvitationStatus.ANSWERED
    again = client.get(_url(web["token"]))
    assert again.status_code == 200
    assert "回答済みです" in again.content.decode()
    assert client.post(_url(web["token"]), GOOD).status_code == 200
    assert Response.objects.count() == 1


def test_errors_keep_what_was_typed(client, web):
    data = {**GOOD, "q_nps": "", "q_comment": "説明が足りなかった"}
    response = client.post(_url(web["token"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "入力内容を確認してください" in html
    assert "回答を選んでください" in html
    assert "説明が足りなかった" in html  # the text kept
    assert 'value="8" id="id_q_satisfaction_8" checked' in html  # the choice kept
    assert not Response.objects.exists()


def test_an_expired_link(client, web):
    writes.update_rows(Invitation.objects.filter(pk=web["invitation"].pk), actor=None, expires_on=dt.date(2020, 1, 1))
    response = client.get(_url(web["token"]))
    assert response.status_code == 410
    assert "回答期限が過ぎています" in response.content.decode()


def test_a_bad_token_reveals_nothing_and_is_throttled(client, web, settings):
    settings.TSUNAGU_SURVEY_BAD_TOKENS = 3
    first = client.get(_url("x" * 32))
    assert first.status_code == 404
    assert "URLが正しくありません" in first.content.decode()
    assert client.get(_url("y" * 32)).content == first.content  # the same page whatever the token
    client.get(_url("z" * 32))
    assert client.get(_url(web["token"])).status_code == 429  # even a good one, for a while


def test_the_token_is_not_stored(web):
    stored = Invitation.objects.filter(pk=web["invitation"].pk).values_list("token_hash", flat=True).get()
    assert web["token"] not in stored
    assert not Invitation.objects.filter(token_hash=web["token"]).exists()


# --- staff entry --------------------------------------------------------------------------------


def test_staff_entry_from_the_customer_page(client, web, agency_a_staff):
    client.force_login(agency_a_staff)
    page = client.get(reverse("desk:customer_detail", args=[web["customer"].pk])).content.decode()
    entry = reverse("surveys:entry", args=[web["customer"].pk])
    assert entry in page
    assert "アンケート回答" in page
    response = client.post(
        f"{entry}?survey=claim", {**GOOD, "channel": "phone", "answered_on": "2026-06-01", "policy": web["policy"].pk}
    )
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.channel, saved.entered_by, saved.answered_on) == (Channel.PHONE, agency_a_staff, dt.date(2026, 6, 1))
    page = client.get(reverse("desk:customer_detail", args=[web["customer"].pk])).content.decode()
    assert "丁寧でした" in page


def test_staff_entry_errors_stay_on_the_page(client, web, agency_a_staff):
    client.force_login(agency_a_staff)
    entry = reverse("surveys:entry", args=[web["customer"].pk])
    response = client.post(f"{entry}?survey=claim", {**GOOD, "q_nps": "", "channel": "", "answered_on": "2026-13-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "回答方法を選んでください" in html
    assert "日付は 2026-06-10 の形で入力してください" in html
    assert "丁寧でした" in html
    assert not Response.objects.exists()


def test_agency_b_cannot_open_the_entry_for_agency_a(client, web, agency_b_staff):
    client.force_login(agency_b_staff)
    entry = reverse("surveys:entry", args=[web["customer"].pk])
    assert client.get(f"{entry}?survey=claim").status_code == 404
    assert (
        client.post(f"{entry}?survey=claim", {**GOOD, "channel": "phone", "answered_on": "2026-06-01"}).status_code
        == 404
    )
    assert not Response.objects.exists()


def test_definition_screens(client, org):
    manager = cs_manager()
    client.force_login(manager)
    data = {
        "code": "renewal",
        "name": "更改アンケート",
        "purpose": "transactional",
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "20",
        "q-0-code": "nps",
        "q-0-kind": "nps",
        "q-0-text": "おすすめしますか",
        "q-1-code": "speed",
        "q-1-kind": "choice",
        "q-1-text": "早さ",
        "q-1-choices": "良い",
    }
    response = client.post(reverse("surveys:new"), data)
    assert response.status_code == 200
    assert "選択肢を2つ以上" in response.content.decode()
    data["q-1-choices"] = "良い/普通/悪い"
    response = client.post(reverse("surveys:new"), data)
    assert response.status_code == 302
    detail = client.get(reverse("surveys:detail", args=["renewal"])).content.decode()
    assert "第1版" in detail
    assert "良い/普通/悪い" in detail
    assert client.get(reverse("surveys:edit", args=["renewal"])).status_code == 200
    preview = client.get(reverse("surveys:preview", args=["renewal"])).content.decode()
    assert "おすすめしますか" in preview
    assert "回答を送信する" not in preview


def test_blank_question_rows_post_nothing_and_are_ignored(client, org):
    """The edit form ends with two blank rows. Their 形式 starts on an empty choice, so a browser
    submits them empty and the formset ignores them (before: the first kind was preselected, every
    blank row counted as changed, and saving failed on the blank code and text)."""
    manager = cs_manager()
    client.force_login(manager)
    page = client.get(reverse("surveys:new")).content.decode()
    assert '<option value="" selected>選択してください</option>' in page
    data = {
        "code": "exit",
        "name": "解約時アンケート",
        "purpose": "transactional",
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "20",
        "q-0-code": "nps",
        "q-0-kind": "nps",
        "q-0-text": "おすすめしますか",
        # what a browser sends for the two blank rows
        "q-1-code": "",
        "q-1-kind": "",
        "q-1-text": "",
        "q-2-code": "",
        "q-2-kind": "",
        "q-2-text": "",
    }
    response = client.post(reverse("surveys:new"), data)
    assert response.status_code == 302
    detail = client.get(reverse("surveys:detail", args=["exit"])).content.decode()
    assert "おすすめしますか" in detail
    # A filled row without its kind says so in Japanese.
    data |= {"code": "exit2", "q-1-code": "speed", "q-1-text": "早さ"}
    response = client.post(reverse("surveys:new"), data)
    assert response.status_code == 200
    assert "形式を選んでください。" in response.content.decode()
