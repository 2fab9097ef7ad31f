"""The monthly counts the results dashboard reads (`ResponseAggregate`), kept with the responses.

`add_responses` subscribes to `events.responses_recorded` (SurveysConfig.ready): inside the
transaction that writes the responses it adds their counts to one row per cut — survey, month,
agency, line, case type, trigger event, channel — creating the rows a cut does not have yet. A batch
of 100,000 imported responses touches a few thousand cuts: counts are summed in Python, the existing
rows are read once (locked on PostgreSQL), the missing ones inserted in bulk and all of them updated in
bulk. `rebuild` recomputes the rows of one survey (or all) from the responses, for repairs and tests.

What a row holds (per cut): responses; nps_n / promoters / detractors (answers to the NPS question);
satisfaction_n / _sum / _sumsq (the 0–10 overall satisfaction); `answer_stats` with, for every other
rating or 0–10 question, {"n", "sum"}, for every single-choice question {"choices": {label: n}}, and
the 0–10 distributions of the two headline answers as "nps" and "satisfaction" {"choices": {"9": n}}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from .choices import QuestionKind
from .models import Question, Response, ResponseAggregate, Survey
from .nps import DETRACTOR_MAX, PROMOTER_MIN

# survey, month, agency, line, case type, event, channel: the unique cut of a ResponseAggregate row
CutKey = tuple[int, dt.date, int | None, str, str, str, str]
# What one response contributes: its cut's fields, its version and the answers counted.
ResponseRow = tuple[int, int, dt.date, int | None, str, str, str, str, int | None, int | None, dict[str, Any]]
ROW_FIELDS = (
    "survey_id",
    "version_id",
    "answered_on",
    "agency_id",
    "line",
    "case_type",
    "event",
    "channel",
    "nps",
    "satisfaction",
    "answers",
)
HEADLINE_CODES = frozenset({"nps", "satisfaction"})  # counted from their own columns
NUMERIC_KINDS = frozenset({QuestionKind.RATING, QuestionKind.SCALE})
REBUILD_CHUNK = 20_000
UPDATE_BATCH = 500


@dataclass
class Counts:
    responses: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    satisfaction_n: int = 0
    satisfaction_sum: int = 0
    satisfaction_sumsq: int = 0
    answer_stats: dict[str, dict[str, Any]] = field(default_factory=dict)

    COLUMNS = (
        "responses",
        "nps_n",
        "promoters",
        "detractors",
        "satisfaction_n",
        "satisfaction_sum",
        "satisfaction_sumsq",
    )

    def add_answer(
        self, version_kinds: dict[str, str], nps: int | None, satisfaction: int | None, answers: dict[str, Any]
    ) -> None:
        self.responses += 1
        if nps is not None:
            self.nps_n += 1
            self.promoters += nps >= PROMOTER_MIN
            self.detractors += nps <= DETRACTOR_MAX
            self._count_choice("nps", str(nps))
        if satisfaction is not None:
            self.satisfaction_n += 1
            self.satisfaction_sum += satisfaction
            self.satisfaction_sumsq += satisfaction * satisfaction
            self._count_choice("satisfaction", str(satisfaction))
        for code, value in (answers or {}).items():
            kind = version_kinds.get(code)
            if kind is None or code in HEADLINE_CODES or value is None or value == "":
                continue
            if kind in NUMERIC_KINDS:
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    continue
                stat = self.answer_stats.setdefault(code, {"n": 0, "sum": 0})
                stat["n"] += 1
                stat["sum"] += number
            elif kind == QuestionKind.CHOICE:
                self._count_choice(code, str(value))

    def _count_choice(self, code: str, label: str) -> None:
        choices = self.answer_stats.setdefault(code, {"choices": {}})["choices"]
        choices[label] = choices.get(label, 0) + 1

    def merge_into(self, row: ResponseAggregate) -> None:
        for column in self.COLUMNS:
            setattr(row, column, getattr(row, column) + getattr(self, column))
        row.answer_stats = merge_stats(row.answer_stats or {}, self.answer_stats)


def merge_stats(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`answer_stats` of two sets of responses added (neither argument is changed)."""
    merged = {code: _copy_stat(stat) for code, stat in into.items()}
    for code, stat in more.items():
        target = merged.setdefault(code, _empty_like(stat))
        if "choices" in stat:
            choices = target.setdefault("choices", {})
            for label, count in stat["choices"].items():
                choices[label] = choices.get(label, 0) + count
        else:
            target["n"] = target.get("n", 0) + stat.get("n", 0)
            target["sum"] = target.get("sum", 0) + stat.get("sum", 0)
    return merged


def _copy_stat(stat: dict[str, Any]) -> dict[str, Any]:
    if "choices" in stat:
        return {"choices": dict(stat["choices"])}
    return dict(stat)


def _empty_like(stat: dict[str, Any]) -> dict[str, Any]:
    return {"choices": {}} if "choices" in stat else {"n": 0, "sum": 0}


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _question_kinds(version_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    kinds: dict[int, dict[str, str]] = {}
    for version_id, code, kind in Question.objects.filter(version_id__in=set(version_ids)).values_list(
        "version_id", "code", "kind"
    ):
        kinds.setdefault(version_id, {})[code] = kind
    return kinds


def count_rows(rows: Iterable[ResponseRow], kinds: dict[int, dict[str, str]]) -> dict[CutKey, Counts]:
    """Counts per cut of the response rows (tuples in ROW_FIELDS order)."""
    counts: dict[CutKey, Counts] = {}
    for survey_id, version_id, answered_on, agency_id, line, case_type, event, channel, nps, sat, answers in rows:
        key = (survey_id, month_of(answered_on), agency_id, line or "", case_type or "", event or "", channel)
        cut = counts.get(key)
        if cut is None:
            cut = counts[key] = Counts()
        cut.add_answer(kinds.get(version_id, {}), nps, sat, answers)
    return counts


def _key_of(row: ResponseAggregate) -> CutKey:
    return (row.survey_id, row.month, row.agency_id, row.line, row.case_type, row.event, row.channel)


def _existing(keys: Sequence[CutKey]) -> dict[CutKey, ResponseAggregate]:
    queryset = ResponseAggregate.objects.filter(
        survey_id__in={key[0] for key in keys}, month__in={key[1] for key in keys}
    )
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update()
    wanted = set(keys)
    found: dict[CutKey, ResponseAggregate] = {}
    for row in queryset.order_by("pk"):
        key = _key_of(row)
        if key in wanted:
            found[key] = row
    return found


def apply_counts(counts: dict[CutKey, Counts]) -> int:
    """Add the counts to their rows (created when missing); returns the rows touched. Must run in
    the transaction that writes the responses."""
    if not counts:
        return 0
    keys = list(counts)
    rows = _existing(keys)
    missing = [key for key in keys if key not in rows]
    if missing:
        # ignore_conflicts: on PostgreSQL a concurrent writer may have created the cut meanwhile (the
        # unique constraint treats an empty agency as equal); SQLite runs one writer at a time.
        ResponseAggregate.objects.bulk_create(
            [
                ResponseAggregate(
                    survey_id=key[0],
                    month=key[1],
                    agency_id=key[2],
                    line=key[3],
                    case_type=key[4],
                    event=key[5],
                    channel=key[6],
                )
                for key in missing
            ],
            batch_size=UPDATE_BATCH,
            ignore_conflicts=True,
        )
        rows = _existing(keys)
    for key, cut in counts.items():
        cut.merge_into(rows[key])
    ResponseAggregate.objects.bulk_update(
        list(rows.values()), [*Counts.COLUMNS, "answer_stats"], batch_size=UPDATE_BATCH
    )
    return len(rows)


def _rows_of(responses: Sequence[Response]) -> Iterator[ResponseRow]:
    for r in responses:
        yield (
            r.survey_id,
            r.version_id,
            r.answered_on,
            r.agency_id,
            r.line,
            r.case_type,
            r.event,
            r.channel,
            r.nps,
            r.satisfaction,
            r.answers,
        )


def add_responses(responses: Sequence[Response], actor: Any = None) -> None:
    """Subscriber of events.responses_recorded: the new responses' counts added to their cuts."""
    kinds = _question_kinds({r.version_id for r in responses})
    apply_counts(count_rows(_rows_of(responses), kinds))


def rebuild(survey: Survey | None = None) -> int:
    """Recompute the aggregates of one survey (all when None) from the responses; returns rows written."""
    responses = Response.objects.all()
    aggregates = ResponseAggregate.objects.all()
    if survey is not None:
        responses = responses.filter(survey=survey)
        aggregates = aggregates.filter(survey=survey)
    with transaction.atomic():
        aggregates.delete()
        version_ids = responses.order_by().values_list("version_id", flat=True).distinct()
        kinds = _question_kinds(list(version_ids))
        rows = responses.order_by().values_list(*ROW_FIELDS).iterator(chunk_size=REBUILD_CHUNK)
        counts = count_rows(rows, kinds)
        new_rows = []
        for key, cut in counts.items():
            row = ResponseAggregate(
                survey_id=key[0],
                month=key[1],
                agency_id=key[2],
                line=key[3],
                case_type=key[4],
                event=key[5],
                channel=key[6],
            )
            cut.merge_into(row)
            new_rows.append(row)
        ResponseAggregate.objects.bulk_create(new_rows, batch_size=UPDATE_BATCH)
    return len(new_rows)
