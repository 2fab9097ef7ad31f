"""Survey results (NPS, satisfaction, drivers, choices, response rate) for the dashboard and its exports.

Every selector takes the user. Results are read from the rollup (`ResponseRollup`: counts per survey,
month and every combination of the five cuts, kept with the responses by `aggregates`), never from
the response rows: each query is an index seek over the rows of one combination of cuts (a few
hundred at most), so any filter stays fast at millions of responses. The response rate is read
from the same rows: the rollup also counts the invitations sent and answered by the month they were
sent (`aggregates.count_invitations`), so no invitation row is read either. Results are not personal
data (no access-log row); they are scoped by agency: agency staff see their own agency's figures
only, and naming another agency is answered like an object they cannot see (404).

A figure from fewer answers than `TSUNAGU_SURVEY_MIN_N` (default 30) is suppressed (`nps.py`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, Sum
from django.db.models.expressions import RawSQL
from django.http import Http404

from tsunagu.cases.choices import CaseType
from tsunagu.core import csv_export, permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import Agency, Branch, User
from tsunagu.core.scoping import Reach, reach
from tsunagu.documents.xlsx import xlsx
from tsunagu.policies.choices import LineOfBusiness

from . import aggregates
from . import nps as formulas
from .choices import Channel, QuestionKind, TriggerEvent
from .models import (
    ROLLUP_SLOTS,
    Question,
    Response,
    ResponseAggregate,
    ResponseRollup,
    Survey,
    SurveyVersion,
)

SCORES = tuple(range(11))  # the 0–10 answers
NUMERIC_QUESTIONS = (QuestionKind.RATING, QuestionKind.SCALE)


def min_n() -> int:
    from . import config  # the survey defaults are read in one place

    return config.min_n()


@dataclass(frozen=True)
class ResultFilters:
    survey: Survey | None = None  # None: every survey
    month_from: dt.date | None = None  # first day of a month, inclusive
    month_to: dt.date | None = None  # first day of a month, inclusive
    line: str = ""
    agency: Agency | None = None
    branch: Branch | None = None  # the agencies of a sales branch
    case_type: str = ""
    event: str = ""
    channel: str = ""

    def describe(self) -> list[tuple[str, str]]:
        """The filters in words (export headers, the audit event)."""
        return [
            ("アンケート", self.survey.name if self.survey else "すべて"),
            ("期間", f"{_ym(self.month_from) or '最初'}〜{_ym(self.month_to) or '最新'}"),
            ("保険種目", _label(LineOfBusiness, self.line) or "すべて"),
            ("営業拠点", self.branch.name if self.branch else "すべて"),
            ("代理店", self.agency.name if self.agency else "すべて"),
            ("案件種別", _label(CaseType, self.case_type) or "すべて"),
            ("契機", _label(TriggerEvent, self.event) or "すべて"),
            ("回答方法", _label(Channel, self.channel) or "すべて"),
        ]


def _ym(day: dt.date | None) -> str:
    return f"{day:%Y/%m}" if day else ""


def _label(choices: Any, value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass
class Totals:
    """Sums of aggregate rows: what the NPS and satisfaction figures are computed from."""

    COUNT_COLUMNS = (
        "responses",
        "nps_n",
        "promoters",
        "detractors",
        "satisfaction_n",
        "satisfaction_sum",
        "satisfaction_sumsq",
        "invitations_sent",
        "invitations_answered",
    )
    responses: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    satisfaction_n: int = 0
    satisfaction_sum: int = 0
    satisfaction_sumsq: int = 0
    invitations_sent: int = 0  # by the month sent (a month may have invitations and no answers yet)
    invitations_answered: int = 0

    def nps(self, minimum: int) -> formulas.NpsResult:
        return formulas.nps(self.promoters, self.detractors, self.nps_n, min_n=minimum)

    def satisfaction(self, minimum: int) -> formulas.MeanResult:
        return formulas.mean(self.satisfaction_n, self.satisfaction_sum, self.satisfaction_sumsq, min_n=minimum)


@dataclass(frozen=True)
class Figure:
    """One line of a table: a label and its figures."""

    key: str
    label: str
    responses: int
    nps: formulas.NpsResult
    satisfaction: formulas.MeanResult


@dataclass(frozen=True)
class Driver:
    code: str
    label: str
    n: int
    mean: float | None  # None: suppressed
    scale_max: int

    @property
    def display(self) -> str:
        return formulas.INSUFFICIENT if self.mean is None else f"{self.mean:.2f}"


@dataclass(frozen=True)
class ChoiceQuestion:
    code: str
    label: str
    shares: list[formulas.Share]


@dataclass(frozen=True)
class Breakdown:
    key: str  # line / agency / channel / event / case_type
    title: str
    rows: list[Figure]


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int
    rate: float | None

    @property
    def display(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass(frozen=True)
class Results:
    filters: ResultFilters
    min_n: int
    responses: int
    nps: formulas.NpsResult
    satisfaction: formulas.MeanResult
    nps_distribution: list[tuple[int, int]]  # (score, answers)
    trend: list[Figure]  # one per month, oldest first
    breakdowns: list[Breakdown]
    drivers: list[Driver]
    choices: list[ChoiceQuestion]
    response_rate: ResponseRate


BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("line", "保険種目別"),
    ("agency", "代理店別"),
    ("channel", "回答方法別"),
    ("event", "契機別"),
    ("case_type", "案件種別別"),
)


def _scoped_filters(user: User, filters: ResultFilters) -> ResultFilters:
    permissions.require(user, permissions.SURVEY_RESULTS)
    if reach(user) is not Reach.AGENCY:
        return filters
    own = Agency.objects.get(pk=user.agency_id or 0)
    if filters.agency is not None and filters.agency.pk != own.pk:
        raise Http404("代理店が見つかりません。")
    if filters.branch is not None and filters.branch.pk != own.branch_id:
        raise Http404("営業拠点が見つかりません。")
    return ResultFilters(**{**filters.__dict__, "agency": own})


def _aggregate_query(filters: ResultFilters) -> Q:
    query = Q()
    if filters.survey is not None:
        query &= Q(survey=filters.survey)
    if filters.month_from is not None:
        query &= Q(month__gte=filters.month_from)
    if filters.month_to is not None:
        query &= Q(month__lte=filters.month_to)
    if filters.agency is not None:
        query &= Q(agency=filters.agency)
    if filters.branch is not None:
        query &= Q(agency__branch=filters.branch)
    for name in ("line", "case_type", "event", "channel"):
        if getattr(filters, name):
            query &= Q(**{name: getattr(filters, name)})
    return query


def results_get(*, user: User, filters: ResultFilters) -> Results:
    """Everything the dashboard shows for the filters, summed by the database from the rollup
    (`ResponseRollup`): one query for the months (the total and the response rate), one for the
    answer statistics, one per breakdown table; each an index seek over the rows of one combination
    of cuts."""
    filters = _scoped_filters(user, filters)
    minimum = min_n()
    questions = _current_questions(filters.survey)
    keys = [key for key, _title in BREAKDOWNS if _breakdown_wanted(key, filters)]
    parts = _rollup_sums(filters, keys)
    by_month = {dt.date.fromisoformat(value[:10]): _totals(row) for value, row in parts.get("month", [])}
    total = Totals()
    for month_totals in by_month.values():
        for column in Totals.COUNT_COLUMNS:
            setattr(total, column, getattr(total, column) + getattr(month_totals, column))
    stats = _rollup_stats(parts.get("survey", []), filters, questions)
    by_cut: dict[str, dict[Any, Totals]] = {}
    for key in keys:
        # a value with invitations and no answers yet is not a line of the table
        by_cut[key] = {_cut_value(key, value): _totals(row) for value, row in parts.get(key, []) if row["responses"]}
    distribution = stats.get("nps", {}).get("choices", {})
    return Results(
        filters=filters,
        min_n=minimum,
        responses=total.responses,
        nps=total.nps(minimum),
        satisfaction=total.satisfaction(minimum),
        nps_distribution=[(score, int(distribution.get(str(score), 0))) for score in SCORES],
        trend=[_figure(f"{m:%Y-%m}", f"{m:%Y/%m}", t, minimum) for m, t in sorted(by_month.items()) if t.responses],
        breakdowns=[
            Breakdown(key, title, _breakdown_rows(key, by_cut[key], minimum))
            for key, title in BREAKDOWNS
            if key in by_cut and _worth_showing(key, by_cut[key], filters)
        ],
        drivers=_drivers(questions, stats, minimum),
        choices=_choices(questions, stats, minimum),
        response_rate=ResponseRate(
            total.invitations_sent,
            total.invitations_answered,
            formulas.response_rate(total.invitations_answered, total.invitations_sent),
        ),
    )


def _fixed_mask(filters: ResultFilters) -> int:
    """The rollup's `dims` of the cuts the filters fix (a branch fixes agencies: its own)."""
    return aggregates.dims_mask(
        agency=filters.agency is not None or filters.branch is not None,
        line=bool(filters.line),
        case_type=bool(filters.case_type),
        event=bool(filters.event),
        channel=bool(filters.channel),
    )


_SUMMED = (*Totals.COUNT_COLUMNS, *aggregates.SLOT_COLUMNS)


def _rollup_sums(filters: ResultFilters, keys: list[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The rollup's sums for the filters in one statement: per month and per survey over the rows of
    the fixed cuts, and per value of each breakdown cut in `keys` (its bit added to `dims`); each
    branch an index seek on (dims, cut values…, survey, month). Returned per part as (the grouped
    value as text, sums). Written as SQL: compiling seven wide aggregates with the ORM cost more than
    running them."""
    quote = connection.ops.quote_name
    table = quote(ResponseRollup._meta.db_table)
    where: list[str] = ["dims = %s"]
    params: list[Any] = []
    if filters.survey is not None:
        where.append("survey_id = %s")
        params.append(filters.survey.pk)
    adapt = connection.ops.adapt_datefield_value
    if filters.month_from is not None:
        where.append("month >= %s")
        params.append(adapt(filters.month_from))
    if filters.month_to is not None:
        where.append("month <= %s")
        params.append(adapt(filters.month_to))
    if filters.agency is not None:
        where.append("agency_key = %s")
        params.append(filters.agency.pk)
    if filters.branch is not None:
        agencies = list(filters.branch.agencies.values_list("pk", flat=True)) or [0]
        where.append(f"agency_key IN ({', '.join(['%s'] * len(agencies))})")
        params += agencies
    for name in ("line", "case_type", "event", "channel"):
        if getattr(filters, name):
            where.append(f"{quote(name)} = %s")
            params.append(getattr(filters, name))
    sums = ", ".join(f"SUM({quote(column)})" for column in _SUMMED)
    fixed = _fixed_mask(filters)
    groups = [("month", "month", fixed), ("survey", "survey_id", fixed)]
    groups += [
        (key, "agency_key" if key == "agency" else key, fixed | aggregates.dims_mask(**{key: True})) for key in keys
    ]
    branches: list[str] = []
    values: list[Any] = []
    for part, column, dims in groups:
        branches.append(
            f"SELECT %s, CAST({quote(column)} AS TEXT), {sums} FROM {table} "
            f"WHERE {' AND '.join(where)} GROUP BY {quote(column)}"
        )
        values += [part, dims, *params]
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), values)
        for part, value, *numbers in cursor.fetchall():
            found.setdefault(part, []).append((value, dict(zip(_SUMMED, numbers, strict=True))))
    return found


def _breakdown_wanted(key: str, filters: ResultFilters) -> bool:
    """A table by a cut the filters fixed shows one row: not worth a query (agencies are still
    listed inside a branch)."""
    if key == "agency":
        return filters.agency is None
    return not getattr(filters, key)


def _cut_value(key: str, value: str) -> Any:
    """A rollup value (as text) as the breakdown keys it (an agency's id; None for responses with no
    agency)."""
    if key == "agency":
        return int(value) or None
    return value


def _rollup_stats(
    sums: list[tuple[str, dict[str, Any]]], filters: ResultFilters, questions: list[Question]
) -> dict[str, Any]:
    """The answer statistics of the filtered responses in the shape of `answer_stats`, from the
    rollup's numbered columns summed per survey; from the base rows (JSON paths) for a survey whose
    statistics did not all get a column."""
    per_survey = [{**row, "survey_id": int(value)} for value, row in sums]
    maps = aggregates.slot_maps(row["survey_id"] for row in per_survey)
    if any(len(m) >= ROLLUP_SLOTS for m in maps.values()):
        return _stats_from_base(filters, questions)
    wanted = {aggregates.path_key(path) for _alias, (_expr, path) in _stats_sums(questions).items()}
    head: dict[str, int] = {}
    for row in per_survey:
        for path, slot in maps[row["survey_id"]].items():
            if path in wanted or path.startswith('["nps", "choices"'):
                head[path] = head.get(path, 0) + int(row[f"s{slot}"] or 0)
    stats: dict[str, Any] = {}
    for key in wanted | set(head):
        path = json.loads(key)
        value = head.get(key, 0)
        if path[1] == "choices":
            stats.setdefault(path[0], {"choices": {}})["choices"][path[2]] = value
        else:
            stats.setdefault(path[0], {})[path[1]] = value
    return stats


def _stats_from_base(filters: ResultFilters, questions: list[Question]) -> dict[str, Any]:
    rows = ResponseAggregate.objects.filter(_aggregate_query(filters)).order_by()
    stats_sums = _stats_sums(questions)
    head = rows.aggregate(**{alias: Sum(expr) for alias, (expr, _path) in stats_sums.items()})
    return _stats_from(head, stats_sums)


def _totals(values: dict[str, Any]) -> Totals:
    return Totals(**{column: int(values[column] or 0) for column in Totals.COUNT_COLUMNS})


def _json_number(path: tuple[str, ...]) -> RawSQL:
    """One number inside `answer_stats` (NULL when absent), for SUM() by the database."""
    if connection.vendor == "postgresql":
        return RawSQL("CAST(answer_stats #>> %s::text[] AS INTEGER)", (list(path),))
    # SQLite compares keys as stored: JSONField writes them with json.dumps (\uXXXX escapes), so the path does too
    json_path = "$" + "".join(f".{json.dumps(key)}" for key in path)
    return RawSQL("CAST(json_extract(answer_stats, %s) AS INTEGER)", (json_path,))


def _stats_sums(questions: list[Question]) -> dict[str, tuple[RawSQL, tuple[str, ...]]]:
    """The numbers of `answer_stats` the page shows: the NPS distribution, each rating's n and sum,
    each choice's counts — aliased s0, s1, … (labels are free text, not SQL names)."""
    paths: list[tuple[str, ...]] = [("nps", "choices", str(score)) for score in SCORES]
    for question in questions:
        if question.kind in NUMERIC_QUESTIONS and question.code not in ("nps", "satisfaction"):
            paths += [(question.code, "n"), (question.code, "sum")]
        elif question.kind == QuestionKind.CHOICE:
            paths += [(question.code, "choices", str(label)) for label in question.choices]
    return {f"s{index}": (_json_number(path), path) for index, path in enumerate(paths)}


def _stats_from(head: dict[str, Any], sums: dict[str, tuple[RawSQL, tuple[str, ...]]]) -> dict[str, Any]:
    """The summed numbers back in the shape of `answer_stats`."""
    stats: dict[str, Any] = {}
    for alias, (_expr, path) in sums.items():
        value = int(head[alias] or 0)
        if path[1] == "choices":
            stats.setdefault(path[0], {"choices": {}})["choices"][path[2]] = value
        else:
            stats.setdefault(path[0], {})[path[1]] = value
    return stats


def _figure(key: str, label: str, totals: Totals, minimum: int) -> Figure:
    return Figure(key, label, totals.responses, totals.nps(minimum), totals.satisfaction(minimum))


def _worth_showing(key: str, groups: dict[Any, Totals], filters: ResultFilters) -> bool:
    """A table by a cut the filters fixed (or with only blank values) says nothing."""
    if key == "agency" and filters.agency is not None:
        return False
    return any(value not in (None, "") for value in groups) and (len(groups) > 1 or not getattr(filters, key, None))


def _breakdown_rows(key: str, groups: dict[Any, Totals], minimum: int) -> list[Figure]:
    labels = _cut_labels(key, groups)
    figures = [_figure(str(value or ""), labels[value], totals, minimum) for value, totals in groups.items()]
    return sorted(figures, key=lambda f: (-f.responses, f.label))


def _cut_labels(key: str, values: Iterable[Any]) -> dict[Any, str]:
    values = list(values)
    if key == "agency":
        names = dict(Agency.objects.filter(pk__in=[v for v in values if v]).values_list("pk", "name"))
        return {v: names.get(v, "") if v else "代理店なし(直扱)" for v in values}
    choices = {"line": LineOfBusiness, "channel": Channel, "event": TriggerEvent, "case_type": CaseType}[key]
    return {v: _label(choices, v) or "指定なし" for v in values}


def _current_questions(survey: Survey | None) -> list[Question]:
    if survey is None:
        return []
    version = SurveyVersion.objects.filter(survey=survey).order_by("-is_current", "-number").first()
    if version is None:
        return []
    return list(version.questions.order_by("order", "id"))


def _drivers(questions: list[Question], stats: dict[str, Any], minimum: int) -> list[Driver]:
    """Mean of each rating question of the survey's current version (drivers first)."""
    ratings = [q for q in questions if q.kind in NUMERIC_QUESTIONS and q.code not in ("nps", "satisfaction")]
    ratings.sort(key=lambda q: (not q.is_driver, q.order, q.id))
    drivers = []
    for question in ratings:
        stat = stats.get(question.code, {})
        n, total = int(stat.get("n", 0)), int(stat.get("sum", 0))
        scale_max = 5 if question.kind == QuestionKind.RATING else 10
        drivers.append(
            Driver(question.code, question.text, n, formulas.simple_mean(n, total, min_n=minimum), scale_max)
        )
    return drivers


def _choices(questions: list[Question], stats: dict[str, Any], minimum: int) -> list[ChoiceQuestion]:
    result = []
    for question in questions:
        if question.kind != QuestionKind.CHOICE:
            continue
        counts = stats.get(question.code, {}).get("choices", {})
        result.append(
            ChoiceQuestion(
                question.code,
                question.text,
                formulas.shares(counts, order=[str(c) for c in question.choices], min_n=minimum),
            )
        )
    return result


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- export of the shown tables ---------------------------------------------------------------

EXPORT_SCREEN = "アンケート結果の出力"
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_HEADER = (
    "表",
    "項目",
    "回答数",
    "推奨度の回答数",
    "推奨者",
    "中立者",
    "批判者",
    "NPS",
    "NPS 95%下限",
    "NPS 95%上限",
    "総合満足度の回答数",
    "平均満足度",
    "最少回答数",
)


_BLANK_NPS = ("",) * 7  # the NPS columns of a row that is not about NPS


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    content_type: str
    rows: int


def export_rows(results: Results) -> list[tuple[object, ...]]:
    """The dashboard's tables as rows under EXPORT_HEADER (suppressed figures as 「回答数不足」)."""

    def line(table: str, figure: Figure) -> tuple[object, ...]:
        n, s = figure.nps, figure.satisfaction
        return (
            table,
            figure.label,
            figure.responses,
            n.n,
            n.promoters,
            n.passives,
            n.detractors,
            n.display,
            "" if n.low is None else f"{n.low:.1f}",
            "" if n.high is None else f"{n.high:.1f}",
            s.n,
            s.display,
            results.min_n,
        )

    rows = [line("全体", Figure("all", "全体", results.responses, results.nps, results.satisfaction))]
    rows += [line("月別", figure) for figure in results.trend]
    for breakdown in results.breakdowns:
        rows += [line(breakdown.title, figure) for figure in breakdown.rows]
    for driver in results.drivers:
        scale = f"平均(1〜{driver.scale_max})"
        rows.append(
            (
                "要因",
                f"{driver.label} {scale}",
                driver.n,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                driver.n,
                driver.display,
                results.min_n,
            )
        )
    for question in results.choices:
        for share in question.shares:
            shown = formulas.INSUFFICIENT if share.share is None else f"{share.share * 100:.1f}%"
            rows.append(
                (
                    "選択肢",
                    f"{question.label}: {share.label}",
                    share.count,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    shown,
                    results.min_n,
                )
            )
    return rows


def results_export(*, user: User, filters: ResultFilters, file_format: str) -> Export:
    """The dashboard's tables for the filters as CSV (UTF-8 with BOM) or XLSX, logged as an export."""
    if file_format not in EXPORT_FORMATS:
        raise Http404("出力形式は csv か xlsx です。")
    results = results_get(user=user, filters=filters)
    rows = export_rows(results)
    conditions = results.filters.describe()
    if file_format == "csv":
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(rows)
        content = out.getvalue().encode("utf-8-sig")
    else:
        content = xlsx([EXPORT_HEADER, *rows], sheet_name="アンケート結果")
    code = results.filters.survey.code if results.filters.survey else "all"
    # Recorded as an export in the access log (as every download is), with no customer: the file
    # holds figures only. Not an audit event: exporting changes nothing.
    log_access(
        user=user,
        customer_ids=[],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={"format": file_format, "rows": len(rows), "filters": dict(conditions)},
    )
    return Export(content, f"survey-results-{code}.{file_format}", EXPORT_FORMATS[file_format], len(rows))


# --- recent comments (personal data: scoped rows, logged) ---------------------------------------

COMMENTS_SCREEN = "アンケートの自由記述"
COMMENTS_PER_PAGE = 50


def comments_list(*, user: User, filters: ResultFilters, page: int | str = 1) -> Page[Response]:
    """Responses with a comment, newest first, for the same filters as the figures; every customer
    shown is logged (`log_list`)."""
    permissions.require(user, permissions.SURVEY_COMMENTS)
    filters = _scoped_filters(user, filters)
    rows = Response.objects.visible_to(user).exclude(comment="")
    if filters.survey is not None:
        rows = rows.filter(survey=filters.survey)
    if filters.month_from is not None:
        rows = rows.filter(answered_on__gte=filters.month_from)
    if filters.month_to is not None:
        rows = rows.filter(answered_on__lt=_next_month(filters.month_to))
    if filters.agency is not None:
        rows = rows.filter(agency=filters.agency)
    if filters.branch is not None:
        rows = rows.filter(agency__branch=filters.branch)
    for name in ("line", "case_type", "event", "channel"):
        if getattr(filters, name):
            rows = rows.filter(**{name: getattr(filters, name)})
    ordered = rows.select_related("customer", "survey", "agency").order_by("-answered_on", "-id")
    shown = Paginator(ordered, COMMENTS_PER_PAGE).get_page(page)
    log_list(
        user=user,
        customer_ids=[r.customer_id for r in shown],
        screen=COMMENTS_SCREEN,
        detail={"page": shown.number, "filters": dict(filters.describe())},
    )
    return shown
