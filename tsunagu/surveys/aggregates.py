"""The monthly counts the results dashboard reads (`ResponseAggregate`), kept with the responses.

`add_responses` subscribes to `events.responses_recorded` (SurveysConfig.ready): inside the
transaction that writes the responses it adds their counts to one row per cut — survey, month,
agency, line, case type, trigger event, channel — creating the rows a cut does not have yet. A batch
of 100,000 imported responses touches a few thousand cuts: counts are summed in Python, the existing
rows are read once (locked on PostgreSQL), the missing ones inserted in bulk and all of them updated in
bulk. `rebuild` recomputes the rows of one survey (or all) from the responses, for repairs and tests.

The same counts also go to `ResponseRollup`, the dashboard's read model: every cut's counts are added
to the 32 rows of its survey and month that keep any subset of the five cuts (the others summed,
"*"), by one SQL upsert per row that adds (`INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x`,
SQLite and PostgreSQL alike), so concurrent writers never read-modify-write them. The answer
statistics the dashboard reads (the NPS distribution, every rating's n and sum, every choice's count)
are numbered columns there; `RollupSlot` says which path of `answer_stats` each number holds, numbered
per survey in the order first seen (up to ROLLUP_SLOTS; the dashboard reads the base rows for a
survey whose statistics need more).

What a row holds (per cut): responses; nps_n / promoters / detractors (answers to the NPS question);
satisfaction_n / _sum / _sumsq (the 0–10 overall satisfaction); `answer_stats` with, for every other
rating or 0–10 question, {"n", "sum"}, for every single-choice question {"choices": {label: n}}, and
the 0–10 distributions of the two headline answers as "nps" and "satisfaction" {"choices": {"9": n}}.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from tsunagu.core import bulk

from .choices import InvitationStatus, QuestionKind
from .models import (
    ROLLED_UP,
    ROLLED_UP_AGENCY,
    ROLLUP_SLOTS,
    Invitation,
    Question,
    Response,
    ResponseAggregate,
    ResponseRollup,
    RollupSlot,
    Survey,
)
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
    # the response rate's counts, by the month the invitations were sent (rollup only: see count_invitations)
    invitations_sent: int = 0
    invitations_answered: int = 0
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
    """The rows of these cuts (locked on PostgreSQL), read by the set of values of every column (an
    import touches only the import channel's cuts, a web answer one cut)."""
    agencies = {key[2] for key in keys}
    by_agency = Q(agency_id__in=[a for a in agencies if a is not None])
    if None in agencies:
        by_agency |= Q(agency_id__isnull=True)
    queryset = ResponseAggregate.objects.filter(
        by_agency,
        survey_id__in={key[0] for key in keys},
        month__in={key[1] for key in keys},
        line__in={key[3] for key in keys},
        case_type__in={key[4] for key in keys},
        event__in={key[5] for key in keys},
        channel__in={key[6] for key in keys},
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


def _write_back(rows: Sequence[ResponseAggregate]) -> None:
    """The rows' counts and statistics saved by id (one executemany; bulk_update's CASE WHEN
    expressions cost seconds per thousand rows)."""
    quote = connection.ops.quote_name
    columns = [*Counts.COLUMNS, "answer_stats"]
    sql = (
        f"UPDATE {quote(ResponseAggregate._meta.db_table)} SET "
        f"{', '.join(f'{quote(c)} = %s' for c in columns)} WHERE {quote('id')} = %s"
    )
    stats_field = ResponseAggregate._meta.get_field("answer_stats")
    values = [
        (
            *(getattr(row, c) for c in Counts.COLUMNS),
            stats_field.get_db_prep_save(row.answer_stats, connection),
            row.pk,
        )
        for row in sorted(rows, key=lambda r: r.pk)
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), UPDATE_BATCH):
            cursor.executemany(sql, values[start : start + UPDATE_BATCH])


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
    _write_back(list(rows.values()))
    add_to_rollup(counts)
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
        rollups, slots = ResponseRollup.objects.all(), RollupSlot.objects.all()
        if survey is not None:
            rollups, slots = rollups.filter(survey=survey), slots.filter(survey=survey)
        rollups.delete()
        slots.delete()
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
        add_to_rollup(counts)
        invitations = Invitation.objects.all()
        if survey is not None:
            invitations = invitations.filter(version__survey=survey)
        add_to_rollup(count_invitations(invitations))
    return len(new_rows)


# --- the response rate's counts (invitations sent and answered, in the rollup) ----------------------

SENT_STATUSES = (InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.EXPIRED)


def count_invitations(invitations: QuerySet[Invitation], *, sent: bool = True) -> dict[CutKey, Counts]:
    """Counts per cut of the invitations that went out (送付済・回答済・期限切れ with a send time), by
    the month of `sent_at` (local time) and the invitation's own cut: agency, its policy's line, its
    case's type, trigger event, channel — what the response rate is read by. `sent=False` counts only
    the answered ones (an answer arriving for an invitation already counted as sent). Grouped by
    the database: a rebuild reads one row per cut, not one per invitation."""
    rows = (
        invitations.filter(sent_at__isnull=False, status__in=SENT_STATUSES)
        .annotate(sent_month=TruncMonth("sent_at"))
        .values("version__survey_id", "sent_month", "agency_id", "policy__line", "case__case_type", "event", "channel")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(status=InvitationStatus.ANSWERED)))
        .order_by()
    )
    counts: dict[CutKey, Counts] = {}
    for row in rows:
        month = row["sent_month"]
        key = (
            row["version__survey_id"],
            month.date() if isinstance(month, dt.datetime) else month,
            row["agency_id"],
            row["policy__line"] or "",
            row["case__case_type"] or "",
            row["event"] or "",
            row["channel"],
        )
        cut = counts.setdefault(key, Counts())
        cut.invitations_sent += row["sent"] if sent else 0
        cut.invitations_answered += row["answered"]
    return {key: cut for key, cut in counts.items() if cut.invitations_sent or cut.invitations_answered}


def add_sent_invitations(invitation_ids: Sequence[int]) -> int:
    """The invitations just sent (invitations_send) added to the response rate's counts; returns
    rollup rows touched. Must run in the transaction that marks them sent."""
    return add_to_rollup(count_invitations(Invitation.objects.filter(pk__in=list(invitation_ids))))


def add_answered_invitations(responses: Sequence[Response], actor: Any = None) -> None:
    """Subscriber of events.responses_recorded: the invitations the responses answered (marked
    回答済 before the event) counted as answered in the month they were sent."""
    invitation_ids = [r.invitation_id for r in responses if r.invitation_id is not None]
    if invitation_ids:
        add_to_rollup(count_invitations(Invitation.objects.filter(pk__in=invitation_ids), sent=False))


# --- the dashboard's rollup (ResponseRollup) ------------------------------------------------------

DIMS = ("agency", "line", "case_type", "event", "channel")  # bit i of ResponseRollup.dims
MASKS = range(1 << len(DIMS))
# survey, month, dims, agency_key, line, case type, event, channel
RollupKey = tuple[int, dt.date, int, int, str, str, str, str]
ROLLUP_KEY_COLUMNS = ("survey_id", "month", "dims", "agency_key", "line", "case_type", "event", "channel")
ROLLUP_CONFLICT = ("dims", "agency_key", "line", "case_type", "event", "channel", "survey_id", "month")
SLOT_COLUMNS = tuple(f"s{slot}" for slot in range(ROLLUP_SLOTS))
INVITATION_COLUMNS = ("invitations_sent", "invitations_answered")
ROLLUP_VALUE_COLUMNS = (*Counts.COLUMNS, *SLOT_COLUMNS, *INVITATION_COLUMNS)
UPSERT_BATCH = 400  # rows per INSERT on SQLite (~50 values each: under its 32,766 parameters)
UNNEST_BATCH = 20_000  # rows per INSERT … SELECT FROM UNNEST on PostgreSQL (one array per column)


def dims_mask(
    agency: bool = False, line: bool = False, case_type: bool = False, event: bool = False, channel: bool = False
) -> int:
    return sum(1 << i for i, kept in enumerate((agency, line, case_type, event, channel)) if kept)


def path_key(path: Sequence[str]) -> str:
    """How a path of `answer_stats` is written in RollupSlot.path."""
    return json.dumps(list(path), ensure_ascii=False)


@functools.lru_cache(maxsize=4096)
def _tuple_path_key(path: tuple[str, ...]) -> str:
    return path_key(path)  # an import asks for the same few dozen paths once per cut


def stat_numbers(stats: dict[str, dict[str, Any]]) -> Iterator[tuple[str, int]]:
    """(path_key, number) of every number of `answer_stats` the dashboard reads: the NPS distribution,
    each rating's n and sum, each choice's count (not the satisfaction distribution)."""
    for code, stat in stats.items():
        if "choices" in stat:
            if code == "satisfaction":
                continue
            for label, count in stat["choices"].items():
                yield _tuple_path_key((code, "choices", label)), count
        else:
            yield _tuple_path_key((code, "n")), stat.get("n", 0)
            yield _tuple_path_key((code, "sum")), stat.get("sum", 0)


def slot_maps(survey_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """path_key → slot of each survey."""
    maps: dict[int, dict[str, int]] = {survey_id: {} for survey_id in survey_ids}
    for survey_id, path, slot in RollupSlot.objects.filter(survey_id__in=list(maps)).values_list(
        "survey_id", "path", "slot"
    ):
        maps[survey_id][path] = slot
    return maps


def _numbered(counts: dict[CutKey, Counts]) -> dict[int, dict[str, int]]:
    """The slot maps of the counts' surveys, with a slot for every path they bring (while free)."""
    seen: dict[int, set[str]] = {}
    for key, cut in counts.items():
        paths = seen.setdefault(key[0], set())
        paths.update(path for path, _count in stat_numbers(cut.answer_stats))
    maps = slot_maps(seen)
    for survey_id, paths in seen.items():
        if not (paths - maps[survey_id].keys()) or len(maps[survey_id]) >= ROLLUP_SLOTS:
            continue
        # new numbers: one writer at a time per survey (the survey row is the lock)
        if connection.features.has_select_for_update:
            list(Survey.objects.select_for_update().filter(pk=survey_id).values_list("pk", flat=True))
        current = slot_maps([survey_id])[survey_id]
        free = [slot for slot in range(ROLLUP_SLOTS) if slot not in set(current.values())]
        new = sorted(paths - current.keys())[: len(free)]
        RollupSlot.objects.bulk_create(
            [RollupSlot(survey_id=survey_id, path=path, slot=slot) for path, slot in zip(new, free, strict=False)]
        )
        current.update(zip(new, free, strict=False))
        maps[survey_id] = current
    return maps


def rollup_rows(counts: dict[CutKey, Counts], maps: dict[int, dict[str, int]]) -> dict[RollupKey, list[int]]:
    """The counts added into their 32 ResponseRollup rows each (values in ROLLUP_VALUE_COLUMNS order)."""
    width = len(ROLLUP_VALUE_COLUMNS)
    base = len(Counts.COLUMNS)
    out: dict[RollupKey, list[int]] = {}
    for (survey_id, month, agency_id, line, case_type, event, channel), cut in counts.items():
        vector = [getattr(cut, column) for column in Counts.COLUMNS] + [0] * (width - base)
        vector[width - len(INVITATION_COLUMNS) :] = [getattr(cut, column) for column in INVITATION_COLUMNS]
        slots = maps.get(survey_id, {})
        for path, number in stat_numbers(cut.answer_stats):
            slot = slots.get(path)
            if slot is not None:
                vector[base + slot] += number
        nonzero = [(index, value) for index, value in enumerate(vector) if value]
        agency_key = agency_id or 0
        for mask in MASKS:
            key = (
                survey_id,
                month,
                mask,
                agency_key if mask & 1 else ROLLED_UP_AGENCY,
                line if mask & 2 else ROLLED_UP,
                case_type if mask & 4 else ROLLED_UP,
                event if mask & 8 else ROLLED_UP,
                channel if mask & 16 else ROLLED_UP,
            )
            total = out.get(key)
            if total is None:
                out[key] = list(vector)
            else:
                for index, value in nonzero:
                    total[index] += value
    return out


def add_to_rollup(counts: dict[CutKey, Counts]) -> int:
    """Add the counts to the dashboard's rollup rows (created when missing); returns rows touched.
    Must run in the transaction that writes the responses."""
    if not counts:
        return 0
    rows = rollup_rows(counts, _numbered(counts))
    adapt = connection.ops.adapt_datefield_value
    months = {key[1]: adapt(key[1]) for key in rows}
    # sorted: concurrent writers lock the rows in the same order
    values = [(key[0], months[key[1]], *key[2:], *vector) for key, vector in sorted(rows.items())]
    upsert_rollup(values)
    return len(values)


def _rollup_upsert_sql(source: str) -> str:
    """INSERT of rollup rows from `source` (VALUES … or SELECT …) adding to the rows that exist."""
    quote = connection.ops.quote_name
    table = quote(ResponseRollup._meta.db_table)
    columns = ", ".join(quote(c) for c in (*ROLLUP_KEY_COLUMNS, *ROLLUP_VALUE_COLUMNS))
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in ROLLUP_VALUE_COLUMNS)
    conflict = ", ".join(quote(c) for c in ROLLUP_CONFLICT)
    return f"INSERT INTO {table} ({columns}) {source} ON CONFLICT ({conflict}) DO UPDATE SET {sets}"


def upsert_rollup(values: Sequence[tuple[Any, ...]]) -> None:
    """Add rows (ROLLUP_KEY_COLUMNS then ROLLUP_VALUE_COLUMNS, each key at most once: ON CONFLICT
    may not touch a row twice in one statement) to ResponseRollup.

    PostgreSQL gets one binary array per column (`SELECT * FROM UNNEST(…)` through
    `core.bulk.array_cursor`): bound client-side, 400 rows × ~50 values cost ~0.3 s per statement
    to prepare (a 10,000-row import spent 70 of its 110 s there, profiled). SQLite takes many VALUES
    rows per statement."""
    if not values:
        return
    columns = [*ROLLUP_KEY_COLUMNS, *ROLLUP_VALUE_COLUMNS]
    if connection.vendor == "postgresql":
        fields = [ResponseRollup._meta.get_field(c.removesuffix("_id")) for c in columns]
        arrays = ", ".join(f"%b::{kind}" for kind in bulk.pg_array_types(fields))  # type: ignore[arg-type]
        sql = _rollup_upsert_sql(f"SELECT * FROM UNNEST({arrays})")
        with bulk.array_cursor() as arrays_cursor:
            for start in range(0, len(values), UNNEST_BATCH):
                part = values[start : start + UNNEST_BATCH]
                arrays_cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
        return
    with connection.cursor() as cursor:
        row_marks = f"({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(values), UPSERT_BATCH):
            part = values[start : start + UPSERT_BATCH]
            cursor.execute(
                _rollup_upsert_sql(f"VALUES {', '.join([row_marks] * len(part))}"),
                [value for row in part for value in row],
            )
