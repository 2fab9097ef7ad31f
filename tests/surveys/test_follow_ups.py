"""Follow-ups: opened from answers (reasons, owner, due date on the business calendar), closed with the
outcome, the worklist's figures, the badge, scoping (agency B gets 404) and the screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tests.conftest import PASSWORD, make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.surveys.choices import Channel, FollowUpReason, FollowUpStatus
from tsunagu.surveys.models import FollowUp
from tsunagu.surveys.services.follow_ups import (
    FollowUpFilters,
    follow_up_close,
    follow_up_get,
    follow_up_stats,
    overdue_count,
    queue_counts,
    reason_for,
)
from tsunagu.surveys.services.responses import ResponseInput, responses_record

pytestmark = pytest.mark.django_db
ANSWERED = dt.date(2026, 6, 10)  # a Wednesday: 3 business days later is Monday 6/15
DUE = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("nps", "drivers", "consent", "expected"),
    [
        (0, [], None, FollowUpReason.DETRACTOR),
        (6, [5], True, FollowUpReason.DETRACTOR),  # detractor first
        (7, [2, 5], True, FollowUpReason.DRIVER),
        (9, [None, 1], False, FollowUpReason.DRIVER),
        (9, [3, 4], True, FollowUpReason.CONTACT_REQUESTED),
        (None, [], True, FollowUpReason.CONTACT_REQUESTED),
        (7, [3], False, None),
        (10, [True], None, None),  # a boolean is not a rating
        (None, [], None, None),
    ],
)
def test_reason(nps, drivers, consent, expected):
    assert reason_for(nps, drivers, consent) == expected


@pytest.fixture
def world(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    customer = make_customer(hq_operator, agency=org["agency_a"], name="佐藤 一郎", name_kana="サトウ イチロウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"])
    return {
        "manager": manager,
        "survey": survey,
        "version": survey.versions.get(),
        "customer": customer,
        "policy": policy,
    }


def _answer(world, actor, answers, *, policy=True, answered_on=ANSWERED):
    [response] = responses_record(
        actor=actor,
        version=world["version"],
        channel=Channel.PHONE,
        rows=[
            ResponseInput(
                customer=world["customer"],
                answers=answers,
                answered_on=answered_on,
                policy=world["policy"] if policy else None,
            )
        ],
    )
    return FollowUp.objects.filter(response=response).first()


def test_a_detractor_opens_a_follow_up_for_the_policys_agency(world, hq_operator, org):
    follow_up = _answer(world, hq_operator, {"nps": 3, "comment": "連絡が遅かった"})
    assert follow_up is not None
    assert follow_up.reason == FollowUpReason.DETRACTOR
    assert follow_up.agency == org["agency_a"]
    assert follow_up.department is None
    assert follow_up.policy == world["policy"]
    assert follow_up.customer == world["customer"]
    assert follow_up.due_date == DUE
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.history.get().history_user == hq_operator
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_FOLLOW_UPS_OPEN).count() == 1


def test_without_a_policy_the_follow_up_goes_to_customer_relations(world, hq_operator):
    follow_up = _answer(world, hq_operator, {"nps": 9, "clarity": 1}, policy=False)
    assert follow_up.reason == FollowUpReason.DRIVER
    assert follow_up.agency is None
    assert follow_up.department.code == "CR"


def test_happy_answers_open_nothing_and_a_request_opens_one(world, hq_operator):
    assert _answer(world, hq_operator, {"nps": 10, "clarity": 5, "contact": False}) is None
    requested = _answer(world, hq_operator, {"nps": 10, "contact": True})
    assert requested.reason == FollowUpReason.CONTACT_REQUESTED


def test_closing_records_the_outcome(world, hq_operator, agency_a_staff):
    follow_up = _answer(world, hq_operator, {"nps": 2})
    closed = follow_up_close(
        actor=agency_a_staff,
        follow_up=follow_up,
        status=FollowUpStatus.DONE,
        outcome=" お詫びし、今後の連絡方法を確認 ",
    )
    assert closed.status == FollowUpStatus.DONE
    assert closed.outcome == "お詫びし、今後の連絡方法を確認"
    assert closed.closed_by == agency_a_staff
    assert closed.closed_at is not None
    assert closed.history.first().history_user == agency_a_staff
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_FOLLOW_UP_CLOSE, actor=agency_a_staff).exists()
    with pytest.raises(ValidationError, match="既に「対応済」"):
        follow_up_close(actor=agency_a_staff, follow_up=follow_up, status=FollowUpStatus.NOT_REACHED, outcome="再度")


@pytest.mark.parametrize(
    ("status", "outcome", "field"),
    [
        (FollowUpStatus.OPEN, "連絡した", "status"),
        ("closed", "連絡した", "status"),
        (FollowUpStatus.DONE, "   ", "outcome"),
        (FollowUpStatus.NOT_REACHED, "あ" * 2001, "outcome"),
    ],
)
def test_closing_refuses_bad_input_in_japanese(world, hq_operator, status, outcome, field):
    follow_up = _answer(world, hq_operator, {"nps": 2})
    with pytest.raises(ValidationError) as error:
        follow_up_close(actor=hq_operator, follow_up=follow_up, status=status, outcome=outcome)
    assert field in error.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_agency_b_can_neither_see_nor_close_agency_as_follow_up(world, hq_operator, agency_b_staff):
    follow_up = _answer(world, hq_operator, {"nps": 1})
    with pytest.raises(Http404):
        follow_up_get(user=agency_b_staff, pk=follow_up.pk)
    with pytest.raises(Http404):
        follow_up_close(actor=agency_b_staff, follow_up=follow_up, status=FollowUpStatus.DONE, outcome="x")
    assert follow_up_stats(user=agency_b_staff, filters=FollowUpFilters(status="all")).total == 0
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_agency_staff_do_not_see_the_departments_follow_ups_of_their_customer(world, hq_operator, agency_a_staff):
    follow_up = _answer(world, hq_operator, {"nps": 1}, policy=False)  # お客様相談室's
    with pytest.raises(Http404):
        follow_up_get(user=agency_a_staff, pk=follow_up.pk)


def test_roles_without_follow_ups_are_refused(world, hq_operator, auditor):
    follow_up = _answer(world, hq_operator, {"nps": 1})
    with pytest.raises(PermissionDenied):
        follow_up_get(user=auditor, pk=follow_up.pk)


def test_reading_a_follow_up_is_logged_with_its_answers(world, hq_operator, agency_a_staff):
    follow_up = _answer(world, hq_operator, {"nps": 4, "clarity": 2, "speed": "悪い", "comment": "説明が足りない"})
    got, answers = follow_up_get(user=agency_a_staff, pk=follow_up.pk)
    assert got == follow_up
    shown = {line.text: line.answer for line in answers}
    assert shown["事故対応を知人にすすめたいと思いますか"] == "4 / 10"
    assert shown["説明のわかりやすさ"] == "2 / 5"
    assert shown["ご意見・ご感想をお聞かせください"] == "説明が足りない"
    assert shown["担当者からご連絡してもよろしいですか"] == "(未回答)"
    assert AccessLog.objects.filter(
        user=agency_a_staff, customer_id=world["customer"].pk, purpose=AccessPurpose.VIEW
    ).exists()


def test_figures_badge_and_queue(world, hq_operator, agency_a_staff):
    first = _answer(world, hq_operator, {"nps": 1})
    _answer(world, hq_operator, {"nps": 2})
    follow_up_close(actor=agency_a_staff, follow_up=first, status=FollowUpStatus.NOT_REACHED, outcome="3回架電、不在")
    filters = FollowUpFilters(status="all", date_from=ANSWERED, date_to=ANSWERED)
    stats = follow_up_stats(user=agency_a_staff, filters=filters, today=dt.date(2026, 6, 20))
    assert (stats.total, stats.open, stats.overdue, stats.not_reached, stats.done) == (2, 1, 1, 1, 0)
    assert stats.follow_up_rate == 0.5
    assert stats.mean_days_to_close is not None
    assert overdue_count(agency_a_staff, today=dt.date(2026, 6, 16)) == 1
    assert overdue_count(agency_a_staff, today=DUE) is None  # due today is not overdue
    assert queue_counts(agency_a_staff, today=DUE) == {"open": 1, "overdue": 0, "due_today": 1}


def test_worklist_and_detail_screens(client, world, hq_operator, agency_a_staff, agency_b_staff):
    follow_up = _answer(world, hq_operator, {"nps": 0, "comment": "二度と頼まない"})
    url = reverse("surveys:follow_up", args=[follow_up.pk])

    client.login(username=agency_b_staff.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    listing = client.get(reverse("surveys:follow_ups"), {"date_from": "2026/06/01", "date_to": "2026-06-30"})
    assert listing.status_code == 200
    assert "佐藤 一郎" not in listing.content.decode()

    client.login(username=agency_a_staff.username, password=PASSWORD)
    listing = client.get(reverse("surveys:follow_ups"), {"date_from": "2026/06/01", "date_to": "2026-06-30"})
    assert "佐藤 一郎" in listing.content.decode()
    assert "期限超過" in listing.content.decode()
    bad = client.get(reverse("surveys:follow_ups"), {"date_from": "2026/06/31"})
    assert "日付は 2026/12/04 の形式で" in bad.content.decode()
    page = client.get(url)
    assert "二度と頼まない" in page.content.decode()
    assert reverse("desk:customer_detail", args=[world["customer"].pk]) in page.content.decode()

    invalid = client.post(url, {"status": "done", "outcome": ""})
    assert invalid.status_code == 200
    assert "対応の内容を入力してください。" in invalid.content.decode()
    done = client.post(url, {"status": "done", "outcome": "お詫びと経緯の説明をした"})
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE
    assert "お詫びと経緯の説明をした" in client.get(url).content.decode()
    home = client.get(reverse("desk:home")).content.decode()
    assert 'id="home-survey-follow-ups"' in home
