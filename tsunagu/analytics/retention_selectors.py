"""Reads of the 解約防止分析: aggregate tables (one set-based GROUP BY query each), the drill-down to the
cases behind a cell and the win-back list.

Every read starts from `Case.objects.visible_to(user)` (core scoping) and asks the permission
`analytics.retention`. The tables hold counts only (no customer's data); the drill-down and the
win-back list show customers and are logged with `core.access_log.log_list`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, DateField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth

from tsunagu.cases.choices import CancellationOutcome, CancellationReason, CaseChannel, CaseType
from tsunagu.cases.models import CancellationRequest, Case, RetentionGuidance
from tsunagu.core import permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import Agency, User
from tsunagu.customers.choices import ContactChannel
from tsunagu.policies.choices import LineOfBusiness, PolicyStatus
from tsunagu.policies.models import Policy

from . import retention

DRILL_SCREEN = "解約防止分析: 案件一覧"
WINBACK_SCREEN = "解約防止分析: 取り戻しリスト"
PAGE_SIZE = 50
WINBACK_LIMIT = 500
# Who the win-back list is for, as the screen and the target list's criteria say it.
WINBACK_REASON_RULE = (
    "解約理由が「他社への乗換え」か、乗換え先(他社名)が記録されている解約だけを載せます。"
    "「車両・物件の売却/不要」など他社の名がない解約は、乗換え先の更新時期が分からないため載せません。"
)
RETAINED = (CancellationOutcome.RETAINED, CancellationOutcome.RETAINED_CHANGED)
NONE = "none"  # the drill-down value of "no agency" / "no guidance recorded"


class ShiftDays(Func):
    """A date `days` earlier, exact and index-friendly on both databases (SQLite: date(x, '-N days');
    PostgreSQL: date − integer)."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(expression)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"date(%(expressions)s, '-{self.days} days')")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"(%(expressions)s - {self.days})")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    complaint_days: int = retention.DEFAULT_COMPLAINT_DAYS

    def query(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": str(self.complaint_days)}


@dataclass
class Row:
    label: str
    values: list[Any]  # ints, rates (float or None), or text
    drill: dict[str, str] = field(default_factory=dict)  # query parameters of the drill-down
    url: str = ""  # the drill-down link, set by the view

    @property
    def cells(self) -> list[tuple[str, bool]]:
        """(text, is a number) per value, formatted once here (templates stay simple)."""
        return [format_cell(v) for v in self.values]


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    note: str = ""

    def export_rows(self) -> list[list[Any]]:
        """Header and rows for CSV/XLSX: rates as percentages with one decimal."""
        out: list[list[Any]] = [["区分", *self.columns]]
        for row in self.rows:
            out.append([row.label, *(round(v * 100, 1) if isinstance(v, float) else v for v in row.values)])
        return out


def format_cell(value: Any) -> tuple[str, bool]:
    if value is None:
        return "—", True
    if isinstance(value, float):
        return f"{value * 100:.1f}%", True
    if isinstance(value, int):
        return f"{value:,}", True
    return str(value), False


def _requests(user: User, period: Period) -> QuerySet[CancellationRequest]:
    permissions.require(user, permissions.ANALYTICS_RETENTION)
    cases = Case.objects.visible_to(user).filter(
        case_type=CaseType.CANCELLATION, opened_on__gte=period.start, opened_on__lte=period.end
    )
    return CancellationRequest.objects.filter(case__in=cases.values("pk"))


def _dicts(rows: Any) -> Iterable[dict[str, Any]]:
    """Rows of a values() query as plain dicts (for the type checker: annotated keys are not in its TypedDict)."""
    return cast(Iterable[dict[str, Any]], rows)


def _counts() -> dict[str, Count]:
    return {
        "n": Count("pk"),
        "kept": Count("pk", filter=Q(outcome=CancellationOutcome.RETAINED)),
        "changed": Count("pk", filter=Q(outcome=CancellationOutcome.RETAINED_CHANGED)),
        "cancelled": Count("pk", filter=Q(outcome=CancellationOutcome.CANCELLED)),
    }


REASONS = list(CancellationReason.choices)
CROSS_COLUMNS = [str(label) for _, label in REASONS] + ["申出件数", "継続(条件変更含む)", "解約", "継続率"]


def _crosstab(
    key: str,
    title: str,
    qs: QuerySet[CancellationRequest],
    dims: Sequence[str],
    label_of: Callable[[tuple[Any, ...]], str],
    drill_of: Callable[[tuple[Any, ...]], dict[str, str]],
    order: Callable[[tuple[Any, ...]], Any] | None = None,
) -> Table:
    """Rows per dimension value, a column per reason, then requests, retained and the rate: one query."""
    grouped: dict[tuple[Any, ...], dict[str, int]] = {}
    for values in _dicts(qs.values(*dims, "reason").annotate(**_counts()).order_by()):
        dim = tuple(values[d] for d in dims)
        cell = grouped.setdefault(dim, {"n": 0, "retained": 0, "cancelled": 0})
        cell[values["reason"]] = cell.get(values["reason"], 0) + values["n"]
        cell["n"] += values["n"]
        cell["retained"] += values["kept"] + values["changed"]
        cell["cancelled"] += values["cancelled"]
    rows = []
    for dim in sorted(grouped, key=order or (lambda d: tuple("" if v is None else str(v) for v in d))):
        cell = grouped[dim]
        rows.append(
            Row(
                label_of(dim),
                [
                    *(cell.get(code, 0) for code, _ in REASONS),
                    cell["n"],
                    cell["retained"],
                    cell["cancelled"],
                    retention.rate(cell["retained"], cell["n"]),
                ],
                drill_of(dim),
            )
        )
    return Table(key, title, CROSS_COLUMNS, rows)


def _label(choices: Any, value: Any, empty: str = "(なし)") -> str:
    return str(dict(choices).get(value, value)) if value else empty


def reason_table(qs: QuerySet[CancellationRequest]) -> Table:
    counts = {v["reason"]: v for v in _dicts(qs.values("reason").annotate(**_counts()).order_by())}
    rows = []
    total = {"n": 0, "kept": 0, "changed": 0, "cancelled": 0}
    for code, label in REASONS:
        v = counts.get(code, {"n": 0, "kept": 0, "changed": 0, "cancelled": 0})
        undecided = v["n"] - v["kept"] - v["changed"] - v["cancelled"]
        retained = v["kept"] + v["changed"]
        rows.append(
            Row(
                str(label),
                [v["n"], v["kept"], v["changed"], v["cancelled"], undecided, retention.rate(retained, v["n"])],
                {"reason": code},
            )
        )
        for k in total:
            total[k] += v[k]
    retained = total["kept"] + total["changed"]
    undecided = total["n"] - retained - total["cancelled"]
    rows.append(
        Row(
            "合計",
            [
                total["n"],
                total["kept"],
                total["changed"],
                total["cancelled"],
                undecided,
                retention.rate(retained, total["n"]),
            ],
            {},
        )
    )
    return Table(
        "reason",
        "解約理由別の継続率",
        ["申出件数", "継続", "条件変更して継続", "解約", "未定", "継続率"],
        rows,
        note="継続率 = (継続 + 条件変更して継続) ÷ 申出件数(結果が未定の申出も分母に含みます)。",
    )


def guidance_table(qs: QuerySet[CancellationRequest]) -> Table:
    rows = []
    values = _dicts(
        qs.values("guidance_used", "guidance_used__title", "guidance_used__reason")
        .annotate(**_counts())
        .order_by("guidance_used__reason", "guidance_used__title")
    )
    for v in values:
        retained = v["kept"] + v["changed"]
        if v["guidance_used"] is None:
            label, reason = "ご案内の記録なし", ""
        else:
            label, reason = v["guidance_used__title"], _label(CancellationReason.choices, v["guidance_used__reason"])
        rows.append(
            Row(
                label,
                [reason, v["n"], retained, retention.rate(retained, v["n"])],
                {"guidance": str(v["guidance_used"] or NONE)},
            )
        )
    rows.sort(key=lambda r: (r.drill["guidance"] == NONE, r.values[0], r.label))
    return Table(
        "guidance", "使用したご案内(トーク)別の継続率", ["解約理由", "申出件数", "継続(条件変更含む)", "継続率"], rows
    )


def competitor_table(qs: QuerySet[CancellationRequest]) -> Table:
    spellings = _dicts(
        qs.exclude(competitor="")
        .values("competitor")
        .annotate(n=Count("pk"), retained=Count("pk", filter=Q(outcome__in=RETAINED)))
        .order_by()
    )
    merged = retention.merge_competitors((v["competitor"], v["n"], v["retained"]) for v in spellings)
    rows = [
        Row(
            c.label,
            [c.requests, c.retained, c.retention_rate, "、".join(c.spellings) if len(c.spellings) > 1 else ""],
            {"competitor": c.key},
        )
        for c in merged
    ]
    return Table(
        "competitor",
        "乗換え先(名寄せ済み)",
        ["申出件数", "継続(条件変更含む)", "継続率", "まとめた表記"],
        rows,
        note="全角・半角、株式会社・(株)などの表記ゆれ、「損害保険」と「損保」をまとめて数えています。",
    )


def _prior_complaint(days: int) -> Exists:
    """A complaint case of the same customer opened within `days` days before the request (same day included)."""
    complaints = Case.objects.filter(
        case_type=CaseType.COMPLAINT,
        customer_id=OuterRef("case__customer_id"),
        opened_on__lte=OuterRef("case__opened_on"),
        opened_on__gte=ShiftDays(OuterRef("case__opened_on"), days),
    )
    return Exists(complaints)


def complaint_table(qs: QuerySet[CancellationRequest], days: int) -> Table:
    grouped = _dicts(
        qs.annotate(prior=_prior_complaint(days))
        .values("reason", "prior")
        .annotate(n=Count("pk"), retained=Count("pk", filter=Q(outcome__in=RETAINED)))
        .order_by()
    )
    cells: dict[str, dict[bool, tuple[int, int]]] = {}
    for v in grouped:
        cells.setdefault(v["reason"], {})[bool(v["prior"])] = (v["n"], v["retained"])
    rows = []
    for code, label in REASONS:
        with_c = cells.get(code, {}).get(True, (0, 0))
        without = cells.get(code, {}).get(False, (0, 0))
        total = with_c[0] + without[0]
        rows.append(
            Row(
                str(label),
                [
                    total,
                    with_c[0],
                    retention.rate(with_c[0], total),
                    retention.rate(with_c[1], with_c[0]),
                    retention.rate(without[1], without[0]),
                ],
                {"reason": code, "complaint": "1"},
            )
        )
    return Table(
        "complaint",
        f"苦情に続く解約(申出前{days}日以内に同じお客さまの苦情)",
        ["申出件数", "苦情あり", "苦情ありの割合", "継続率(苦情あり)", "継続率(苦情なし)"],
        rows,
        note="「補償・効果に不満」の申出は、苦情として受け付けられているかも確認してください。",
    )


def _month_label(dim: tuple[Any, ...]) -> str:
    month = dim[0]
    return f"{month:%Y/%m}" if month else "—"


def period_months(period: Period) -> list[dt.date]:
    """The first day of every month the period touches, in order (the month table shows each, 0 too)."""
    months = []
    month = period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def month_table(qs: QuerySet[CancellationRequest], period: Period) -> Table:
    """Reasons per month, every month of the period listed (a month without requests shows 0s)."""
    table = _crosstab(
        "month", "月別の解約理由", qs.annotate(month=TruncMonth("case__opened_on")), ["month"], _month_label,
        lambda d: {"month": f"{d[0]:%Y-%m}"} if d[0] else {},
    )  # fmt: skip
    by_month = {row.drill.get("month", ""): row for row in table.rows}
    zeros = [0] * (len(CROSS_COLUMNS) - 1)
    table.rows = [
        by_month.get(f"{month:%Y-%m}") or Row(f"{month:%Y/%m}", [*zeros, None]) for month in period_months(period)
    ]
    return table


def retention_tables(*, user: User, period: Period) -> list[Table]:
    """Every table of the screen (and of the export), one GROUP BY query each."""
    qs = _requests(user, period)
    operator = qs.annotate(
        operator_id=Coalesce("case__assignee_id", "case__created_by_id"),
        operator_name=Coalesce("case__assignee__display_name", "case__created_by__display_name"),
    )
    agency = qs.annotate(agency_id=F("case__policy__agency_id"), agency_name=F("case__policy__agency__name"))
    return [
        reason_table(qs),
        month_table(qs, period),
        _crosstab(
            "line", "保険種目別の解約理由", qs, ["case__policy__line"],
            lambda d: _label(LineOfBusiness.choices, d[0], "(契約なし)"), lambda d: {"line": d[0] or ""},
        ),
        _crosstab(
            "channel", "受付チャネル別の解約理由", qs, ["case__channel"],
            lambda d: _label(CaseChannel.choices, d[0]), lambda d: {"channel": d[0] or ""},
        ),
        _crosstab(
            "operator", "担当者別の解約理由", operator, ["operator_id", "operator_name"],
            lambda d: d[1] or "—", lambda d: {"operator": str(d[0])}, order=lambda d: (d[1] or "", d[0]),
        ),
        _crosstab(
            "agency", "代理店別の解約理由", agency, ["agency_id", "agency_name"],
            lambda d: d[1] or "直扱(代理店なし)", lambda d: {"agency": str(d[0] or NONE)},
            order=lambda d: (d[0] is None, d[1] or ""),
        ),
        guidance_table(qs),
        competitor_table(qs),
        complaint_table(qs, period.complaint_days),
    ]  # fmt: skip


# --- drill-down -------------------------------------------------------------------------------------


DRILL_KEYS = (
    "month",
    "line",
    "channel",
    "operator",
    "agency",
    "reason",
    "guidance",
    "competitor",
    "complaint",
    "outcome",
)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


def drill_filters(
    qs: QuerySet[CancellationRequest], params: dict[str, str], period: Period
) -> QuerySet[CancellationRequest]:
    """Narrow the requests to one cell of a table; an unreadable value selects nothing (never a 500)."""
    none = qs.none()
    if month := params.get("month"):
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            return none
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        qs = qs.filter(case__opened_on__gte=first, case__opened_on__lte=last)
    if "line" in params:
        qs = qs.filter(case__policy__line=params["line"]) if params["line"] else qs.filter(case__policy__isnull=True)
    if channel := params.get("channel"):
        qs = qs.filter(case__channel=channel)
    if operator := params.get("operator"):
        pk = _int(operator)
        if pk is None:
            return none
        qs = qs.filter(Q(case__assignee_id=pk) | Q(case__assignee__isnull=True, case__created_by_id=pk))
    if agency := params.get("agency"):
        if agency == NONE:
            qs = qs.filter(case__policy__agency__isnull=True)
        elif (pk := _int(agency)) is not None:
            qs = qs.filter(case__policy__agency_id=pk)
        else:
            return none
    if reason := params.get("reason"):
        qs = qs.filter(reason=reason)
    if guidance := params.get("guidance"):
        if guidance == NONE:
            qs = qs.filter(guidance_used__isnull=True)
        elif (pk := _int(guidance)) is not None:
            qs = qs.filter(guidance_used_id=pk)
        else:
            return none
    if competitor := params.get("competitor"):
        raws = qs.exclude(competitor="").values_list("competitor", flat=True).distinct()
        qs = qs.filter(competitor__in=[r for r in raws if retention.competitor_key(r) == competitor])
    if params.get("complaint") == "1":
        qs = qs.filter(_prior_complaint(period.complaint_days))
    if outcome := params.get("outcome"):
        qs = qs.filter(outcome="" if outcome == NONE else outcome)
    return qs


@dataclass(frozen=True)
class DrillPage:
    rows: list[CancellationRequest]
    total: int
    page: int
    pages: int
    criteria: list[str]


def drill_down(*, user: User, period: Period, params: dict[str, str], page: int = 1) -> DrillPage:
    """The cancellation requests behind a table cell (scoped), a page at a time, logged as a list."""
    qs = drill_filters(_requests(user, period), params, period)
    total = qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(
        qs.select_related(
            "case", "case__customer", "case__policy", "case__policy__agency", "case__assignee", "case__created_by",
            "guidance_used",
        ).order_by("-case__opened_on", "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )  # fmt: skip
    log_list(
        user=user,
        customer_ids=[r.case.customer_id for r in rows],
        screen=DRILL_SCREEN,
        detail={"filters": {k: v for k, v in params.items() if k in DRILL_KEYS}, **period.query()},
    )
    return DrillPage(rows, total, page, pages, criteria_text(params, period))


def criteria_text(params: dict[str, str], period: Period) -> list[str]:
    """The drill-down's filters as staff read them."""
    out = [f"申出日 {period.start:%Y/%m/%d}〜{period.end:%Y/%m/%d}"]
    labels: dict[str, Callable[[str], str]] = {
        "month": lambda v: f"月 {v.replace('-', '/')}",
        "line": lambda v: f"保険種目 {_label(LineOfBusiness.choices, v, '(契約なし)')}",
        "channel": lambda v: f"受付チャネル {_label(CaseChannel.choices, v)}",
        "operator": lambda v: (
            "担当者 " + (User.objects.filter(pk=_int(v) or 0).values_list("display_name", flat=True).first() or "—")
        ),
        "agency": lambda v: (
            "代理店 直扱(代理店なし)"
            if v == NONE
            else "代理店 " + (Agency.objects.filter(pk=_int(v) or 0).values_list("name", flat=True).first() or "—")
        ),
        "reason": lambda v: f"解約理由 {_label(CancellationReason.choices, v)}",
        "guidance": lambda v: (
            "ご案内の記録なし"
            if v == NONE
            else "ご案内 "
            + (RetentionGuidance.objects.filter(pk=_int(v) or 0).values_list("title", flat=True).first() or "—")
        ),
        "competitor": lambda v: f"乗換え先 {v}",
        "complaint": lambda v: f"申出前{period.complaint_days}日以内に苦情あり",
        "outcome": lambda v: "結果 未定" if v == NONE else f"結果 {_label(CancellationOutcome.choices, v)}",
    }
    for key in DRILL_KEYS:
        if key in params and (params[key] or key == "line"):
            out.append(labels[key](params[key]))
    return out


# --- win-back (取り戻し) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WinBack:
    request_id: int
    customer_id: int
    customer_number: str
    customer_name: str
    channel: str  # the customer's preferred contact channel (label)
    line: str
    cancelled_on: dt.date
    reason: str
    competitor: str
    renewal: dt.date
    contact_from: dt.date
    agency: str


def winback_requests(
    *, user: User, start: dt.date, end: dt.date, lead_days: int, today: dt.date
) -> list[tuple[CancellationRequest, dt.date]]:
    """Cancelled requests of customers who allow contact and went to another insurer (reason 他社への
    乗換え, or any reason with a competitor recorded: `WINBACK_REASON_RULE`), whose contact day (likely
    renewal of the competitor's contract − lead time) is in [start, end], one per customer (the earliest),
    unless the customer holds a policy of that line in force again. A cancellation that names no other
    insurer (車両・物件の売却/不要, 重複, その他 … without a competitor) has no competitor's renewal to time a
    call to, so it is left out. Scoped; not logged (callers log what they show)."""
    permissions.require(user, permissions.ANALYTICS_RETENTION)
    low, high = retention.cancelled_between_for_contact(start, end, lead_days)
    back_in_force = Policy.objects.filter(
        policyholder_id=OuterRef("case__customer_id"),
        line=OuterRef("case__policy__line"),
        status=PolicyStatus.IN_FORCE,
        expiry__gte=today,
        cancellation_date__isnull=True,
    ).exclude(pk=OuterRef("case__policy_id"))
    cases = Case.objects.visible_to(user).filter(
        case_type=CaseType.CANCELLATION, customer__contact_consent=True, customer__merged_into__isnull=True
    )
    qs = (
        CancellationRequest.objects.filter(
            Q(reason=CancellationReason.SWITCH) | ~Q(competitor=""),
            case__in=cases.values("pk"),
            outcome=CancellationOutcome.CANCELLED,
            effective_date__gte=low,
            effective_date__lte=min(high, today),
        )
        .exclude(Exists(back_in_force))
        .select_related("case", "case__customer", "case__policy", "case__policy__agency")
        .order_by("effective_date", "pk")
    )
    seen: set[int] = set()
    out = []
    for request in qs:
        assert request.effective_date is not None
        contact = retention.contact_from(request.effective_date, lead_days)
        if not start <= contact <= end or request.case.customer_id in seen:
            continue
        seen.add(request.case.customer_id)
        out.append((request, contact))
    return out


def _winback_rows(*, user: User, start: dt.date, end: dt.date, lead_days: int, today: dt.date) -> list[WinBack]:
    """The first WINBACK_LIMIT customers of the win-back list (not logged: callers log what they do)."""
    pairs = winback_requests(user=user, start=start, end=end, lead_days=lead_days, today=today)[:WINBACK_LIMIT]
    rows = []
    for request, contact in pairs:
        customer, policy = request.case.customer, request.case.policy
        assert request.effective_date is not None
        rows.append(
            WinBack(
                request_id=request.pk,
                customer_id=customer.pk,
                customer_number=customer.number,
                customer_name=customer.name,
                channel=_label(ContactChannel.choices, customer.preferred_channel),
                line=_label(LineOfBusiness.choices, policy.line if policy else "", "—"),
                cancelled_on=request.effective_date,
                reason=request.get_reason_display(),
                competitor=request.competitor,
                renewal=retention.likely_renewal(request.effective_date),
                contact_from=contact,
                agency=policy.agency.name if policy and policy.agency else "直扱",
            )
        )
    return rows


def winback_list(*, user: User, start: dt.date, end: dt.date, lead_days: int, today: dt.date) -> list[WinBack]:
    """The win-back list as shown (first WINBACK_LIMIT customers), logged as a list view."""
    rows = _winback_rows(user=user, start=start, end=end, lead_days=lead_days, today=today)
    log_list(
        user=user,
        customer_ids=[r.customer_id for r in rows],
        screen=WINBACK_SCREEN,
        detail={"start": start.isoformat(), "end": end.isoformat(), "lead_days": lead_days},
    )
    return rows


WINBACK_EXPORT_SCREEN = "解約防止分析: 取り戻しリストの出力"
WINBACK_EXPORT_HEADER = ("顧客番号", "氏名・名称", "保険種目", "解約日", "解約理由", "乗換え先", "更新見込み日",
                         "連絡開始日", "代理店", "希望連絡方法")  # fmt: skip


def winback_export_rows(
    *, user: User, start: dt.date, end: dt.date, lead_days: int, today: dt.date, file_format: str
) -> list[list[Any]]:
    """The win-back list as the screen shows it, header first, for CSV/XLSX; logged as an export of
    every customer in the file."""
    rows = _winback_rows(user=user, start=start, end=end, lead_days=lead_days, today=today)
    log_access(
        user=user,
        customer_ids=[r.customer_id for r in rows],
        purpose=AccessPurpose.EXPORT,
        screen=WINBACK_EXPORT_SCREEN,
        detail={"start": start.isoformat(), "end": end.isoformat(), "lead_days": lead_days, "format": file_format},
    )
    out: list[list[Any]] = [list(WINBACK_EXPORT_HEADER)]
    for r in rows:
        out.append([
            r.customer_number, r.customer_name, r.line, f"{r.cancelled_on:%Y/%m/%d}", r.reason, r.competitor,
            f"{r.renewal:%Y/%m/%d}", f"{r.contact_from:%Y/%m/%d}", r.agency, r.channel,
        ])  # fmt: skip
    return out
