"""Demo surveys: the six surveys an insurer runs (事故対応, 更改, 新規契約, 案件完了, 解約, 定期), their
送付ルール, and two years of invitations, answers, opt-outs and follow-ups for the customers this
load added — decided and written the way the product's daily run and write paths do it.

- Surveys through `survey_create`, rules through `trigger_rule_save`, opt-outs (アンケート辞退)
  through `survey_opt_out`, by the demo's お客様相談室 / operator users.
- Invitations: the events of every day of the two years (claims closed, renewals, new contracts,
  completed cases, cancellations, the yearly relational sample) go day by day through the pure
  `surveys.triggers.plan` that `invitations_plan` uses, with each customer's facts as they were on
  that day (opted out since, complaint case open then, last survey so far; consent, age and contact
  details from `customer_facts`). So every invitation is 送付予定, 送付抑止 with its reason, or
  抽出対象外, exactly as the daily run would have recorded it. Sent ones are then 回答済 (about half),
  期限切れ, or still 送付済 (web ones with a token hash); those due on the reference date stay 送付予定.
- Answers through `responses_record`, one call per survey and channel (aggregates and follow-ups
  follow through its subscribers). Scores are drawn around a target NPS per survey, line and agency
  (auto claims +30…+60, fire and other claims +40…+70, each agency a fixed few points above or
  below), satisfaction follows the NPS answer (mean ≈ 8.5–9.0), driver ratings follow both, and
  comments are put together from sentence pools per score band and survey.
- Follow-ups opened by the write path are closed like staff would: nearly all of the older ones
  (対応済 with what was said, some 連絡不通), three quarters of the last two months' — the rest stay
  open, some overdue.

Rows are written set-based (`core.bulk.insert_records` + `copy_to_history`, executemany updates with
"~" history), so the step stays within seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.core import bulk
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Claim, Policy
from tsunagu.surveys import aggregates, events, triggers
from tsunagu.surveys.choices import (
    Channel,
    FollowUpStatus,
    InvitationStatus,
    QuestionKind,
    TriggerEvent,
)
from tsunagu.surveys.models import FollowUp, Invitation, Survey, SurveyVersion, TriggerRule
from tsunagu.surveys.services.definitions import survey_create
from tsunagu.surveys.services.invitations import (
    EVENT_PRIORITY,
    TriggerRuleInput,
    customer_facts,
    elderly_age,
    trigger_rule_save,
)
from tsunagu.surveys.services.responses import ResponseInput, responses_record, survey_opt_out

from .survey_catalog import (
    AGENCY_SPREAD,
    CANCEL_REASONS,
    COMMENT_SHARE,
    COMMENTS,
    FOLLOW_UP_DONE,
    FOLLOW_UP_NOT_REACHED,
    IMPRESSION,
    LINE_OFFSET,
    SURVEYS,
    SurveyDef,
)

YEARS = 2  # answers over the demo's last two years
# Of the invitations sent, the share answered per channel (claims: a little more, see ANSWER_BOOST).
ANSWER_RATE = {Channel.WEB: 0.42, Channel.POST: 0.52, Channel.PHONE: 0.55}
ANSWER_BOOST = {"claim": 1.25, "new_contract": 0.9, "cancellation": 0.6}
OPT_OUT_SHARE = 0.015  # of the customers, アンケート辞退 at some point of the two years
TOKEN_DAYS = 30


@dataclass
class SurveysResult:
    surveys_created: int = 0
    rules_created: int = 0
    invitations: int = 0  # sent (送付済・回答済・期限切れ)
    planned: int = 0  # every invitation row, suppressed and sampled out included
    by_status: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, int] = field(default_factory=dict)  # by SuppressionReason
    responses: int = 0
    by_survey: dict[str, int] = field(default_factory=dict)
    claim_nps: int | None = None  # the demo's headline 事故対応NPS (all claims answered)
    opt_outs: int = 0
    follow_ups: int = 0
    follow_ups_closed: int = 0
    follow_ups_overdue: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Occasion:
    """One event a survey is about (the `triggers.Event` the daily run would have found)."""

    survey: str
    key: str
    customer_id: int
    day: dt.date
    policy_id: int | None = None
    claim_id: int | None = None
    case_id: int | None = None
    line: str = ""
    agency_id: int | None = None
    case_type: str = ""


class _Draw:
    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.agency_offsets: dict[int | None, float] = {}
        # Agency codes, not ids, seed the offsets: ids differ between loads on PostgreSQL.
        self.agency_codes: dict[int, str] = dict(Agency.objects.values_list("pk", "code"))

    def agency_offset(self, agency_id: int | None) -> float:
        if agency_id not in self.agency_offsets:
            # seeded by the agency itself: the same agency reads the same in every survey
            code = self.agency_codes.get(agency_id, "") if agency_id is not None else ""
            self.agency_offsets[agency_id] = random.Random(f"agency:{code}").uniform(-AGENCY_SPREAD, AGENCY_SPREAD)
        return self.agency_offsets[agency_id]

    def nps(self, target: float) -> int:
        """An answer 0–10 from a population whose NPS is `target` and a quarter of it passive."""
        share = max(min(target / 100, 0.75), -0.75)
        promoters, detractors = (0.75 + share) / 2, (0.75 - share) / 2
        roll = self.rng.random()
        if roll < promoters:
            return 10 if self.rng.random() < 0.55 else 9
        if roll < promoters + detractors:
            return self.rng.choices((0, 1, 2, 3, 4, 5, 6), weights=(2, 1, 2, 4, 6, 12, 16))[0]
        return 8 if self.rng.random() < 0.55 else 7

    def satisfaction(self, nps: int) -> int:
        if nps >= 9:
            return self.rng.choices((8, 9, 10), weights=(1, 4, 5))[0]
        if nps >= 7:
            return self.rng.choices((7, 8, 9, 10), weights=(2, 5, 4, 1))[0]
        return max(0, min(10, nps + self.rng.choice((1, 1, 2, 2, 3, 3))))

    def rating(self, nps: int) -> int:
        if nps >= 9:
            return self.rng.choices((3, 4, 5), weights=(1, 4, 6))[0]
        if nps >= 7:
            return self.rng.choices((2, 3, 4, 5), weights=(1, 4, 6, 2))[0]
        return self.rng.choices((1, 2, 3, 4), weights=(3, 5, 4, 1))[0]

    def comment(self, band: str, survey: str) -> str:
        if self.rng.random() >= COMMENT_SHARE[band]:
            return ""
        pools = COMMENTS[band]
        specific = pools.get(survey, ())
        sentences = list(specific) if specific and self.rng.random() < 0.7 else list(pools["general"])
        picked = self.rng.sample(sentences, k=min(len(sentences), self.rng.choice((1, 1, 2))))
        return "".join(picked)

    def answers(self, definition: SurveyDef, target: float) -> dict[str, Any]:
        nps = self.nps(target)
        band = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
        answers: dict[str, Any] = {"nps": nps}
        for question in definition.questions:
            if question.code == "satisfaction" and self.rng.random() < 0.95:
                answers["satisfaction"] = self.satisfaction(nps)
            elif question.kind == QuestionKind.RATING and self.rng.random() < 0.9:
                answers[question.code] = self.rating(nps)
            elif question.code == "impression":
                answers["impression"] = IMPRESSION[0 if band == "promoter" else 1 if band == "passive" else 2]
            elif question.code == "reason":
                answers["reason"] = self.rng.choices(CANCEL_REASONS, weights=(5, 2, 4, 3, 1))[0]
            elif question.kind == QuestionKind.CONSENT:
                answers["contact"] = self.rng.random() < (0.5 if band == "detractor" else 0.2)
        comment = self.comment(band, definition.code)
        if comment:
            answers["comment"] = comment
        return answers


def _ensure_surveys(owner: User) -> tuple[dict[str, SurveyVersion], dict[str, TriggerRule], int, int]:
    """The surveys and their 送付ルール (once per database, by the お客様相談室 user)."""
    versions: dict[str, SurveyVersion] = {}
    rules: dict[str, TriggerRule] = {}
    created = rules_created = 0
    for definition in SURVEYS:
        survey = Survey.objects.filter(code=definition.code).first()
        if survey is None:
            survey = survey_create(
                actor=owner,
                code=definition.code,
                name=definition.name,
                purpose=definition.purpose,
                questions=definition.questions,
                intro=definition.intro,
            )
            created += 1
        versions[definition.code] = survey.versions.select_related("survey").get(is_current=True)
        rule = TriggerRule.objects.filter(survey=survey, event=definition.event, is_active=True).first()
        if rule is None:
            rule = trigger_rule_save(
                actor=owner,
                rule=None,
                data=TriggerRuleInput(
                    survey=survey,
                    event=definition.event,
                    delay_days=7,
                    sampling_rate=Decimal(definition.sampling),
                    channel=definition.channel,
                    quiet_days=definition.quiet_days,
                ),
            )
            rules_created += 1
        rules[definition.code] = rule
    return versions, rules, created, rules_created


def _occasions(first_customer_id: int, start: dt.date, as_of: dt.date) -> list[Occasion]:
    """The events of the customers this load added in the window, found as `invitations.day_events`
    finds a day's (the same conditions), in the order it returns them."""
    found: list[Occasion] = []
    claims = Claim.objects.filter(
        policy__policyholder_id__gte=first_customer_id, closed_on__gte=start, closed_on__lte=as_of
    ).values_list("id", "closed_on", "policy_id", "policy__line", "policy__policyholder_id", "policy__agency_id")
    for pk, day, policy, line, customer, agency in claims.order_by("id"):
        found.append(Occasion("claim", f"claim:{pk}", customer, day, policy, pk, None, line, agency))
    ours = Policy.objects.filter(policyholder_id__gte=first_customer_id)
    fields = ("id", "line", "policyholder_id", "agency_id")
    policy_events = (
        (
            "cancellation",
            TriggerEvent.CANCELLATION_COMPLETED,
            ours.filter(cancellation_date__range=(start, as_of)),
            "cancellation_date",
        ),
        (
            "renewal",
            TriggerEvent.RENEWAL_DONE,
            ours.filter(previous_policy__isnull=False, contract_date__range=(start, as_of)),
            "contract_date",
        ),
        (
            "new_contract",
            TriggerEvent.NEW_CONTRACT,
            ours.filter(previous_policy__isnull=True, contract_date__range=(start, as_of)),
            "contract_date",
        ),
    )
    for code, kind, queryset, day_field in policy_events:
        for pk, line, customer, agency, day in queryset.values_list(*fields, day_field).order_by("id"):
            found.append(Occasion(code, f"{kind}:{pk}", customer, day, pk, None, None, line, agency))
    cases = (
        Case.objects.filter(customer_id__gte=first_customer_id, status=CaseStatus.COMPLETED, closed_at__isnull=False)
        .exclude(case_type=CaseType.COMPLAINT)  # a complaint is followed up by the complaint process
        .values_list(
            "id", "case_type", "customer_id", "policy_id", "policy__line", "policy__agency_id", "agency_id", "closed_at"
        )
    )
    for pk, case_type, customer, policy, line, policy_agency, case_agency, closed_at in cases.order_by("id"):
        day = timezone.localdate(closed_at)
        if start <= day <= as_of:
            agency = policy_agency or case_agency
            found.append(Occasion("case", f"case:{pk}", customer, day, policy, None, pk, line or "", agency, case_type))
    return found


def _relational(first_customer_id: int, start: dt.date, as_of: dt.date) -> list[Occasion]:
    """The yearly relational survey's events: each customer once a year, on the 応当日 of their
    first policy (so the year's surveys spread over the year)."""
    first_policy: dict[int, tuple[int, dt.date, str, int | None]] = {}
    rows = Policy.objects.filter(policyholder_id__gte=first_customer_id).values_list(
        "policyholder_id", "id", "inception", "line", "agency_id"
    )
    for customer, pk, inception, line, agency in rows.order_by("policyholder_id", "id"):
        first_policy.setdefault(customer, (pk, inception, line, agency))
    found = []
    for customer, (pk, inception, line, agency) in first_policy.items():
        for year in range(start.year, as_of.year + 1):
            day = dt.date(year, inception.month, min(inception.day, 28) if inception.month == 2 else inception.day)
            if start <= day <= as_of and day > inception:
                key = f"relational:{customer}:{year}"
                found.append(Occasion("relational", key, customer, day, pk, None, None, line, agency))
    return found


def _opt_outs(draw: _Draw, customer_ids: list[int], start: dt.date, as_of: dt.date, actor: User) -> dict[int, dt.date]:
    """アンケート辞退 of a few customers, each from a day of the two years (recorded by `survey_opt_out`)."""
    chosen = sorted(draw.rng.sample(customer_ids, k=max(1, round(len(customer_ids) * OPT_OUT_SHARE))))
    customers = Customer.objects.in_bulk(chosen)
    notes = ("電話で申出(今後アンケートは不要)", "アンケートはがきに「今後不要」と記載", "代理店経由で申出")
    since: dict[int, dt.date] = {}
    for customer_id in chosen:
        day = start + dt.timedelta(days=draw.rng.randrange((as_of - start).days))
        survey_opt_out(actor=actor, customer=customers[customer_id], since=day, note=draw.rng.choice(notes))
        since[customer_id] = day
    return since


def _complaint_spans(first_customer_id: int) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """When each customer had a complaint case open (opened → closed, None while still open)."""
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    rows = Case.objects.filter(customer_id__gte=first_customer_id, case_type=CaseType.COMPLAINT).values_list(
        "customer_id", "opened_on", "closed_at"
    )
    for customer, opened_on, closed_at in rows:
        spans[customer].append((opened_on, timezone.localdate(closed_at) if closed_at else None))
    return spans


@dataclass(slots=True)
class _Row:
    """An invitation row as `bulk.insert_records` writes it (attnames; what is missing takes the
    field's default): building thousands of model instances would cost more than the insert."""

    version_id: int
    trigger_id: int
    event: str
    event_date: dt.date
    customer_id: int
    policy_id: int | None
    claim_id: int | None
    case_id: int | None
    agency_id: int | None
    channel: str
    status: str
    suppression_reason: str
    scheduled_for: dt.date
    sent_at: dt.datetime | None = None
    expires_on: dt.date | None = None
    token_hash: str | None = None
    created_at: dt.datetime | None = None
    id: int | None = None

    def saved(self) -> Invitation:
        """The row as a saved model instance (what `responses_record` takes)."""
        invitation = Invitation(**{name: getattr(self, name) for name in self.__slots__})  # type: ignore[attr-defined]
        invitation._state.adding = False
        invitation._state.db = "default"
        return invitation


@dataclass
class _Planned:
    invitation: _Row
    occasion: Occasion
    answered_on: dt.date | None = None


def _plan(
    draw: _Draw,
    occasions: list[Occasion],
    rules: dict[str, TriggerRule],
    versions: dict[str, SurveyVersion],
    opt_outs: dict[int, dt.date],
    complaints: dict[int, list[tuple[dt.date, dt.date | None]]],
    as_of: dt.date,
) -> list[_Planned]:
    """Every day's events through `triggers.plan` with the customers' facts of that day, then what
    became of the sent invitations by the reference date."""
    base = customer_facts({o.customer_id for o in occasions})
    age = elderly_age()
    pure = {
        code: triggers.Rule(
            rule_id=rule.pk,
            event=rule.event,
            delay_days=rule.delay_days,
            sampling_rate=Decimal(rule.sampling_rate),
            channel=triggers.Channel(rule.channel),
            quiet_days=rule.quiet_days,
        )
        for code, rule in rules.items()
    }
    priority: dict[str, int] = {kind: index for index, kind in enumerate(EVENT_PRIORITY)}
    kinds = {d.code: d.event for d in SURVEYS}
    by_day: dict[dt.date, list[Occasion]] = defaultdict(list)
    for occasion in occasions:
        by_day[occasion.day].append(occasion)
    last_sent = {pk: f.last_survey_on for pk, f in base.items() if f.last_survey_on is not None}
    answered: dict[int, list[dt.date]] = defaultdict(list)
    planned: list[_Planned] = []
    for day in sorted(by_day):
        todays = sorted(by_day[day], key=lambda o: priority[kinds[o.survey]])  # stable: id order within a kind
        facts: dict[int, triggers.CustomerFacts] = {}
        for customer in {o.customer_id for o in todays}:
            dates = [d for d in (last_sent.get(customer), *(a for a in answered[customer] if a <= day)) if d]
            facts[customer] = replace(
                base.get(customer, triggers.CustomerFacts()),
                opted_out=customer in opt_outs and opt_outs[customer] <= day,
                open_complaint=any(o <= day and (c is None or day < c) for o, c in complaints.get(customer, ())),
                last_survey_on=max(dates, default=None),
            )
        pairs = [
            (triggers.Event(kinds[o.survey], o.key, day, o.customer_id, o.line, o.case_type), pure[o.survey])
            for o in todays
        ]
        for occasion, (_event, _rule, decision) in zip(
            todays, triggers.plan(pairs, facts, elderly_age=age), strict=True
        ):
            invitation = _Row(
                version_id=versions[occasion.survey].pk,
                trigger_id=rules[occasion.survey].pk,
                event=kinds[occasion.survey],
                event_date=day,
                customer_id=occasion.customer_id,
                policy_id=occasion.policy_id,
                claim_id=occasion.claim_id,
                case_id=occasion.case_id,
                agency_id=occasion.agency_id,
                channel=decision.channel.value,
                status=decision.outcome.value,
                suppression_reason=decision.reason.value if decision.reason else "",
                scheduled_for=decision.send_on,
            )
            item = _Planned(invitation, occasion)
            planned.append(item)
            if decision.outcome is not triggers.Outcome.SCHEDULED:
                continue
            customer = occasion.customer_id
            last_sent[customer] = max(last_sent.get(customer, decision.send_on), decision.send_on)
            if decision.send_on >= as_of:
                continue  # the daily run sends it (送付予定)
            _sent(draw, item, as_of)
            if item.answered_on is not None:
                answered[customer].append(item.answered_on)
    return planned


def _sent(draw: _Draw, item: _Planned, as_of: dt.date) -> None:
    """A scheduled invitation sent on its day: answered, expired or still open by `as_of`."""
    invitation = item.invitation
    send_on = invitation.scheduled_for
    invitation.status = InvitationStatus.SENT
    invitation.sent_at = timezone.make_aware(dt.datetime.combine(send_on, dt.time(9, 30)))
    invitation.expires_on = send_on + dt.timedelta(days=TOKEN_DAYS)
    rate = ANSWER_RATE[Channel(invitation.channel)] * ANSWER_BOOST.get(item.occasion.survey, 1.0)
    if draw.rng.random() < rate:
        answered_on = send_on + dt.timedelta(days=min(draw.rng.choice((1, 2, 3, 4, 5, 7, 9, 12, 16, 21)), TOKEN_DAYS))
        if answered_on <= as_of:
            item.answered_on = answered_on  # recorded as 送付済, then 回答済 through responses_record
            return
    if invitation.expires_on < as_of:
        invitation.status = InvitationStatus.EXPIRED
    elif invitation.channel == Channel.WEB:
        # the link went out in that day's 送付リスト; only the token's SHA-256 is kept
        invitation.token_hash = hashlib.sha256(draw.rng.randbytes(24)).hexdigest()


def _insert_invitations(planned: list[_Planned], actor: User) -> None:
    """Multi-row INSERT … RETURNING (ids matched by the event's identity; an event repeated for a
    customer — the yearly survey — goes into the next group), then the "+" history rows."""
    groups: list[list[_Row]] = []
    seen: Counter[tuple[Any, ...]] = Counter()
    for item in planned:
        inv = item.invitation
        key = (inv.event, inv.customer_id, inv.policy_id, inv.claim_id, inv.case_id)
        if seen[key] == len(groups):
            groups.append([])
        groups[seen[key]].append(inv)
        seen[key] += 1
    for group in groups:
        bulk.insert_records(Invitation, group, returning=("event", "customer_id", "policy_id", "claim_id", "case_id"))
    ids = [p.invitation.id for p in planned if p.invitation.id is not None]
    bulk.copy_to_history(Invitation, ids, user_id=actor.pk, reason="送付の計画")


def _record_answers(
    draw: _Draw, planned: list[_Planned], versions: dict[str, SurveyVersion], actor: User, result: SurveysResult
) -> list[int]:
    """The answers through `responses_record`, one call per survey and channel; returns their ids."""
    answered = [p for p in planned if p.answered_on is not None]
    customers = Customer.objects.only("id").in_bulk({p.occasion.customer_id for p in answered})
    policies = Policy.objects.only("id", "agency_id", "line").in_bulk(
        {p.occasion.policy_id for p in answered if p.occasion.policy_id}
    )
    claims = Claim.objects.only("id", "policy_id").in_bulk(
        {p.occasion.claim_id for p in answered if p.occasion.claim_id}
    )
    cases = Case.objects.only("id", "case_type").in_bulk({p.occasion.case_id for p in answered if p.occasion.case_id})
    definitions = {d.code: d for d in SURVEYS}
    groups: dict[tuple[str, str], list[ResponseInput]] = defaultdict(list)
    claim_scores: list[int] = []
    for item in answered:
        occasion = item.occasion
        definition = definitions[occasion.survey]
        target = definition.target + draw.agency_offset(occasion.agency_id)
        if occasion.survey == "claim":
            target += LINE_OFFSET.get(occasion.line, 10)
        answers = draw.answers(definition, target)
        if occasion.survey == "claim":
            claim_scores.append(answers["nps"])
        groups[(occasion.survey, item.invitation.channel)].append(
            ResponseInput(
                customer=customers[occasion.customer_id],
                answers=answers,
                answered_on=item.answered_on,  # type: ignore[arg-type]
                policy=policies.get(occasion.policy_id) if occasion.policy_id else None,
                claim=claims.get(occasion.claim_id) if occasion.claim_id else None,
                case=cases.get(occasion.case_id) if occasion.case_id else None,
                invitation=item.invitation.saved(),
            )
        )
    ids: list[int] = []
    for (code, channel), rows in groups.items():
        recorded = responses_record(actor=actor, version=versions[code], channel=channel, rows=rows)
        ids.extend(r.pk for r in recorded)
        result.responses += len(recorded)
        result.by_survey[code] = result.by_survey.get(code, 0) + len(recorded)
    if claim_scores:
        promoters = sum(1 for s in claim_scores if s >= 9)
        detractors = sum(1 for s in claim_scores if s <= 6)
        result.claim_nps = round(100 * (promoters - detractors) / len(claim_scores))
    return ids


class _AggregatesAtTheEnd:
    """While the demo records its thousands of answers, the monthly aggregates are rebuilt once per
    survey at the end (`aggregates.rebuild`, what `survey_aggregates_rebuild` runs) instead of being
    updated by the subscriber on every `responses_record` call: the same rows (the aggregates tests
    compare both ways), without one bulk UPDATE of every touched cut per call."""

    def __enter__(self) -> None:
        self.removed = aggregates.add_responses in events._subscribers
        if self.removed:
            events._subscribers.remove(aggregates.add_responses)

    def __exit__(self, *exc: object) -> None:
        if self.removed:
            events._subscribers.insert(0, aggregates.add_responses)


def _close_follow_ups(draw: _Draw, response_ids: list[int], as_of: dt.date, owner: User, result: SurveysResult) -> None:
    """Staff worked the follow-ups: nearly all older ones closed with an outcome, three quarters of
    the last two months' (the rest open, some past their due date)."""
    rows: list[tuple[int, int | None, str, dt.date, dt.date]] = []
    for start in range(0, len(response_ids), 900):
        rows.extend(
            FollowUp.objects.filter(response_id__in=response_ids[start : start + 900]).values_list(
                "id", "agency_id", "reason", "due_date", "response__answered_on"
            )
        )
    staff: dict[int, User] = {}
    for user in User.objects.filter(agency__isnull=False, is_active=True).order_by("pk"):
        staff.setdefault(user.agency_id, user)  # type: ignore[arg-type]
    calendar = current_calendar()
    recent = as_of - dt.timedelta(days=60)
    updates: list[tuple[Any, ...]] = []
    closed_by: dict[int, list[int]] = defaultdict(list)
    adapt = connection.ops.adapt_datetimefield_value
    overdue_open = 0
    for pk, agency_id, reason, due_date, answered_on in sorted(rows):
        day = calendar.add_business_days(answered_on, draw.rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 6)))
        if draw.rng.random() >= (0.75 if answered_on >= recent else 0.98) or day >= as_of:
            overdue_open += due_date < as_of
            continue
        closer = staff.get(agency_id, owner) if agency_id else owner
        reached = draw.rng.random() < 0.88
        status = FollowUpStatus.DONE if reached else FollowUpStatus.NOT_REACHED
        outcome = draw.rng.choice(FOLLOW_UP_DONE[reason] if reached else FOLLOW_UP_NOT_REACHED)
        closed_at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(draw.rng.randint(9, 17), draw.rng.randrange(60)))
        )
        updates.append((status, outcome, adapt(closed_at), closer.pk, pk))
        closed_by[closer.pk].append(pk)
    if updates:
        table = connection.ops.quote_name(FollowUp._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET status = %s, outcome = %s, closed_at = %s, closed_by_id = %s WHERE id = %s",
                updates,
            )
        for user_id, ids in closed_by.items():
            bulk.copy_to_history(FollowUp, ids, user_id=user_id, history_type="~", reason="フォローアップの対応結果")
    result.follow_ups = len(rows)
    result.follow_ups_closed = len(updates)
    result.follow_ups_overdue = overdue_open


def demo_surveys_load(
    *,
    seed: int,
    as_of: dt.date,
    existing_customers: int,
    owner: User,
    actor: User,
    users: dict[str, User] | None = None,
) -> SurveysResult:
    """Surveys and rules (once, made by `owner`: お客様相談室), then two years of invitations,
    answers (entered as `actor`, the system user the demo writes as), opt-outs (recorded by the
    demo's operator) and follow-ups for the customers this load added."""
    started = time.perf_counter()
    result = SurveysResult()
    with transaction.atomic():
        versions, rules, result.surveys_created, result.rules_created = _ensure_surveys(owner)
    first = Customer.objects.order_by("id").values_list("id", flat=True)[existing_customers : existing_customers + 1]
    if not first:
        return result
    start = as_of.replace(year=as_of.year - YEARS) + dt.timedelta(days=1)
    draw = _Draw(f"tsunagu-demo-surveys:{seed}:{existing_customers}")
    ours = list(Customer.objects.filter(id__gte=first[0]).order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        opt_outs = _opt_outs(draw, ours, start, as_of, (users or {}).get("operator", owner))
    occasions = _occasions(first[0], start, as_of) + _relational(first[0], start, as_of)
    planned = _plan(draw, occasions, rules, versions, opt_outs, _complaint_spans(first[0]), as_of)
    with transaction.atomic(), _AggregatesAtTheEnd():
        _insert_invitations(planned, actor)
        response_ids = _record_answers(draw, planned, versions, actor, result)
        for version in versions.values():
            aggregates.rebuild(version.survey)
        _close_follow_ups(draw, response_ids, as_of, owner, result)
    statuses = Counter(p.invitation.status if p.answered_on is None else InvitationStatus.ANSWERED for p in planned)
    result.by_status = dict(statuses)
    result.suppressed = dict(
        Counter(p.invitation.suppression_reason for p in planned if p.invitation.suppression_reason)
    )
    result.planned = len(planned)
    result.invitations = sum(
        statuses[s] for s in (InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.EXPIRED)
    )
    result.opt_outs = len(opt_outs)
    result.seconds = time.perf_counter() - started
    return result
