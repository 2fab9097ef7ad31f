"""Responses for the results tests: a few customers of agencies A and B with policies of several
lines, and random answers recorded through the one write path (services.responses_record)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey
from tsunagu.core.models import Agency, User
from tsunagu.core.services import system_user
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy
from tsunagu.surveys.choices import Channel
from tsunagu.surveys.models import Response, Survey, SurveyVersion
from tsunagu.surveys.services.responses import ResponseInput, responses_record

CHANNELS = (Channel.WEB, Channel.POST, Channel.PHONE, Channel.IMPORT)
SPEED = ("良い", "普通", "悪い")


@dataclass(frozen=True)
class Holder:
    customer: Customer
    policy: Policy


def holders(actor: User, agencies: list[Agency]) -> list[Holder]:
    """One customer per agency and line (auto, fire), each with one policy."""
    found = []
    for number, agency in enumerate(agencies):
        for line in (LineOfBusiness.AUTO, LineOfBusiness.FIRE):
            customer = make_customer(actor, name=f"回答 {number}{line[:1]}", name_kana="カイトウ")
            found.append(Holder(customer, make_policy(actor, customer, agency=agency, line=line)))
    return found


def current_version(survey: Survey) -> SurveyVersion:
    return survey.versions.get(is_current=True)


def random_answers(rng: random.Random, nps: int | None = None) -> dict[str, object]:
    answers: dict[str, object] = {"nps": rng.randint(0, 10) if nps is None else nps}
    if rng.random() < 0.9:
        answers["satisfaction"] = rng.randint(0, 10)
    if rng.random() < 0.8:
        answers["clarity"] = rng.randint(1, 5)
    if rng.random() < 0.7:
        answers["speed"] = rng.choice(SPEED)
    if rng.random() < 0.3:
        answers["comment"] = rng.choice(("丁寧でした", "連絡が遅かった", "特になし"))
    return answers


def record_random(
    survey: Survey, people: list[Holder], count: int, seed: int, *, start: dt.date = dt.date(2025, 1, 1)
) -> list[Response]:
    """`count` random responses over 18 months, written in one batch per channel."""
    rng = random.Random(seed)
    version = current_version(survey)
    by_channel: dict[str, list[ResponseInput]] = {}
    for _ in range(count):
        holder = rng.choice(people)
        answered_on = start + dt.timedelta(days=rng.randint(0, 540))
        row = ResponseInput(holder.customer, random_answers(rng), answered_on, policy=holder.policy)
        by_channel.setdefault(rng.choice(CHANNELS), []).append(row)
    recorded: list[Response] = []
    for channel, rows in by_channel.items():
        recorded += responses_record(actor=system_user(), version=version, channel=channel, rows=rows)
    return recorded


def record_scores(survey: Survey, holder: Holder, scores: list[int], answered_on: dt.date) -> list[Response]:
    rows = [
        ResponseInput(holder.customer, {"nps": s, "satisfaction": s}, answered_on, policy=holder.policy) for s in scores
    ]
    return responses_record(actor=system_user(), version=current_version(survey), channel=Channel.POST, rows=rows)


__all__ = ["Holder", "claim_survey", "current_version", "holders", "record_random", "record_scores"]
