"""GET /api/customers/search?q= — the same search service as the screens (scoped, access-logged)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from tsunagu.core.models import User

from .query import HINT
from .selectors import DEFAULT_LIMIT, MAX_LIMIT, SearchRow, search_customers

router = Router(tags=["顧客検索"])


class SearchParams(Schema):
    q: str = Field(
        "",
        description=f"検索語。{HINT}",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="最大件数")


class CustomerHitOut(Schema):
    id: int
    number: str
    name: str
    name_kana: str
    is_corporate: bool
    age: int | None
    is_elderly: bool
    phone_masked: str = Field(description="下4桁以外を伏せた電話番号")
    address_summary: str = Field(description="都道府県と市区町村")
    policy_count: int
    open_claim_count: int
    badges: list[str]
    tier: int = Field(description="0 番号・連絡先一致 / 1 氏名一致 / 2 姓または名が一致 / 3 部分一致")
    match: str
    url: str


class SearchOut(Schema):
    query: str
    count: int
    has_more: bool
    results: list[CustomerHitOut]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _hit(row: SearchRow) -> CustomerHitOut:
    return CustomerHitOut(
        id=row.customer_id,
        number=row.number,
        name=row.name,
        name_kana=row.name_kana,
        is_corporate=row.is_corporate,
        age=row.age,
        is_elderly=row.is_elderly,
        phone_masked=row.phone_masked,
        address_summary=row.address_summary,
        policy_count=row.policy_count,
        open_claim_count=row.open_claim_count,
        badges=list(row.badges),
        tier=row.tier,
        match=row.match_label,
        url=reverse("desk:customer_detail", args=[row.customer_id]),
    )


@router.get("/search", response={200: SearchOut, 400: ErrorOut}, summary="顧客を検索する")
def customer_search(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    """Ranked: exact identifiers, full name, family/given name, then partial; ties by recent activity.
    Bad input (empty, over 200 characters, control characters) is answered 400 with a Japanese message."""
    user: User = request.user  # type: ignore[assignment]
    # API reads are not lists: every call is logged (docs/access-log.md § 一覧画面の記録).
    results = search_customers(
        user=user, q=params.q, limit=params.limit, screen="API 顧客検索", log_window=dt.timedelta(0)
    )
    return SearchOut(
        query=results.query, count=len(results.rows), has_more=results.has_more, results=[_hit(r) for r in results.rows]
    )
