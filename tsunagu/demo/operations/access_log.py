"""Demo access log: 90 days of the demo users' reads, written through `log_access_backfill` (the same
keyed chains as every live read, so `manage.py verify_access_log` passes), plus planted anomalies.

Business days of the configured calendar (weekends, holidays and the year-end closing are quiet but
for a rare weekend claim), mostly 9:00–18:00 with a lunch dip and some overtime. Per role: call
center operators search and open tens of customers a day, 契約管理 and 損害サービス fewer (claims
handlers their claimants), agency staff only their agency's customers, the steward a few, the
analyst and the auditor almost none. Agency staff download their 契約内容のお知らせ mailing list
at the start of each month.

Planted anomalies (docs/demo-data.md says who, when and what, for compliance work to find):
1. `operator2` reads hundreds of customers, in customer-id order, late at night on one day, from an
   address it never uses otherwise;
2. `claims2` opens tens of customers with no claim at all (outside a claims handler's work) on one
   afternoon;
3. `policy_admin` downloads the mailing lists of several agencies within a quarter of an hour,
   after hours (an export burst; its only other exports are the monthly notice batch's);
4. `claims` reads the injuries (機微情報) of customers whose accident cases closed months ago, one
   afternoon (no task for them), among the claims handlers' ordinary reads of their own accident
   cases (`access_log_sensitive`).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.calendar import BusinessCalendar
from tsunagu.cases.models import Case
from tsunagu.core.access_log import PastRead, log_access_backfill
from tsunagu.core.access_log_checkpoints import checkpoint_write
from tsunagu.core.choices import AccessPurpose, DepartmentKind
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Claim

from .access_log_sensitive import PLANTED_USER, sensitive_reads

DAYS = 90
SEARCH, DETAIL, CONTACT, EXPORT = "顧客検索", "顧客詳細", "コンタクト登録", "契約内容のお知らせ 宛名リスト"


@dataclass(frozen=True)
class Profile:
    opens: float  # customers opened per business day (mean)
    searches: float  # searches per business day (mean)
    pool: str  # all / claims / agency
    address: str  # the user's usual client address


PROFILES: dict[str, Profile] = {
    "operator": Profile(36, 24, "all", "10.20.1.11"),
    "operator2": Profile(30, 20, "all", "10.20.1.12"),
    "policy_admin": Profile(18, 9, "all", "10.20.2.21"),
    "complaints": Profile(8, 5, "all", "10.20.3.31"),
    "claims": Profile(16, 8, "claims", "10.20.4.41"),
    "claims2": Profile(13, 7, "claims", "10.20.4.42"),
    "steward": Profile(5, 3, "all", "10.20.5.51"),
    "analyst": Profile(1.5, 1, "all", "10.20.5.52"),
    "auditor": Profile(0.6, 0.4, "all", "10.20.6.61"),
    "admin": Profile(0.3, 0.3, "all", "10.20.5.50"),
    "agency1": Profile(16, 10, "agency", "172.16.1.10"),
    "agency2": Profile(9, 6, "agency", "172.16.2.10"),
}
NIGHT_ADDRESS = "10.99.0.77"  # a VPN address operator2 never uses otherwise


@dataclass
class Anomaly:
    kind: str
    username: str
    start: dt.datetime
    end: dt.datetime
    rows: int
    note: str


@dataclass
class AccessLogResult:
    rows: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    anomalies: list[Anomaly] = field(default_factory=list)


def _poisson(rng: random.Random, mean: float) -> int:
    """Small-mean Poisson draw (Knuth), or a rounded normal for larger means."""
    if mean <= 0:
        return 0
    if mean > 20:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _work_time(rng: random.Random, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """A moment of a working day: 9:00–18:00 mostly, fewer at lunch, some overtime or early starts."""
    roll = rng.random()
    if roll < 0.06:
        minutes = rng.randint(18 * 60, 19 * 60 + 40)
    elif roll < 0.09:
        minutes = rng.randint(8 * 60 + 30, 9 * 60)
    else:
        while True:
            minutes = rng.randint(9 * 60, 18 * 60 - 1)
            if not 12 * 60 <= minutes < 13 * 60 or rng.random() < 0.3:
                break
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, rng.randint(0, 59)), tzinfo=tz)


class _Pools:
    def __init__(self, users: dict[str, User]) -> None:
        rows = list(
            Customer.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", "family_name", "name")
        )
        self.all = [pk for pk, _, _ in rows]
        self.surname = {pk: (family or name[:2]) for pk, family, name in rows}
        self.by_surname: dict[str, list[int]] = defaultdict(list)
        for pk, surname in self.surname.items():
            self.by_surname[surname].append(pk)
        self.claims = sorted(set(Claim.objects.values_list("policy__policyholder_id", flat=True)))
        # The claims department's portfolio (compliance.detection._portfolio): claimants, and the
        # customers of its cases and of its staff's contacts. The planted out-of-portfolio reads must
        # stay outside all three, or the alert counts fewer customers than were planted.
        served = set(self.claims)
        served |= set(Case.objects.filter(department__kind=DepartmentKind.CLAIMS).values_list("customer_id", flat=True))
        served |= set(
            Interaction.objects.filter(staff__department__kind=DepartmentKind.CLAIMS).values_list(
                "customer_id", flat=True
            )
        )
        self.without_claims = [pk for pk in self.all if pk not in served]
        self.agency: dict[int, list[int]] = defaultdict(list)
        for customer_id, agency_id in CustomerAgency.objects.order_by("customer_id").values_list(
            "customer_id", "agency_id"
        ):
            self.agency[agency_id].append(customer_id)
        self.users = users

    def of(self, username: str) -> list[int]:
        profile = PROFILES[username]
        if profile.pool == "claims":
            return self.claims or self.all
        if profile.pool == "agency":
            user = self.users[username]
            return self.agency.get(user.agency_id or 0, [])
        return self.all


def _search(
    rng: random.Random, pools: _Pools, pool: list[int], target: int, at: dt.datetime, user: User, address: str
) -> PastRead:
    surname = pools.surname[target]
    allowed = set(pool)
    same = [pk for pk in pools.by_surname.get(surname, []) if pk in allowed and pk != target]
    hits = [target, *rng.sample(same, min(len(same), rng.randint(0, 6)))]
    query = surname if rng.random() < 0.7 or not same else f"{surname} {rng.choice(('東京', '大阪', '昭和', '090'))}"
    return PastRead(
        at=at,
        user=user,
        customer_ids=tuple(hits),
        purpose=AccessPurpose.SEARCH,
        screen=SEARCH,
        detail={"q": query, "result_ids": hits},
        client_address=address,
    )


def _open(target: int, at: dt.datetime, user: User, address: str, screen: str = DETAIL) -> PastRead:
    return PastRead(
        at=at, user=user, customer_ids=(target,), purpose=AccessPurpose.VIEW, screen=screen, client_address=address
    )


def _day_of_user(
    rng: random.Random, pools: _Pools, username: str, day: dt.date, tz: dt.tzinfo, reads: list[PastRead]
) -> None:
    profile = PROFILES[username]
    user = pools.users[username]
    pool = pools.of(username)
    if not pool:
        return
    opens = _poisson(rng, profile.opens)
    searches = _poisson(rng, profile.searches)
    for index in range(max(opens, searches)):
        target = rng.choice(pool)
        at = _work_time(rng, day, tz)
        if index < searches:
            reads.append(_search(rng, pools, pool, target, at, user, profile.address))
            at += dt.timedelta(seconds=rng.randint(5, 90))
        if index < opens:
            screen = CONTACT if username.startswith(("operator", "complaints")) and rng.random() < 0.25 else DETAIL
            reads.append(_open(target, at, user, profile.address, screen))


def _mailing_list(
    pools: _Pools, rng: random.Random, agency_id: int, at: dt.datetime, user: User, address: str
) -> PastRead:
    customers = pools.agency.get(agency_id, [])
    month = (at + dt.timedelta(days=32)).strftime("%Y-%m")
    chosen = sorted(rng.sample(customers, max(1, len(customers) // 12))) if customers else []
    return PastRead(
        at=at,
        user=user,
        customer_ids=tuple(chosen),
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT,
        detail={"month": month, "agency": agency_id},
        client_address=address,
    )


def demo_access_log_load(*, users: dict[str, User], seed: int, as_of: dt.date) -> AccessLogResult:
    """Backfill the 90 days before as-of (never past now). Once per database: a later load leaves
    the log as it is (appending older rows after newer ones would be confusing)."""
    result = AccessLogResult()
    if AccessLog.objects.filter(client_address__in=[p.address for p in PROFILES.values()]).exists():
        return result  # loaded before (live reads have the users' real addresses, not these)
    reads, result.anomalies = access_log_plan(users=users, seed=seed, as_of=as_of, now=timezone.now())
    result.rows = log_access_backfill(reads)
    if reads:
        result.first = min(read.at for read in reads)
        result.last = max(read.at for read in reads)
        checkpoint_write(reason="command")
    return result


def _first_business_day(day: dt.date, calendar: BusinessCalendar) -> bool:
    return calendar.is_business_day(day) and not any(
        calendar.is_business_day(day.replace(day=d)) for d in range(1, day.day)
    )


def access_log_plan(
    *, users: dict[str, User], seed: int, as_of: dt.date, now: dt.datetime
) -> tuple[list[PastRead], list[Anomaly]]:
    """The reads to backfill and the anomalies planted among them: the same for the same seed,
    reference date and database (the customers, claims and agency links it draws from)."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end = min(as_of, timezone.localdate(now))  # the last day is the one before `end`
    calendar = current_calendar()
    rng = random.Random(f"tsunagu-demo-access-log:{seed}:{as_of.isoformat()}")
    pools = _Pools(users)
    if not pools.all:
        return [], []
    days = [end - dt.timedelta(days=offset) for offset in range(DAYS, 0, -1)]
    business = [day for day in days if calendar.is_business_day(day)]
    reads: list[PastRead] = []
    for day in days:
        if day in business:
            for username in PROFILES:
                if username in users and rng.random() > 0.04:  # leave, training, sick days
                    _day_of_user(rng, pools, username, day, tz, reads)
        elif rng.random() < 0.3 and "claims" in users:  # a weekend accident call now and then
            target = rng.choice(pools.claims or pools.all)
            at = dt.datetime.combine(day, dt.time(rng.randint(10, 16), rng.randint(0, 59)), tzinfo=tz)
            reads.append(_open(target, at, users["claims"], PROFILES["claims"].address))
    for agency_user in ("agency1", "agency2"):
        if agency_user not in users:
            continue
        for day in business:
            if _first_business_day(day, calendar):  # the month's mailing list
                at = dt.datetime.combine(day, dt.time(9, rng.randint(5, 50)), tzinfo=tz)
                agency_id = users[agency_user].agency_id or 0
                reads.append(
                    _mailing_list(pools, rng, agency_id, at, users[agency_user], PROFILES[agency_user].address)
                )
    anomalies = AccessLogResult()
    if len(business) >= 30 and {"operator2", "claims2", "policy_admin"} <= set(users):
        reads.extend(_plant(rng, pools, users, business, tz, anomalies))
    # The claims handlers' reads of injuries (機微情報), and 4. the planted reads without a task.
    sensitive, planted = sensitive_reads(
        users=users, seed=seed, as_of=as_of, business=business, work_time=_work_time, tz=tz
    )
    reads.extend(sensitive)
    if planted is not None:
        count = len(planted["customers"])
        anomalies.anomalies.append(
            Anomaly(
                "sensitive_without_task",
                PLANTED_USER,
                planted["start"],
                planted["end"],
                count,
                f"案件のない顧客{count}人のけが人の状況(機微情報)を閲覧",
            )
        )
    return [read for read in reads if read.at < now], anomalies.anomalies


def _plant(
    rng: random.Random,
    pools: _Pools,
    users: dict[str, User],
    business: list[dt.date],
    tz: dt.tzinfo,
    result: AccessLogResult,
) -> list[PastRead]:
    reads: list[PastRead] = []
    # 1. Late-night bulk reading: operator2, customers in id order, 23:05 → about 01:50.
    day = business[-17]
    start = dt.datetime.combine(day, dt.time(23, 5), tzinfo=tz)
    count = min(len(pools.all), 380)
    first = rng.randrange(max(1, len(pools.all) - count))
    at = start
    for target in pools.all[first : first + count]:
        reads.append(_open(target, at, users["operator2"], NIGHT_ADDRESS))
        at += dt.timedelta(seconds=rng.randint(18, 32))
    result.anomalies.append(
        Anomaly(
            "late_night_bulk", "operator2", start, at, count, f"顧客ID順に{count}件を深夜に閲覧(接続元 {NIGHT_ADDRESS})"
        )
    )
    # 2. Outside the portfolio: claims2 opens customers with no claim, one afternoon.
    day = business[-29]
    start = dt.datetime.combine(day, dt.time(14, 10), tzinfo=tz)
    at = start
    targets = rng.sample(pools.without_claims, min(45, len(pools.without_claims)))
    for target in targets:
        reads.append(_search(rng, pools, pools.all, target, at, users["claims2"], PROFILES["claims2"].address))
        at += dt.timedelta(seconds=rng.randint(20, 60))
        reads.append(_open(target, at, users["claims2"], PROFILES["claims2"].address))
        at += dt.timedelta(seconds=rng.randint(60, 180))
    result.anomalies.append(
        Anomaly("outside_portfolio", "claims2", start, at, len(targets), f"事故のない顧客{len(targets)}件を検索・閲覧")
    )
    # 3. Export burst: policy_admin downloads several agencies' mailing lists within 15 minutes.
    day = business[-6]
    start = dt.datetime.combine(day, dt.time(18, 41), tzinfo=tz)
    at = start
    agencies = sorted(pools.agency, key=lambda a: -len(pools.agency[a]))[:6]
    rows = 0
    for agency_id in agencies:
        customers = pools.agency[agency_id]
        reads.append(
            PastRead(
                at=at,
                user=users["policy_admin"],
                customer_ids=tuple(customers),
                purpose=AccessPurpose.EXPORT,
                screen=EXPORT,
                detail={"month": (at + dt.timedelta(days=32)).strftime("%Y-%m"), "agency": agency_id},
                client_address=PROFILES["policy_admin"].address,
            )
        )
        rows += len(customers)
        at += dt.timedelta(seconds=rng.randint(90, 150))
    result.anomalies.append(
        Anomaly(
            "export_burst",
            "policy_admin",
            start,
            at,
            rows,
            f"代理店{len(agencies)}社分の宛名リストを続けてダウンロード",
        )
    )
    return reads
