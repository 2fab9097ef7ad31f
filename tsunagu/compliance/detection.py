"""The rules over the access log, set-based: grouped queries over the period (the log can hold tens of
millions of rows), then the pure thresholds of `compliance.rules`, then the evidence of each finding
read back from the log (that user's rows of that day only).

Days are *monitoring days* (05:00 → 05:00 local, rules.DAY_START_HOUR). No date or hour is computed
in SQL: each grouped query reads one range of `at` (a monitoring day, or for the outside-hours rule
the closed hours of one, computed in Python from the business calendar) through the monitoring index
`(purpose, at, user_id, customer_id)` alone, so the day of every row it groups is known (docs/
compliance.md, "Speed").
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.models import Case
from tsunagu.core import bulk
from tsunagu.core.choices import AccessPurpose, DepartmentKind, EmploymentStatus, Role
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Claim, Policy

from . import rules
from .models import DailyFigure, RuleSetting

logger = logging.getLogger(__name__)

VIEW_PURPOSES = (AccessPurpose.VIEW.value, AccessPurpose.API.value)
EVIDENCE_IDS = 1000  # log ids (and customer ids) frozen with an alert; counts are exact beyond it


def day_start(day: dt.date) -> dt.datetime:
    """The start of a monitoring day, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rules.DAY_START_HOUR)))


def monitoring_day(at: dt.datetime) -> dt.date:
    return (timezone.localtime(at) - dt.timedelta(hours=rules.DAY_START_HOUR)).date()


MONITORING_INDEX = "core_accesslog_monitoring"  # compliance migration 0007


def _table(pinned: bool) -> str:
    """The log, read through the monitoring index where `pinned`. SQLite's planner, given the statistics
    of a log read by a few hundred users, prefers a skip-scan of the (user_id, at) index and then reads
    every table row for its purpose and customer (measured at 1M rows: 2.5 s instead of 1.0 s of CPU for
    one grouped query), so INDEXED BY pins the covering index. PostgreSQL chooses the index-only scan
    itself (once the table is vacuumed)."""
    if pinned and connection.vendor == "sqlite":
        return f"core_accesslog INDEXED BY {MONITORING_INDEX}"
    return "core_accesslog"


Sql = tuple[str, list[Any]]


def _grouped(
    select: str, where: str, params: Sequence[Any], group: str, having: str = "", *, pinned: bool = True
) -> Sql:
    """A grouped query over core_accesslog (through the monitoring index where `pinned`)."""
    return f"SELECT {select} FROM {_table(pinned)} WHERE {where} GROUP BY {group} {having}".rstrip(), list(params)


def _run(query: Sql) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return list(cursor.fetchall())


def _per_user_day_sql(
    purposes: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    extra: str = "",
    extra_params: Sequence[Any] = (),
    *,
    pinned: bool = True,
) -> Sql:
    """(user, rows, distinct customers) of the purposes' rows in [start, end)."""
    marks, values = _in(purposes)
    return _grouped(
        "user_id, COUNT(*), COUNT(DISTINCT customer_id)",
        f"purpose IN ({marks}) AND at >= %s AND at < %s AND user_id IS NOT NULL {extra}".rstrip(),
        [*values, _at(start), _at(end), *extra_params],
        "user_id",
        pinned=pinned,
    )


def _pairs_sql(
    users: Sequence[int], purposes: Sequence[str], start: dt.datetime, end: dt.datetime, *, pinned: bool = True
) -> Sql:
    """The distinct (user, customer) of the users' reads of the purposes in [start, end)."""
    listed = ", ".join(str(int(u)) for u in users)  # ints: no parameter limit however many users
    marks, values = _in(purposes)
    return _grouped(
        "user_id, customer_id",
        f"purpose IN ({marks}) AND at >= %s AND at < %s AND user_id IN ({listed}) AND customer_id IS NOT NULL",
        [*values, _at(start), _at(end)],
        "user_id, customer_id",
        pinned=pinned,
    )


def _repeated_sql(least: int, start: dt.datetime, end: dt.datetime) -> Sql:
    """(user, customer, views) read at least `least` times (purpose view) in [start, end)."""
    return _grouped(
        "user_id, customer_id, COUNT(*)",
        "purpose = %s AND at >= %s AND at < %s AND user_id IS NOT NULL AND customer_id IS NOT NULL",
        [AccessPurpose.VIEW.value, _at(start), _at(end)],
        "user_id, customer_id",
        f"HAVING COUNT(*) >= {int(least)}",
    )


def _closed_hours_sql(start: dt.datetime, end: dt.datetime) -> Sql:
    """(user, customer, reads) of views in one span of closed hours [start, end): few rows, so grouped
    by customer too (the explanation counts the customers)."""
    marks, values = _in(VIEW_PURPOSES)
    return _grouped(
        "user_id, customer_id, COUNT(*)",
        f"purpose IN ({marks}) AND at >= %s AND at < %s AND user_id IS NOT NULL",
        [*values, _at(start), _at(end)],
        "user_id, customer_id",
    )


def _sensitive_sql(start: dt.datetime, end: dt.datetime) -> Sql:
    """The distinct (user, customer) of the sensitive reads (機微情報, purpose `sensitive`: one row per
    customer per request) in [start, end): the few rows of that purpose, through the monitoring index."""
    return _grouped(
        "user_id, customer_id",
        "purpose = %s AND at >= %s AND at < %s AND user_id IS NOT NULL AND customer_id IS NOT NULL",
        [AccessPurpose.SENSITIVE.value, _at(start), _at(end)],
        "user_id, customer_id",
    )


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return day_start(day), day_start(day + dt.timedelta(days=1))


def sample_queries(day: dt.date) -> list[tuple[str, str, list[Any]]]:
    """One monitoring day's query of each heavy rule, built as the rules build them (bench/compliance.py
    --explain and the tests print or check their plans)."""
    start, end = _day_range(day)
    night = (timezone.make_aware(dt.datetime.combine(day, dt.time(20))), end)
    return [
        ("bulk_viewing / exports", *_per_user_day_sql(VIEW_PURPOSES, start, end)),
        ("outside_hours", *_closed_hours_sql(*night)),
        ("out_of_portfolio", *_pairs_sql([1, 2, 3], VIEW_PURPOSES, start, end)),
        ("repeated_viewing", *_repeated_sql(rules.DEFAULTS[rules.REPEATED_VIEWING].threshold, start, end)),
        ("sensitive_without_task", *_sensitive_sql(start, end)),
    ]


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _at(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _in(values: Iterable[Any]) -> tuple[str, list[Any]]:
    items = list(values)
    return ", ".join(["%s"] * len(items)), items


# --- the users and their settings ----------------------------------------------------------------------


@dataclass
class Staff:
    user: User
    roles: list[str]

    @property
    def role(self) -> str:
        """The role the user's norm is compared with: the first in Role's order."""
        return next((r.value for r in Role if r.value in self.roles), "")


@dataclass
class Context:
    start: dt.datetime
    end: dt.datetime
    days: list[dt.date]
    staff: dict[int, Staff]
    settings: list[tuple[rules.Scope, rules.Thresholds, str]]
    # The scheduled run reads the norms' window from DailyFigure (days a run computed before); a run
    # over dates reads the log for the whole window (exact even after a backfill) and stores it.
    stored_norms: bool = False

    def thresholds(self, rule: str, user_id: int) -> rules.Thresholds:
        who = self.staff[user_id]
        own = [(scope, values) for scope, values, code in self.settings if code == rule]
        return rules.pick(
            rule, own, roles=who.roles, department_id=who.user.department_id, agency_id=who.user.agency_id
        )


def load_context(start_day: dt.date, end_day: dt.date, *, stored_norms: bool = False) -> Context:
    users = User.objects.select_related("department", "agency").prefetch_related("groups")
    staff = {u.pk: Staff(u, [g.name for g in u.groups.all()]) for u in users}
    settings = [
        (
            rules.Scope(s.role, s.department_id, s.agency_id),
            rules.Thresholds(s.enabled, s.threshold, s.factor, s.window_days, s.business_start, s.business_end),
            s.rule,
        )
        for s in RuleSetting.objects.all()
    ]
    days = [start_day + dt.timedelta(days=i) for i in range((end_day - start_day).days + 1)]
    start, end = day_start(start_day), day_start(end_day + dt.timedelta(days=1))
    return Context(start, end, days, staff, settings, stored_norms)


# --- findings -----------------------------------------------------------------------------------------


@dataclass
class Finding:
    rule: str
    user_id: int
    day: dt.date
    score: Decimal
    explanation: str
    # which of that user's rows of that day are the evidence
    purposes: tuple[str, ...]
    keep: Callable[[dict[str, Any]], bool] = field(default=lambda row: True)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.user_id}:{self.day.isoformat()}"


def _customers_in(ids: frozenset[int]) -> Callable[[dict[str, Any]], bool]:
    return lambda row: row["customer_id"] in ids


def _read_since(start: dt.datetime | None) -> Callable[[dict[str, Any]], bool]:
    return lambda row: start is None or row["at"] >= start


def _per_user_day(
    ctx: Context,
    start: dt.datetime,
    purposes: Sequence[str],
    extra: str = "",
    extra_params: Sequence[Any] = (),
    *,
    pinned: bool = True,
) -> dict[int, dict[dt.date, tuple[int, int]]]:
    """{user: {day: (rows, distinct customers)}} for rows of the purposes in [start, ctx.end): one query
    per monitoring day, grouped by user (the day is the query's; no date is computed per row)."""
    out: dict[int, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for day in _dates(monitoring_day(start), ctx.days[-1]):
        for user_id, n, distinct in _run(
            _per_user_day_sql(purposes, *_day_range(day), extra, extra_params, pinned=pinned)
        ):
            out[user_id][day] = (n, distinct)
    return out


DAY_COMPUTED = 0  # DailyFigure.user_id of the row that marks a day as computed


def _daily_figures(
    ctx: Context, rule: str, purposes: Sequence[str], use_rows: bool, window: int
) -> dict[int, dict[dt.date, int]]:
    """{user: {day: figure}} over the `window` days before the run's days and the run's days. The
    run's days always come from the log; the window's days from DailyFigure where the scheduled run
    finds them computed (else from the log too). Every day read from the log is stored."""
    first = ctx.days[0] - dt.timedelta(days=window)
    compute_from = first
    if ctx.stored_norms:
        done = set(
            DailyFigure.objects.filter(
                rule=rule, user_id=DAY_COMPUTED, day__gte=first, day__lt=ctx.days[0]
            ).values_list("day", flat=True)
        )
        compute_from = next(
            (first + dt.timedelta(days=i) for i in range(window) if first + dt.timedelta(days=i) not in done),
            ctx.days[0],
        )
    daily: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for uid, days in _per_user_day(ctx, day_start(compute_from), purposes).items():
        for day, (n, distinct) in days.items():
            daily[uid][day] = n if use_rows else distinct
    stored = DailyFigure.objects.filter(rule=rule, day__gte=first, day__lt=compute_from).exclude(user_id=DAY_COMPUTED)
    for uid, day, value in stored.values_list("user_id", "day", "value"):
        daily[uid][day] = value
    # Derived rows without history, written as plain tuples (bulk_create's per-value field machinery
    # would cost more than the grouped queries: ~270,000 rows per rule at 10M log rows).
    adapt = connection.ops.adapt_datefield_value
    rows = [(rule, DAY_COMPUTED, adapt(day), 0) for day in _dates(compute_from, ctx.days[-1])]
    rows += [
        (rule, uid, adapt(day), value)
        for uid, days in daily.items()
        for day, value in days.items()
        if day >= compute_from
    ]
    with transaction.atomic():
        DailyFigure.objects.filter(rule=rule, day__gte=compute_from, day__lte=ctx.days[-1]).delete()
        bulk.insert_tuples(DailyFigure, ("rule", "user_id", "day", "value"), rows)
    return daily


def _norm_rule(ctx: Context, rule: str, purposes: Sequence[str], use_rows: bool) -> list[Finding]:
    """Bulk viewing (distinct customers) and exports (rows = customers exported): above the norms."""
    window = max([rules.DEFAULTS[rule].window_days] + [t.window_days for _s, t, code in ctx.settings if code == rule])
    daily = {
        uid: days for uid, days in _daily_figures(ctx, rule, purposes, use_rows, window).items() if uid in ctx.staff
    }
    norms = {
        uid: rules.own_norms(values, ctx.days, ctx.thresholds(rule, uid).window_days) for uid, values in daily.items()
    }
    by_role: dict[str, list[int]] = defaultdict(list)
    for uid in norms:
        by_role[ctx.staff[uid].role].append(uid)
    findings = []
    for uid, values in daily.items():
        t = ctx.thresholds(rule, uid)
        if not t.enabled:
            continue
        for day in ctx.days:
            value = values.get(day, 0)
            if value < t.threshold:
                continue
            peers = [norms[p][day] for p in by_role[ctx.staff[uid].role]]
            limit = rules.limit_for(t, norms[uid][day], rules.role_norm(peers))
            if value > limit.value:
                text = (rules.explain_exports if use_rows else rules.explain_bulk)(day, value, limit, t)
                findings.append(Finding(rule, uid, day, rules.score(value, limit.value + 1), text, tuple(purposes)))
    return findings


def bulk_viewing(ctx: Context) -> list[Finding]:
    return _norm_rule(ctx, rules.BULK_VIEWING, VIEW_PURPOSES, use_rows=False)


def exports(ctx: Context) -> list[Finding]:
    return _norm_rule(ctx, rules.EXPORTS, (AccessPurpose.EXPORT.value,), use_rows=True)


def outside_hours(ctx: Context) -> list[Finding]:
    """Reads in the closed hours: only the log's ranges of `at` that are outside business hours for some
    user's thresholds (rules.outside_hour_spans, from the business calendar) are read, grouped by user,
    instead of the local hour of every read of the period."""
    calendar = current_calendar()
    own = {uid: ctx.thresholds(rules.OUTSIDE_HOURS, uid) for uid in ctx.staff}
    variants = list(dict.fromkeys(t for t in own.values() if t.enabled))
    variant = {t: i for i, t in enumerate(variants)}
    counts: Counter[tuple[int, dt.date]] = Counter()
    customers: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for span in rules.outside_hour_spans(ctx.days, variants, calendar.is_business_day):
        start, end = timezone.make_aware(span.start), timezone.make_aware(span.end)
        for user_id, customer_id, n in _run(_closed_hours_sql(start, end)):
            t = own.get(user_id)
            if t is not None and t.enabled and variant[t] in span.flagged:
                counts[(user_id, span.day)] += n
                if customer_id is not None:
                    customers[(user_id, span.day)].add(customer_id)
    findings = []
    for (uid, day), n in sorted(counts.items()):
        t = own[uid]
        if n < t.threshold:
            continue

        def keep(row: dict[str, Any], t: rules.Thresholds = t) -> bool:
            local = timezone.localtime(row["at"])
            return rules.outside_hours(local.hour, calendar.is_business_day(local.date()), t)

        business = calendar.is_business_day(day)
        text = rules.explain_outside_hours(day, n, len(customers[(uid, day)]), t, business)
        findings.append(
            Finding(
                rules.OUTSIDE_HOURS,
                uid,
                day,
                rules.score(n, t.threshold),
                text,
                VIEW_PURPOSES,
                keep,
                {"business_day": business},
            )
        )
    return findings


def _pairs(
    ctx: Context, user_ids: Iterable[int], purposes: Sequence[str], *, pinned: bool = True
) -> dict[int, dict[dt.date, set[int]]]:
    """{user: {day: customers viewed}} for the given users, one query per monitoring day."""
    users = sorted(int(u) for u in user_ids)
    if not users:
        return {}
    out: dict[int, dict[dt.date, set[int]]] = defaultdict(lambda: defaultdict(set))
    for day in ctx.days:
        for user_id, customer_id in _run(_pairs_sql(users, purposes, *_day_range(day), pinned=pinned)):
            out[user_id][day].add(customer_id)
    return out


def _portfolio(ctx: Context, who: Staff, window_days: int) -> tuple[set[int], str] | None:
    """The customers the user's organisation serves (None: the rule does not apply, e.g. a call center
    serves every customer). Agency: customers linked to the agency, its policies' holders and its cases;
    claims department: claimants (policyholders of a claim), its cases and its staff's contacts."""
    since = ctx.start - dt.timedelta(days=window_days)
    user = who.user
    if user.agency_id is not None:
        ids = set(CustomerAgency.objects.filter(agency_id=user.agency_id).values_list("customer_id", flat=True))
        ids |= set(Policy.objects.filter(agency_id=user.agency_id).values_list("policyholder_id", flat=True))
        ids |= set(Case.objects.filter(agency_id=user.agency_id).values_list("customer_id", flat=True))
        return ids, "自代理店の顧客"
    department = user.department
    if department is not None and department.kind == DepartmentKind.CLAIMS:
        ids = set(Claim.objects.values_list("policy__policyholder_id", flat=True))
        ids |= set(
            Case.objects.filter(department_id=department.pk, opened_on__gte=since.date()).values_list(
                "customer_id", flat=True
            )
        )
        ids |= set(
            Interaction.objects.filter(staff__department_id=department.pk, occurred_at__gte=since).values_list(
                "customer_id", flat=True
            )
        )
        return ids, "事故のある顧客・部署の案件・部署のコンタクト"
    return None


def out_of_portfolio(ctx: Context) -> list[Finding]:
    applies: dict[int, tuple[set[int], str]] = {}
    cache: dict[tuple[int | None, int | None, int], tuple[set[int], str] | None] = {}
    for uid, who in ctx.staff.items():
        t = ctx.thresholds(rules.OUT_OF_PORTFOLIO, uid)
        if not t.enabled:
            continue
        key = (who.user.agency_id, who.user.department_id, t.window_days)
        if key not in cache:
            cache[key] = _portfolio(ctx, who, t.window_days)
        if cache[key] is not None:
            applies[uid] = cache[key]  # type: ignore[assignment]
    findings = []
    for uid, days in sorted(_pairs(ctx, applies, VIEW_PURPOSES).items()):
        portfolio, label = applies[uid]
        t = ctx.thresholds(rules.OUT_OF_PORTFOLIO, uid)
        for day, customers in sorted(days.items()):
            outside = customers - portfolio
            if len(outside) >= t.threshold:
                frozen = frozenset(outside)
                findings.append(
                    Finding(
                        rules.OUT_OF_PORTFOLIO,
                        uid,
                        day,
                        rules.score(len(outside), t.threshold),
                        rules.explain_out_of_portfolio(day, len(outside), t, label),
                        VIEW_PURPOSES,
                        _customers_in(frozen),
                    )
                )
    return findings


TASK_CHUNK = 500  # customers per query of the task check


def customers_with_task(
    ctx: Context, wanted: Mapping[tuple[int, dt.date], Iterable[int]], rule: str
) -> dict[tuple[int, dt.date], set[int]]:
    """For each (user, monitoring day), which of the given customers the user had a task for
    (rules.case_is_task / claim_is_task / contact_is_task, over the rule's window before the day). In
    bulk: the cases, the claims the users handle and the users' latest contacts of all the customers at
    once (three queries per TASK_CHUNK customers, whatever the number of users and days), then the pure
    check per (user, day, customer)."""
    if not wanted:
        return {}
    since = {
        (uid, day): day_start(day) - dt.timedelta(days=ctx.thresholds(rule, uid).window_days) for uid, day in wanted
    }
    earliest, last_day = min(since.values()), max(day for _uid, day in wanted)
    users = sorted({uid for uid, _day in wanted})
    mine = Q(assignee_id__in=users)
    departments = {ctx.staff[u].user.department_id for u in users} - {None}
    agencies = {ctx.staff[u].user.agency_id for u in users} - {None}
    if departments:
        mine |= Q(department_id__in=sorted(departments))  # type: ignore[type-var]
    if agencies:
        mine |= Q(agency_id__in=sorted(agencies))  # type: ignore[type-var]
    customers = sorted({c for ids in wanted.values() for c in ids})
    cases: dict[int, list[rules.CaseFact]] = defaultdict(list)
    contacts: dict[tuple[int, int], dt.datetime] = {}
    claims: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for first in range(0, len(customers), TASK_CHUNK):
        chunk = customers[first : first + TASK_CHUNK]
        rows = (
            Case.objects.filter(mine, customer_id__in=chunk, opened_on__lte=last_day)
            .exclude(closed_at__lt=earliest)
            .values_list("customer_id", "assignee_id", "department_id", "agency_id", "opened_on", "closed_at")
        )
        for row in rows:
            cases[row[0]].append(rules.CaseFact(*row))
        latest = (
            Interaction.objects.filter(customer_id__in=chunk, staff_id__in=users, occurred_at__gte=earliest)
            .order_by()
            .values_list("staff_id", "customer_id")
            .annotate(last=Max("occurred_at"))
        )
        for staff_id, customer_id, last in latest:
            contacts[(staff_id, customer_id)] = last
        handled = (
            Claim.objects.filter(handler_id__in=users, policy__policyholder_id__in=chunk, reported_on__lte=last_day)
            .exclude(closed_on__lt=earliest.date())
            .values_list("handler_id", "policy__policyholder_id", "reported_on", "closed_on")
        )
        for handler_id, customer_id, reported_on, closed_on in handled:
            claims[(handler_id, customer_id)].append((reported_on, closed_on))
    out: dict[tuple[int, dt.date], set[int]] = {}
    for (uid, day), ids in wanted.items():
        user, start = ctx.staff[uid].user, since[(uid, day)]
        department_id, agency_id = user.department_id, user.agency_id
        out[(uid, day)] = {
            c
            for c in ids
            if ((uid, c) in contacts and rules.contact_is_task(contacts[(uid, c)], since=start))
            or any(
                rules.claim_is_task(reported, closed, day=day, since=start)
                for reported, closed in claims.get((uid, c), ())
            )
            or any(
                rules.case_is_task(
                    case, user_id=uid, department_id=department_id, agency_id=agency_id, day=day, since=start
                )
                for case in cases.get(c, ())
            )
        }
    return out


def repeated_viewing(ctx: Context) -> list[Finding]:
    least = min(
        [ctx.thresholds(rules.REPEATED_VIEWING, uid).threshold for uid in ctx.staff]
        or [rules.DEFAULTS[rules.REPEATED_VIEWING].threshold]
    )
    candidates: dict[tuple[int, dt.date], dict[int, int]] = defaultdict(dict)
    for day in ctx.days:
        for user_id, customer_id, n in _run(_repeated_sql(int(least), *_day_range(day))):
            if user_id in ctx.staff:
                t = ctx.thresholds(rules.REPEATED_VIEWING, user_id)
                if t.enabled and n >= t.threshold:
                    candidates[(user_id, day)][customer_id] = n
    with_task = customers_with_task(ctx, candidates, rules.REPEATED_VIEWING)
    findings = []
    for (uid, day), views in sorted(candidates.items()):
        t = ctx.thresholds(rules.REPEATED_VIEWING, uid)
        without = {c: n for c, n in views.items() if c not in with_task[(uid, day)]}
        if without:
            total = sum(without.values())
            frozen = frozenset(without)
            findings.append(
                Finding(
                    rules.REPEATED_VIEWING,
                    uid,
                    day,
                    rules.score(max(without.values()), t.threshold),
                    rules.explain_repeated(day, total, len(without), t),
                    (AccessPurpose.VIEW.value,),
                    _customers_in(frozen),
                )
            )
    return findings


def sensitive_without_task(ctx: Context) -> list[Finding]:
    """Reads of 機微情報 of customers the user had no task for: one grouped query per monitoring day over
    the `sensitive` rows, then the task check of all (user, day, customer) in bulk."""
    rule = rules.SENSITIVE_WITHOUT_TASK
    read: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for day in ctx.days:
        for user_id, customer_id in _run(_sensitive_sql(*_day_range(day))):
            if user_id in ctx.staff and ctx.thresholds(rule, user_id).enabled:
                read[(user_id, day)].add(customer_id)
    with_task = customers_with_task(ctx, read, rule)
    findings = []
    for (uid, day), customers in sorted(read.items()):
        t = ctx.thresholds(rule, uid)
        without = customers - with_task[(uid, day)]
        if without and len(without) >= t.threshold:
            findings.append(
                Finding(
                    rule,
                    uid,
                    day,
                    rules.score(len(without), t.threshold),
                    rules.explain_sensitive(day, len(without), t),
                    (AccessPurpose.SENSITIVE.value,),
                    _customers_in(frozenset(without)),
                )
            )
    return findings


def search_non_customers(ctx: Context) -> list[Finding]:
    figures = _per_user_day(ctx, ctx.start, (AccessPurpose.SEARCH.value,), "AND customer_id IS NULL")
    findings = []
    for uid, days in figures.items():
        if uid not in ctx.staff:
            continue
        t = ctx.thresholds(rules.SEARCH_NON_CUSTOMERS, uid)
        for day, (n, _distinct) in days.items():
            if t.enabled and n >= t.threshold:
                findings.append(
                    Finding(
                        rules.SEARCH_NON_CUSTOMERS,
                        uid,
                        day,
                        rules.score(n, t.threshold),
                        rules.explain_search(day, n, t),
                        (AccessPurpose.SEARCH.value,),
                        lambda row: row["customer_id"] is None,
                    )
                )
    return findings


def family_viewing(ctx: Context) -> list[Finding]:
    """Staff with a known surname and home postal code: reads of customers with both."""
    families: dict[int, frozenset[int]] = {}
    for uid, who in ctx.staff.items():
        user = who.user
        postal = "".join(ch for ch in user.home_postal_code if ch.isdigit())
        if not (postal and user.last_name and ctx.thresholds(rules.FAMILY_VIEWING, uid).enabled):
            continue
        postal_variants = {postal, f"{postal[:3]}-{postal[3:]}"}
        # The surname: the family-name field, or the name's first word where it was not split.
        surname = Q(family_name=user.last_name) | Q(family_name="", name__startswith=f"{user.last_name} ")
        ids = Customer.objects.filter(surname, addresses__postal_code__in=postal_variants).values_list("pk", flat=True)
        if ids:
            families[uid] = frozenset(ids)
    findings = []
    # A few users' rows of four purposes: the (user_id, at) index serves better than the monitoring one.
    purposes = (*VIEW_PURPOSES, AccessPurpose.SEARCH.value, AccessPurpose.LIST.value)
    for uid, days in sorted(_pairs(ctx, families, purposes, pinned=False).items()):
        t = ctx.thresholds(rules.FAMILY_VIEWING, uid)
        for day, customers in sorted(days.items()):
            seen = customers & families[uid]
            if len(seen) >= t.threshold:
                findings.append(
                    Finding(
                        rules.FAMILY_VIEWING,
                        uid,
                        day,
                        rules.score(len(seen), t.threshold),
                        rules.explain_family(day, len(seen)),
                        purposes,
                        _customers_in(families[uid]),
                    )
                )
    return findings


def dormant_account(ctx: Context) -> list[Finding]:
    """Reads by accounts that should not be used: deactivated, or left / moved / seconded (from the
    status's date on; without a date, every read in the period)."""
    since: dict[int, tuple[dt.datetime | None, str]] = {}
    for uid, who in ctx.staff.items():
        user = who.user
        if not ctx.thresholds(rules.DORMANT_ACCOUNT, uid).enabled:
            continue
        if user.employment_status != EmploymentStatus.ACTIVE:
            start = day_start(user.status_since) if user.status_since else None
            since[uid] = (start, str(user.get_employment_status_display()))
        elif not user.is_active:
            since[uid] = (None, "無効化済み")
    if not since:
        return []
    all_purposes = [p.value for p in AccessPurpose]
    # A few users' rows of every purpose: through the (user_id, at) index, not the monitoring one.
    listed = ", ".join(str(int(u)) for u in since)
    figures = _per_user_day(ctx, ctx.start, all_purposes, f"AND user_id IN ({listed})", pinned=False)
    findings = []
    for uid, days in figures.items():
        start, status = since[uid]
        t = ctx.thresholds(rules.DORMANT_ACCOUNT, uid)
        for day, (n, distinct) in days.items():
            if start is not None and day_start(day + dt.timedelta(days=1)) <= start:
                continue
            if n >= t.threshold:
                findings.append(
                    Finding(
                        rules.DORMANT_ACCOUNT,
                        uid,
                        day,
                        rules.score(n, t.threshold),
                        rules.explain_dormant(day, n, distinct, status),
                        tuple(all_purposes),
                        _read_since(start),
                    )
                )
    return findings


RULES: dict[str, Callable[[Context], list[Finding]]] = {
    rules.BULK_VIEWING: bulk_viewing,
    rules.OUTSIDE_HOURS: outside_hours,
    rules.OUT_OF_PORTFOLIO: out_of_portfolio,
    rules.REPEATED_VIEWING: repeated_viewing,
    rules.EXPORTS: exports,
    rules.SEARCH_NON_CUSTOMERS: search_non_customers,
    rules.FAMILY_VIEWING: family_viewing,
    rules.DORMANT_ACCOUNT: dormant_account,
    rules.SENSITIVE_WITHOUT_TASK: sensitive_without_task,
}


def _timed(what: str, began: tuple[float, float], found: int) -> None:
    """Log a step's wall and process CPU seconds (DEBUG; bench/compliance.py reads the extra fields)."""
    wall, cpu = time.perf_counter() - began[0], time.process_time() - began[1]
    logger.debug(
        "%s: %.3f s (CPU %.3f s), %d findings",
        what,
        wall,
        cpu,
        found,
        extra={"step": what, "wall_s": wall, "cpu_s": cpu},
    )


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def evaluate(ctx: Context, only: Iterable[str] | None = None) -> list[Finding]:
    wanted = set(only) if only else set(RULES)
    findings: list[Finding] = []
    for code, rule in RULES.items():
        if code in wanted:
            began = _clock()
            found = rule(ctx)
            _timed(code, began, len(found))
            findings += found
    return findings


# --- evidence -------------------------------------------------------------------------------------------


_EVIDENCE_FIELDS = ("id", "at", "user_id", "customer_id", "purpose", "screen", "client_address", "detail")
EVIDENCE_BATCH = 200  # findings whose rows one query reads


def evidence(finding: Finding) -> dict[str, Any]:
    """The finding's log rows, frozen (see evidence_many)."""
    return evidence_many([finding])[finding.key]


def evidence_many(findings: Sequence[Finding]) -> dict[str, dict[str, Any]]:
    """Each finding's log rows, frozen: ids (up to EVIDENCE_IDS), exact counts, time span, the customers,
    client addresses and screens, and for searches the queries. The rows of up to EVIDENCE_BATCH findings
    of one rule are read by one query (their (user, day) ranges, through the (user, at) index), not one
    query per finding."""
    began = _clock()
    groups: dict[tuple[str, tuple[str, ...]], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.rule, finding.purposes)].append(finding)
    out: dict[str, dict[str, Any]] = {}
    for (_rule, purposes), group in groups.items():
        for first in range(0, len(group), EVIDENCE_BATCH):
            batch = {(f.user_id, f.day): f for f in group[first : first + EVIDENCE_BATCH]}
            ranges = Q()
            for user_id, day in batch:
                start = day_start(day)
                ranges |= Q(user_id=user_id, at__gte=start, at__lt=start + dt.timedelta(days=1))
            rows: dict[tuple[int, dt.date], list[dict[str, Any]]] = defaultdict(list)
            query = AccessLog.objects.filter(ranges, purpose__in=purposes).order_by("at", "id")
            for row in query.values(*_EVIDENCE_FIELDS).iterator(chunk_size=5000):
                rows[(row["user_id"], monitoring_day(row["at"]))].append(row)
            for key, finding in batch.items():
                out[finding.key] = _frozen(finding, rows.get(key, []))
    _timed("evidence", began, len(findings))
    return out


def _frozen(finding: Finding, every: list[dict[str, Any]]) -> dict[str, Any]:
    kept = [row for row in every if finding.keep(row)]
    customers = sorted({row["customer_id"] for row in kept if row["customer_id"] is not None})
    data: dict[str, Any] = {
        "rows": len(kept),
        "log_ids": [row["id"] for row in kept[:EVIDENCE_IDS]],
        "customer_count": len(customers),
        "customer_ids": customers[:EVIDENCE_IDS],
        "first_at": kept[0]["at"].isoformat() if kept else None,
        "last_at": kept[-1]["at"].isoformat() if kept else None,
        "addresses": dict(Counter(row["client_address"] or "—" for row in kept).most_common(10)),
        "screens": dict(Counter(row["screen"] for row in kept).most_common(10)),
        **finding.extra,
    }
    if finding.rule == rules.SEARCH_NON_CUSTOMERS:
        data["queries"] = [str((row["detail"] or {}).get("q", ""))[:100] for row in kept[:100]]
    if finding.rule == rules.SENSITIVE_WITHOUT_TASK:
        shown = Counter(str(label) for row in kept for label in (row["detail"] or {}).get("labels", []))
        data["fields"] = dict(shown.most_common())  # 機微情報 items shown: rows each
    return data
