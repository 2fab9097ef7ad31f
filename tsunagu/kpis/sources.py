"""Where each KPI's records come from: one set-based query per KPI (GROUP BY agency [and month]).

A `Spec` names the rows that count (the denominator), the date that places a row in a fiscal year
and month, the path to the agency, and what a row adds to the numerator. `counts` aggregates any
period in one query; `records` returns the same rows (scoped to the user) for the drill-down.
Records with no agency (direct business, head office's own cases) are part of no figure: the
company's figure is the sum of the agencies'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from . import definitions
from .definitions import COUNT, MEAN, NPS, RATE, Counts, Kpi

Key = tuple[int | None, dt.date | None]  # (agency id, month or None for the whole period)


@dataclass(frozen=True)
class Spec:
    queryset: QuerySet[Any]  # every row that counts (the denominator), unscoped, any date
    date: str  # the field path whose date places the row
    agency: str  # the field path of the agency's id
    numerator: Q | None = None  # RATE/COUNT: rows counted in the numerator (None: every row)
    value: str = ""  # NPS/MEAN: the answer's field
    customer: str = ""  # the field path of the customer's id (access log of the drill-down)
    number: str = "pk"  # what identifies the row on screen (証券番号, 事故番号 …)
    # Rows of the queryset that count, applied inside the aggregates rather than in WHERE: a filter on
    # a joined table (the claimed policy's line) made SQLite scan from that table (5 s instead of 0.4 s).
    subset: Q | None = None
    # RATE over amounts rather than rows (attendances ÷ expected attendances, points ÷ maximum
    # points): the row's numerator and denominator expressions, summed.
    sums: tuple[Any, Any] | None = None
    label: str = ""  # the field whose display names the row on the drill-down (種類, テーマ …)


def settings_overrides() -> dict[str, Any]:
    return dict(getattr(settings, "TSUNAGU_KPIS", {}) or {})


def params(kpi: Kpi) -> dict[str, Any]:
    return definitions.params_of(kpi, settings_overrides())


class DaysBetween(Func):
    """Whole days from the second date to the first, in SQL on both databases: Django's date minus
    timedelta calls a Python function per row on SQLite (a third of the early-renewal query's time)."""

    output_field = models.IntegerField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)", arg_joiner=") - julianday("
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")


class AgencyKey(Func):
    """The agency id as an expression for GROUP BY: on the bare column SQLite walks the agency index
    to avoid sorting 40 groups, fetching every row by rowid in index order (random reads: 20 s instead
    of a few at 1,000,000 intent records); on an expression it scans the table in order."""

    template = "(%(expressions)s + 0)"
    output_field = models.IntegerField()
    arity = 1


def _lines(queryset: QuerySet[Any], path: str, lines: Iterable[str] | None) -> QuerySet[Any]:
    return queryset if not lines else queryset.filter(**{f"{path}__in": list(lines)})


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _has(model: type[models.Model], *names: str) -> bool:
    fields = {f.name for f in model._meta.get_fields()}
    return all(n in fields for n in names)


def spec_of(kpi: Kpi) -> Spec | None:
    """The KPI's rows, or None when the records it needs do not exist (yet) in this installation."""
    from tsunagu.cases.choices import CancellationOutcome, CaseType
    from tsunagu.cases.models import Case
    from tsunagu.policies.choices import ReportChannel
    from tsunagu.policies.models import Claim, Policy
    from tsunagu.surveys.choices import TriggerEvent
    from tsunagu.surveys.models import Response
    from tsunagu.voice.choices import ImprovementStatus
    from tsunagu.voice.models import Improvement, Voice

    p = params(kpi)
    key = kpi.key
    if key == "face_to_face_rate":
        # "not a renewal" inside the aggregates: in WHERE, SQLite walked the previous_policy index
        # (IS NULL) and fetched every new policy by rowid, 10× a plain scan at 1,000,000 policies.
        return Spec(
            _lines(Policy.objects.all(), "line", p["lines"]),
            "contract_date",
            "agency_id",
            Q(face_to_face=True),
            customer="policyholder_id",
            number="number",
            subset=None if p["include_renewals"] else Q(previous_policy__isnull=True),
        )
    if key == "early_renewal_rate":
        renewals = Policy.objects.filter(previous_policy__isnull=False).alias(
            days_early=DaysBetween(F("previous_policy__expiry"), F("contract_date"))
        )
        return Spec(
            _lines(renewals, "line", p["lines"]),
            "previous_policy__expiry",
            "agency_id",
            Q(days_early__gte=int(p["days"])),
            customer="policyholder_id",
            number="number",
        )
    if key.startswith("agency_accident_window_rate"):
        return Spec(
            Claim.objects.all(),
            "reported_on",
            "policy__agency_id",
            Q(reported_via=ReportChannel.AGENCY),
            customer="policy__policyholder_id",
            number="number",
            subset=Q(policy__line__in=list(p["lines"])) if p["lines"] else None,
        )
    if key.startswith("claim_nps_"):
        about_claim = Q(event=TriggerEvent.CLAIM_CLOSED) | Q(claim__isnull=False)
        qs: QuerySet[Any] = Response.objects.filter(about_claim, nps__isnull=False)
        return Spec(
            qs,
            "answered_on",
            "agency_id",
            value="nps",
            customer="customer_id",
            subset=Q(line__in=list(p["lines"])) if p["lines"] else None,
        )
    if key == "survey_score":
        qs = Response.objects.filter(nps__isnull=False)
        if p["exclude_claims"]:
            qs = qs.exclude(event=TriggerEvent.CLAIM_CLOSED).filter(claim__isnull=True)
        return Spec(qs, "answered_on", "agency_id", value="nps", customer="customer_id")
    if key == "overall_satisfaction":
        qs = Response.objects.filter(satisfaction__isnull=False)
        return Spec(qs, "answered_on", "agency_id", value="satisfaction", customer="customer_id")
    if key.startswith("voice_") and key != "voice_improvements":
        return Spec(Voice.objects.all(), "received_on", "agency_id", customer="customer_id", subset=Q(kind=p["kind"]))
    if key == "voice_improvements":
        return Spec(Improvement.objects.filter(status=ImprovementStatus.DONE), "completed_on", "agency_id")
    if key == "overdue_cases":
        today = timezone.localdate()
        late = Q(is_open=True, due_date__lt=today) | Q(is_open=False, closed_at__date__gt=F("due_date"))
        return Spec(Case.objects.all(), "opened_on", "agency_id", late, customer="customer_id", number="number")
    if key == "retention_rate":
        retained = (CancellationOutcome.RETAINED, CancellationOutcome.RETAINED_CHANGED)
        qs = Case.objects.filter(case_type=CaseType.CANCELLATION, cancellation__outcome__in=CancellationOutcome.values)
        return Spec(
            qs,
            "opened_on",
            "policy__agency_id",
            Q(cancellation__outcome__in=retained),
            customer="customer_id",
            number="number",
        )
    return _practice_spec(kpi) or _training_spec(kpi)


def _practice_spec(kpi: Kpi) -> Spec | None:
    """The 意向把握 and 高齢者 KPIs read the practice app's records (issue 13); until its models exist
    these KPIs have no rows (value null)."""
    if kpi.key in ("intent_record_completeness", "other_insurer_ratio"):
        model = _model("practice.IntentRecord")
        if model is None or not _has(model, "agency", "policy"):
            return None
        flag = "complete" if kpi.key == "intent_record_completeness" else "other_insurer"
        if not _has(model, flag):
            return None
        qs = model._default_manager.filter(policy__isnull=False)
        return Spec(qs, "policy__contract_date", "agency_id", Q(**{flag: True}), customer="policy__policyholder_id")
    if kpi.key == "elderly_measures_completion":
        model = _model("practice.ElderlySolicitation")
        if model is None or not _has(model, "agency", "policy", "complete"):
            return None
        qs = model._default_manager.filter(policy__isnull=False)
        return Spec(qs, "policy__contract_date", "agency_id", Q(complete=True), customer="customer_id")
    if kpi.key.startswith("elderly_share_"):
        model = _model("practice.ElderlySolicitation")
        measure = _model("practice.ElderlyMeasure")
        if model is None or measure is None or not _has(model, "agency", "policy"):
            return None
        done = Exists(measure._default_manager.filter(solicitation=OuterRef("pk"), kind=params(kpi)["kind"]))
        qs = model._default_manager.filter(policy__isnull=False)
        return Spec(qs, "policy__contract_date", "agency_id", Q(done), customer="customer_id")
    if kpi.key == "elderly_measures_count":
        model = _model("practice.ElderlyMeasure")
        if model is None:
            return None
        parent = next(
            (
                f.name
                for f in model._meta.get_fields()
                if f.is_relation and f.related_model is not None and f.related_model.__name__ == "ElderlySolicitation"
            ),
            None,
        )
        if parent is None:
            return None
        qs = model._default_manager.filter(**{f"{parent}__policy__isnull": False})
        return Spec(
            qs,
            f"{parent}__policy__contract_date",
            f"{parent}__agency_id",
            customer=f"{parent}__policy__policyholder_id",
        )
    return None


def _training_spec(kpi: Kpi) -> Spec | None:
    """研修・資格 from the practice app's training records (sessions, attendance, role-play scores,
    qualifications); None until those models exist."""
    session = _model("practice.TrainingSession")
    if session is None:
        return None
    if kpi.key in ("training_sessions", "training_attendance_rate"):
        from django.contrib.auth import get_user_model

        from tsunagu.core.choices import EmploymentStatus

        kinds = params(kpi)["kinds"]
        sessions = _lines(session._default_manager.all(), "kind", kinds)
        if kpi.key == "training_sessions":
            return Spec(sessions, "date", "agency_id", label="kind")
        # Expected: every member of the agency's staff now in post, at every session; attended: those
        # of them on the attendance list (anyone else attending is not counted either side).
        staff = get_user_model()._default_manager.filter(
            agency_id=OuterRef("agency_id"), is_active=True, employment_status=EmploymentStatus.ACTIVE
        )
        attendance = _model("practice.Attendance")
        assert attendance is not None
        attended = attendance._default_manager.filter(
            session_id=OuterRef("pk"),
            person__agency_id=OuterRef("agency_id"),
            person__is_active=True,
            person__employment_status=EmploymentStatus.ACTIVE,
        )
        return Spec(
            sessions.annotate(kpi_attended=_count_of(attended), kpi_expected=_count_of(staff)),
            "date",
            "agency_id",
            sums=(F("kpi_attended"), F("kpi_expected")),
            label="kind",
        )
    if kpi.key in ("roleplay_pass_rate", "roleplay_score_rate"):
        score = _model("practice.RolePlayScore")
        if score is None:
            return None
        qs = score._default_manager.all()
        if kpi.key == "roleplay_pass_rate":
            return Spec(qs, "scored_on", "agency_id", Q(passed=True), label="theme")
        return Spec(qs, "scored_on", "agency_id", sums=(F("score"), F("max_score")), label="theme")
    if kpi.key == "qualifications_acquired":
        qualification = _model("practice.Qualification")
        if qualification is None:
            return None
        qs = _lines(qualification._default_manager.all(), "kind", params(kpi)["kinds"])
        return Spec(qs, "acquired_on", "agency_id", label="kind")
    return None


def _count_of(rows: QuerySet[Any]) -> Coalesce:
    """The number of `rows` (a correlated subquery) as a value of the outer row, 0 when none."""
    counted = rows.order_by().values(one=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), Value(0))


def _aggregates(kpi: Kpi, spec: Spec, suffix: str = "") -> dict[str, Any]:
    """The aggregates of one KPI, each restricted to the spec's subset (so that the KPIs of one family
    share one query over the same rows); named `num`/`den`/`pro`/`det` + suffix."""
    every = spec.subset if spec.subset is not None else Q()

    def count(field: str, only: Q | None = None) -> Count:
        condition = every & only if only is not None else every
        return Count(field, filter=condition) if condition else Count(field)

    if spec.sums is not None:
        return {
            f"num{suffix}": Sum(spec.sums[0], filter=every or None),
            f"den{suffix}": Sum(spec.sums[1], filter=every or None),
        }
    if kpi.kind in (RATE, COUNT):
        return {f"den{suffix}": count("pk"), f"num{suffix}": count("pk", spec.numerator)}
    if kpi.kind == NPS:
        v = spec.value
        return {
            f"den{suffix}": count(v),
            f"pro{suffix}": count("pk", Q(**{f"{v}__gte": 9})),
            f"det{suffix}": count("pk", Q(**{f"{v}__lte": 6})),
        }
    if kpi.kind == MEAN:
        return {f"den{suffix}": count(spec.value), f"num{suffix}": Sum(spec.value, filter=every or None)}
    raise ValueError(kpi.kind)


def _counts_of(kpi: Kpi, row: dict[str, Any], suffix: str = "") -> Counts:
    if kpi.kind == NPS and f"pro{suffix}" in row:
        pro, det = int(row[f"pro{suffix}"] or 0), int(row[f"det{suffix}"] or 0)
        return Counts(pro - det, int(row[f"den{suffix}"] or 0), det)
    return Counts(int(row[f"num{suffix}"] or 0), int(row[f"den{suffix}"] or 0))


def in_period(spec: Spec, start: dt.date, end: dt.date, agency_ids: Iterable[int] | None = None) -> QuerySet[Any]:
    qs = spec.queryset.filter(**{f"{spec.date}__range": (start, end), f"{spec.agency}__isnull": False})
    if agency_ids is not None:
        qs = qs.filter(**{f"{spec.agency}__in": list(agency_ids)})
    return qs


def counts(
    kpi: Kpi,
    start: dt.date,
    end: dt.date,
    *,
    agency_ids: Iterable[int] | None = None,
    by_month: bool = False,
) -> dict[Key, Counts]:
    """{(agency id, month or None): Counts} of the records dated start..end (inclusive), one query."""
    return counts_many([kpi], start, end, agency_ids=agency_ids, by_month=by_month).get(kpi.key, {})


def families(kpis: Iterable[Kpi]) -> list[list[tuple[Kpi, Spec]]]:
    """The KPIs grouped by the rows they read (same queryset, date and agency path): each family is
    counted by one query, its KPIs differing only in their subsets and numerators."""
    grouped: dict[tuple[str, str, str], list[tuple[Kpi, Spec]]] = {}
    for kpi in kpis:
        spec = spec_of(kpi)
        if spec is None:
            continue
        grouped.setdefault((str(spec.queryset.query), spec.date, spec.agency), []).append((kpi, spec))
    return list(grouped.values())


def counts_many(
    kpis: Iterable[Kpi],
    start: dt.date,
    end: dt.date,
    *,
    agency_ids: Iterable[int] | None = None,
    by_month: bool = False,
) -> dict[str, dict[Key, Counts]]:
    """{kpi key: {(agency id, month or None): Counts}} for the KPIs, one GROUP BY agency [, month]
    query per family of KPIs reading the same rows (KPIs whose records do not exist: absent)."""
    result: dict[str, dict[Key, Counts]] = {}
    ids = list(agency_ids) if agency_ids is not None else None
    for family in families(kpis):
        _kpi, spec = family[0]
        qs = in_period(spec, start, end, ids).order_by().annotate(a=AgencyKey(F(spec.agency)))
        group = ["a"]
        if by_month:
            qs = qs.annotate(m=TruncMonth(spec.date, output_field=DateField()))
            group.append("m")
        aggregates: dict[str, Any] = {}
        for n, (kpi, member) in enumerate(family):
            aggregates.update(_aggregates(kpi, member, f"_{n}"))
        for kpi, _ in family:
            result[kpi.key] = {}
        for row in qs.values(*group).annotate(**aggregates):
            month = row.get("m")
            if isinstance(month, dt.datetime):
                month = month.date()
            for n, (kpi, _member) in enumerate(family):
                c = _counts_of(kpi, row, f"_{n}")
                if c != Counts():
                    result[kpi.key][(row["a"], month)] = c
    return result


def min_n(kpi: Kpi) -> int:
    """NPS: answers needed before a score is shown (the surveys' setting unless the KPI sets one)."""
    if kpi.kind != NPS:
        return 1
    configured = params(kpi).get("min_n")
    if configured:
        return int(configured)
    from tsunagu.surveys.results import min_n as survey_min_n

    return survey_min_n()


# --- drill-down rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    number: str
    date: dt.date | None
    label: str  # what the record is (商品・種目, 分類 …)
    counted: str  # how it counts: 分子 / 分母のみ / 推奨者 …
    customer_id: int | None
    customer_name: str


def _nps_band(score: int | None) -> str:
    if score is None:
        return ""
    return "推奨者" if score >= 9 else ("批判者" if score <= 6 else "中立者")


def _record_builder(kpi: Kpi, spec: Spec) -> Callable[[Any], Record]:
    def name_of(obj: Any, path: str) -> tuple[int | None, str]:
        if not path:
            return None, ""
        target = obj
        for part in path.removesuffix("_id").split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None, ""
        return target.pk, str(getattr(target, "name", target))

    def build(obj: Any) -> Record:
        customer_id, customer_name = name_of(obj, spec.customer)
        if spec.sums is not None:
            counted = f"{getattr(obj, 'kpi_num', '')}/{getattr(obj, 'kpi_den', '')}"
        elif kpi.kind in (RATE, COUNT):
            counted = "分子" if getattr(obj, "kpi_counted", True) else "分母のみ"
        elif kpi.kind == NPS:
            counted = f"{_nps_band(getattr(obj, spec.value))}({getattr(obj, spec.value)}点)"
        else:
            counted = f"{getattr(obj, spec.value)}点"
        day = obj
        for part in spec.date.split("__"):
            day = getattr(day, part, None)
        if spec.label:
            shown = getattr(obj, f"get_{spec.label}_display", None)
            label = str(shown() if shown else getattr(obj, spec.label, "") or "")
        else:
            label = getattr(obj, "get_line_display", lambda: "")() or str(getattr(obj, "category", "") or "")
        number = getattr(obj, spec.number, obj.pk) if spec.number != "pk" else f"#{obj.pk}"
        return Record(str(number), day, label, counted, customer_id, customer_name)

    return build


def records(
    kpi: Kpi, user: Any, start: dt.date, end: dt.date, agency_ids: Iterable[int] | None
) -> tuple[QuerySet[Any], Callable[[Any], Record]] | None:
    """The records counted (scoped to the user: `visible_to`), with a builder of display rows; the
    caller pages them and logs the customers it shows."""
    spec = spec_of(kpi)
    if spec is None:
        return None
    qs = in_period(spec, start, end, agency_ids)
    if spec.subset is not None:
        qs = qs.filter(spec.subset)
    visible_to = getattr(qs, "visible_to", None)
    if visible_to is None:
        return None
    qs = visible_to(user)
    if spec.sums is not None:
        qs = qs.annotate(kpi_num=spec.sums[0], kpi_den=spec.sums[1])
    elif kpi.kind in (RATE, COUNT) and spec.numerator is not None:
        qs = qs.annotate(
            kpi_counted=models.Case(
                models.When(spec.numerator, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )
    related = [spec.customer.removesuffix("_id")] if spec.customer else []
    return qs.select_related(*related).order_by(f"-{spec.date}", "-pk"), _record_builder(kpi, spec)
