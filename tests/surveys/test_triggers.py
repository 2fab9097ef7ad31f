"""The pure trigger rules: matching, suppression (every reason), sampling, the channel switch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tsunagu.surveys import choices, triggers
from tsunagu.surveys.triggers import Channel, CustomerFacts, Event, Outcome, Reason, Rule

D = dt.date
DAY = D(2026, 6, 1)
REACHABLE = CustomerFacts(birth_date=D(1980, 1, 1), has_email=True, has_phone=True, has_address=True)


def rule(**kw) -> Rule:
    values = {
        "rule_id": 1,
        "event": "claim_closed",
        "delay_days": 7,
        "sampling_rate": Decimal(1),
        "channel": Channel.WEB,
        "quiet_days": 90,
    }
    values.update(kw)
    return Rule(**values)


def event(**kw) -> Event:
    values = {"kind": "claim_closed", "key": "claim:1", "on": DAY, "customer_id": 10, "line": "auto"}
    values.update(kw)
    return Event(**values)


def facts(**kw) -> CustomerFacts:
    values = {
        "birth_date": REACHABLE.birth_date,
        "has_email": True,
        "has_phone": True,
        "has_address": True,
    }
    values.update(kw)
    return CustomerFacts(**values)


def test_codes_are_those_of_the_models_choices():
    assert {r.value for r in Reason} == set(choices.SuppressionReason.values)
    assert {c.value for c in Channel} <= set(choices.Channel.values)
    assert {o.value for o in Outcome} <= set(choices.InvitationStatus.values)


@pytest.mark.parametrize(
    ("rule_kw", "event_kw", "expected"),
    [
        ({}, {}, True),
        ({"event": "new_contract"}, {}, False),
        ({"line": "auto"}, {"line": "auto"}, True),
        ({"line": "fire"}, {"line": "auto"}, False),
        ({"event": "case_closed", "case_type": ""}, {"kind": "case_closed", "case_type": "inquiry"}, True),
        ({"event": "case_closed", "case_type": "change"}, {"kind": "case_closed", "case_type": "inquiry"}, False),
        ({"event": "case_closed", "case_type": "inquiry"}, {"kind": "case_closed", "case_type": "inquiry"}, True),
    ],
)
def test_a_rule_matches_its_event_line_and_case_type(rule_kw, event_kw, expected):
    assert triggers.matches(rule(**rule_kw), event(**event_kw)) is expected


@pytest.mark.parametrize(
    ("customer", "reason"),
    [
        (facts(deceased=True, opted_out=True), Reason.DECEASED),  # the first reason wins
        (facts(opted_out=True, contact_consent=False), Reason.OPTED_OUT),
        (facts(contact_consent=False, open_complaint=True), Reason.NO_CONSENT),
        (facts(open_complaint=True), Reason.OPEN_COMPLAINT),
        (facts(last_survey_on=DAY - dt.timedelta(days=60)), Reason.RECENT_SURVEY),  # 67 days before sending
        (facts(last_survey_on=DAY + dt.timedelta(days=30)), Reason.RECENT_SURVEY),  # one already scheduled after
        (facts(has_email=False, has_phone=True, has_address=False), Reason.NO_CONTACT),  # web: e-mail or post only
        (CustomerFacts(), Reason.NO_CONTACT),
    ],
)
def test_every_suppression_reason(customer, reason):
    decision = triggers.decide(rule(), event(), customer)
    assert decision.outcome is Outcome.SUPPRESSED
    assert decision.reason is reason
    assert decision.send_on == DAY + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("days_before_send", "outcome"),
    [(89, Outcome.SUPPRESSED), (90, Outcome.SCHEDULED), (200, Outcome.SCHEDULED)],
)
def test_quiet_days_count_from_the_send_date(days_before_send, outcome):
    send_on = DAY + dt.timedelta(days=7)
    customer = facts(last_survey_on=send_on - dt.timedelta(days=days_before_send))
    assert triggers.decide(rule(), event(), customer).outcome is outcome


@pytest.mark.parametrize(
    ("rule_channel", "birth_date", "reach", "expected"),
    [
        # (has_email, has_phone, has_address)
        (Channel.WEB, D(1980, 1, 1), (True, True, True), Channel.WEB),
        (Channel.WEB, D(1980, 1, 1), (False, True, True), Channel.POST),  # no e-mail → post
        (Channel.WEB, D(1950, 1, 1), (True, True, True), Channel.POST),  # elderly: post, not a web link
        (Channel.WEB, D(1950, 1, 1), (True, True, False), Channel.PHONE),  # elderly without an address: phone
        (Channel.WEB, None, (True, True, True), Channel.WEB),  # a corporation has no age
        (Channel.POST, D(1980, 1, 1), (True, True, True), Channel.POST),
        (Channel.PHONE, D(1980, 1, 1), (True, False, True), Channel.POST),
        (Channel.PHONE, D(1950, 1, 1), (True, True, True), Channel.PHONE),
    ],
)
def test_channel(rule_channel, birth_date, reach, expected):
    has_email, has_phone, has_address = reach
    customer = facts(birth_date=birth_date, has_email=has_email, has_phone=has_phone, has_address=has_address)
    decision = triggers.decide(rule(channel=rule_channel), event(), customer)
    assert decision.outcome is Outcome.SCHEDULED
    assert decision.channel is expected


@pytest.mark.parametrize(
    ("birth_date", "elderly_age", "expected"),
    [
        (D(1956, 6, 8), 70, Channel.POST),  # 70 on the send date (6/8)
        (D(1956, 6, 9), 70, Channel.WEB),  # 70 the day after
        (D(1956, 6, 9), 75, Channel.WEB),
        (D(1960, 1, 1), 65, Channel.POST),  # the threshold is a setting
    ],
)
def test_elderly_is_the_age_on_the_send_date(birth_date, elderly_age, expected):
    decision = triggers.decide(rule(), event(), facts(birth_date=birth_date), elderly_age=elderly_age)
    assert decision.channel is expected


def test_sampling_is_deterministic_and_close_to_the_rate():
    half = rule(sampling_rate=Decimal("0.3"))
    decisions = [triggers.decide(half, event(key=f"claim:{n}"), facts()).outcome for n in range(4000)]
    again = [triggers.decide(half, event(key=f"claim:{n}"), facts()).outcome for n in range(4000)]
    assert decisions == again
    share = decisions.count(Outcome.SCHEDULED) / len(decisions)
    assert 0.27 < share < 0.33
    assert set(decisions) == {Outcome.SCHEDULED, Outcome.SAMPLED_OUT}


@pytest.mark.parametrize(("rate", "outcome"), [(Decimal(0), Outcome.SAMPLED_OUT), (Decimal(1), Outcome.SCHEDULED)])
def test_sampling_extremes(rate, outcome):
    assert triggers.decide(rule(sampling_rate=rate), event(), facts()).outcome is outcome


def test_sampling_depends_on_the_rule_too():
    points = {triggers.sample_point(rule_id, "claim:1") for rule_id in range(20)}
    assert len(points) == 20
    assert all(Decimal(0) <= p < Decimal(1) for p in points)


def test_suppression_is_recorded_before_sampling():
    decision = triggers.decide(rule(sampling_rate=Decimal(0)), event(), facts(opted_out=True))
    assert (decision.outcome, decision.reason) == (Outcome.SUPPRESSED, Reason.OPTED_OUT)


def test_plan_sends_one_survey_for_two_events_of_one_customer():
    claim_rule = rule(rule_id=1)
    case_rule = rule(rule_id=2, event="case_closed", channel=Channel.POST)
    other = event(key="claim:2", customer_id=11)
    pairs = [
        (event(), claim_rule),
        (event(kind="case_closed", key="case:5", case_type="accident"), case_rule),
        (other, claim_rule),
    ]
    decided = triggers.plan(pairs, {10: facts(), 11: facts()})
    outcomes = [(d.outcome, d.reason) for _, _, d in decided]
    assert outcomes == [
        (Outcome.SCHEDULED, None),
        (Outcome.SUPPRESSED, Reason.RECENT_SURVEY),
        (Outcome.SCHEDULED, None),
    ]


def test_plan_without_facts_means_unreachable():
    [(_, _, decision)] = triggers.plan([(event(customer_id=99), rule())], {})
    assert decision.reason is Reason.NO_CONTACT
