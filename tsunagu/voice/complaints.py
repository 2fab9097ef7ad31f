"""苦情分析: aggregates of complaint cases and their そんぽADR path (docs/voice.md § 苦情分析).

Reads only; every figure is a count, a median or a percentile — no customer, no free text — so the
page writes no access-log rows. Scope: the complaint cases the user may see (`Case.visible_to`);
agency staff additionally only the cases their agency received (`Case.agency`), so a customer
shared with another agency never brings that agency's complaints into their figures.

Rules and formulas are in `cases.adr` (pure): quarters, the ADR statistics layout, percentiles
and recurrence.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.cases import adr
from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.core.models import Agency, User
from tsunagu.core.scoping import Reach, reach
from tsunagu.policies.choices import LineOfBusiness

NO_AGENCY = "代理店なし"
NO_POLICY = "契約なし"


def recurrence_window_days() -> int:
    """Two complaints of the same category and agency this many days apart or less are a recurrence."""
    return int(getattr(settings, "TSUNAGU_COMPLAINT_RECURRENCE_DAYS", 180))


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    agency_id: int | None = None  # head office only; agency staff are fixed to their agency
    window_days: int = 180


def default_filters(today: dt.date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(
        date_from=adr.add_months(today, -12) + dt.timedelta(days=1), date_to=today, window_days=recurrence_window_days()
    )


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    detail: str = ""  # a second level (小分類, the agency of a recurrence)
    extra: tuple[int | float | None, ...] = ()
    key: str = ""  # the drill-down key of the row (dimension-specific; see `drill`)


@dataclass
class Analysis:
    filters: Filters
    total: int = 0
    open: int = 0
    by_category: list[Row] = field(default_factory=list)  # detail = 小分類; extra = (原因記録あり, 対策記録あり)
    months: list[str] = field(default_factory=list)
    trend: list[tuple[str, list[int]]] = field(default_factory=list)  # 大分類 → counts per month
    by_line: list[Row] = field(default_factory=list)
    by_agency: list[Row] = field(default_factory=list)
    by_channel: list[Row] = field(default_factory=list)
    recurrences: list[Row] = field(default_factory=list)  # label = category, detail = agency, count = repeats
    recurrence_total: int = 0
    resolved: int = 0
    resolve_median: float | None = None
    resolve_p90: float | None = None
    resolve_by_category: list[Row] = field(default_factory=list)  # extra = (median, p90)
    adr_quarters: list[adr.QuarterRow] = field(default_factory=list)
    agency_origin: int = 0
    reported_to_insurer: int = 0


def complaint_scope(*, user: User) -> QuerySet[Case]:
    """The complaint cases whose figures the user may see."""
    cases = Case.objects.visible_to(user).filter(case_type=CaseType.COMPLAINT)
    if reach(user) is Reach.AGENCY:
        cases = cases.filter(agency_id=user.agency_id)
    return cases


def agency_choices(*, user: User) -> list[tuple[int, str]]:
    """The agencies a head-office user may narrow to (agency staff: none, they see their own)."""
    if reach(user) is not Reach.ALL:
        return []
    return list(Agency.objects.order_by("code").values_list("pk", "name"))


def _categories() -> dict[int, tuple[str, str]]:
    """category id → (大分類, 小分類 or "")."""
    rows = ComplaintCategory.objects.select_related("parent")
    return {c.pk: (c.parent.name, c.name) if c.parent_id and c.parent else (c.name, "") for c in rows}


def _month_keys(first: dt.date, last: dt.date) -> list[str]:
    keys, day = [], first.replace(day=1)
    while day <= last:
        keys.append(f"{day:%Y-%m}")
        day = adr.add_months(day, 1)
    return keys


def analyse(*, user: User, filters: Filters) -> Analysis:
    scope = _period(complaint_scope(user=user), user, filters)
    period = scope.filter(opened_on__gte=filters.date_from, opened_on__lte=filters.date_to)
    result = Analysis(filters=filters)
    categories = _categories()
    agencies = dict(Agency.objects.values_list("pk", "name"))
    lines = dict(LineOfBusiness.choices)
    channels = dict(CaseChannel.choices)

    rows = list(
        period.values_list(
            "opened_on",
            "is_open",
            "closed_at",
            "agency_id",
            "channel",
            "policy__line",
            "complaint__category_id",
            "complaint__cause",
            "complaint__countermeasure",
            "complaint__reported_to_insurer_on",
        )
    )
    result.total = len(rows)
    result.open = sum(1 for r in rows if r[1])

    per_category: Counter[tuple[str, str]] = Counter()
    cause_recorded: Counter[tuple[str, str]] = Counter()
    measure_recorded: Counter[tuple[str, str]] = Counter()
    months = _month_keys(filters.date_from, filters.date_to)
    trend: dict[str, Counter[str]] = defaultdict(Counter)
    lines_count: Counter[str] = Counter()
    agencies_count: Counter[str] = Counter()
    channels_count: Counter[str] = Counter()
    resolve_days: dict[str, list[int]] = defaultdict(list)
    calendar = current_calendar()
    for opened_on, _, closed_at, agency_id, channel, line, category_id, cause, measure, reported in rows:
        level1, level2 = categories.get(category_id, ("(分類なし)", ""))
        per_category[(level1, level2)] += 1
        cause_recorded[(level1, level2)] += bool(cause and cause.strip())
        measure_recorded[(level1, level2)] += bool(measure and measure.strip())
        trend[level1][f"{opened_on:%Y-%m}"] += 1
        lines_count[lines.get(line, NO_POLICY) if line else NO_POLICY] += 1
        agencies_count[agencies.get(agency_id, NO_AGENCY)] += 1
        channels_count[channels.get(channel, channel)] += 1
        if agency_id is not None:
            result.agency_origin += 1
            result.reported_to_insurer += reported is not None
        if closed_at is not None:
            closed_on = timezone.localtime(closed_at).date()
            resolve_days[level1].append(calendar.business_days_between(opened_on, closed_on))

    result.by_category = [
        Row(
            level1,
            n,
            level2,
            (cause_recorded[(level1, level2)], measure_recorded[(level1, level2)]),
            key=f"{level1}|{level2}",
        )
        for (level1, level2), n in sorted(per_category.items(), key=lambda item: (-item[1], item[0]))
    ]
    result.months = months
    result.trend = [
        (level1, [trend[level1][m] for m in months]) for level1 in sorted(trend, key=lambda k: -sum(trend[k].values()))
    ]
    result.by_line = _rows(lines_count)
    result.by_agency = _rows(agencies_count)
    result.by_channel = _rows(channels_count)

    every_day = [d for days in resolve_days.values() for d in days]
    result.resolved = len(every_day)
    result.resolve_median = adr.percentile(every_day, 0.5)
    result.resolve_p90 = adr.percentile(every_day, 0.9)
    result.resolve_by_category = [
        Row(level1, len(days), "", (adr.percentile(days, 0.5), adr.percentile(days, 0.9)), key=level1)
        for level1, days in sorted(resolve_days.items(), key=lambda item: -len(item[1]))
    ]

    window = max(1, filters.window_days)
    repeats = adr.recurrences([(r[6], r[3], r[0]) for r in rows], window)
    result.recurrences = [
        Row(
            _category_label(categories, category_id),
            n,
            agencies.get(agency_id, NO_AGENCY),  # type: ignore[call-overload]
            key=f"{category_id or ''}|{agency_id}",
        )
        for (category_id, agency_id), n in sorted(repeats.items(), key=lambda item: -item[1])
    ]
    result.recurrence_total = sum(repeats.values())

    referrals = [referral for _, referral in _referrals(scope)]
    result.adr_quarters = adr.quarterly_statistics(referrals, adr.quarters_between(filters.date_from, filters.date_to))
    return result


def _referrals(scope: QuerySet[Case]) -> list[tuple[int, adr.Referral]]:
    """(case id, referral) of every complaint in scope the ADR center was involved in: the quarterly
    statistics count procedures by their own dates, not by the complaint's 受付日."""
    return [
        (
            pk,
            adr.Referral(
                stage=stage,
                notified_on=notified,
                lodged_on=lodged,
                dispute_filed_on=filed,
                result=res,
                concluded_on=concluded,
            ),
        )
        for pk, stage, notified, lodged, filed, res, concluded in scope.exclude(complaint__adr_stage="").values_list(
            "pk",
            "complaint__adr_stage",
            "complaint__adr_referred_on",
            "complaint__adr_lodged_on",
            "complaint__adr_dispute_filed_on",
            "complaint__adr_result",
            "complaint__adr_concluded_on",
        )
    ]


# --- drill-down: from a figure to the cases it counts -----------------------------------------------

DRILL_LIMIT = 500
DIMENSIONS = {
    "all": "苦情件数",
    "open": "対応中",
    "category": "分類別",
    "month": "月別推移",
    "line": "保険種目別",
    "agency": "代理店別",
    "channel": "受付チャネル別",
    "recurrence": "再発",
    "resolved": "解決までの営業日数(完了)",
    "agency_origin": "代理店で受け付けた苦情",
    "reported": "保険会社へ報告済み",
    "adr": "そんぽADR",
}
ADR_KIND_LABELS = {adr.NEW: "新規受付", adr.CONCLUDED: "終了", adr.PENDING: "未済"}


@dataclass(frozen=True)
class Drill:
    title: str
    case_ids: list[int]  # all the figure counts, in 受付日 order (newest first)
    cases: list[Case]  # the first DRILL_LIMIT of them


def _period(scope: QuerySet[Case], user: User, filters: Filters) -> QuerySet[Case]:
    if filters.agency_id is not None and reach(user) is Reach.ALL:
        scope = scope.filter(agency_id=filters.agency_id)
    return scope


def drill(*, user: User, filters: Filters, dimension: str, key: str) -> Drill | None:
    """The complaint cases behind one figure of `analyse` (same scope, same filters, same rules), or
    None for an unknown dimension or a malformed key. Keys: category "大分類|小分類", month
    "大分類|YYYY-MM" (大分類 "*" = every category), line / agency / channel / resolved the row's label
    ("*" = all), recurrence "category id|agency id", adr "年度-四半期|complaint or dispute|new,
    concluded or pending"."""
    if dimension not in DIMENSIONS:
        return None
    scope = _period(complaint_scope(user=user), user, filters)
    title = DIMENSIONS[dimension]
    ids: list[int]
    if dimension == "adr":
        parsed = _adr_key(key)
        if parsed is None:
            return None
        quarter, procedure, kind = parsed
        ids = [pk for pk, referral in _referrals(scope) if (procedure, kind) in adr.counted_in(referral, quarter)]
        title = f"{title} {quarter.label} {adr.STAGE_LABELS[procedure]} {ADR_KIND_LABELS[kind]}"
    else:
        period = scope.filter(opened_on__gte=filters.date_from, opened_on__lte=filters.date_to)
        rows = list(
            period.values_list(
                "pk", "opened_on", "is_open", "closed_at", "agency_id", "channel", "policy__line",
                "complaint__category_id", "complaint__reported_to_insurer_on",
            )
        )  # fmt: skip
        if dimension == "recurrence":
            category_text, _, agency_text = key.partition("|")
            if not agency_text.isdigit() or not (category_text == "" or category_text.isdigit()):
                return None
            wanted = (int(category_text) if category_text else None, int(agency_text))
            window = max(1, filters.window_days)
            repeats = adr.recurring([(r[0], r[7], r[4], r[1]) for r in rows], window)
            ids = [int(pk) for pk in repeats.get(wanted, [])]  # type: ignore[call-overload]
            title = f"{title}({filters.window_days}日以内)"
        else:
            lookups = (_categories(), dict(Agency.objects.values_list("pk", "name")))
            ids = [int(row[0]) for row in rows if key in _keys(dimension, row, *lookups)]
        if key not in ("", "*"):
            title = f"{title}: {key.replace('|', ' / ')}"
    ids = list(Case.objects.filter(pk__in=ids).order_by("-opened_on", "-pk").values_list("pk", flat=True))
    shown = ids[:DRILL_LIMIT]
    cases = list(
        Case.objects.filter(pk__in=shown)
        .select_related("agency", "complaint__category__parent", "policy")
        .order_by("-opened_on", "-pk")
    )
    return Drill(title=f"{title}({filters.date_from:%Y/%m/%d}〜{filters.date_to:%Y/%m/%d})", case_ids=ids, cases=cases)


def _keys(
    dimension: str, row: tuple[object, ...], categories: dict[int, tuple[str, str]], agencies: dict[int, str]
) -> set[str]:
    """The keys a case row (pk, opened_on, is_open, closed_at, agency, channel, line, category,
    reported) has for a dimension — the same labels `analyse` counts it under."""
    _, opened_on, is_open, closed_at, agency_id, channel, line, category_id, reported = row
    level1, level2 = categories.get(category_id, ("(分類なし)", ""))  # type: ignore[call-overload]
    if dimension == "all":
        return {"*"}
    if dimension == "open":
        return {"*"} if is_open else set()
    if dimension == "category":
        return {f"{level1}|{level2}"}
    if dimension == "month":
        month = f"{opened_on:%Y-%m}"
        return {f"{level1}|{month}", f"*|{month}"}
    if dimension == "line":
        lines = dict(LineOfBusiness.choices)
        return {lines.get(line, NO_POLICY) if line else NO_POLICY}  # type: ignore[call-overload]
    if dimension == "agency":
        return {agencies.get(agency_id, NO_AGENCY)}  # type: ignore[call-overload]
    if dimension == "channel":
        return {dict(CaseChannel.choices).get(channel, channel)}  # type: ignore[call-overload]
    if dimension == "resolved":
        return {"*", level1} if closed_at is not None else set()
    if dimension == "agency_origin":
        return {"*"} if agency_id is not None else set()
    if dimension == "reported":
        return {"*"} if agency_id is not None and reported is not None else set()
    return set()


def _adr_key(key: str) -> tuple[adr.Quarter, str, str] | None:
    parts = key.split("|")
    if len(parts) != 3:
        return None
    quarter_text, procedure, kind = parts
    year_text, _, number_text = quarter_text.partition("-")
    if not (year_text.isdigit() and number_text in ("1", "2", "3", "4") and 1900 < int(year_text) < 2200):
        return None
    if procedure not in (adr.COMPLAINT, adr.DISPUTE) or kind not in ADR_KIND_LABELS:
        return None
    return adr.Quarter(int(year_text), int(number_text)), procedure, kind


def _category_label(categories: dict[int, tuple[str, str]], category_id: object) -> str:
    level1, level2 = categories.get(category_id, ("(分類なし)", ""))  # type: ignore[call-overload]
    return f"{level1} > {level2}" if level2 else level1


def _rows(counts: Counter[str]) -> list[Row]:
    return [Row(label, n, key=label) for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def export_rows(analysis: Analysis) -> list[list[object]]:
    """The analysis as one table for CSV/XLSX: 集計 / 項目 / 小項目 / 値."""
    out: list[list[object]] = [["集計", "項目", "小項目", "値"]]
    out.append(["苦情件数", "全体", "", analysis.total])
    out.append(["苦情件数", "対応中", "", analysis.open])
    for row in analysis.by_category:
        out.append(["分類別", row.label, row.detail, row.count])
    for level1, counts in analysis.trend:
        for month, n in zip(analysis.months, counts, strict=True):
            out.append(["月別推移", level1, month, n])
    for title, rows in (
        ("保険種目別", analysis.by_line),
        ("代理店別", analysis.by_agency),
        ("受付チャネル別", analysis.by_channel),
    ):
        out.extend([title, row.label, "", row.count] for row in rows)
    for row in analysis.recurrences:
        out.append([f"再発({analysis.filters.window_days}日以内)", row.label, row.detail, row.count])
    out.append(["解決までの営業日数", "中央値", "", _num(analysis.resolve_median)])
    out.append(["解決までの営業日数", "90パーセンタイル", "", _num(analysis.resolve_p90)])
    for q in analysis.adr_quarters:
        for procedure, figures in (("苦情解決手続", q.complaint), ("紛争解決手続", q.dispute)):
            out.append(["そんぽADR", q.quarter.label, f"{procedure} 新規受付", figures.new])
            out.append(["そんぽADR", q.quarter.label, f"{procedure} 終了", figures.concluded])
            out.append(["そんぽADR", q.quarter.label, f"{procedure} 未済", figures.pending])
    out.append(["保険会社への報告", "代理店受付の苦情", "", analysis.agency_origin])
    out.append(["保険会社への報告", "報告済み", "", analysis.reported_to_insurer])
    return out


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
