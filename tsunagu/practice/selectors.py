"""Every read of the practice app, scoped with `visible_to`; lists that show customers' names log
the reads (core.access_log) before returning."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.choices import PolicyStatus, SalesChannel
from tsunagu.policies.models import Policy

from . import elderly, renewal, services
from .choices import ElderlyTier, MeasureKind, RenewalOutcome
from .models import (
    ElderlyMeasure,
    ElderlySolicitation,
    GuidanceRecord,
    IntentRecord,
    Qualification,
    RenewalProgress,
    RolePlayScore,
    TrainingSession,
)

LIST_LIMIT = 200
# A downloaded worklist holds every row of the filter, up to this many (a whole company's three
# months of expiries at the largest scale is beyond what a spreadsheet is for).
EXPORT_LIMIT = 50_000
# The worklist looks for applications (new and renewal policies) contracted this many days back.
INTENT_LOOKBACK_DAYS = 365


def _log(
    user: User,
    customer_ids: list[int],
    screen: str,
    purpose: AccessPurpose = AccessPurpose.LIST,
    detail: dict[str, Any] | None = None,
) -> None:
    """Screens log the customers shown (none: nothing to log); an export is logged even when empty
    (one row without a customer, as every download is)."""
    ids = sorted(set(customer_ids))
    if ids or purpose == AccessPurpose.EXPORT:
        log_access(user=user, customer_ids=ids, purpose=purpose, screen=screen, detail=detail)


def _agency_filter(user: User, agency: Agency | None) -> dict[str, Any]:
    """Head office may narrow to one agency; agency staff are scoped by visible_to anyway."""
    return {"agency": agency} if agency is not None and user.agency_id is None else {}


# --- one policy --------------------------------------------------------------------------------


@dataclass
class PolicyPractice:
    policy: Policy
    customer: Customer
    record: IntentRecord | None
    solicitations: list[ElderlySolicitation]
    renewal: RenewalProgress | None


def policy_practice_get(
    *, user: User, pk: int, screen: str, purpose: AccessPurpose = AccessPurpose.VIEW
) -> PolicyPractice:
    """A policy the user may see (404 otherwise), its policyholder read through customer_get (logged)."""
    policy = Policy.objects.visible_to(user).select_related("product", "agency").filter(pk=pk).first()
    if policy is None or policy.agency_id is None:
        raise Http404("契約が見つかりません。")
    customer = customer_get(user=user, pk=policy.policyholder_id, purpose=purpose, screen=screen)
    return PolicyPractice(
        policy=policy,
        customer=customer,
        record=IntentRecord.objects.select_related("recorded_by", "double_checked_by").filter(policy=policy).first(),
        solicitations=list(
            ElderlySolicitation.objects.filter(policy=policy).prefetch_related("measures").order_by("id")
        ),
        renewal=RenewalProgress.objects.filter(policy=policy).first(),
    )


def policy_panel(*, user: User, policy: Policy) -> dict[str, Any] | None:
    """The policy page's 募集品質 panel (the caller has read and logged the policy). None for a
    direct policy (no agency) or a user who may not see practice records."""
    from tsunagu.core import permissions

    if policy.agency_id is None or not permissions.has(user, permissions.PRACTICE_VIEW):
        return None
    record = IntentRecord.objects.filter(policy=policy).first()
    solicitations = list(ElderlySolicitation.objects.filter(policy=policy).order_by("id"))
    return {
        "record": record,
        "solicitations": solicitations,
        "can_record": permissions.has(user, permissions.PRACTICE_RECORD),
    }


# --- 意向把握 worklist ---------------------------------------------------------------------------


@dataclass
class IntentRow:
    policy: Policy
    record: IntentRecord | None

    @property
    def state(self) -> str:
        if self.record is None:
            return "未作成"
        return "完了" if self.record.complete else "未完了"


def intent_worklist(
    *,
    user: User,
    agency: Agency | None = None,
    today: dt.date | None = None,
    screen: str = "意向把握",
    purpose: AccessPurpose = AccessPurpose.LIST,
) -> list[IntentRow]:
    """Applications (agency policies contracted in the last year) without a complete intent record:
    missing ones and incomplete ones, oldest first."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=INTENT_LOOKBACK_DAYS)
    policies = list(
        Policy.objects.visible_to(user)
        .filter(
            sales_channel=SalesChannel.AGENCY,
            agency__isnull=False,
            contract_date__gte=since,
            **_agency_filter(user, agency),
        )
        .filter(Q(intent_record__isnull=True) | Q(intent_record__complete=False))
        .select_related("policyholder", "agency", "intent_record")
        .order_by("contract_date", "id")[:LIST_LIMIT]
    )
    _log(user, [p.policyholder_id for p in policies], screen, purpose)
    return [IntentRow(p, getattr(p, "intent_record", None)) for p in policies]


@dataclass
class IntentCounts:
    total: int = 0
    complete: int = 0
    non_recommended: int = 0
    double_checked: int = 0
    changed: int = 0
    other_insurer: int = 0


def intent_counts(*, user: User, agency: Agency | None = None) -> IntentCounts:
    rows = IntentRecord.objects.visible_to(user).filter(**_agency_filter(user, agency))
    counts = IntentCounts()
    for complete, chose, checked, changed, other in rows.values_list(
        "complete", "chose_recommended", "double_checked_by", "intent_changed", "other_insurer"
    ).iterator():
        counts.total += 1
        counts.complete += complete
        counts.non_recommended += not chose
        counts.double_checked += (not chose) and checked is not None
        counts.changed += changed
        counts.other_insurer += other
    return counts


# --- 高齢者対応 ------------------------------------------------------------------------------------


def elderly_worklist(
    *,
    user: User,
    agency: Agency | None = None,
    screen: str = "高齢者対応",
    purpose: AccessPurpose = AccessPurpose.LIST,
) -> list[ElderlySolicitation]:
    rows = list(
        ElderlySolicitation.objects.visible_to(user)
        .filter(complete=False, **_agency_filter(user, agency))
        .select_related("policy", "customer", "agency")
        .order_by("solicited_on", "id")[:LIST_LIMIT]
    )
    _log(user, [r.customer_id for r in rows], screen, purpose)
    return rows


def elderly_candidates(
    *,
    user: User,
    agency: Agency | None = None,
    today: dt.date | None = None,
    screen: str = "高齢者対応",
    purpose: AccessPurpose = AccessPurpose.LIST,
) -> list[Policy]:
    """Agency policies contracted in the last 90 days whose policyholder was of the basic tier's age
    or older on the contract date (approximated by the date 90 days ago) and that have no elderly
    handling yet."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=90)
    rule = services.rule_for(user.agency_id or (agency.pk if agency else None))
    born_by = dt.date(since.year - rule.elderly_basic_age, since.month, min(since.day, 28))
    policies = list(
        Policy.objects.visible_to(user)
        .filter(
            sales_channel=SalesChannel.AGENCY,
            contract_date__gte=since,
            policyholder__birth_date__lte=born_by,
            elderly_solicitations__isnull=True,
            **_agency_filter(user, agency),
        )
        .select_related("policyholder", "agency")
        .order_by("contract_date", "id")[:LIST_LIMIT]
    )
    _log(user, [p.policyholder_id for p in policies], screen, purpose)
    return policies


@dataclass
class ElderlyCounts:
    by_tier: dict[str, int] = field(default_factory=dict)
    complete_by_tier: dict[str, int] = field(default_factory=dict)
    by_measure: list[tuple[str, int, float]] = field(default_factory=list)  # label, count, share of solicitations
    total: int = 0


def elderly_counts(*, user: User, agency: Agency | None = None) -> ElderlyCounts:
    solicitations = ElderlySolicitation.objects.visible_to(user).filter(**_agency_filter(user, agency))
    counts = ElderlyCounts()
    tiers: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for tier, complete in solicitations.values_list("tier", "complete"):
        tiers[tier] += 1
        done[tier] += complete
    counts.total = sum(tiers.values())
    counts.by_tier = {label: tiers[value] for value, label in ElderlyTier.choices}
    counts.complete_by_tier = {label: done[value] for value, label in ElderlyTier.choices}
    per_measure = _measure_counts(solicitations)
    counts.by_measure = [
        (label, per_measure[value], per_measure[value] / counts.total if counts.total else 0.0)
        for value, label in MeasureKind.choices
    ]
    return counts


def _measure_counts(solicitations: Any) -> Counter[str]:
    """Solicitations with each measure (a measure recorded twice counts once)."""
    pairs = set(ElderlyMeasure.objects.filter(solicitation__in=solicitations).values_list("solicitation_id", "kind"))
    return Counter(kind for _, kind in pairs)


def solicitation_get(
    *, user: User, pk: int, screen: str, purpose: AccessPurpose = AccessPurpose.VIEW
) -> ElderlySolicitation:
    row = (
        ElderlySolicitation.objects.visible_to(user)
        .select_related("policy", "customer", "agency", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404("高齢者対応の記録が見つかりません。")
    customer_get(user=user, pk=row.customer_id, purpose=purpose, screen=screen)
    return row


def measures_of(solicitation: ElderlySolicitation) -> list[ElderlyMeasure]:
    return list(solicitation.measures.select_related("done_by", "relative", "second_agent").order_by("done_on", "id"))


def required_text(solicitation: ElderlySolicitation) -> str:
    rule = services.elderly_rule(services.rule_for(solicitation.agency_id))
    return "、".join(elderly.missing_measures(solicitation.tier, [], rule)) or "なし"


# --- 満期管理 ------------------------------------------------------------------------------------------


@dataclass
class RenewalRow:
    policy: Policy
    progress: RenewalProgress | None
    steps: list[renewal.Step]
    missed: bool = False

    @property
    def overdue(self) -> bool:
        return any(s.status == "overdue" for s in self.steps)


def renewal_worklist(
    *,
    user: User,
    agency: Agency | None = None,
    agent: User | None = None,
    months: int = 3,
    today: dt.date | None = None,
    screen: str = "満期管理",
    purpose: AccessPurpose = AccessPurpose.LIST,
    limit: int = LIST_LIMIT,
    detail: dict[str, Any] | None = None,
) -> list[RenewalRow]:
    """Agency policies expiring in the next `months` months (in force, not yet renewed by a policy
    naming them), each with its steps; filtered to one agent (the progress row's 担当者). Ordered
    by expiry on screen; an export (`limit=EXPORT_LIMIT`) orders the caller's way afterwards."""
    today = today or timezone.localdate()
    until = renewal.months_before(today, -months)
    policies = (
        Policy.objects.visible_to(user)
        .filter(
            agency__isnull=False,
            status=PolicyStatus.IN_FORCE,
            expiry__gte=today,
            expiry__lte=until,
            **_agency_filter(user, agency),
        )
        .exclude(next_policy__isnull=False)
        .select_related("policyholder", "agency", "renewal_progress__agent")
        .order_by("expiry", "id")
    )
    if agent is not None:
        policies = policies.filter(renewal_progress__agent=agent)
    rows = []
    rules: dict[int, renewal.RenewalRule] = {}
    for policy in policies[:limit]:
        assert policy.agency_id is not None
        if policy.agency_id not in rules:
            rules[policy.agency_id] = services.renewal_rule(services.rule_for(policy.agency_id))
        progress = getattr(policy, "renewal_progress", None)
        rows.append(RenewalRow(policy, progress, _steps(policy.expiry, progress, today, rules[policy.agency_id])))
    _log(user, [r.policy.policyholder_id for r in rows], screen, purpose, detail)
    return rows


def _steps(
    expiry: dt.date, progress: RenewalProgress | None, today: dt.date, rule: renewal.RenewalRule
) -> list[renewal.Step]:
    if progress is None:
        return renewal.steps(expiry=expiry, today=today, rule=rule)
    return renewal.steps(
        expiry=expiry,
        today=today,
        rule=rule,
        started_on=progress.started_on,
        notice_sent_on=progress.notice_sent_on,
        first_contact_on=progress.first_contact_on,
        completed_on=progress.completed_on,
        closed=progress.outcome in (RenewalOutcome.LAPSED, RenewalOutcome.CANCELLED),
    )


def missed_renewals(
    *,
    user: User,
    agency: Agency | None = None,
    today: dt.date | None = None,
    screen: str = "満期管理",
    purpose: AccessPurpose = AccessPurpose.LIST,
) -> list[RenewalProgress]:
    """更改漏れ of the last 6 months: lapsed without contact, or pending past expiry without contact."""
    today = today or timezone.localdate()
    since = renewal.months_before(today, 6)
    rows = list(
        RenewalProgress.objects.visible_to(user)
        .filter(expiry__gte=since, expiry__lte=today, first_contact_on__isnull=True, **_agency_filter(user, agency))
        .filter(Q(outcome=RenewalOutcome.LAPSED) | Q(outcome=RenewalOutcome.PENDING, expiry__lt=today))
        .select_related("policy__policyholder", "agent")
        .order_by("-expiry", "id")[:LIST_LIMIT]
    )
    _log(user, [r.policy.policyholder_id for r in rows], screen, purpose)
    return rows


def early_renewal_rate(*, user: User, agency: Agency | None = None, since: dt.date, until: dt.date) -> tuple[int, int]:
    """(renewed at least N days before expiry, renewals) for expiries in [since, until]."""
    rows = RenewalProgress.objects.visible_to(user).filter(
        expiry__gte=since, expiry__lte=until, outcome=RenewalOutcome.RENEWED, **_agency_filter(user, agency)
    )
    early = total = 0
    rules: dict[int, renewal.RenewalRule] = {}
    for agency_id, expiry, completed_on in rows.values_list("agency_id", "expiry", "completed_on"):
        if agency_id not in rules:
            rules[agency_id] = services.renewal_rule(services.rule_for(agency_id))
        total += 1
        early += renewal.is_early(completed_on=completed_on, expiry=expiry, rule=rules[agency_id])
    return early, total


def renewal_agents(user: User) -> list[User]:
    qs = User.objects.filter(agency__isnull=False, is_active=True)
    if user.agency_id is not None:
        qs = qs.filter(agency_id=user.agency_id)
    return list(qs.order_by("agency_id", "username")[:300])


# --- 研修 -------------------------------------------------------------------------------------------


@dataclass
class TrainingOverview:
    sessions: list[TrainingSession]
    scores: list[RolePlayScore]
    qualifications: list[Qualification]
    guidance: list[GuidanceRecord]
    pass_rate: tuple[int, int]


def training_overview(*, user: User, agency: Agency | None = None) -> TrainingOverview:
    extra = _agency_filter(user, agency)
    scores = RolePlayScore.objects.visible_to(user).filter(**extra)
    return TrainingOverview(
        sessions=list(
            TrainingSession.objects.visible_to(user)
            .filter(**extra)
            .select_related("agency")
            .prefetch_related("attendances__person")[:50]
        ),
        scores=list(scores.select_related("person", "evaluator")[:50]),
        qualifications=list(Qualification.objects.visible_to(user).filter(**extra).select_related("person")[:100]),
        guidance=list(GuidanceRecord.objects.visible_to(user).filter(**extra).select_related("trainee", "mentor")[:50]),
        pass_rate=(scores.filter(passed=True).count(), scores.count()),
    )


def agencies_for(user: User) -> list[Agency]:
    if user.agency_id is not None:
        return []
    return list(Agency.objects.filter(is_active=True).order_by("code"))
