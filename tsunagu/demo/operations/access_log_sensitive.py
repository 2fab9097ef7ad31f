"""Demo sensitive reads (機微情報の閲覧) for the demo access log (`access_log.access_log_plan`): the rows
the accident case page writes when it shows a claims handler the injuries (けが人の状況), beside the
page's own view row (core.access_log_sensitive), plus one planted anomaly.

- Normal: each accident case of the demo period assigned to `claims` / `claims2` is opened by its
  handler on one or two business days within two weeks of its opening — their own cases of their own
  department, so the monitoring rule 業務に関係のない機微情報の閲覧 stays silent. Every such read is
  checked with the rule's own definition of a task (`compliance.detection.customers_with_task`).
- Planted: `claims` reads the injuries of customers whose accident cases closed months ago (no case in
  the rule's window, no contact: no task), one afternoon.

A random stream of its own, so the rest of the demo log (and its other anomalies) is unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import AccidentReport, Case
from tsunagu.core.access_log import PastRead
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.masking import SENSITIVE, SENSITIVE_LABELS
from tsunagu.core.models import User

CASE_PAGE = "案件詳細(事故受付)"
FIELD = "accident.injuries"
HANDLERS = ("claims", "claims2")
PLANTED_USER = "claims"
PLANTED_CUSTOMERS = 6
ADDRESSES = {"claims": "10.20.4.41", "claims2": "10.20.4.42"}  # access_log.PROFILES


def detail() -> dict[str, Any]:
    return {"via": "view", "fields": [FIELD], "labels": [SENSITIVE_LABELS[FIELD]], "basis": [SENSITIVE[FIELD]]}


def _page(user: User, customer_id: int, at: dt.datetime) -> list[PastRead]:
    """The case page: its view row and the sensitive row of the injuries it showed."""
    address = ADDRESSES.get(user.username, "")
    return [
        PastRead(
            at=at,
            user=user,
            customer_ids=(customer_id,),
            purpose=AccessPurpose.VIEW,
            screen=CASE_PAGE,
            client_address=address,
        ),
        PastRead(
            at=at,
            user=user,
            customer_ids=(customer_id,),
            purpose=AccessPurpose.SENSITIVE,
            screen=CASE_PAGE,
            detail=detail(),
            client_address=address,
        ),
    ]


def _accident_cases() -> list[tuple[int, int | None, dt.date, dt.datetime | None]]:
    """(customer, assignee, opened on, closed at) of the accident cases whose report names injuries."""
    with_injuries = {
        case_id
        for case_id, injuries in AccidentReport.objects.values_list("case_id", "injuries")
        if str(injuries or "").strip()
    }
    rows = Case.objects.filter(case_type=CaseType.ACCIDENT, pk__in=with_injuries).order_by("pk")
    return list(rows.values_list("customer_id", "assignee_id", "opened_on", "closed_at"))


def sensitive_reads(
    *,
    users: dict[str, User],
    seed: int,
    as_of: dt.date,
    business: list[dt.date],
    work_time: Any,  # access_log._work_time
    tz: dt.tzinfo,
) -> tuple[list[PastRead], dict[str, Any] | None]:
    """The reads, and the planted anomaly's facts (None when the demo has too few accident cases)."""
    from tsunagu.compliance import detection, rules

    handlers = {users[u].pk: users[u] for u in HANDLERS if u in users}
    if not handlers or not business:
        return [], None
    rng = random.Random(f"tsunagu-demo-sensitive:{seed}:{as_of.isoformat()}")
    cases = _accident_cases()
    first, last = business[0], business[-1]
    planned: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for customer_id, assignee_id, opened_on, _closed in cases:
        if assignee_id not in handlers or opened_on < first:
            continue
        days = [d for d in business if opened_on < d <= opened_on + dt.timedelta(days=14)]
        for read_day in sorted(rng.sample(days, min(len(days), rng.choice((1, 1, 2))))):
            planned[(assignee_id, read_day)].append(customer_id)
    day = business[-11] if len(business) >= 30 else None
    planted: list[int] = []
    ctx = detection.load_context(first, last)
    if day is not None and PLANTED_USER in users:
        uid = users[PLANTED_USER].pk
        window = detection.day_start(day) - dt.timedelta(days=rules.DEFAULTS[rules.SENSITIVE_WITHOUT_TASK].window_days)
        old = sorted({c for c, _a, _o, closed in cases if closed is not None and closed < window})
        busy = detection.customers_with_task(ctx, {(uid, day): old}, rules.SENSITIVE_WITHOUT_TASK)[(uid, day)]
        idle = [c for c in old if c not in busy and c not in planned.get((uid, day), ())]
        planted = sorted(rng.sample(idle, min(PLANTED_CUSTOMERS, len(idle))))
    # Normal reads are the handlers' work by the rule's own definition (a transferred case may not be).
    with_task = detection.customers_with_task(ctx, planned, rules.SENSITIVE_WITHOUT_TASK)
    reads: list[PastRead] = []
    for (uid, read_day), customers in sorted(planned.items()):
        for customer_id in customers:
            if customer_id in with_task[(uid, read_day)]:
                reads += _page(handlers[uid], customer_id, work_time(rng, read_day, tz))
    if not planted or day is None:
        return reads, None
    start = dt.datetime.combine(day, dt.time(16, 20), tzinfo=tz)
    at = start
    for customer_id in planted:
        reads += _page(users[PLANTED_USER], customer_id, at)
        at += dt.timedelta(seconds=rng.randint(40, 150))
    return reads, {"start": start, "end": at, "customers": planted}
