"""The dashboard's response rate is read from the rollup (invitations sent and answered, by the month
sent), kept by the send service and the answer subscriber: for random invitations sent on several
days and partly answered, the rate for combined filters equals the count over the invitation rows,
incrementally and after `rebuild`; a send time in the first hours of a month (the previous day in
UTC) counts in the local month."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Q
from django.utils import timezone

from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, current_version, holders, random_answers
from tsunagu.core.services import system_user
from tsunagu.surveys import aggregates
from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import Invitation, ResponseRollup
from tsunagu.surveys.results import ResultFilters, results_get
from tsunagu.surveys.services.invitations import invitations_send
from tsunagu.surveys.services.responses import ResponseInput, responses_record

pytestmark = pytest.mark.django_db
EVENTS = (TriggerEvent.CLAIM_CLOSED, TriggerEvent.RENEWAL_DONE)
CHANNELS = (Channel.WEB, Channel.POST, Channel.PHONE)
_INVITATION_ROW = (
    "dims",
    "month",
    "agency_key",
    "line",
    "event",
    "channel",
    "invitations_sent",
    "invitations_answered",
)


@pytest.fixture(autouse=True)
def document_dir(settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"
    settings.TSUNAGU_PUBLIC_BASE_URL = "https://survey.example.jp"


def _local(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _from_rows(filters: ResultFilters) -> tuple[int, int]:
    """(sent, answered) counted over the invitation rows, as the rate is defined (docs/surveys.md)."""
    rows = Invitation.objects.filter(
        sent_at__isnull=False, status__in=aggregates.SENT_STATUSES, version__survey=filters.survey
    )
    if filters.month_from is not None:
        rows = rows.filter(sent_at__gte=_local(filters.month_from))
    if filters.month_to is not None:
        following = (filters.month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        rows = rows.filter(sent_at__lt=_local(following))
    if filters.agency is not None:
        rows = rows.filter(agency=filters.agency)
    if filters.branch is not None:
        rows = rows.filter(agency__branch=filters.branch)
    if filters.line:
        rows = rows.filter(policy__line=filters.line)
    if filters.event:
        rows = rows.filter(event=filters.event)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return rows.count(), rows.filter(Q(status=InvitationStatus.ANSWERED)).count()


def _filters(survey, org) -> list[ResultFilters]:
    april, may = dt.date(2025, 4, 1), dt.date(2025, 5, 1)
    return [
        ResultFilters(survey=survey),
        ResultFilters(survey=survey, month_from=april, month_to=april),
        ResultFilters(survey=survey, month_from=may),
        ResultFilters(survey=survey, line="auto"),
        ResultFilters(survey=survey, agency=org["agency_a"], channel=Channel.POST),
        ResultFilters(survey=survey, branch=org["branch"], event=TriggerEvent.RENEWAL_DONE),
        ResultFilters(survey=survey, month_to=april, line="fire", channel=Channel.WEB),
    ]


def _assert_rates_equal_the_rows(user, survey, org) -> None:
    for filters in _filters(survey, org):
        rate = results_get(user=user, filters=filters).response_rate
        assert (rate.sent, rate.answered) == _from_rows(filters), filters.describe()


@pytest.mark.parametrize("seed", [3, 11])
def test_rates_from_the_rollup_equal_the_invitation_rows(hq_operator, org, seed):
    survey = claim_survey(cs_manager())
    version = current_version(survey)
    people = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    rng = random.Random(seed)
    days = [dt.date(2025, 4, 28) + dt.timedelta(days=k) for k in (0, 2, 3, 5, 9)]  # across April and May
    for _ in range(30):
        holder = rng.choice(people)
        Invitation.objects.create(
            version=version,
            event=rng.choice(EVENTS),
            event_date=days[0] - dt.timedelta(days=10),
            customer=holder.customer,
            policy=holder.policy,
            agency=holder.policy.agency,
            channel=rng.choice(CHANNELS),
            scheduled_for=rng.choice(days),
        )
    for day in days:
        invitations_send(actor=system_user(), on=day)
        sent = list(
            Invitation.objects.filter(status=InvitationStatus.SENT, scheduled_for=day).select_related("customer")
        )
        for invitation in rng.sample(sent, k=len(sent) // 2):  # half are answered a day later
            responses_record(
                actor=hq_operator,
                version=version,
                channel=invitation.channel,
                rows=[
                    ResponseInput(
                        customer=invitation.customer,
                        answers=random_answers(rng),
                        answered_on=day + dt.timedelta(days=1),
                        invitation=invitation,
                    )
                ],
            )
    assert Invitation.objects.filter(status=InvitationStatus.ANSWERED).exists()
    _assert_rates_equal_the_rows(hq_operator, survey, org)
    incremental = sorted(ResponseRollup.objects.filter(survey=survey).values_list(*_INVITATION_ROW))

    aggregates.rebuild(survey)

    assert sorted(ResponseRollup.objects.filter(survey=survey).values_list(*_INVITATION_ROW)) == incremental
    _assert_rates_equal_the_rows(hq_operator, survey, org)


def test_a_send_time_early_on_the_first_of_a_month_counts_in_that_local_month(hq_operator, org):
    survey = claim_survey(cs_manager())
    holder = holders(hq_operator, [org["agency_a"]])[0]
    for status in (InvitationStatus.SENT, InvitationStatus.ANSWERED):  # 08:00 JST on 1 May: 30 April in UTC
        Invitation.objects.create(
            version=current_version(survey),
            event=TriggerEvent.CLAIM_CLOSED,
            event_date=dt.date(2025, 4, 20),
            customer=holder.customer,
            policy=holder.policy,
            agency=org["agency_a"],
            channel=Channel.POST,
            status=status,
            scheduled_for=dt.date(2025, 5, 1),
            sent_at=_local(dt.date(2025, 5, 1), hour=8),
        )
    aggregates.rebuild(survey)

    may = results_get(user=hq_operator, filters=ResultFilters(survey=survey, month_from=dt.date(2025, 5, 1)))
    april = results_get(user=hq_operator, filters=ResultFilters(survey=survey, month_to=dt.date(2025, 4, 1)))

    assert (may.response_rate.sent, may.response_rate.answered, may.response_rate.display) == (2, 1, "50.0%")
    assert (april.response_rate.sent, april.response_rate.display) == (0, "—")
    assert may.trend == []  # invitations without answers add no month or table line
    assert may.breakdowns == []
