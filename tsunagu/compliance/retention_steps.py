"""What the retention run does to each table of a record type (`STEPS`), and how one step is applied
to a chunk of customers (`apply`).

Every clear and delete goes through `core.writes.clear_rows` / `delete_rows`: set-based, in chunks,
each row leaving a history row made by the database — a "~" or "-" row of its row history with the
actor and the reason, or, for tables without row history (contacts, case timelines, scores, the
voice term index, identity blocking keys), an audit event per row under the run's action. The earlier
history rows of cleared and deleted rows are then scrubbed with the same values, so the history keeps
who changed what and when but not what was erased.

Beyond the master and the free text of contacts and cases, a chunk also clears:
- accident reports (事故状況, 相手方, けが人の状況, 事故場所, 警察届出番号) and the other free text of
  case panels (inquiries, cancellations, change requests, identity checks, documents' deficiencies),
  complaints' fact finding and ADR outcome; the claim's accident place with the master;
- free-text answers inside survey answers (the TEXT questions of each response's version);
- the voice term index (the words of the voice, with their document frequencies kept in step);
- identity blocking keys (derived from name, birth date and address) with the source records and
  again with the master;
- the PDF files of the customer's documents (deleted from storage after the chunk commits; the rows
  keep number and dates, the file reference is cleared; a print file other customers' documents
  still point at is kept).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Count, F, Func, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Greatest, Now, Substr, TruncYear

from tsunagu.analytics.models import Score
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import (
    AccidentReport,
    CancellationRequest,
    Case,
    CaseDocument,
    CaseEvent,
    ChangeRequest,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
)
from tsunagu.core import normalize, writes
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Address, Customer, Email, FormerName, Phone, Relative
from tsunagu.documents.models import Document
from tsunagu.documents.storage import DocumentStorage
from tsunagu.identity.models import BlockingKey, SourceRecord
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Claim
from tsunagu.surveys.choices import QuestionKind
from tsunagu.surveys.models import Question, Response
from tsunagu.voice.models import ERASED_TEXT as ERASED_VOICE_TEXT
from tsunagu.voice.models import Voice, VoiceTerm, VoiceTermStat

from . import retention
from .retention_choices import RecordType

logger = logging.getLogger(__name__)

REASON = "保存期間満了による匿名化"
DELETE_REASON = "保存期間満了による削除"
ACTION = AuditAction.COMPLIANCE_RETENTION_RUN  # the audit events of rows without row history
ROWS_PER_STATEMENT = 900  # SQLite's limit on parameters per statement


def _postal_prefix(name: str) -> Any:
    return Concat(Substr(name, 1, 3), Value("-0000"))


class BlankKeys(Func):
    """A JSON object whose values at `keys` are replaced by "" where present (absent keys stay absent):
    free-text answers inside survey answers, cleared in the database."""

    output_field = JSONField()

    def __init__(self, name: str, keys: Sequence[str]) -> None:
        super().__init__(F(name))
        self.keys = tuple(keys)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        paths = ", ".join(["%s, ''"] * len(self.keys))
        return f"json_replace({sql}, {paths})", (*params, *(f'$."{key}"' for key in self.keys))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        for key in self.keys:
            sql = f"jsonb_set({sql}, ARRAY[%s]::text[], '\"\"'::jsonb, false)"
            params = (*params, key)
        return sql, tuple(params)


Split = Callable[[models.QuerySet[Any]], list[tuple[models.QuerySet[Any], dict[str, Any]]]]


@dataclass(frozen=True)
class Step:
    """One table's part of a record type's processing."""

    model: type[models.Model]
    customer_path: str  # the lookup from the table to the customer id
    values: dict[str, Any] | None  # None: delete the rows
    where: Q | None = None
    scrub: dict[str, Any] | None = None  # history values of deleted rows
    split: Split | None = None  # per-subset values (rows, values) instead of `values` for every row
    before: Callable[[models.QuerySet[Any]], None] | None = None  # runs on the rows before the write
    files: bool = False  # the rows' stored files (documents) are deleted once nothing refers to them
    stamp: dict[str, Any] | None = None  # set with `values` but not copied into earlier history rows

    def rows(self, customer_ids: Sequence[int] | Any) -> models.QuerySet[Any]:
        rows: models.QuerySet[Any] = models.QuerySet(self.model).filter(**{f"{self.customer_path}__in": customer_ids})
        return rows if self.where is None else rows.filter(self.where)


def _survey_text_answers(rows: models.QuerySet[Any]) -> list[tuple[models.QuerySet[Any], dict[str, Any]]]:
    """Responses grouped by the free-text question codes of their version: each group's comment and
    text answers cleared; responses of versions without a text question get the comment cleared."""
    codes: dict[int, list[str]] = {}
    for version_id, code in (
        Question.objects.filter(kind=QuestionKind.TEXT, version_id__in=rows.values("version_id"))
        .order_by("version_id", "code")
        .values_list("version_id", "code")
    ):
        codes.setdefault(version_id, []).append(code)
    groups: dict[tuple[str, ...], list[int]] = {}
    for version_id, keys in codes.items():
        groups.setdefault(tuple(keys), []).append(version_id)
    parts = [
        (rows.filter(version_id__in=versions), {"comment": "", "answers": BlankKeys("answers", keys)})
        for keys, versions in sorted(groups.items())
    ]
    parts.append((rows.exclude(version_id__in=list(codes)), {"comment": ""}))
    return parts


def _voice_terms_leave(rows: models.QuerySet[Any]) -> None:
    """Keep the document frequencies in step with the postings about to be deleted (set-based)."""
    per_term = rows.filter(term=OuterRef("term")).order_by().values("term").annotate(n=Count("pk")).values("n")[:1]
    VoiceTermStat.objects.filter(term__in=rows.values("term")).update(
        df=Greatest(F("df") - Coalesce(Subquery(per_term), Value(0)), Value(0))
    )


COMPLAINT = Q(case_type=CaseType.COMPLAINT)
NOT_COMPLAINT = ~Q(case_type=CaseType.COMPLAINT)
OF_COMPLAINT = Q(case__case_type=CaseType.COMPLAINT)
CASE_TEXT = {"subject": retention.CLEARED_TEXT, "description": "", "resolution_summary": ""}
ACCIDENT_TEXT = {
    "description": retention.CLEARED_TEXT,
    "parties": "",
    "injuries": "",
    "place": "",
    "police_report_number": "",
}
BLOCKING_KEYS = Step(BlockingKey, "record__customer_id", None)


def _steps() -> dict[str, list[Step]]:
    """What each processed record type does (retention.ACTIONS says which types are processed)."""
    return {
        RecordType.CUSTOMER: [
            Step(
                Customer,
                "pk",
                {
                    "name": retention.ANONYMISED_NAME,
                    "family_name": "",
                    "given_name": "",
                    "name_kana": retention.ANONYMISED_KANA,
                    "birth_date": TruncYear("birth_date"),
                    "corporate_number": "",
                    "note": "",
                    "name_key": normalize.name_key(retention.ANONYMISED_NAME),
                    "kana_key": normalize.kana_key(retention.ANONYMISED_KANA),
                },
            ),
            Step(
                Address,
                "customer_id",
                {"postal_code": _postal_prefix("postal_code"), "street": retention.ANONYMISED_NAME, "building": ""},
            ),
            Step(Phone, "customer_id", None, scrub={"number": "", "digits": ""}),
            Step(Email, "customer_id", None, scrub={"address": "", "key": ""}),
            Step(
                Relative, "customer_id", None, scrub={"name": retention.ANONYMISED_NAME, "name_kana": "", "phone": ""}
            ),
            Step(FormerName, "customer_id", None, scrub={"name": retention.ANONYMISED_NAME, "name_kana": ""}),
            Step(Claim, "policy__policyholder_id", {"accident_place": ""}, where=~Q(accident_place="")),
            BLOCKING_KEYS,
        ],
        RecordType.CONTACT: [Step(Interaction, "customer_id", {"subject": retention.CLEARED_TEXT, "notes": ""})],
        RecordType.CASE: [
            Step(Case, "customer_id", CASE_TEXT, where=NOT_COMPLAINT),
            Step(CaseEvent, "case__customer_id", {"body": ""}, where=~OF_COMPLAINT),
            Step(AccidentReport, "case__customer_id", ACCIDENT_TEXT, where=~OF_COMPLAINT),
            Step(InquiryDetail, "case__customer_id", {"question": retention.CLEARED_TEXT, "answer": ""}),
            Step(
                CancellationRequest,
                "case__customer_id",
                {"reason_text": "", "competitor": "", "offer_made": "", "refund_note": ""},
            ),
            Step(ChangeRequest, "case__customer_id", {"new_values": {}, "previous_values": {}}),
            Step(IdentityVerification, "case__customer_id", {"note": ""}),
            Step(CaseDocument, "case__customer_id", {"deficiency_note": ""}, where=~OF_COMPLAINT),
        ],
        RecordType.COMPLAINT: [
            Step(Case, "customer_id", CASE_TEXT, where=COMPLAINT),
            Step(CaseEvent, "case__customer_id", {"body": ""}, where=OF_COMPLAINT),
            Step(
                ComplaintDetail,
                "case__customer_id",
                {"customer_request": retention.CLEARED_TEXT, "fact_finding": "", "adr_outcome": ""},
            ),
            Step(CaseDocument, "case__customer_id", {"deficiency_note": ""}, where=OF_COMPLAINT),
        ],
        RecordType.DOCUMENT: [
            Step(
                Document,
                "customer_id",
                {
                    "delivery_name": retention.ANONYMISED_NAME,
                    "delivery_postal_code": _postal_prefix("delivery_postal_code"),
                    "delivery_address": "",
                    "storage_key": "",
                    "page": None,
                },
                files=True,
                stamp={"file_erased_at": Now()},  # the documents app shows 保存期間満了により削除済み and the date
            ),
        ],
        RecordType.SURVEY: [Step(Response, "customer_id", {"comment": ""}, split=_survey_text_answers)],
        RecordType.VOICE: [
            Step(Voice, "customer_id", {"text": ERASED_VOICE_TEXT, "term_norm": 0.0}),
            Step(VoiceTerm, "voice__customer_id", None, before=_voice_terms_leave),
        ],
        RecordType.SCORE: [Step(Score, "customer_id", None)],
        RecordType.SOURCE: [Step(SourceRecord, "customer_id", {"values": {}, "features": {}}), BLOCKING_KEYS],
    }


STEPS = _steps()


# --- applying a step ---------------------------------------------------------------------------


@dataclass
class FileSweep:
    """The document files a run deletes: each chunk's after its commit (a rolled back chunk deletes
    none). Counts are read when the run ends."""

    storage: DocumentStorage
    deleted: int = 0
    missing: int = 0  # the reference was cleared but the file was already gone
    failed: list[str] = field(default_factory=list)

    def delete_after_commit(self, keys: Sequence[str]) -> None:
        if keys:
            transaction.on_commit(lambda: self._delete(list(keys)))

    def _delete(self, keys: list[str]) -> None:
        for key in keys:
            try:
                if self.storage.delete(key):
                    self.deleted += 1
                else:
                    self.missing += 1
            except Exception as error:  # one unreadable key must not stop the others
                logger.error("retention: could not delete document file %s: %s", key, error)
                self.failed.append(key)


def _parts(ids: Sequence[Any]) -> list[Sequence[Any]]:
    return [ids[start : start + ROWS_PER_STATEMENT] for start in range(0, len(ids), ROWS_PER_STATEMENT)]


def _scrub_history(model: type[models.Model], row_ids: Sequence[int], values: dict[str, Any]) -> None:
    """Earlier history rows of these objects get the erased values too (history rows are the record
    of who changed what and when; they must not keep what retention erased)."""
    if not writes.has_row_history(model):
        return
    tracked = writes.tracked_fields(model)
    wanted = {name: value for name, value in values.items() if name in tracked}
    if not wanted:
        return
    history_model = model.history.model  # type: ignore[attr-defined]
    for part in _parts(row_ids):
        models.QuerySet(history_model).filter(id__in=part).update(**wanted)


def _unreferenced(keys: set[str]) -> list[str]:
    """Storage keys no document refers to any more (a shared print file stays while one does)."""
    ordered = sorted(keys)
    still: set[str] = set()
    for part in _parts(ordered):
        still.update(models.QuerySet(Document).filter(storage_key__in=part).values_list("storage_key", flat=True))
    return [key for key in ordered if key not in still]


def apply(step: Step, customer_ids: Sequence[int], *, actor: User, run_id: int, files: FileSweep | None) -> int:
    """Clear or delete the step's rows of these customers (inside the chunk's transaction)."""
    rows = step.rows(customer_ids)
    data = {"run": run_id}
    if step.before is not None:
        step.before(rows)
    if step.values is None:
        row_ids = list(rows.order_by().values_list("pk", flat=True))
        if not row_ids:
            return 0
        count = writes.delete_rows(rows, actor=actor, reason=DELETE_REASON, action=ACTION, data=data)
        if step.scrub:
            _scrub_history(step.model, row_ids, step.scrub)
        return count
    keys: set[str] = set()
    if step.files:
        keys = set(rows.exclude(storage_key="").values_list("storage_key", flat=True).distinct())
    count = 0
    for subset, values in step.split(rows) if step.split is not None else [(rows, step.values)]:
        row_ids = list(subset.order_by().values_list("pk", flat=True))
        if not row_ids:
            continue
        stamped = values if step.stamp is None else {**values, **step.stamp}
        count += writes.clear_rows(subset, actor=actor, reason=REASON, action=ACTION, data=data, **stamped)
        _scrub_history(step.model, row_ids, values)
    if keys and files is not None:
        files.delete_after_commit(_unreferenced(keys))
    return count
