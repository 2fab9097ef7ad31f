"""Import of results of surveys the insurer or a vendor ran (CSV/XLSX), channel `import`.

The header names the columns: `policy_number` and `answered_on` (YYYY-MM-DD) are required; every
other column is a question code of the survey's current version (`nps`, `satisfaction`, …;
`comment` goes to the survey's first free-text question when no question has that code), and an
optional `customer_number` is checked against the policyholder. A row is matched to its policy by
number; the customer is the policyholder. Bad rows are reported with their file row number and a
Japanese reason (the 名寄せ import's style) and the good rows are kept: the import is a job
(`core.jobs.Job` on a `SurveyImport` row) whose rejected rows download as a CSV with BOM.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.choices import AuditAction
from tsunagu.core.jobs import Job, JobError, JobSpec, exceptions_csv
from tsunagu.core.models import User
from tsunagu.core.normalize import identifier_key
from tsunagu.identity.readers import FileReadError, read_table
from tsunagu.policies.models import Policy

from ..answers import TEXT, clean_answers
from ..choices import Channel
from ..models import Question, Response, Survey, SurveyImport
from .responses import ResponseInput, is_batch_actor, responses_record

JOB_SPEC = JobSpec(reason="failure_reason", exceptions_key=None)
# Rows written per transaction (the job's progress moves per chunk). Every chunk adds its counts to
# the rollup rows it touches (a 20,000-row chunk of a two-year file touches ~55,000 of them, and the
# next chunk the same ones again), so fewer chunks cost less; 50,000 rows is ~20 s of write lock
# on SQLite on a busy machine.
CHUNK = 50_000
KEPT_ERRORS = 1000  # rejected rows kept on the import row (and in its CSV report)
POLICY_COLUMN, DATE_COLUMN, CUSTOMER_COLUMN, COMMENT_COLUMN = (
    "policy_number",
    "answered_on",
    "customer_number",
    "comment",
)
REPORT_HEADER = ["行番号", "証券番号", "理由"]
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class RowError:
    row: int  # the row number in the file (the header is row 1)
    policy_number: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "policy_number": self.policy_number, "reason": self.reason}


@dataclass
class ImportResult:
    survey_import: SurveyImport
    errors: list[RowError] = field(default_factory=list)  # every rejected row (the row keeps the first 1,000)
    seconds: float = 0.0


@dataclass
class _Parsed:
    row: int
    policy_number: str
    customer_number: str
    answered_on: dt.date
    answers: dict[str, Any]


def _require(actor: User) -> None:
    if not is_batch_actor(actor):
        permissions.require(actor, permissions.SURVEYS_IMPORT)


def _columns(headers: Sequence[str], questions: Sequence[Question], survey: Survey) -> dict[int, str]:
    """Column index → question code; unknown columns make the file unreadable (nothing imported)."""
    codes = {q.code for q in questions}
    first_text = None if COMMENT_COLUMN in codes else next((q.code for q in questions if q.kind == TEXT), None)
    missing = [name for name in (POLICY_COLUMN, DATE_COLUMN) if name not in headers]
    if missing:
        raise JobError(f"見出しに必須の列がありません: {'、'.join(missing)}(1行目)。")
    mapping: dict[int, str] = {}
    unknown = []
    for index, header in enumerate(headers):
        if header in (POLICY_COLUMN, DATE_COLUMN, CUSTOMER_COLUMN) or not header:
            continue
        if header in codes:
            mapping[index] = header
        elif header == COMMENT_COLUMN and first_text is not None:
            mapping[index] = first_text
        else:
            unknown.append(header)
    if unknown:
        raise JobError(
            f"列「{'」「'.join(unknown)}」はアンケート「{survey.name}」({survey.code})の設問にありません"
            f"(設問コード: {'、'.join(sorted(codes))})。"
        )
    if not mapping:
        raise JobError("回答の列(nps、satisfaction などの設問コード)が1つもありません。")
    return mapping


def _parse_date(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    match = _DATE.match(text)
    if not match:
        return None, f"回答日「{text}」は YYYY-MM-DD の形で入力してください。" if text else "回答日がありません。"
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None, f"回答日「{text}」は存在しない日付です。"
    if day > today:
        return None, f"回答日「{text}」が未来の日付です。"
    return day, ""


def _cell(cells: Sequence[str], position: dict[str, int], name: str) -> str:
    index = position.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _parse_rows(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str],
    mapping: dict[int, str],
    questions: Sequence[Question],
    errors: list[RowError],
) -> list[_Parsed]:
    """Rows whose own cells are valid (the policy and duplicates are checked afterwards)."""
    today = timezone.localdate()
    position = {name: headers.index(name) for name in (POLICY_COLUMN, DATE_COLUMN, CUSTOMER_COLUMN) if name in headers}
    parsed: list[_Parsed] = []
    for offset, cells in enumerate(rows):
        number = offset + 2
        if not any(c.strip() for c in cells):
            errors.append(RowError(number, "", "空の行です。"))
            continue
        policy_number = _cell(cells, position, POLICY_COLUMN)
        reasons = []
        if not policy_number:
            reasons.append("証券番号(policy_number)がありません。")
        answered_on, problem = _parse_date(_cell(cells, position, DATE_COLUMN), today)
        if problem:
            reasons.append(problem)
        raw = {code: (cells[index] if index < len(cells) else "") for index, code in mapping.items()}
        answers, problems = clean_answers(questions, raw)
        if "__all__" in problems:
            problems["__all__"] = "回答が1つもありません(nps、satisfaction などが空です)。"
        reasons.extend(problems.values())
        if reasons:
            errors.append(RowError(number, policy_number, " ".join(reasons)))
            continue
        assert answered_on is not None
        parsed.append(_Parsed(number, policy_number, _cell(cells, position, CUSTOMER_COLUMN), answered_on, answers))
    return parsed


def _policies(numbers: Sequence[str]) -> dict[str, Policy]:
    """Policies by the number as written in the file (matched as the product stores numbers:
    `normalize.identifier_key`, so 「IMP-1」 and 「ＩＭＰ１」 find the same policy)."""
    keys = {number: identifier_key(number) for number in dict.fromkeys(numbers)}
    unique = list(set(keys.values()))
    by_key: dict[str, Policy] = {}
    for start in range(0, len(unique), 900):
        for policy in (
            Policy.objects.filter(number__in=unique[start : start + 900])
            .select_related("policyholder")
            .only("id", "number", "line", "agency_id", "policyholder__id")
        ):
            by_key[policy.number] = policy
    return {number: by_key[key] for number, key in keys.items() if key in by_key}


def _already_imported(survey: Survey, policy_ids: Sequence[int]) -> set[tuple[int, dt.date]]:
    """(policy, answered_on) of the survey's imported responses about these policies. Filtered by the
    policy alone in SQL, the rest in Python: given `survey = …` too, SQLite walks the survey's date
    index (every response of the survey) once per 900 policies — 100,000 rows against 200,000
    responses spent minutes there; a policy has a handful of responses."""
    seen: set[tuple[int, dt.date]] = set()
    unique = list(dict.fromkeys(policy_ids))
    for start in range(0, len(unique), 900):
        rows = Response.objects.filter(policy_id__in=unique[start : start + 900]).values_list(
            "policy_id", "answered_on", "survey_id", "channel"
        )
        seen.update(
            (policy_id, day)
            for policy_id, day, survey_id, channel in rows
            if survey_id == survey.pk and channel == Channel.IMPORT
        )
    return seen


def _matched(parsed: list[_Parsed], survey: Survey, errors: list[RowError]) -> list[tuple[_Parsed, Policy]]:
    policies = _policies([p.policy_number for p in parsed])
    earlier = _already_imported(survey, [p.pk for p in policies.values()])
    in_file: dict[tuple[int, dt.date], int] = {}
    good: list[tuple[_Parsed, Policy]] = []
    for item in parsed:
        policy = policies.get(item.policy_number)
        if policy is None:
            errors.append(
                RowError(item.row, item.policy_number, f"証券番号「{item.policy_number}」の契約が見つかりません。")
            )
            continue
        if item.customer_number and item.customer_number != policy.policyholder.number:
            errors.append(
                RowError(
                    item.row,
                    item.policy_number,
                    f"顧客番号「{item.customer_number}」が証券番号「{item.policy_number}」の契約者と一致しません。",
                )
            )
            continue
        key = (policy.pk, item.answered_on)
        if key in earlier:
            errors.append(RowError(item.row, item.policy_number, "同じ契約・同じ回答日の回答は取込済みです(重複)。"))
            continue
        if key in in_file:
            errors.append(
                RowError(
                    item.row,
                    item.policy_number,
                    f"同じ契約・同じ回答日の行がファイル内で重複しています({in_file[key]}行目)。",
                )
            )
            continue
        in_file[key] = item.row
        good.append((item, policy))
    return good


def survey_import_run(
    *,
    actor: User,
    survey: Survey,
    data: bytes,
    file_name: str,
    progress: Callable[[int, int], None] | None = None,
    survey_import: SurveyImport | None = None,  # a row queued from the screen (services.import_jobs)
) -> ImportResult:
    """Import a results file into `survey`'s current version. A file that cannot be read (or whose
    header does not fit the survey) imports nothing: the job fails with the Japanese reason
    (ValidationError). Otherwise good rows are imported and bad rows reported."""
    _require(actor)
    started = timezone.now()
    version = survey.versions.get(is_current=True)
    questions = list(version.questions.order_by("order", "id"))
    row = survey_import or SurveyImport.objects.create(survey=survey, file_name=file_name[:255], started_by=actor)
    job = Job.start(
        row,
        actor=actor,
        action=AuditAction.SURVEY_IMPORT_START,
        summary=f"アンケート「{survey.name}」の結果ファイル「{file_name}」の取込を開始した",
        progress=progress,
        spec=JOB_SPEC,
    )
    errors: list[RowError] = []
    try:
        with job.running():
            try:
                table = read_table(data, file_name=file_name)
            except FileReadError as exc:
                raise JobError(str(exc)) from None
            mapping = _columns(table.headers, questions, survey)
            job.set(total=len(table.rows))
            parsed = _parse_rows(table.rows, table.headers, mapping, questions, errors)
            good = _matched(parsed, survey, errors)
            for start in range(0, len(good), CHUNK):
                chunk = good[start : start + CHUNK]
                inputs = [
                    ResponseInput(
                        customer=policy.policyholder, answers=item.answers, answered_on=item.answered_on, policy=policy
                    )
                    for item, policy in chunk
                ]
                with transaction.atomic():
                    responses_record(
                        actor=actor, version=version, channel=Channel.IMPORT, rows=inputs, import_batch=row
                    )
                    job.add(processed=len(chunk), imported=len(chunk))
                job.advance(len(chunk))
    except JobError as exc:
        raise ValidationError(str(exc)) from None
    errors.sort(key=lambda e: e.row)
    job.set(
        processed=len(table.rows),
        rejected=len(errors),
        errors=[e.as_dict() for e in errors[:KEPT_ERRORS]],
    )
    job.complete(
        actor=actor,
        action=AuditAction.SURVEY_IMPORT_COMPLETE,
        summary=lambda r: f"アンケート結果の取込を完了した(取込 {r.imported}件・エラー {r.rejected}件)",
        data={"survey": survey.code, "file": file_name},
    )
    row.refresh_from_db()
    return ImportResult(row, errors, (timezone.now() - started).total_seconds())


def error_report(survey_import: SurveyImport) -> bytes:
    """The rejected rows as CSV (UTF-8 with BOM, for Excel): 行番号, 証券番号, 理由."""
    rows = [[e.get("row", ""), e.get("policy_number", ""), e.get("reason", "")] for e in survey_import.errors]
    return exceptions_csv(REPORT_HEADER, rows)
