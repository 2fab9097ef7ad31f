"""Invitations: the day's events become invitations (scheduled, suppressed with the reason, or sampled
out), due invitations are sent, unanswered ones expire. `manage.py survey_invitations --date` runs the
three steps every day; each is idempotent (a day planned or sent twice adds nothing).

Set-based: a day's events, the customers' facts and the existing invitations are read with a fixed
number of queries per kind (customer ids in chunks), the decisions are made by the pure
`surveys.triggers.plan`, and rows are written in bulk with their history.

The 送付リスト (send list) is what the mail vendor and the call staff get: one CSV per sending day in
document storage (`surveys/send-lists/YYYY-MM-DD.csv`, appended when a day is sent again). It is
written when the web links are made, because the link's token is never stored (only its hash is).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.core import normalize, permissions, writes
from tsunagu.core.access_log import log_access
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import User
from tsunagu.customers.choices import AddressKind
from tsunagu.customers.models import Address, Customer, Email, Phone
from tsunagu.documents.config import get_storage
from tsunagu.documents.xlsx import xlsx
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.models import Claim, Policy

from .. import aggregates, config, triggers
from ..choices import Channel, InvitationStatus, SuppressionReason, TriggerEvent
from ..models import Invitation, Response, Survey, SurveyOptOut, SurveyVersion, TriggerRule
from .responses import is_batch_actor, token_hash

CHUNK = 900  # customer ids per IN (…) list: SQLite's parameter limit, with room
SEND_LIST_SCREEN = "アンケート送付リスト"
SEND_LIST_HEADER = [
    "送付日",
    "送付方法",
    "回答番号",
    "アンケート",
    "顧客番号",
    "氏名",
    "郵便番号",
    "住所",
    "電話番号",
    "メールアドレス",
    "回答URL",
    "回答期限",
    "代理店コード",
]
SEND_LIST_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# When two events of one customer fall on one day, the first kind here is the one surveyed.
EVENT_PRIORITY = [
    TriggerEvent.CLAIM_CLOSED,
    TriggerEvent.CANCELLATION_COMPLETED,
    TriggerEvent.RENEWAL_DONE,
    TriggerEvent.NEW_CONTRACT,
    TriggerEvent.CASE_CLOSED,
    TriggerEvent.RELATIONAL_YEARLY,
]
# A survey sent, scheduled, answered or left unanswered counts as the customer's latest survey.
SURVEYED = [InvitationStatus.SCHEDULED, InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.EXPIRED]


def elderly_age() -> int:
    """Customers this old on the send date get post or phone instead of a web link."""
    return config.elderly_age()


def answer_number(invitation_id: int) -> str:
    """The number printed on a postcard (and read out on the phone) that finds its invitation."""
    return f"Q{invitation_id:09d}"


def invitation_id_from_answer_number(text: str) -> int | None:
    text = normalize.identifier_key(text or "").upper()
    digits = text[1:] if text.startswith("Q") else text
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None


def _require_runner(actor: User) -> None:
    """The daily command (as `system`) or head-office staff who manage surveys."""
    if not is_batch_actor(actor):
        permissions.require(actor, permissions.SURVEYS_MANAGE)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


# --- the day's events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundEvent:
    event: triggers.Event
    policy_id: int | None = None
    claim_id: int | None = None
    case_id: int | None = None
    agency_id: int | None = None


def _claims_closed(on: dt.date) -> Iterator[FoundEvent]:
    rows = Claim.objects.filter(closed_on=on).values_list(
        "id", "policy_id", "policy__line", "policy__policyholder_id", "policy__agency_id"
    )
    for claim_id, policy_id, line, customer_id, agency_id in rows.order_by("id"):
        event = triggers.Event(TriggerEvent.CLAIM_CLOSED, f"claim:{claim_id}", on, customer_id, line=line)
        yield FoundEvent(event, policy_id=policy_id, claim_id=claim_id, agency_id=agency_id)


def _policies(kind: TriggerEvent, condition: Q, on: dt.date) -> Iterator[FoundEvent]:
    rows = Policy.objects.filter(condition).values_list("id", "line", "policyholder_id", "agency_id")
    for policy_id, line, customer_id, agency_id in rows.order_by("id"):
        event = triggers.Event(kind, f"{kind}:{policy_id}", on, customer_id, line=line)
        yield FoundEvent(event, policy_id=policy_id, agency_id=agency_id)


def _cases_closed(on: dt.date) -> Iterator[FoundEvent]:
    # Completed cases only (not withdrawn ones), and never a complaint: a complaint is followed up
    # by the complaint process, not by a satisfaction survey.
    start = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    rows = (
        Case.objects.filter(status=CaseStatus.COMPLETED, closed_at__gte=start, closed_at__lt=start + dt.timedelta(1))
        .exclude(case_type=CaseType.COMPLAINT)
        .values_list("id", "case_type", "customer_id", "policy_id", "policy__line", "policy__agency_id", "agency_id")
    )
    for case_id, case_type, customer_id, policy_id, line, policy_agency, case_agency in rows.order_by("id"):
        event = triggers.Event(
            TriggerEvent.CASE_CLOSED, f"case:{case_id}", on, customer_id, line=line or "", case_type=case_type
        )
        yield FoundEvent(event, policy_id=policy_id, case_id=case_id, agency_id=policy_agency or case_agency)


def _anniversaries(on: dt.date) -> Q:
    """Policies whose 応当日 (the inception's month and day) is `on`; 2/29 inceptions on 2/28 in other years."""
    days = Q(inception__month=on.month, inception__day=on.day)
    if (on.month, on.day) == (2, 28) and not _is_leap(on.year):
        days |= Q(inception__month=2, inception__day=29)
    return days


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _relational(on: dt.date) -> Iterator[FoundEvent]:
    """The yearly relational sample: each customer once a year, on the 応当日 of an in-force policy
    (so the year's surveys spread over the year), the first such policy deciding line and agency."""
    rows = Policy.objects.filter(
        _anniversaries(on), status=PolicyStatus.IN_FORCE, inception__lt=on, expiry__gt=on
    ).values_list("id", "line", "policyholder_id", "agency_id")
    seen: set[int] = set()
    for policy_id, line, customer_id, agency_id in rows.order_by("policyholder_id", "id"):
        if customer_id in seen:
            continue
        seen.add(customer_id)
        key = f"relational:{customer_id}:{on.year}"
        event = triggers.Event(TriggerEvent.RELATIONAL_YEARLY, key, on, customer_id, line=line)
        yield FoundEvent(event, policy_id=policy_id, agency_id=agency_id)


def day_events(on: dt.date, kinds: Iterable[str]) -> list[FoundEvent]:
    """The events of `on` of the given kinds, in `EVENT_PRIORITY` order."""
    wanted = set(kinds)
    sources = {
        TriggerEvent.CLAIM_CLOSED: lambda: _claims_closed(on),
        TriggerEvent.CANCELLATION_COMPLETED: lambda: _policies(
            TriggerEvent.CANCELLATION_COMPLETED, Q(cancellation_date=on), on
        ),
        TriggerEvent.RENEWAL_DONE: lambda: _policies(
            TriggerEvent.RENEWAL_DONE, Q(contract_date=on, previous_policy__isnull=False), on
        ),
        TriggerEvent.NEW_CONTRACT: lambda: _policies(
            TriggerEvent.NEW_CONTRACT, Q(contract_date=on, previous_policy__isnull=True), on
        ),
        TriggerEvent.CASE_CLOSED: lambda: _cases_closed(on),
        TriggerEvent.RELATIONAL_YEARLY: lambda: _relational(on),
    }
    found: list[FoundEvent] = []
    for kind in EVENT_PRIORITY:
        if kind in wanted:
            found.extend(sources[kind]())
    return found


# --- the customers' facts -------------------------------------------------------------------------


def _ids_with(model: Any, ids: list[int], **conditions: Any) -> set[int]:
    found: set[int] = set()
    for part in _chunks(ids):
        found.update(model.objects.filter(customer_id__in=part, **conditions).values_list("customer_id", flat=True))
    return found


def _latest(queryset: Any, ids: list[int], date_field: str) -> dict[int, dt.date]:
    latest: dict[int, dt.date] = {}
    for part in _chunks(ids):
        rows = queryset.filter(customer_id__in=part).values("customer_id").annotate(last=Max(date_field))
        latest.update({row["customer_id"]: row["last"] for row in rows.order_by()})
    return latest


def customer_facts(customer_ids: Iterable[int]) -> dict[int, triggers.CustomerFacts]:
    """What suppression and the channel depend on, for every customer, in a fixed number of queries.
    The customer data holds no date of death, so `deceased` stays False until it does."""
    ids = sorted(set(customer_ids))
    people: dict[int, tuple[bool, dt.date | None]] = {}
    for part in _chunks(ids):
        people.update(
            (pk, (consent, birth))
            for pk, consent, birth in Customer.objects.filter(pk__in=part).values_list(
                "pk", "contact_consent", "birth_date"
            )
        )
    emails = _ids_with(Email, ids)
    phones = _ids_with(Phone, ids)
    addresses = _ids_with(Address, ids, kind__in=[k for k in AddressKind.values if k != AddressKind.FORMER])
    opted_out = _ids_with(SurveyOptOut, ids)
    complaints = _ids_with(Case, ids, case_type=CaseType.COMPLAINT, is_open=True)
    invited = _latest(Invitation.objects.filter(status__in=SURVEYED), ids, "scheduled_for")
    answered = _latest(Response.objects.all(), ids, "answered_on")
    facts: dict[int, triggers.CustomerFacts] = {}
    for pk, (consent, birth_date) in people.items():
        last = max((d for d in (invited.get(pk), answered.get(pk)) if d is not None), default=None)
        facts[pk] = triggers.CustomerFacts(
            last_survey_on=last,
            open_complaint=pk in complaints,
            contact_consent=consent,
            opted_out=pk in opted_out,
            birth_date=birth_date,
            has_email=pk in emails,
            has_phone=pk in phones,
            has_address=pk in addresses,
        )
    return facts


# --- planning -------------------------------------------------------------------------------------


@dataclass
class PlanResult:
    on: dt.date
    created: int = 0
    scheduled: int = 0
    sampled_out: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)  # by SuppressionReason

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())

    def summary(self) -> str:
        reasons = "、".join(f"{SuppressionReason(r).label} {n:,}" for r, n in sorted(self.suppressed.items()))
        suppressed = f"送付抑止 {self.suppressed_total:,}件" + (f"({reasons})" if reasons else "")
        return (
            f"{self.on:%Y/%m/%d} の契機から送付を計画: 新規 {self.created:,}件(送付予定 {self.scheduled:,}件、"
            f"{suppressed}、抽出対象外 {self.sampled_out:,}件)"
        )


def _rule(rule: TriggerRule) -> triggers.Rule:
    return triggers.Rule(
        rule_id=rule.pk,
        event=rule.event,
        delay_days=rule.delay_days,
        sampling_rate=Decimal(rule.sampling_rate),
        channel=triggers.Channel(rule.channel),
        quiet_days=rule.quiet_days,
        line=rule.line,
        case_type=rule.case_type,
    )


def _existing_keys(on: dt.date, rules: list[TriggerRule]) -> set[tuple[int, str]]:
    """(rule id, event key) of the invitations already made for `on` (the year, for the relational survey)."""
    rule_ids = [r.pk for r in rules]
    day = Q(event_date=on) & ~Q(event=TriggerEvent.RELATIONAL_YEARLY)
    year = Q(event=TriggerEvent.RELATIONAL_YEARLY, event_date__year=on.year)
    rows = Invitation.objects.filter(day | year, trigger_id__in=rule_ids).values_list(
        "trigger_id", "event", "event_date", "customer_id", "policy_id", "claim_id", "case_id"
    )
    keys: set[tuple[int, str]] = set()
    for trigger_id, event, event_date, customer_id, policy_id, claim_id, case_id in rows:
        if event == TriggerEvent.CLAIM_CLOSED:
            key = f"claim:{claim_id}"
        elif event == TriggerEvent.CASE_CLOSED:
            key = f"case:{case_id}"
        elif event == TriggerEvent.RELATIONAL_YEARLY:
            key = f"relational:{customer_id}:{event_date.year}"
        else:
            key = f"{event}:{policy_id}"
        keys.add((trigger_id, key))
    return keys


def invitations_plan(*, actor: User, on: dt.date) -> PlanResult:
    """One invitation per (event of `on`, active rule that fits it) not planned before."""
    _require_runner(actor)
    result = PlanResult(on=on)
    rules = list(TriggerRule.objects.filter(is_active=True, survey__is_active=True).select_related("survey"))
    versions = dict(
        SurveyVersion.objects.filter(survey_id__in={r.survey_id for r in rules}, is_current=True).values_list(
            "survey_id", "pk"
        )
    )
    rules = [r for r in rules if r.survey_id in versions]
    if not rules:
        return result
    with transaction.atomic():
        found = day_events(on, {r.event for r in rules})
        done = _existing_keys(on, rules)
        by_rule = {r.pk: r for r in rules}
        pairs: list[tuple[triggers.Event, triggers.Rule]] = []
        source: dict[tuple[int, str], FoundEvent] = {}
        pure_rules = [_rule(r) for r in rules]
        for item in found:
            for rule in pure_rules:
                if triggers.matches(rule, item.event) and (rule.rule_id, item.event.key) not in done:
                    pairs.append((item.event, rule))
                    source[(rule.rule_id, item.event.key)] = item
        facts = customer_facts(event.customer_id for event, _ in pairs)
        invitations: list[Invitation] = []
        for event, rule, decision in triggers.plan(pairs, facts, elderly_age=elderly_age()):
            item = source[(rule.rule_id, event.key)]
            row = by_rule[rule.rule_id]
            invitations.append(
                Invitation(
                    version_id=versions[row.survey_id],
                    trigger=row,
                    event=event.kind,
                    event_date=event.on,
                    customer_id=event.customer_id,
                    policy_id=item.policy_id,
                    claim_id=item.claim_id,
                    case_id=item.case_id,
                    agency_id=item.agency_id,
                    channel=decision.channel.value,
                    status=decision.outcome.value,
                    suppression_reason=decision.reason.value if decision.reason else "",
                    scheduled_for=decision.send_on,
                )
            )
            if decision.outcome is triggers.Outcome.SCHEDULED:
                result.scheduled += 1
            elif decision.outcome is triggers.Outcome.SAMPLED_OUT:
                result.sampled_out += 1
            else:
                result.suppressed[decision.reason.value if decision.reason else ""] += 1
        writes.bulk_create(invitations, actor=actor, reason="送付の計画", batch_size=500)
        result.created = len(invitations)
        per_rule = Counter(inv.trigger_id for inv in invitations if inv.trigger_id is not None)
        for rule_id, count in sorted(per_rule.items()):
            record_event(
                actor=actor,
                action=AuditAction.SURVEY_INVITATIONS_PLAN,
                target=by_rule[rule_id],
                summary=f"{on:%Y/%m/%d} の契機から送付を {count:,}件計画した",
                data={"on": on.isoformat(), "invitations": count},
            )
    return result


# --- sending and expiry ---------------------------------------------------------------------------


@dataclass
class SendResult:
    on: dt.date
    sent: Counter[str] = field(default_factory=Counter)  # by channel
    expired: int = 0
    send_list_key: str = ""

    @property
    def sent_total(self) -> int:
        return sum(self.sent.values())

    def summary(self) -> str:
        channels = "、".join(f"{label} {self.sent[code]:,}" for code, label in Channel.choices if self.sent[code])
        return (
            f"{self.on:%Y/%m/%d} 送付 {self.sent_total:,}件{f'({channels})' if channels else ''}、"
            f"回答期限切れ {self.expired:,}件"
        )


def send_list_key(on: dt.date) -> str:
    return f"surveys/send-lists/{on:%Y-%m-%d}.csv"


def answer_url(token: str) -> str:
    """The customer's link: TSUNAGU_PUBLIC_BASE_URL (the public site's origin) + the answer page."""
    try:
        path = reverse("surveys:answer", kwargs={"token": token})
    except NoReverseMatch:
        path = f"/surveys/r/{token}/"
    return str(getattr(settings, "TSUNAGU_PUBLIC_BASE_URL", "")).rstrip("/") + path


def _send_time(on: dt.date) -> dt.datetime:
    """Now when sending today's invitations; 09:00 of `on` when a past day is sent (catching up, demo)."""
    if on >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(on, dt.time(9)))


def _postal(text: str) -> str:
    digits = normalize.postal_code_digits(text or "")
    return normalize.format_postal_code(digits) if len(digits) == 7 else (text or "")


def _contact_points(customer_ids: list[int]) -> dict[int, dict[str, str]]:
    """Primary (else first) address, phone and e-mail of each customer, three queries per chunk."""
    points: dict[int, dict[str, str]] = defaultdict(dict)
    for part in _chunks(customer_ids):
        addresses = (
            Address.objects.filter(customer_id__in=part)
            .exclude(kind=AddressKind.FORMER)
            .order_by("customer_id", "-is_primary", "id")
        )
        for address in addresses:
            if "address" not in points[address.customer_id]:
                points[address.customer_id]["postal"] = _postal(address.postal_code)
                points[address.customer_id]["address"] = (
                    f"{address.prefecture}{address.city}{address.street} {address.building}".strip()
                )
        for model, attr, name in ((Phone, "number", "phone"), (Email, "address", "email")):
            rows = model.objects.filter(customer_id__in=part).order_by("customer_id", "-is_primary", "id")
            for customer_id, value in rows.values_list("customer_id", attr):
                points[customer_id].setdefault(name, value)
    return points


def _send_rows(
    invitations: list[Invitation], tokens: dict[int, str], on: dt.date, names: dict[int, str]
) -> list[list[str]]:
    points = _contact_points(sorted({inv.customer_id for inv in invitations}))
    rows = []
    for inv in invitations:
        contact = points.get(inv.customer_id, {})
        rows.append(
            [
                f"{on:%Y/%m/%d}",
                Channel(inv.channel).label,
                answer_number(inv.pk),
                names.get(inv.version_id, ""),
                f"K{inv.customer_id:09d}",
                inv.customer.name,
                contact.get("postal", "") if inv.channel != Channel.WEB else "",
                contact.get("address", "") if inv.channel != Channel.WEB else "",
                contact.get("phone", "") if inv.channel == Channel.PHONE else "",
                contact.get("email", "") if inv.channel == Channel.WEB else "",
                answer_url(tokens[inv.pk]) if inv.pk in tokens else "",
                f"{inv.expires_on:%Y/%m/%d}" if inv.expires_on else "",
                inv.agency.code if inv.agency else "",
            ]
        )
    return rows


def _append_send_list(on: dt.date, rows: list[list[str]]) -> str:
    storage = get_storage()
    key = send_list_key(on)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if storage.exists(key):
        out.write(storage.read(key).decode("utf-8-sig"))
    else:
        writer.writerow(SEND_LIST_HEADER)
    writer.writerows(rows)
    storage.put(key, out.getvalue().encode("utf-8-sig"))
    return key


def invitations_send(*, actor: User, on: dt.date) -> SendResult:
    """Send every scheduled invitation due by `on` (web: a single-use link; post and phone: the list),
    then expire the sent ones whose answer period ended before `on`."""
    _require_runner(actor)
    result = SendResult(on=on)
    sent_at = _send_time(on)
    expires_on = on + dt.timedelta(days=config.token_days())
    with transaction.atomic():
        due = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(status=InvitationStatus.SCHEDULED, scheduled_for__lte=on)
            .select_related("customer", "agency")
            .order_by("scheduled_for", "id")
        )
        tokens: dict[int, str] = {}
        for inv in due:
            inv.status = InvitationStatus.SENT
            inv.sent_at = sent_at
            inv.expires_on = expires_on
            if inv.channel == Channel.WEB:
                # Only the hash is stored (the list below is the only copy of the link).
                tokens[inv.pk] = secrets.token_urlsafe(24)
                inv.token_hash = token_hash(tokens[inv.pk])
            result.sent[inv.channel] += 1
        writes.bulk_update(due, ["status", "sent_at", "expires_on", "token_hash"], actor=actor, reason="送付")
        aggregates.add_sent_invitations([inv.pk for inv in due])  # the dashboard's response rate
        if due:
            versions = {
                v.pk: v
                for v in SurveyVersion.objects.filter(pk__in={i.version_id for i in due}).select_related("survey")
            }
            names = {pk: version.survey.name for pk, version in versions.items()}
            result.send_list_key = _append_send_list(on, _send_rows(due, tokens, on, names))
            per_survey: dict[Survey, Counter[str]] = defaultdict(Counter)
            for inv in due:
                per_survey[versions[inv.version_id].survey][inv.channel] += 1
            for survey, channels in per_survey.items():
                record_event(
                    actor=actor,
                    action=AuditAction.SURVEY_INVITATIONS_SEND,
                    target=survey,
                    summary=f"{on:%Y/%m/%d} 「{survey.name}」を {sum(channels.values()):,}件送付した",
                    data={"on": on.isoformat(), "by_channel": dict(channels), "send_list": result.send_list_key},
                )
        result.expired = invitations_expire(actor=actor, on=on)
    return result


def invitations_expire(*, actor: User, on: dt.date) -> int:
    """Sent invitations still unanswered after their answer period (expires_on before `on`) expire."""
    _require_runner(actor)
    stale = Invitation.objects.filter(status=InvitationStatus.SENT, expires_on__lt=on)
    with transaction.atomic():
        per_survey = dict(
            stale.order_by()
            .values_list("version__survey_id")
            .annotate(n=Count("id"))
            .values_list("version__survey_id", "n")
        )
        count = writes.update_rows(stale, actor=actor, reason="回答期限切れ", status=InvitationStatus.EXPIRED)
        for survey in Survey.objects.filter(pk__in=per_survey).order_by("pk"):
            record_event(
                actor=actor,
                action=AuditAction.SURVEY_INVITATIONS_EXPIRE,
                target=survey,
                summary=f"{on:%Y/%m/%d} 回答期限を過ぎた「{survey.name}」{per_survey[survey.pk]:,}件を期限切れにした",
                data={"on": on.isoformat(), "expired": per_survey[survey.pk]},
            )
    return count


# --- the send list download -----------------------------------------------------------------------


@dataclass(frozen=True)
class SendList:
    content: bytes
    filename: str
    content_type: str
    rows: int


def send_list_days(*, user: User, limit: int = 60) -> list[tuple[dt.date, int, bool]]:
    """The latest sending days with how many invitations went out and whether the day's list was
    stored (invitations loaded from elsewhere, e.g. the demo's history, were sent without one).
    Head office only: the lists are theirs."""
    permissions.require(user, permissions.SURVEYS_MANAGE)
    rows = (
        Invitation.objects.filter(sent_at__isnull=False)
        .annotate(day=TruncDate("sent_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-day")[:limit]
    )
    storage = get_storage()
    return [(row["day"], row["n"], storage.exists(send_list_key(row["day"]))) for row in rows]


def send_list_export(*, user: User, on: dt.date, file_format: str) -> SendList:
    """The day's send list as CSV (as stored) or XLSX; logged as an export of every customer on it."""
    permissions.require(user, permissions.SURVEYS_MANAGE)
    if file_format not in SEND_LIST_FORMATS:
        raise ValueError(f"送付リストの形式は csv か xlsx です(指定値: 「{file_format}」)。")
    storage = get_storage()
    key = send_list_key(on)
    if not storage.exists(key):
        raise Http404(f"{on:%Y/%m/%d} の送付リストはありません。")
    stored = storage.read(key)
    lines = list(csv.reader(io.StringIO(stored.decode("utf-8-sig"))))
    body = lines[1:]
    customer_ids = sorted({int(row[4][1:]) for row in body if row[4][1:].isdigit()})
    log_access(
        user=user,
        customer_ids=customer_ids,
        purpose=AccessPurpose.EXPORT,
        screen=SEND_LIST_SCREEN,
        detail={"on": on.isoformat(), "format": file_format, "rows": len(body)},
    )
    content = stored if file_format == "csv" else xlsx(lines, sheet_name=f"送付リスト{on:%Y-%m-%d}")
    return SendList(
        content=content,
        filename=f"survey-send-list-{on:%Y-%m-%d}.{file_format}",
        content_type=SEND_LIST_FORMATS[file_format],
        rows=len(body),
    )


# --- 送付ルール -------------------------------------------------------------------------------------

MAX_DELAY_DAYS = 180
MAX_QUIET_DAYS = 730
RULE_CHANNELS = (Channel.WEB, Channel.POST, Channel.PHONE)


@dataclass(frozen=True)
class TriggerRuleInput:
    survey: Survey
    event: str
    line: str = ""
    case_type: str = ""
    delay_days: int = 7
    sampling_rate: Decimal = Decimal(1)
    channel: str = Channel.WEB
    quiet_days: int = 90
    is_active: bool = True


def _rule_problems(data: TriggerRuleInput, rule: TriggerRule | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.event not in TriggerEvent.values:
        problems["event"] = "契機を選択してください。"
    if data.line and data.line not in dict(Policy._meta.get_field("line").choices or ()):
        problems["line"] = "保険種目を選択してください。"
    if data.case_type:
        if data.event != TriggerEvent.CASE_CLOSED:
            problems["case_type"] = "案件種別は契機が「案件の完了」のときだけ指定できます。"
        elif data.case_type not in CaseType.values or data.case_type == CaseType.COMPLAINT:
            problems["case_type"] = "苦情以外の案件種別を選択してください(苦情の案件はアンケートの対象外です)。"
    if not 0 <= data.delay_days <= MAX_DELAY_DAYS:
        problems["delay_days"] = f"送付までの日数は0〜{MAX_DELAY_DAYS}日で入力してください。"
    if not Decimal(0) <= data.sampling_rate <= Decimal(1):
        problems["sampling_rate"] = "抽出率は0〜1(例: 0.3 は30%)で入力してください。"
    if data.channel not in RULE_CHANNELS:
        problems["channel"] = "送付方法はWeb・郵送(はがき)・電話から選択してください。"
    if not 0 <= data.quiet_days <= MAX_QUIET_DAYS:
        problems["quiet_days"] = f"再送付しない日数は0〜{MAX_QUIET_DAYS}日で入力してください。"
    if data.is_active and not problems:
        twins = TriggerRule.objects.filter(
            survey=data.survey, event=data.event, line=data.line, case_type=data.case_type, is_active=True
        )
        if rule is not None:
            twins = twins.exclude(pk=rule.pk)
        if twins.exists():
            problems["__all__"] = "同じアンケート・契機・保険種目・案件種別の有効なルールが既にあります。"
    return problems


def trigger_rule_save(*, actor: User, rule: TriggerRule | None, data: TriggerRuleInput) -> TriggerRule:
    """Create (rule None) or change a 送付ルール; Japanese errors per field; history and an audit event."""
    permissions.require(actor, permissions.SURVEYS_MANAGE)
    with transaction.atomic():
        if rule is not None:
            rule = TriggerRule.objects.select_for_update().get(pk=rule.pk)
        problems = _rule_problems(data, rule)
        if problems:
            raise ValidationError(problems)
        target = rule or TriggerRule()
        target.survey = data.survey
        target.event = data.event
        target.line = data.line
        target.case_type = data.case_type
        target.delay_days = data.delay_days
        target.sampling_rate = data.sampling_rate
        target.channel = data.channel
        target.quiet_days = data.quiet_days
        target.is_active = data.is_active
        writes.save(target, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_TRIGGER_SAVE,
            target=target,
            summary=f"送付ルール「{target}」を{'登録' if rule is None else '変更'}した",
            data={
                "event": target.event,
                "line": target.line,
                "case_type": target.case_type,
                "delay_days": target.delay_days,
                "sampling_rate": str(target.sampling_rate),
                "channel": target.channel,
                "quiet_days": target.quiet_days,
                "is_active": target.is_active,
            },
        )
    return target


# --- 送付状況 (what explains response rates) -------------------------------------------------------


@dataclass
class StatusRow:
    label: str
    by_status: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def delivered(self) -> int:
        """Invitations that reached the customer: sent, answered or expired."""
        s = self.by_status
        return s[InvitationStatus.SENT] + s[InvitationStatus.ANSWERED] + s[InvitationStatus.EXPIRED]

    @property
    def response_rate(self) -> float | None:
        return self.by_status[InvitationStatus.ANSWERED] / self.delivered if self.delivered else None

    @property
    def status_counts(self) -> list[int]:  # in InvitationStatus order, for the table's columns
        return [self.by_status[code] for code in InvitationStatus.values]

    @property
    def reason_counts(self) -> list[int]:  # in SuppressionReason order
        return [self.by_reason[code] for code in SuppressionReason.values]

    def add(self, status: str, reason: str, n: int) -> None:
        self.by_status[status] += n
        if reason:
            self.by_reason[reason] += n


def invitation_status(
    *, user: User, date_from: dt.date, date_to: dt.date, survey: Survey | None = None
) -> tuple[list[StatusRow], StatusRow]:
    """Invitations planned to go out in the period (送付予定日), by survey: counts per status and per
    suppression reason, and the response rate (answered ÷ delivered). Counts only: no personal data."""
    permissions.require(user, permissions.SURVEYS_VIEW)
    queryset = Invitation.objects.visible_to(user).filter(scheduled_for__gte=date_from, scheduled_for__lte=date_to)
    if survey is not None:
        queryset = queryset.filter(version__survey=survey)
    rows = (
        queryset.order_by()
        .values_list("version__survey__name", "status", "suppression_reason")
        .annotate(n=Count("id"))
        .order_by("version__survey__name")
    )
    per_survey: dict[str, StatusRow] = {}
    total = StatusRow("合計")
    for name, status, reason, n in rows:
        per_survey.setdefault(name, StatusRow(name)).add(status, reason, n)
        total.add(status, reason, n)
    return list(per_survey.values()), total
