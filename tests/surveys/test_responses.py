"""responses_record: validation, denormalised cuts, invitation answered, history, audit, events, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.surveys import events
from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import Invitation, Response, SurveyOptOut
from tsunagu.surveys.services.responses import (
    ResponseInput,
    invitation_issue_token,
    responses_record,
    survey_opt_in,
    survey_opt_out,
    token_hash,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)
ANSWERS = {"nps": "3", "satisfaction": 4, "clarity": 2, "speed": "悪い", "comment": "連絡が遅かった", "contact": "はい"}


@pytest.fixture
def world(org, hq_operator):
    survey = claim_survey(cs_manager())
    customer = make_customer(hq_operator, agency=org["agency_a"])
    policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="PN-RESP-1")
    return {"survey": survey, "version": survey.versions.get(), "customer": customer, "policy": policy}


@pytest.fixture
def heard():
    calls = []

    def subscriber(responses, actor):
        calls.append((list(responses), actor))

    events.subscribe_responses_recorded(subscriber)
    yield calls
    events._subscribers.remove(subscriber)


def _invitation(world, **kw):
    return Invitation.objects.create(
        version=world["version"],
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=DAY - dt.timedelta(days=14),
        customer=world["customer"],
        policy=world["policy"],
        channel=kw.pop("channel", Channel.POST),
        status=kw.pop("status", InvitationStatus.SENT),
        scheduled_for=DAY - dt.timedelta(days=7),
        **kw,
    )


def test_record_fills_the_cuts_and_the_headline(world, hq_operator, heard):
    invitation = _invitation(world)
    [response] = responses_record(
        actor=hq_operator,
        version=world["version"],
        channel=Channel.POST,
        rows=[ResponseInput(customer=world["customer"], answers=ANSWERS, answered_on=DAY, invitation=invitation)],
    )
    response = Response.objects.get(pk=response.pk)
    assert response.survey == world["survey"]
    assert response.policy == world["policy"]  # from the invitation
    assert response.agency_id == world["policy"].agency_id
    assert response.line == world["policy"].line
    assert response.event == TriggerEvent.CLAIM_CLOSED
    assert (response.nps, response.satisfaction) == (3, 4)
    assert response.comment == "連絡が遅かった"
    assert response.contact_consent is True
    assert response.answers == {
        "nps": 3,
        "satisfaction": 4,
        "clarity": 2,
        "speed": "悪い",
        "comment": "連絡が遅かった",
        "contact": True,
    }
    assert response.entered_by == hq_operator
    history = response.history.get()
    assert history.history_user == hq_operator
    assert history.history_type == "+"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.answered_at is not None
    assert invitation.history.first().history_user == hq_operator
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_RECORD_RESPONSES, actor=hq_operator).count() == 1
    [(notified, actor)] = heard
    assert [r.pk for r in notified] == [response.pk]
    assert actor == hq_operator


def test_without_a_policy_the_customers_agency_is_used(world, hq_operator):
    [response] = responses_record(
        actor=hq_operator,
        version=world["version"],
        channel=Channel.PHONE,
        rows=[ResponseInput(customer=world["customer"], answers={"nps": 10}, answered_on=DAY)],
    )
    assert response.agency_id == world["policy"].agency_id
    assert response.line == ""


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        ({"nps": 11}, "nps", "0〜10の整数"),
        ({"satisfaction": 5}, "nps", "に回答してください"),  # nps is required
        ({"nps": 5, "clarity": 6}, "clarity", "1〜5の整数"),
        ({"nps": 5, "speed": "最高"}, "speed", "選択肢"),
        ({"nps": 5, "unknown": 1}, "unknown", "このアンケートにありません"),
    ],
)
def test_bad_answers_are_refused_per_question(world, hq_operator, answers, code, message):
    with pytest.raises(ValidationError) as error:
        responses_record(
            actor=hq_operator,
            version=world["version"],
            channel=Channel.POST,
            rows=[ResponseInput(customer=world["customer"], answers=answers, answered_on=DAY)],
        )
    assert message in " ".join(error.value.message_dict[code])
    assert not Response.objects.exists()


def test_future_date_and_answered_invitation_are_refused(world, hq_operator):
    invitation = _invitation(world, status=InvitationStatus.ANSWERED)
    with pytest.raises(ValidationError) as error:
        responses_record(
            actor=hq_operator,
            version=world["version"],
            channel=Channel.POST,
            rows=[
                ResponseInput(
                    customer=world["customer"],
                    answers={"nps": 9},
                    answered_on=dt.date.today() + dt.timedelta(days=3),
                    invitation=invitation,
                )
            ],
        )
    assert "未来の日付" in str(error.value.message_dict["answered_on"])
    assert "回答済み" in str(error.value.message_dict["__all__"])


def test_many_rows_in_one_call_each_get_their_id(world):
    rows = [
        ResponseInput(customer=world["customer"], answers={"nps": n}, answered_on=DAY, policy=world["policy"])
        for n in range(11)
    ]
    importer = cs_manager("importer")
    responses = responses_record(actor=importer, version=world["version"], channel=Channel.IMPORT, rows=rows)
    stored = dict(Response.objects.values_list("pk", "nps"))
    assert {r.pk: r.nps for r in responses} == stored
    assert len(stored) == 11


def test_agency_b_cannot_enter_for_agency_a(world, agency_b_staff, agency_a_staff):
    row = ResponseInput(customer=world["customer"], answers={"nps": 8}, answered_on=DAY)
    with pytest.raises(PermissionDenied):
        responses_record(actor=agency_b_staff, version=world["version"], channel=Channel.PHONE, rows=[row])
    assert not Response.objects.exists()
    responses_record(actor=agency_a_staff, version=world["version"], channel=Channel.PHONE, rows=[row])
    assert Response.objects.count() == 1


def test_agency_staff_cannot_import(world, agency_a_staff):
    row = ResponseInput(customer=world["customer"], answers={"nps": 8}, answered_on=DAY)
    with pytest.raises(PermissionDenied):
        responses_record(actor=agency_a_staff, version=world["version"], channel=Channel.IMPORT, rows=[row])


def test_a_stopped_survey_takes_no_staff_entry(world, hq_operator):
    from tsunagu.surveys.services.definitions import survey_set_active

    survey_set_active(actor=cs_manager("cs2"), survey=world["survey"], active=False)
    world["version"].survey.refresh_from_db()
    row = ResponseInput(customer=world["customer"], answers={"nps": 8}, answered_on=DAY)
    with pytest.raises(ValidationError, match="停止中"):
        responses_record(actor=hq_operator, version=world["version"], channel=Channel.POST, rows=[row])


def test_token_is_stored_only_as_its_hash(world):
    invitation = _invitation(world, channel=Channel.WEB)
    token = invitation_issue_token(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.token_hash == token_hash(token)
    assert token not in invitation.token_hash
    assert len(token) >= 32
    assert invitation.expires_on is not None
    assert invitation_issue_token(invitation=invitation) != token


def test_opt_out_and_in(world, hq_operator, agency_b_staff):
    survey_opt_out(actor=hq_operator, customer=world["customer"], since=DAY, note="電話で辞退")
    assert SurveyOptOut.objects.get().note == "電話で辞退"
    with pytest.raises(PermissionDenied):
        survey_opt_in(actor=agency_b_staff, customer=world["customer"])
    survey_opt_in(actor=hq_operator, customer=world["customer"])
    assert not SurveyOptOut.objects.exists()
    assert AuditEvent.objects.filter(action__in=[AuditAction.SURVEY_OPT_OUT, AuditAction.SURVEY_OPT_IN]).count() == 2
