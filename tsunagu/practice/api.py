"""REST endpoints of 募集品質 (OpenAPI at /api/docs): the 意向把握 worklist and records, the double
check of a non-recommended choice, the 高齢者対応 worklist and records, the 満期管理 worklist.

They call the same selectors and services as the screens: scoped by `visible_to`, every read of a
customer logged (purpose API), permissions from core.permissions, errors Japanese (core.api)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from tsunagu.core import permissions
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.input import ApiId, ApiText
from tsunagu.core.models import Agency, User

from . import selectors, services
from .models import ElderlySolicitation, IntentRecord

router = Router(tags=["募集品質"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _agency(user: User, agency_id: int | None) -> Agency | None:
    """Head office may narrow a list to one agency; agency staff always see their own (the id is ignored)."""
    if agency_id is None or user.agency_id is not None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404("代理店が見つかりません。")
    return agency


class AgencyFilter(Schema):
    agency_id: ApiId | None = Field(None, description="本社の担当者が代理店で絞り込む(代理店の担当者は自代理店のみ)")


# --- 意向把握 ---------------------------------------------------------------------------------------


class IntentRecordOut(Schema):
    id: int
    policy_id: int
    agency_code: str
    kind: str
    line: str
    complete: bool
    missing: list[str] = Field(description="不足している項目(日本語)")
    recorded_by: str | None
    initial_intent: dict[str, Any]
    final_intent: dict[str, Any]
    intent_changed: bool
    change_difference: str
    change_reason: str
    products_presented: list[dict[str, Any]]
    narrowing_reason: str
    recommended_product: str
    recommendation_reason: str
    chose_recommended: bool
    chosen_product: str
    non_recommended_reason: str
    double_check_required: bool = Field(description="推奨商品以外の選択で、ダブルチェックが必要")
    double_checked_by: str | None
    double_checked_at: dt.datetime | None
    double_check_note: str
    confirmed_on: dt.date | None
    confirmation_method: str
    other_insurer: bool


class PolicyIntentOut(Schema):
    policy_id: int
    policy_number: str
    customer_id: int
    state: str = Field(description="未作成 / 未完了 / 完了")
    record: IntentRecordOut | None


class IntentRowOut(Schema):
    policy_id: int
    policy_number: str
    agency_code: str
    contract_date: dt.date
    customer_id: int
    customer_name: str
    state: str = Field(description="未作成 / 未完了")
    missing: list[str]


class IntentCountsOut(Schema):
    total: int
    complete: int
    non_recommended: int
    double_checked: int
    changed: int
    other_insurer: int


class IntentWorklistOut(Schema):
    counts: IntentCountsOut
    results: list[IntentRowOut]


class DoubleCheckIn(Schema):
    note: ApiText = Field("", max_length=1000, description="所見(1000文字以内)")


def _name(user: User | None) -> str | None:
    return (user.display_name or user.username) if user is not None else None


def _record_out(record: IntentRecord) -> IntentRecordOut:
    return IntentRecordOut(
        id=record.pk,
        policy_id=record.policy_id,
        agency_code=record.agency.code,
        kind=record.kind,
        line=record.line,
        complete=record.complete,
        missing=list(record.missing),
        recorded_by=_name(record.recorded_by),
        initial_intent=record.initial_intent,
        final_intent=record.final_intent,
        intent_changed=record.intent_changed,
        change_difference=record.change_difference,
        change_reason=record.change_reason,
        products_presented=list(record.products_presented),
        narrowing_reason=record.narrowing_reason,
        recommended_product=record.recommended_product,
        recommendation_reason=record.recommendation_reason,
        chose_recommended=record.chose_recommended,
        chosen_product=record.chosen_product,
        non_recommended_reason=record.non_recommended_reason,
        double_check_required=not record.chose_recommended,
        double_checked_by=_name(record.double_checked_by),
        double_checked_at=record.double_checked_at,
        double_check_note=record.double_check_note,
        confirmed_on=record.confirmed_on,
        confirmation_method=record.confirmation_method,
        other_insurer=record.other_insurer,
    )


def _policy_intent(found: selectors.PolicyPractice) -> PolicyIntentOut:
    record = found.record
    state = "未作成" if record is None else ("完了" if record.complete else "未完了")
    return PolicyIntentOut(
        policy_id=found.policy.pk,
        policy_number=found.policy.number,
        customer_id=found.customer.pk,
        state=state,
        record=_record_out(record) if record is not None else None,
    )


@router.get("/intents/", response=IntentWorklistOut, summary="意向把握の未作成・未完了の一覧")
def intent_worklist(request: HttpRequest, filters: Query[AgencyFilter]) -> IntentWorklistOut:
    """Applications of the last year without a complete intent record (oldest first, 200 at most)."""
    user = _user(request)
    permissions.require(user, permissions.PRACTICE_VIEW)
    agency = _agency(user, filters.agency_id)
    rows = selectors.intent_worklist(user=user, agency=agency, screen="API:意向把握の一覧", purpose=AccessPurpose.API)
    counts = selectors.intent_counts(user=user, agency=agency)
    return IntentWorklistOut(
        counts=IntentCountsOut(**vars(counts)),
        results=[
            IntentRowOut(
                policy_id=row.policy.pk,
                policy_number=row.policy.number,
                agency_code=row.policy.agency.code if row.policy.agency else "",
                contract_date=row.policy.contract_date,
                customer_id=row.policy.policyholder_id,
                customer_name=row.policy.policyholder.name,
                state=row.state,
                missing=list(row.record.missing) if row.record is not None else [],
            )
            for row in rows
        ],
    )


@router.get("/policies/{int:policy_id}/intent/", response=PolicyIntentOut, summary="契約の意向把握の記録")
def intent_read(request: HttpRequest, policy_id: ApiId) -> PolicyIntentOut:
    user = _user(request)
    found = selectors.policy_practice_get(user=user, pk=policy_id, screen="API:意向把握", purpose=AccessPurpose.API)
    permissions.require(user, permissions.PRACTICE_VIEW)
    return _policy_intent(found)


@router.post(
    "/policies/{int:policy_id}/intent/double-check/",
    response=PolicyIntentOut,
    summary="推奨商品以外の選択をダブルチェックする",
)
def intent_double_check(request: HttpRequest, policy_id: ApiId, payload: DoubleCheckIn) -> PolicyIntentOut:
    """By an agency manager or an administrator, never the recorder; refused (400) when the record
    chose the recommended product, lacks the reason, or is already checked."""
    user = _user(request)
    screen = "API:意向把握のダブルチェック"
    found = selectors.policy_practice_get(user=user, pk=policy_id, screen=screen, purpose=AccessPurpose.API)
    permissions.require(user, permissions.PRACTICE_DOUBLE_CHECK)
    if found.record is None:
        raise Http404("意向把握の記録がまだありません。")
    services.intent_record_double_check(actor=user, record=found.record, note=payload.note)
    return _policy_intent(
        selectors.policy_practice_get(user=user, pk=policy_id, screen=screen, purpose=AccessPurpose.API)
    )


# --- 高齢者対応 -------------------------------------------------------------------------------------


class MeasureOut(Schema):
    kind: str
    kind_label: str
    done_on: dt.date
    done_by: str | None
    relative_id: int | None
    second_agent: str | None
    call_answers: dict[str, Any]
    recording_ref: str


class SolicitationOut(Schema):
    id: int
    policy_id: int
    policy_number: str
    agency_code: str
    customer_id: int
    customer_name: str
    solicited_on: dt.date
    age: int
    tier: str
    tier_label: str
    complete: bool
    missing: list[str] = Field(description="未実施の対応(日本語)")


class SolicitationDetailOut(SolicitationOut):
    measures: list[MeasureOut]


class ElderlyCandidateOut(Schema):
    policy_id: int
    policy_number: str
    contract_date: dt.date
    customer_id: int
    customer_name: str


class MeasureCountOut(Schema):
    measure: str
    count: int
    share: float = Field(description="高齢者対応の件数に占める割合(0〜1)")


class ElderlyCountsOut(Schema):
    total: int
    by_tier: dict[str, int]
    complete_by_tier: dict[str, int]
    by_measure: list[MeasureCountOut]


class ElderlyWorklistOut(Schema):
    counts: ElderlyCountsOut
    incomplete: list[SolicitationOut]
    candidates: list[ElderlyCandidateOut] = Field(description="高齢者の年齢で高齢者対応が未登録の直近90日の契約")


def _solicitation_out(row: ElderlySolicitation) -> dict[str, Any]:
    return {
        "id": row.pk,
        "policy_id": row.policy_id,
        "policy_number": row.policy.number,
        "agency_code": row.agency.code,
        "customer_id": row.customer_id,
        "customer_name": row.customer.name,
        "solicited_on": row.solicited_on,
        "age": row.age,
        "tier": row.tier,
        "tier_label": row.get_tier_display(),
        "complete": row.complete,
        "missing": list(row.missing),
    }


@router.get("/elderly/", response=ElderlyWorklistOut, summary="高齢者対応の未完了・未登録の一覧と件数")
def elderly_worklist(request: HttpRequest, filters: Query[AgencyFilter]) -> ElderlyWorklistOut:
    user = _user(request)
    permissions.require(user, permissions.PRACTICE_VIEW)
    agency = _agency(user, filters.agency_id)
    screen = "API:高齢者対応の一覧"
    rows = selectors.elderly_worklist(user=user, agency=agency, screen=screen, purpose=AccessPurpose.API)
    candidates = selectors.elderly_candidates(user=user, agency=agency, screen=screen, purpose=AccessPurpose.API)
    counts = selectors.elderly_counts(user=user, agency=agency)
    return ElderlyWorklistOut(
        counts=ElderlyCountsOut(
            total=counts.total,
            by_tier=counts.by_tier,
            complete_by_tier=counts.complete_by_tier,
            by_measure=[MeasureCountOut(measure=m, count=n, share=share) for m, n, share in counts.by_measure],
        ),
        incomplete=[SolicitationOut(**_solicitation_out(r)) for r in rows],
        candidates=[
            ElderlyCandidateOut(
                policy_id=p.pk,
                policy_number=p.number,
                contract_date=p.contract_date,
                customer_id=p.policyholder_id,
                customer_name=p.policyholder.name,
            )
            for p in candidates
        ],
    )


@router.get("/elderly/{int:solicitation_id}/", response=SolicitationDetailOut, summary="高齢者対応の記録")
def elderly_read(request: HttpRequest, solicitation_id: ApiId) -> SolicitationDetailOut:
    user = _user(request)
    row = selectors.solicitation_get(user=user, pk=solicitation_id, screen="API:高齢者対応", purpose=AccessPurpose.API)
    permissions.require(user, permissions.PRACTICE_VIEW)
    return SolicitationDetailOut(
        **_solicitation_out(row),
        measures=[
            MeasureOut(
                kind=m.kind,
                kind_label=m.get_kind_display(),
                done_on=m.done_on,
                done_by=_name(m.done_by),
                relative_id=m.relative_id,
                second_agent=_name(m.second_agent),
                call_answers=dict(m.call_answers),
                recording_ref=m.recording_ref,
            )
            for m in selectors.measures_of(row)
        ],
    )


# --- 満期管理 ---------------------------------------------------------------------------------------


class RenewalFilters(AgencyFilter):
    agent_id: ApiId | None = Field(None, description="担当者(満期管理の担当者)で絞り込む")
    months: int = Field(3, ge=1, le=3, description="何か月先の満期までか(1〜3)")


class StepOut(Schema):
    key: str = Field(description="start / notice / contact / complete")
    label: str
    due: dt.date
    done_on: dt.date | None
    status: str = Field(description="done / late(期限後に実施)/ overdue(期限超過)/ open")
    status_label: str
    days_overdue: int


class RenewalRowOut(Schema):
    policy_id: int
    policy_number: str
    agency_code: str
    expiry: dt.date
    customer_id: int
    customer_name: str
    agent: str | None
    overdue: bool
    steps: list[StepOut]


class MissedRenewalOut(Schema):
    policy_id: int
    policy_number: str
    expiry: dt.date
    customer_id: int
    customer_name: str
    outcome: str
    outcome_label: str


class RenewalWorklistOut(Schema):
    months: int
    overdue_count: int
    results: list[RenewalRowOut]
    missed: list[MissedRenewalOut] = Field(description="更改漏れ(直近6か月・接触なし)")


@router.get("/renewals/", response=RenewalWorklistOut, summary="満期管理の一覧(期限超過の手順つき)と更改漏れ")
def renewal_worklist(request: HttpRequest, filters: Query[RenewalFilters]) -> RenewalWorklistOut:
    user = _user(request)
    permissions.require(user, permissions.PRACTICE_VIEW)
    agency = _agency(user, filters.agency_id)
    agent = next((a for a in selectors.renewal_agents(user) if a.pk == filters.agent_id), None)
    if filters.agent_id is not None and agent is None:
        raise Http404("担当者が見つかりません。")
    screen = "API:満期管理"
    rows = selectors.renewal_worklist(
        user=user, agency=agency, agent=agent, months=filters.months, screen=screen, purpose=AccessPurpose.API
    )
    missed = selectors.missed_renewals(user=user, agency=agency, screen=screen, purpose=AccessPurpose.API)
    return RenewalWorklistOut(
        months=filters.months,
        overdue_count=sum(1 for r in rows if r.overdue),
        results=[
            RenewalRowOut(
                policy_id=r.policy.pk,
                policy_number=r.policy.number,
                agency_code=r.policy.agency.code if r.policy.agency else "",
                expiry=r.policy.expiry,
                customer_id=r.policy.policyholder_id,
                customer_name=r.policy.policyholder.name,
                agent=_name(r.progress.agent) if r.progress is not None else None,
                overdue=r.overdue,
                steps=[
                    StepOut(
                        key=s.key,
                        label=s.label,
                        due=s.due,
                        done_on=s.done_on,
                        status=s.status,
                        status_label=s.status_label,
                        days_overdue=s.days_overdue,
                    )
                    for s in r.steps
                ],
            )
            for r in rows
        ],
        missed=[
            MissedRenewalOut(
                policy_id=m.policy_id,
                policy_number=m.policy.number,
                expiry=m.expiry,
                customer_id=m.policy.policyholder_id,
                customer_name=m.policy.policyholder.name,
                outcome=m.outcome,
                outcome_label=m.get_outcome_display(),
            )
            for m in missed
        ],
    )
