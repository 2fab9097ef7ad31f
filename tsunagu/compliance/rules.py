"""The monitoring rules as pure functions: thresholds, norms, and the Japanese explanation of each
finding (no Django; table-driven tests in tests/compliance/test_rules.py).

The access log is read set-based by `compliance.detection`, which hands these functions per-user,
per-day figures; a *monitoring day* runs from 05:00 to 05:00 local time, so a night's work after
midnight belongs to the evening it started in. Norms (docs/compliance.md):

- a user's own norm is the **highest** daily figure of that user in the `window_days` days before
  the day (a peak, not a mean: a user whose work has busy days is not flagged for another busy day);
- the role's norm is the median of the own norms of the users who share the role that day;
- a day is flagged when its figure is at least `threshold` and more than `factor` × the larger norm.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

BULK_VIEWING = "bulk_viewing"
OUTSIDE_HOURS = "outside_hours"
OUT_OF_PORTFOLIO = "out_of_portfolio"
REPEATED_VIEWING = "repeated_viewing"
EXPORTS = "exports"
SEARCH_NON_CUSTOMERS = "search_non_customers"
FAMILY_VIEWING = "family_viewing"
DORMANT_ACCOUNT = "dormant_account"
SENSITIVE_WITHOUT_TASK = "sensitive_without_task"

DAY_START_HOUR = 5  # a monitoring day runs 05:00 → 05:00 (local)


@dataclass(frozen=True)
class Thresholds:
    enabled: bool
    threshold: int  # the least count that can be flagged
    factor: Decimal  # × the norm (rules that compare with a norm)
    window_days: int  # the days before that the norm / portfolio / task looks at
    business_start: int = 8
    business_end: int = 20


def _t(threshold: int, factor: str, window: int) -> Thresholds:
    return Thresholds(True, threshold, Decimal(factor), window)


# Defaults when no RuleSetting row applies (docs/compliance.md explains each number).
DEFAULTS: dict[str, Thresholds] = {
    BULK_VIEWING: _t(100, "3", 28),
    OUTSIDE_HOURS: _t(10, "1", 0),
    OUT_OF_PORTFOLIO: _t(5, "1", 365),
    REPEATED_VIEWING: _t(10, "1", 30),
    EXPORTS: _t(200, "3", 35),
    SEARCH_NON_CUSTOMERS: _t(10, "1", 0),
    FAMILY_VIEWING: _t(1, "1", 0),
    DORMANT_ACCOUNT: _t(1, "1", 0),
    SENSITIVE_WITHOUT_TASK: _t(1, "1", 30),
}

# What each rule looks for, in a sentence (the settings screen shows it beside the defaults).
DESCRIPTIONS: dict[str, str] = {
    BULK_VIEWING: "1日に閲覧した顧客数が閾値以上で、本人の過去の最多とロールの平常値の倍率を超えたとき",
    OUTSIDE_HOURS: "業務時間外・休業日の閲覧回数が閾値以上のとき",
    OUT_OF_PORTFOLIO: (
        "担当範囲(自代理店の顧客、損害サービスは事故のある顧客と部署の案件・コンタクト)外の顧客の閲覧が閾値人以上のとき"
    ),
    REPEATED_VIEWING: "担当する案件もコンタクトの記録もない同じ顧客を1日に閾値回以上閲覧したとき",
    EXPORTS: "エクスポート・帳票出力の顧客数が閾値以上で、本人とロールの平常値の倍率を超えたとき",
    SEARCH_NON_CUSTOMERS: "自組織の顧客が見つからない検索が閾値回以上のとき",
    FAMILY_VIEWING: "本人と同じ姓・自宅と同じ郵便番号の顧客を閲覧したとき",
    DORMANT_ACCOUNT: "退職・異動・出向・無効化されたアカウントでアクセスがあったとき",
    SENSITIVE_WITHOUT_TASK: (
        "担当する案件もコンタクトの記録もない顧客の機微情報(けが人の状況・苦情の事実確認メモなど)を、"
        "1日に閾値人以上閲覧したとき"
    ),
}


@dataclass(frozen=True)
class Scope:
    """Who a setting row is for: role code, department id, agency id ('' / None = any)."""

    role: str = ""
    department_id: int | None = None
    agency_id: int | None = None


def specificity(setting: Scope, *, roles: Iterable[str], department_id: int | None, agency_id: int | None) -> int:
    """How well a setting fits a user: -1 when it does not apply, higher when more specific
    (organisation and role 3, organisation 2, role 1, everyone 0)."""
    if setting.role and setting.role not in set(roles):
        return -1
    if setting.department_id is not None and setting.department_id != department_id:
        return -1
    if setting.agency_id is not None and setting.agency_id != agency_id:
        return -1
    org = setting.department_id is not None or setting.agency_id is not None
    return (2 if org else 0) + (1 if setting.role else 0)


def pick(
    rule: str,
    settings: Sequence[tuple[Scope, Thresholds]],
    *,
    roles: Iterable[str],
    department_id: int | None,
    agency_id: int | None,
) -> Thresholds:
    """The most specific setting of the rule for the user, else the default."""
    roles = list(roles)
    best, best_rank = DEFAULTS[rule], -1
    for scope, values in settings:
        rank = specificity(scope, roles=roles, department_id=department_id, agency_id=agency_id)
        if rank > best_rank:
            best, best_rank = values, rank
    return best


def own_norms(daily: Mapping[dt.date, int], days: Iterable[dt.date], window_days: int) -> dict[dt.date, int]:
    """For each day, the user's highest daily figure in the `window_days` days before it (0 if none).

    A sliding-window maximum over the days in order (a queue of the known days whose figures decrease),
    so each known day is handled once, not once per day whose window holds it."""
    known = sorted(daily)
    norms: dict[dt.date, int] = {}
    peaks: deque[dt.date] = deque()  # known days in the window, figures strictly decreasing
    i = 0
    for day in sorted(days):
        while i < len(known) and known[i] < day:
            value = daily[known[i]]
            while peaks and daily[peaks[-1]] <= value:
                peaks.pop()
            peaks.append(known[i])
            i += 1
        low = day - dt.timedelta(days=window_days)
        while peaks and peaks[0] < low:
            peaks.popleft()
        norms[day] = daily[peaks[0]] if peaks else 0
    return norms


def role_norm(peers_norms: Iterable[int]) -> int:
    """The role's norm: the median of its users' own norms (0 for none)."""
    values = list(peers_norms)
    return int(statistics.median(values)) if values else 0


@dataclass(frozen=True)
class Limit:
    value: int  # the figure must exceed this to be flagged
    own: int
    role: int


def limit_for(t: Thresholds, own: int, role: int) -> Limit:
    """The least figure flagged is the threshold, or just above factor × the larger norm."""
    above_norm = int(t.factor * max(own, role))
    return Limit(max(t.threshold - 1, above_norm), own, role)


def score(value: int, limit: int) -> Decimal:
    """How far past the limit the figure is (1.00 = just over)."""
    return (Decimal(value) / Decimal(max(limit, 1))).quantize(Decimal("0.01"))


def outside_hours(hour: int, business_day: bool, t: Thresholds) -> bool:
    return not business_day or not (t.business_start <= hour < t.business_end)


@dataclass(frozen=True)
class HourSpan:
    """Consecutive local clock hours [start, end) of one monitoring day that are outside business hours
    for the same thresholds (`flagged`: indexes into the variants given to `outside_hour_spans`)."""

    start: dt.datetime  # local clock time, naive
    end: dt.datetime
    day: dt.date  # the monitoring day
    flagged: frozenset[int]


def outside_hour_spans(
    days: Iterable[dt.date], variants: Sequence[Thresholds], is_business_day: Callable[[dt.date], bool]
) -> list[HourSpan]:
    """The hours of the monitoring days that are outside business hours for at least one variant of the
    thresholds, as spans of consecutive hours flagged for the same variants. Whether an hour is outside
    depends on its clock day (a closed day is outside all day), so the night after a business day splits
    at midnight only when the next clock day differs (e.g. a closed day). The rule reads the log only in
    these spans (one range of `at` each) instead of computing the local hour of every read."""
    business: dict[dt.date, bool] = {}
    spans: list[HourSpan] = []
    for day in days:
        begin = dt.datetime.combine(day, dt.time(DAY_START_HOUR))
        current: HourSpan | None = None
        for k in range(24):
            start = begin + dt.timedelta(hours=k)
            clock_day = start.date()
            if clock_day not in business:
                business[clock_day] = is_business_day(clock_day)
            flagged = frozenset(i for i, t in enumerate(variants) if outside_hours(start.hour, business[clock_day], t))
            end = start + dt.timedelta(hours=1)
            if current is not None and current.flagged == flagged:
                current = HourSpan(current.start, end, day, flagged)
                continue
            if current is not None and current.flagged:
                spans.append(current)
            current = HourSpan(start, end, day, flagged)
        if current is not None and current.flagged:
            spans.append(current)
    return spans


@dataclass(frozen=True)
class CaseFact:
    """What decides whether a case is a user's task (read from cases.Case)."""

    customer_id: int
    assignee_id: int | None
    department_id: int | None
    agency_id: int | None
    opened_on: dt.date
    closed_at: dt.datetime | None


def case_is_task(
    case: CaseFact,
    *,
    user_id: int,
    department_id: int | None,
    agency_id: int | None,
    day: dt.date,
    since: dt.datetime,
) -> bool:
    """The one definition of a task through a case (repeated viewing, sensitive reads; with
    `claim_is_task` and `contact_is_task`): a case of the
    customer assigned to the user or owned by the user's department or agency, opened by the day and
    not closed before `since` (the start of the window before the day)."""
    mine = (
        case.assignee_id == user_id
        or (department_id is not None and case.department_id == department_id)
        or (agency_id is not None and case.agency_id == agency_id)
    )
    return mine and case.opened_on <= day and (case.closed_at is None or case.closed_at >= since)


def claim_is_task(reported_on: dt.date, closed_on: dt.date | None, *, day: dt.date, since: dt.datetime) -> bool:
    """A claim the user handles (Claim.handler) is a task for its policyholder from the day it was
    reported until the window after it closed: the accident case closes when the claims department
    takes the claim over, and the handler keeps reading the injuries while the claim runs."""
    return reported_on <= day and (closed_on is None or closed_on >= since.date())


def contact_is_task(occurred_at: dt.datetime, *, since: dt.datetime) -> bool:
    """A contact the user recorded with the customer is a task from the window's start on."""
    return occurred_at >= since


def ymd(day: dt.date) -> str:
    return day.strftime("%Y/%m/%d")


# --- explanations (shown on the alert; each says what was seen, against what, and why it matters) ----


def explain_bulk(day: dt.date, customers: int, limit: Limit, t: Thresholds) -> str:
    return (
        f"{ymd(day)}に{customers:,}人の顧客を閲覧しました。本人の過去{t.window_days}日の最多は1日{limit.own:,}人、"
        f"同じロールの平常値は{limit.role:,}人で、その{t.factor}倍と下限{t.threshold:,}人のいずれも超えています。"
        "業務に必要な範囲を超えた閲覧(持ち出し目的の一覧確認など)の可能性があります。"
    )


def explain_outside_hours(day: dt.date, rows: int, customers: int, t: Thresholds, business_day: bool) -> str:
    when = "休業日" if not business_day else f"業務時間({t.business_start}時〜{t.business_end}時)外"
    return (
        f"{ymd(day)}の{when}に顧客情報を{rows:,}回({customers:,}人)閲覧しました(閾値 {t.threshold:,}回)。"
        "業務時間外の閲覧は上長の承認や業務記録と照合してください。"
    )


def explain_out_of_portfolio(day: dt.date, customers: int, t: Thresholds, portfolio: str) -> str:
    return (
        f"{ymd(day)}に、{portfolio}に当たらない顧客{customers:,}人の情報を閲覧しました(閾値 {t.threshold:,}人)。"
        f"担当範囲は過去{t.window_days}日の案件・コンタクトと契約・事故で判定しています。"
        "必要のない顧客情報の閲覧(need-to-know 原則への違反)の可能性があります。"
    )


def explain_repeated(day: dt.date, views: int, customer_count: int, t: Thresholds) -> str:
    return (
        f"{ymd(day)}に同じ顧客の情報を{views:,}回閲覧しました"
        f"(対象 {customer_count:,}人、閾値 1人につき{t.threshold:,}回)。"
        f"過去{t.window_days}日にその顧客の案件の担当やコンタクトの記録がありません。"
        "業務以外の関心(知人・著名人など)による閲覧の可能性があります。"
    )


def explain_exports(day: dt.date, rows: int, limit: Limit, t: Thresholds) -> str:
    return (
        f"{ymd(day)}にエクスポート・帳票出力で{rows:,}人分の顧客情報を出力しました。本人の過去{t.window_days}日の最多は"
        f"1日{limit.own:,}人分、同じロールの平常値は{limit.role:,}人分で、その{t.factor}倍と下限{t.threshold:,}人分の"
        "いずれも超えています。顧客情報の持ち出しの可能性があります。"
    )


def explain_search(day: dt.date, searches: int, t: Thresholds) -> str:
    return (
        f"{ymd(day)}に、自組織の顧客が1人も見つからない検索を{searches:,}回行いました(閾値 {t.threshold:,}回)。"
        "顧客でない人物(氏名・生年月日など)を調べた可能性があります。検索語は証跡で確認できます。"
    )


def explain_family(day: dt.date, customers: int) -> str:
    return (
        f"{ymd(day)}に、本人と同じ姓で自宅と同じ郵便番号の顧客{customers:,}人の情報を閲覧しました。"
        "家族・親族の記録を業務外で閲覧した可能性があります(本人・家族の手続きは他の担当者が行います)。"
    )


def explain_dormant(day: dt.date, rows: int, customers: int, status: str) -> str:
    return (
        f"{ymd(day)}に、{status}のため使われないはずのアカウントで顧客情報へのアクセスが{rows:,}回"
        f"({customers:,}人)ありました。アカウントの停止漏れ、または第三者による不正利用の可能性があります。"
    )


def explain_sensitive(day: dt.date, customers: int, t: Thresholds) -> str:
    return (
        f"{ymd(day)}に、担当する業務のない顧客{customers:,}人の機微情報(けが人の状況・苦情の事実確認メモなど)を"
        f"閲覧しました(閾値 {t.threshold:,}人)。過去{t.window_days}日にその顧客の案件(本人の担当、または"
        "所属部署・代理店の案件)も本人のコンタクトの記録もありません。機微情報は業務上必要な範囲でのみ"
        "閲覧できます(金融分野ガイドライン)。業務以外の関心による閲覧の可能性があります。"
    )
