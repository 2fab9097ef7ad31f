"""REST endpoints for identity resolution (名寄せ), data stewards only (OpenAPI at /api/docs).

They call the same selectors and services as the steward screens: every read is steward-checked,
customer-scoped and access-logged there; errors map through the shared handlers (400 with Japanese
messages, 403, 404; 401 without credentials).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from tsunagu.core.input import BIGINT_MAX, ApiId, ApiText
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from . import selectors
from .models import CandidatePair, CustomerMerge, ImportBatch, SourceRecord, StagedRow
from .records import FIELD_LABELS
from .services.merging import customer_merge, customer_unmerge
from .services.review import pair_decide

router = Router(tags=["名寄せ"])
MAX_PAGE = 200


class RecordOut(Schema):
    id: int
    source: str
    external_id: str
    customer_id: int | None
    values: dict[str, str] = Field(description="取り込んだ元の値(項目名 → 値)")


class PairOut(Schema):
    id: int
    status: str
    status_label: str
    match_probability: float
    match_weight: float
    evidence: dict[str, Any] = Field(description="比較ごとの根拠(レベルと一致重み)")
    left: RecordOut
    right: RecordOut
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str


class PairListOut(Schema):
    results: list[PairOut]
    limit: int
    offset: int


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    # Bounded so that offset + limit still fits the database's signed 64-bit integer: a larger
    # value is a 422 here, not an overflow (500) in the query.
    offset: int = Field(0, ge=0, le=BIGINT_MAX - MAX_PAGE)


class DecisionIn(Schema):
    decision: str = Field(description="link(同一人物)または not_link(別人)")
    note: ApiText = ""
    survivor_id: ApiId | None = Field(None, description="2人の顧客を統合するとき残す顧客(省略時は古い方)")


class MergeIn(Schema):
    survivor_id: ApiId
    absorbed_id: ApiId
    reason: ApiText


class UnmergeIn(Schema):
    reason: ApiText


class MergeOut(Schema):
    id: int
    survivor_id: int
    absorbed_id: int
    status: str
    status_label: str
    reason: str
    merged_by: str
    merged_at: dt.datetime
    undone_at: dt.datetime | None
    undo_reason: str
    moved: dict[str, int] = Field(description="統合で移した行数(種類ごと)")


class UnmergeOut(Schema):
    merge: MergeOut
    kept_on_survivor: dict[str, list[Any]] = Field(description="統合後に変更されていたため統合先に残した項目")


class ErrorRowOut(Schema):
    row_number: int
    source_id: str
    errors: list[dict[str, str]] = Field(description="[{column, message}]")
    raw: dict[str, Any]


class BatchOut(Schema):
    id: int
    source: str
    file_name: str
    file_format: str
    encoding: str
    status: str
    status_label: str
    total_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    invalid_count: int
    imported_by: str
    imported_at: dt.datetime
    error_rows: list[ErrorRowOut]
    error_rows_offset: int
    error_rows_limit: int


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _record(record: SourceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "source": record.source.code,
        "external_id": record.external_id,
        "customer_id": record.customer_id,
        "values": {k: str(v) for k, v in record.values.items() if k in FIELD_LABELS and v not in (None, "")},
    }


def _pair(pair: CandidatePair) -> dict[str, Any]:
    return {
        "id": pair.pk,
        "status": pair.status,
        "status_label": pair.get_status_display(),
        "match_probability": pair.match_probability,
        "match_weight": pair.match_weight,
        "evidence": pair.evidence or {},
        "left": _record(pair.record_l),
        "right": _record(pair.record_r),
        "decided_by": str(pair.decided_by) if pair.decided_by_id else None,
        "decided_at": pair.decided_at,
        "note": pair.note,
    }


def _merge(merge: CustomerMerge) -> dict[str, Any]:
    changes = merge.changes or {}
    moved = {
        key: len(changes.get(key) or [])
        for key in ("policies", "insured", "interactions", "cases", "records", "agencies_added")
    }
    moved["details"] = sum(len(v) for v in (changes.get("details") or {}).values())
    return {
        "id": merge.pk,
        "survivor_id": merge.survivor_id,
        "absorbed_id": merge.absorbed_id,
        "status": merge.status,
        "status_label": merge.get_status_display(),
        "reason": merge.reason,
        "merged_by": str(merge.merged_by),
        "merged_at": merge.merged_at,
        "undone_at": merge.undone_at,
        "undo_reason": merge.undo_reason,
        "moved": moved,
    }


def _visible_customer(user: User, pk: int | None) -> Customer:
    customer = Customer.objects.visible_to(user).filter(pk=pk).first() if pk is not None else None
    if customer is None:
        raise Http404
    return customer


@router.get("/review/", response=PairListOut, summary="確認待ちの名寄せ候補の一覧")
def list_review(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    pairs = selectors.review_queue(
        user=_user(request), limit=page.limit, offset=page.offset, screen="API:名寄せ確認一覧"
    )
    return {"results": [_pair(p) for p in pairs], "limit": page.limit, "offset": page.offset}


@router.get("/review/{pair_id}/", response=PairOut, summary="名寄せ候補を読む")
def get_pair(request: HttpRequest, pair_id: ApiId) -> dict[str, Any]:
    return _pair(selectors.pair_get(user=_user(request), pk=pair_id, screen="API:名寄せ候補"))


@router.post("/review/{pair_id}/decision/", response=PairOut, summary="同一人物(link)か別人(not_link)かを判定する")
def decide_pair(request: HttpRequest, pair_id: ApiId, payload: DecisionIn) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    user = _user(request)
    if payload.decision not in ("link", "not_link"):
        raise ValidationError({"decision": "判定は link(同一人物)か not_link(別人)で指定してください。"})
    pair = selectors.pair_get(user=user, pk=pair_id, screen="API:名寄せ候補の判定")
    survivor = _visible_customer(user, payload.survivor_id) if payload.survivor_id is not None else None
    pair_decide(actor=user, pair=pair, link=payload.decision == "link", note=payload.note, survivor=survivor)
    return _pair(selectors.pair_get(user=user, pk=pair_id, screen="API:名寄せ候補の判定"))


@router.post("/merges/", response={201: MergeOut}, summary="2人の顧客を統合する")
def create_merge(request: HttpRequest, payload: MergeIn) -> Status:
    user = _user(request)
    selectors.dashboard(user=user)  # stewards only, before anything is looked up
    survivor = _visible_customer(user, payload.survivor_id)
    absorbed = _visible_customer(user, payload.absorbed_id)
    merge = customer_merge(actor=user, survivor=survivor, absorbed=absorbed, reason=payload.reason)
    return Status(201, _merge(selectors.merge_get(user=user, pk=merge.pk, screen="API:顧客の統合")))


@router.get("/merges/{merge_id}/", response=MergeOut, summary="統合を読む")
def get_merge(request: HttpRequest, merge_id: ApiId) -> dict[str, Any]:
    return _merge(selectors.merge_get(user=_user(request), pk=merge_id, screen="API:顧客の統合"))


@router.post("/merges/{merge_id}/unmerge/", response=UnmergeOut, summary="統合を解除する(統合前の状態に戻す)")
def unmerge(request: HttpRequest, merge_id: ApiId, payload: UnmergeIn) -> dict[str, Any]:
    user = _user(request)
    merge = selectors.merge_get(user=user, pk=merge_id, screen="API:顧客の統合解除")
    result = customer_unmerge(actor=user, merge=merge, reason=payload.reason)
    merge = selectors.merge_get(user=user, pk=merge_id, screen="API:顧客の統合解除")
    return {"merge": _merge(merge), "kept_on_survivor": result.kept_on_survivor}


@router.get("/batches/{batch_id}/", response=BatchOut, summary="取込バッチとエラー行を読む")
def get_batch(request: HttpRequest, batch_id: ApiId, page: Query[PageIn]) -> dict[str, Any]:
    batch: ImportBatch = selectors.batch_get(user=_user(request), pk=batch_id, screen="API:取込結果")
    rows = StagedRow.objects.filter(batch=batch).order_by("row_number")[page.offset : page.offset + page.limit]
    return {
        "id": batch.pk,
        "source": batch.source.code,
        "file_name": batch.file_name,
        "file_format": batch.file_format,
        "encoding": batch.encoding,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total_rows": batch.total_rows,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
        "unchanged_count": batch.unchanged_count,
        "invalid_count": batch.invalid_count,
        "imported_by": str(batch.imported_by),
        "imported_at": batch.imported_at,
        "error_rows": [
            {"row_number": r.row_number, "source_id": r.source_id, "errors": r.errors, "raw": r.raw} for r in rows
        ],
        "error_rows_offset": page.offset,
        "error_rows_limit": page.limit,
    }
