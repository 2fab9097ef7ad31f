"""Whether, when and how a customer is surveyed about one event. Pure: no Django.

`services.invitations` gathers the day's events, the active rules and each customer's facts, and
asks `plan` for one `Decision` per (event, rule): send (the channel and the date), suppressed (the
reason, so response rates can be explained), or sampled out. The codes are those of
`surveys.choices` (`tests/surveys/test_triggers.py` checks they stay equal).

Order of the checks, and why:
1. The rule must fit the event (its event, its line and case type when the rule names one).
2. Suppression, first reason wins: deceased → opted out → no contact consent → open complaint →
   surveyed within the rule's quiet days (before or after the send date) → no way to reach the
   customer by any channel the rule allows. Protection comes before sampling so that every customer
   the rules protect is recorded with the reason, whatever the sampling rate.
3. Sampling: deterministic, from a hash of the rule and the event (never `random`), so planning a
   day twice decides the same and a rule at 0.3 surveys the same 30% on every run.
4. The channel: elderly customers (age on the send date ≥ `elderly_age`, 70 by default) get post
   (else phone) instead of a web link; the web link goes by e-mail, so no e-mail → post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

DEFAULT_ELDERLY_AGE = 70


class Channel(StrEnum):  # surveys.choices.Channel (the survey's own channels)
    WEB = "web"
    POST = "post"
    PHONE = "phone"


class Outcome(StrEnum):  # surveys.choices.InvitationStatus of a new invitation
    SCHEDULED = "scheduled"
    SUPPRESSED = "suppressed"
    SAMPLED_OUT = "sampled_out"


class Reason(StrEnum):  # surveys.choices.SuppressionReason
    RECENT_SURVEY = "recent_survey"
    OPEN_COMPLAINT = "open_complaint"
    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    DECEASED = "deceased"
    NO_CONTACT = "no_contact"


# What the rule's channel becomes, in order of preference; the first one the customer can be reached
# by is used. The web link is mailed, so it needs an e-mail address.
_CHANNELS: dict[tuple[Channel, bool], tuple[Channel, ...]] = {
    # (the rule's channel, elderly) → candidates
    (Channel.WEB, False): (Channel.WEB, Channel.POST),
    (Channel.WEB, True): (Channel.POST, Channel.PHONE),
    (Channel.POST, False): (Channel.POST,),
    (Channel.POST, True): (Channel.POST, Channel.PHONE),
    (Channel.PHONE, False): (Channel.PHONE, Channel.POST),
    (Channel.PHONE, True): (Channel.PHONE, Channel.POST),
}


@dataclass(frozen=True)
class Event:
    """Something that happened to a customer: a claim closed, a contract made, a case closed …"""

    kind: str  # surveys.choices.TriggerEvent
    key: str  # stable and unique per event ("claim:123"): sampling hashes it
    on: dt.date
    customer_id: int
    line: str = ""  # the policy's line of business, "" when none
    case_type: str = ""  # for a closed case


@dataclass(frozen=True)
class Rule:
    rule_id: int
    event: str
    delay_days: int
    sampling_rate: Decimal  # 0 … 1
    channel: Channel
    quiet_days: int
    line: str = ""  # "" = every line
    case_type: str = ""  # "" = every case type


@dataclass(frozen=True)
class CustomerFacts:
    last_survey_on: dt.date | None = None  # the latest survey sent, scheduled or answered
    open_complaint: bool = False
    contact_consent: bool = True
    opted_out: bool = False
    deceased: bool = False
    birth_date: dt.date | None = None  # None for corporations and unknown
    has_email: bool = False
    has_phone: bool = False
    has_address: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    send_on: dt.date
    channel: Channel  # the rule's channel when not sent
    reason: Reason | None = None


def matches(rule: Rule, event: Event) -> bool:
    """The rule is for this kind of event, and for its line and case type when it names one."""
    return (
        rule.event == event.kind
        and (not rule.line or rule.line == event.line)
        and (not rule.case_type or rule.case_type == event.case_type)
    )


def sample_point(rule_id: int, event_key: str) -> Decimal:
    """A number in [0, 1) fixed by the rule and the event (the first 8 bytes of a SHA-256)."""
    digest = hashlib.sha256(f"{rule_id}:{event_key}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)


def sampled_in(rule: Rule, event: Event) -> bool:
    return sample_point(rule.rule_id, event.key) < rule.sampling_rate


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_elderly(facts: CustomerFacts, on: dt.date, elderly_age: int = DEFAULT_ELDERLY_AGE) -> bool:
    return facts.birth_date is not None and age_on(facts.birth_date, on) >= elderly_age


def reachable(facts: CustomerFacts, channel: Channel) -> bool:
    if channel is Channel.WEB:
        return facts.has_email
    if channel is Channel.POST:
        return facts.has_address
    return facts.has_phone


def choose_channel(rule_channel: Channel, facts: CustomerFacts, on: dt.date, elderly_age: int) -> Channel | None:
    """The channel the customer gets on `on`, or None when they cannot be reached by any allowed one."""
    candidates = _CHANNELS[(rule_channel, is_elderly(facts, on, elderly_age))]
    return next((channel for channel in candidates if reachable(facts, channel)), None)


def _suppression(rule: Rule, facts: CustomerFacts, send_on: dt.date) -> Reason | None:
    if facts.deceased:
        return Reason.DECEASED
    if facts.opted_out:
        return Reason.OPTED_OUT
    if not facts.contact_consent:
        return Reason.NO_CONSENT
    if facts.open_complaint:
        return Reason.OPEN_COMPLAINT
    if facts.last_survey_on is not None and abs((send_on - facts.last_survey_on).days) < rule.quiet_days:
        return Reason.RECENT_SURVEY
    return None


def decide(rule: Rule, event: Event, facts: CustomerFacts, *, elderly_age: int = DEFAULT_ELDERLY_AGE) -> Decision:
    """The decision for one event under one rule that `matches` it."""
    send_on = event.on + dt.timedelta(days=rule.delay_days)
    reason = _suppression(rule, facts, send_on)
    if reason is not None:
        return Decision(Outcome.SUPPRESSED, send_on, rule.channel, reason)
    channel = choose_channel(rule.channel, facts, send_on, elderly_age)
    if channel is None:
        return Decision(Outcome.SUPPRESSED, send_on, rule.channel, Reason.NO_CONTACT)
    if not sampled_in(rule, event):
        return Decision(Outcome.SAMPLED_OUT, send_on, rule.channel)
    return Decision(Outcome.SCHEDULED, send_on, channel)


def plan(
    pairs: Iterable[tuple[Event, Rule]],
    facts: Mapping[int, CustomerFacts],
    *,
    elderly_age: int = DEFAULT_ELDERLY_AGE,
) -> list[tuple[Event, Rule, Decision]]:
    """Decide every (event, rule) pair in order. A survey scheduled here counts as the customer's
    latest for the pairs after it, so two events of one customer on one day send one survey (the
    first pair's; callers order the pairs by priority)."""
    current = dict(facts)
    decided: list[tuple[Event, Rule, Decision]] = []
    for event, rule in pairs:
        customer = current.get(event.customer_id, CustomerFacts())
        decision = decide(rule, event, customer, elderly_age=elderly_age)
        if decision.outcome is Outcome.SCHEDULED:
            latest = customer.last_survey_on
            if latest is None or decision.send_on > latest:
                current[event.customer_id] = replace(customer, last_survey_on=decision.send_on)
        decided.append((event, rule, decision))
    return decided
