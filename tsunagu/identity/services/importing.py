"""Importing a source file: read, map, validate every row, upsert by (source, source id).

One transaction: a file that cannot be read, or lacks a required column, changes nothing; invalid
rows are kept as staged rows with their reasons; unchanged rows are not touched, so importing the
same file twice changes nothing. The profile's declared conventions (records.CONVENTIONS: kana-only
names, era-coded birth dates, old postal codes, phones without the leading 0, no e-mail) widen
what a row may hold for that source; without them such values are row errors.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from ..choices import BatchStatus
from ..models import ImportBatch, MappingProfile, SourceRecord, SourceSystem, StagedRow
from ..readers import ENCODING_LABELS, FileReadError, Table, read_table
from ..records import (
    FIELD_LABELS,
    KANA_ONLY,
    MAPPABLE_FIELDS,
    CheckedRow,
    RowError,
    content_hash,
    validate_row,
)
from .common import ensure_steward
from .keys import keys_refresh
from .ledger import LEDGER_CODE, ledger_sync
from .matcher import matcher_load, model_train
from .resolution import match_incremental

logger = logging.getLogger(__name__)
CHUNK = 1000
LABEL_TO_FIELD = {label: name for name, label in FIELD_LABELS.items() if name in MAPPABLE_FIELDS}

Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    batch: ImportBatch
    changed_ids: list[int] = field(default_factory=list)  # records created or updated
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    matched: int = 0
    linked_existing: int = 0  # records linked to a customer that existed before the import
    new_customers: int = 0  # customers created for records without a candidate
    waiting_review: int = 0  # records without a customer, in review with an existing customer's record

    def match_summary(self) -> str:
        return (
            f"照合: 既存顧客に紐付け{self.linked_existing}件・要確認(判定待ち){self.waiting_review}件・"
            f"新規顧客{self.new_customers}件"
        )


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def source_get(code: str) -> SourceSystem:
    source = SourceSystem.objects.filter(code=code.strip(), is_active=True).first()
    if source is not None and source.code == LEDGER_CODE:
        raise ValidationError({"source": f"「{code}」は既存顧客の照合用(顧客台帳)のため、ファイルは取り込めません。"})
    if source is None:
        raise ValidationError({"source": f"ソースシステム「{code}」は登録されていません。"})
    return source


def _profile(source: SourceSystem, name: str) -> MappingProfile | None:
    if name:
        profile = MappingProfile.objects.filter(source=source, name=name).first()
        if profile is None:
            raise ValidationError({"profile": f"列マッピング「{name}」は{source.name}に登録されていません。"})
        return profile
    return MappingProfile.objects.filter(source=source, is_default=True).first()


def column_map(headers: list[str], profile: MappingProfile | None) -> dict[str, int]:
    """record field → column index. Without a profile, headers named like a field or its label map."""
    mapping: dict[str, int] = {}
    if profile is not None:
        for column, target in profile.columns.items():
            if column in headers:
                mapping[target] = headers.index(column)
    else:
        for index, header in enumerate(headers):
            target = header if header in MAPPABLE_FIELDS else LABEL_TO_FIELD.get(header)
            if target and target not in mapping:
                mapping[target] = index
    missing = []
    kana_only = profile is not None and KANA_ONLY in (profile.conventions or [])
    names = ("name_kanji", "family_name", *(("name_kana", "family_kana") if kana_only else ()))
    if "record_id" not in mapping:
        missing.append("ソースID")
    if not any(name in mapping for name in names):
        missing.append("氏名(または姓、フリガナ)" if kana_only else "氏名(または姓)")
    if missing:
        expected = ""
        if profile is not None:
            wanted = [c for c, t in profile.columns.items() if t in ("record_id", *names)]
            expected = f"列マッピング「{profile.name}」では列「{'」「'.join(wanted)}」が必要です。"
        raise _file_error(f"必須の列がありません: {'、'.join(missing)}。{expected}ファイルの見出しを確かめてください。")
    return mapping


def records_import(
    *,
    actor: User,
    source_code: str,
    data: bytes,
    file_name: str,
    encoding: str = "",
    profile_name: str = "",
    match: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    ensure_steward(actor)
    started = time.perf_counter()
    source = source_get(source_code)
    profile = _profile(source, profile_name)
    try:
        table = read_table(data, file_name=file_name, encoding=encoding or (profile.encoding if profile else ""))
    except FileReadError as exc:
        raise _file_error(str(exc)) from None
    mapping = column_map(table.headers, profile)
    with transaction.atomic():
        result = _import_table(actor, source, profile, table, mapping, file_name, data, progress)
    result.seconds = time.perf_counter() - started
    if match and result.changed_ids:
        last_customer = Customer.objects.aggregate(m=Max("pk"))["m"] or 0
        result.matched, note = _match_against_existing(actor, result.changed_ids)
        if note:
            result.warnings.append(note)
        customers = list(SourceRecord.objects.filter(pk__in=result.changed_ids).values_list("customer_id", flat=True))
        result.linked_existing = sum(1 for c in customers if c is not None and c <= last_customer)
        result.new_customers = Customer.objects.filter(pk__gt=last_customer).count()
        result.waiting_review = sum(1 for c in customers if c is None) if result.matched else 0
    return result


# The first import trains the model when none is active (on these records and the existing
# customers) once there is enough to learn from; below this the records wait for a full run.
TRAIN_ON_IMPORT_MIN_RECORDS = 50


def _match_against_existing(actor: User, record_ids: list[int]) -> tuple[int, str]:
    """Match the new/changed records against existing customers (the ledger) and all records:
    linked, queued for review, or a new customer only without a candidate."""
    ledger_sync(actor=actor)
    if matcher_load() is None:
        if SourceRecord.objects.count() < TRAIN_ON_IMPORT_MIN_RECORDS:
            return 0, "照合モデルがまだないため、照合は全件照合の実行まで保留しました。"
        try:
            model_train(actor=actor)
        except Exception:  # the import stands; the run page explains a failing training
            logger.exception("training on import failed")
            return 0, "照合モデルを学習できなかったため照合を保留しました。全件照合を実行してください。"
    return match_incremental(actor=actor, record_ids=record_ids), ""


def _import_table(
    actor: User,
    source: SourceSystem,
    profile: MappingProfile | None,
    table: Table,
    mapping: dict[str, int],
    file_name: str,
    data: bytes,
    progress: Progress | None,
) -> ImportResult:
    today = timezone.localdate()
    columns = {name: table.headers[index] for name, index in mapping.items()}
    conventions = frozenset(profile.conventions or []) if profile is not None else frozenset()
    batch = ImportBatch.objects.create(
        source=source,
        profile=profile,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_format=table.file_format,
        encoding=ENCODING_LABELS.get(table.encoding, table.encoding),
        status=BatchStatus.DONE,
        imported_by=actor,
    )
    result = ImportResult(batch=batch)
    staged: list[StagedRow] = []
    checked: list[tuple[int, CheckedRow]] = []
    blank = 0
    width = len(table.headers)
    for offset, cells in enumerate(table.rows):
        row_number = offset + 2
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        raw = {table.headers[i] or f"列{i + 1}": cells[i] if i < len(cells) else "" for i in range(width)}
        values = {name: cells[index] if index < len(cells) else "" for name, index in mapping.items()}
        row = validate_row(values, today=today, columns=columns, conventions=conventions)
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            row.errors.append(_row_error("(列数)", f"列の数が見出し({width}列)より多いです。"))
        if row.errors:
            staged.append(_staged(batch, row_number, row, raw))
        else:
            checked.append((row_number, row))
            result.warnings.extend(f"{row_number}行目: {w}" for w in row.warnings)
    if blank:
        result.warnings.append(f"空行{blank}行を読み飛ばしました。")
    # The same source id twice in one file: which row is right cannot be known, so none is imported.
    first_row: dict[str, int] = {}
    duplicated: set[str] = set()
    for row_number, row in checked:
        if row.source_id in first_row:
            duplicated.add(row.source_id)
        else:
            first_row.setdefault(row.source_id, row_number)
    valid: list[tuple[int, CheckedRow]] = []
    for row_number, row in checked:
        if row.source_id in duplicated:
            message = (
                f"ソースID「{row.source_id}」がこのファイルの中で重複しています(最初は{first_row[row.source_id]}行目)。"
            )
            row.errors.append(_row_error(columns["record_id"], message))
            staged.append(_staged(batch, row_number, row, _raw(table, row_number)))
        else:
            valid.append((row_number, row))
    created, updated, unchanged = _upsert(actor, source, batch, [r for _, r in valid], progress)
    StagedRow.objects.bulk_create(sorted(staged, key=lambda s: s.row_number), batch_size=CHUNK)
    batch.total_rows = len(table.rows) - blank
    batch.created_count, batch.updated_count, batch.unchanged_count = len(created), len(updated), unchanged
    batch.invalid_count = len(staged)
    batch.status = BatchStatus.DONE_WITH_ERRORS if staged else BatchStatus.DONE
    batch.save()
    result.changed_ids = created + updated
    record_event(
        actor=actor,
        action=AuditAction.IDENTITY_IMPORT,
        target=batch,
        summary=(
            f"「{batch.file_name}」({source.name})を取り込んだ: 新規{len(created)}件・更新{len(updated)}件・"
            f"変更なし{unchanged}件・エラー{len(staged)}件"
        ),
        data={"sha256": batch.file_sha256, "encoding": batch.encoding},
    )
    return result


def _row_error(column: str, message: str) -> RowError:
    return RowError(column, message)


def _raw(table: Table, row_number: int) -> dict[str, str]:
    cells = table.rows[row_number - 2]
    return {h or f"列{i + 1}": cells[i] if i < len(cells) else "" for i, h in enumerate(table.headers)}


def _staged(batch: ImportBatch, row_number: int, row: CheckedRow, raw: dict[str, str]) -> StagedRow:
    return StagedRow(
        batch=batch,
        row_number=row_number,
        source_id=row.source_id[:100],
        raw=raw,
        errors=[{"column": e.column, "message": e.message} for e in row.errors],
    )


def _upsert(
    actor: User, source: SourceSystem, batch: ImportBatch, rows: list[CheckedRow], progress: Progress | None
) -> tuple[list[int], list[int], int]:
    created: list[int] = []
    updated: list[int] = []
    unchanged = 0
    now = timezone.now()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = {
            r.external_id: r
            for r in SourceRecord.objects.filter(source=source, external_id__in=[row.source_id for row in chunk])
        }
        new: list[SourceRecord] = []
        changed: list[SourceRecord] = []
        for row in chunk:
            digest = content_hash(row.values)
            record = existing.get(row.source_id)
            if record is None:
                new.append(
                    SourceRecord(
                        source=source,
                        external_id=row.source_id,
                        values=row.values,
                        features=row.features,
                        content_hash=digest,
                        last_batch=batch,
                        changed_at=now,
                    )
                )
            elif record.content_hash != digest:
                record.values, record.features, record.content_hash = row.values, row.features, digest
                record.last_batch, record.changed_at = batch, now
                changed.append(record)
            else:
                unchanged += 1
        if new:
            writes.bulk_create(new, actor=actor, batch_size=CHUNK)
            if any(r.pk is None for r in new):  # backends without RETURNING
                ids = dict(
                    SourceRecord.objects.filter(
                        source=source, external_id__in=[r.external_id for r in new]
                    ).values_list("external_id", "pk")
                )
                for r in new:
                    r.pk = ids[r.external_id]
            created.extend(r.pk for r in new)
        if changed:
            writes.bulk_update(
                changed,
                ["values", "features", "content_hash", "last_batch", "changed_at"],
                actor=actor,
                reason=f"取込 #{batch.pk}",
                batch_size=CHUNK,
            )
            updated.extend(r.pk for r in changed)
        for r in new + changed:
            r.source = source
        keys_refresh(new + changed)
        if progress is not None:
            progress(min(start + CHUNK, len(rows)), len(rows))
    return created, updated, unchanged
