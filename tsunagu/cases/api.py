"""REST endpoints for cases (OpenAPI at /api/docs). They call the same services and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from tsunagu.core import masking
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.input import BIGINT_MAX, ApiId, ApiText
from tsunagu.core.models import Department, User
from tsunagu.customers.selectors import customer_get
from tsunagu.policies.models import Policy

from . import adr, selectors, services
from .choices import AdrResult, CaseType
from .models import Case
from .selectors_adr import adr_summary
from .services.extra import clean_extra

router = Router(tags=["案件"])


class CaseIn(Schema):
    case_type: str = Field(
        description="change / accident / policy_reissue / certificate_reissue / inquiry / complaint / cancellation"
    )
    sub_type: ApiText = ""
    channel: str = Field(description="phone / email / chat / web / in_person / post")
    customer_id: ApiId
    policy_id: ApiId | None = None
    subject: ApiText
    description: ApiText = ""
    priority: str = "normal"
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="種別ごとの項目(例: 事故受付の occurred_at, place; 異動の new_values, effective_date; "
        "苦情の category, customer_request)。種別ごとに型を検査し、誤りは項目ごとに日本語で返す。",
    )


class CaseOut(Schema):
    id: int
    number: str
    case_type: str
    case_type_label: str
    sub_type: str
    channel: str
    status: str
    status_label: str
    priority: str
    customer_id: int
    policy_id: int | None
    claim_id: int | None
    subject: str
    department: str | None
    assignee: str | None
    opened_on: dt.date
    due_date: dt.date
    is_open: bool
    is_overdue: bool
    resolution_summary: str
    version: int = Field(description="案件の版。更新のたびに増える。状態変更では expected_version として送り返す。")


class ErrorOut(Schema):
    detail: str


class CaseListOut(Schema):
    total: int
    page: int
    results: list[CaseOut]


class TransitionIn(Schema):
    to: str
    # Required, not optional: a client that leaves it out would silently overwrite another
    # operator's change, which is exactly the lost update the version exists to prevent.
    expected_version: int = Field(
        ge=1,
        le=BIGINT_MAX,
        description="参照したときの案件の版(CaseOut.version)。"
        "その後に他の担当者が更新していれば 409 を返し、何も変更しない。",
    )
    note: ApiText = ""
    resolution_summary: ApiText = ""
    department_id: ApiId | None = None


class ChangeIn(Schema):
    """Correct the 異動 details of an open case. Omitted items stay as they are; null clears the
    date or the premium difference. Checked as at intake (postal code, prefecture, bounds)."""

    expected_version: int = Field(ge=1, le=BIGINT_MAX, description="参照したときの案件の版(CaseOut.version)。")
    new_values: dict[str, Any] | None = Field(None, description='変更後の内容(例: {"postal_code": "1500001"})')
    effective_date: Any = Field(None, description="異動日 YYYY-MM-DD(null で消去)")
    premium_difference: Any = Field(None, description="保険料差額(円, +追徴/−返戻。null で消去)")


class ListFilters(Schema):
    # Ids and the page are bounded so that a huge number is a 422, not a database overflow (500).
    status: str = ""
    case_type: str = ""
    department_id: ApiId | None = None
    assignee_id: ApiId | None = None
    customer_id: ApiId | None = None
    open_only: bool = True
    overdue_only: bool = False
    page: int = Field(1, ge=1, le=selectors.MAX_PAGE)


def _out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "case_type": case.case_type,
        "case_type_label": case.get_case_type_display(),
        "sub_type": case.sub_type,
        "channel": case.channel,
        "status": case.status,
        "status_label": case.get_status_display(),
        "priority": case.priority,
        "customer_id": case.customer_id,
        "policy_id": case.policy_id,
        "claim_id": case.claim_id,
        "subject": case.subject,
        "department": case.department.name if case.department else None,
        "assignee": str(case.assignee) if case.assignee else None,
        "opened_on": case.opened_on,
        "due_date": case.due_date,
        "is_open": case.is_open,
        "is_overdue": case.is_overdue,
        "resolution_summary": case.resolution_summary,
        "version": case.version,
    }


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@router.post("/", response={201: CaseOut}, summary="案件を登録する")
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    user = _user(request)
    customer = customer_get(user=user, pk=payload.customer_id, purpose=AccessPurpose.API, screen="API:案件登録")
    policy = None
    if payload.policy_id is not None:
        policy = Policy.objects.visible_to(user).filter(pk=payload.policy_id).first()
        if policy is None:
            raise Http404
    case = services.case_create(
        actor=user,
        data=services.CaseInput(
            case_type=payload.case_type,
            sub_type=payload.sub_type,
            channel=payload.channel,
            customer=customer,
            policy=policy,
            subject=payload.subject,
            description=payload.description,
            priority=payload.priority,
            extra=payload.extra,
        ),
    )
    return Status(
        201, _out(selectors.case_get(user=user, pk=case.pk, screen="API:案件登録", purpose=AccessPurpose.API))
    )


@router.post("/{int:case_id}/change/", response={200: CaseOut, 409: ErrorOut}, summary="異動内容を訂正する")
def correct_change(request: HttpRequest, case_id: ApiId, payload: ChangeIn) -> Any:
    user = _user(request)
    case = selectors.case_get(user=user, pk=case_id, screen="API:異動内容の訂正", purpose=AccessPurpose.API)
    if case.case_type != CaseType.CHANGE:
        raise Http404
    sent = payload.model_fields_set
    raw = {name: getattr(payload, name) for name in ("new_values", "effective_date", "premium_difference")}
    cleaned = clean_extra(CaseType.CHANGE, {k: v for k, v in raw.items() if k in sent})
    changes: dict[str, Any] = {k: v for k, v in cleaned.items() if k != "new_values"}
    if "new_values" in sent and payload.new_values is not None:
        changes["new_values"] = cleaned["new_values"]
    try:
        services.change_update(actor=user, case=case, expected_version=payload.expected_version, **changes)
    except services.CaseConflict as error:
        return Status(409, {"detail": error.message})
    return _out(selectors.case_get(user=user, pk=case_id, screen="API:異動内容の訂正", purpose=AccessPurpose.API))


@router.get("/", response=CaseListOut, summary="案件を一覧する(絞り込み)")
def list_cases(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    result = selectors.case_list(
        user=_user(request),
        filters=selectors.CaseFilters(
            status=filters.status,
            case_type=filters.case_type,
            department_id=filters.department_id,
            assignee_id=filters.assignee_id,
            customer_id=filters.customer_id,
            open_only=filters.open_only,
            overdue_only=filters.overdue_only,
        ),
        page=filters.page,
        screen="API:案件一覧",
        log_window=dt.timedelta(0),  # API reads are not lists: every call is logged
    )
    return {"total": result.total, "page": result.page, "results": [_out(c) for c in result.cases]}


@router.get("/{int:case_id}/", response=CaseOut, summary="案件を参照する")
def read_case(request: HttpRequest, case_id: ApiId) -> dict[str, Any]:
    return _out(selectors.case_get(user=_user(request), pk=case_id, screen="API:案件参照", purpose=AccessPurpose.API))


@router.post("/{int:case_id}/transition/", response={200: CaseOut, 409: ErrorOut}, summary="案件の状態を変更する")
def transition_case(request: HttpRequest, case_id: ApiId, payload: TransitionIn) -> Any:
    user = _user(request)
    case = selectors.case_get(user=user, pk=case_id, screen="API:状態変更", purpose=AccessPurpose.API)
    department = get_object_or_404(Department, pk=payload.department_id) if payload.department_id else None
    try:
        services.case_transition(
            actor=user,
            case=case,
            to=payload.to,
            note=payload.note,
            resolution_summary=payload.resolution_summary,
            department=department,
            expected_version=payload.expected_version,
        )
    except services.CaseConflict as error:
        return Status(409, {"detail": error.message})
    return _out(selectors.case_get(user=user, pk=case_id, screen="API:状態変更", purpose=AccessPurpose.API))


# --- そんぽADR (complaint cases only) --------------------------------------------------------------


class AdrOut(Schema):
    case_id: int
    version: int = Field(description="案件の版。ADRの操作では expected_version として送り返す。")
    stage: str = Field(description="空 = 通知なし / complaint = 苦情解決手続 / dispute = 紛争解決手続")
    stage_label: str
    is_open: bool = Field(description="ADRの手続が続いている(結果が未記録)。この間、苦情は完了・取下げにできない。")
    notified_on: dt.date | None
    lodged_on: dt.date | None
    day60_mark: dt.date | None = Field(description="申出日から60日経過する日")
    dispute_filed_on: dt.date | None
    proposal_target: dt.date | None = Field(description="和解案提示の目標日(申立日から4か月)")
    result: str
    result_label: str
    concluded_on: dt.date | None
    reported_to_insurer_on: dt.date | None
    insurer_report_due: dt.date | None = Field(description="代理店で受け付けた苦情で未報告のときの報告期限")
    reference: str | None = Field(description="ADR受付番号(機微。閲覧権限がないときは null)")
    outcome: str | None = Field(description="結果の詳細(機微。閲覧権限がないときは null)")


class AdrReferIn(Schema):
    expected_version: int = Field(ge=1, le=BIGINT_MAX, description="参照したときの案件の版。")
    notified_on: dt.date | None = Field(None, description="ADRセンターからの通知日 YYYY-MM-DD")
    lodged_on: dt.date | None = Field(None, description="お客さまのADR申出日 YYYY-MM-DD(60日はこの日から)")
    reference: ApiText = Field("", max_length=50, description="ADR受付番号")


class AdrAdvanceIn(Schema):
    expected_version: int = Field(ge=1, le=BIGINT_MAX, description="参照したときの案件の版。")
    dispute_filed_on: dt.date | None = Field(None, description="紛争解決手続の申立日 YYYY-MM-DD")


class AdrConcludeIn(Schema):
    expected_version: int = Field(ge=1, le=BIGINT_MAX, description="参照したときの案件の版。")
    result: str = Field(description=" / ".join(f"{value}({label})" for value, label in AdrResult.choices))
    concluded_on: dt.date | None = Field(None, description="終了日 YYYY-MM-DD")
    outcome_note: ApiText = Field("", max_length=2000, description="結果の詳細(機微)")


def _complaint(request: HttpRequest, case_id: int, screen: str) -> Case:
    case = selectors.case_get(user=_user(request), pk=case_id, screen=screen, purpose=AccessPurpose.API)
    if case.case_type != CaseType.COMPLAINT:
        raise Http404
    return case


def _adr_out(request: HttpRequest, case: Case) -> dict[str, Any]:
    summary = adr_summary(case=case, today=timezone.localdate())
    complaint = summary.complaint
    # 機微情報: null without the purpose; the clear text shown is logged as a sensitive read (core.masking).
    sensitive = masking.sensitive_values(
        _user(request),
        {"complaint.adr_reference": complaint.adr_reference, "complaint.adr_outcome": complaint.adr_outcome},
        customer_id=case.customer_id,
        via=AccessPurpose.API,
    )
    return {
        "case_id": case.pk,
        "version": case.version,
        "stage": complaint.adr_stage,
        "stage_label": adr.STAGE_LABELS.get(complaint.adr_stage, ""),
        "is_open": adr.is_open(services.adr_referral_of(complaint)),
        "notified_on": complaint.adr_referred_on,
        "lodged_on": complaint.adr_lodged_on,
        "day60_mark": summary.day60.on if summary.day60 else None,
        "dispute_filed_on": complaint.adr_dispute_filed_on,
        "proposal_target": summary.proposal.on if summary.proposal else None,
        "result": complaint.adr_result,
        "result_label": complaint.get_adr_result_display() if complaint.adr_result else "",
        "concluded_on": complaint.adr_concluded_on,
        "reported_to_insurer_on": complaint.reported_to_insurer_on,
        "insurer_report_due": summary.insurer_report_due,
        "reference": sensitive["complaint.adr_reference"],
        "outcome": sensitive["complaint.adr_outcome"],
    }


def _adr_action(request: HttpRequest, case_id: int, screen: str, action: Any) -> Any:
    case = _complaint(request, case_id, screen)
    try:
        action(case)
    except services.CaseConflict as error:
        return Status(409, {"detail": error.message})
    return _adr_out(request, _complaint(request, case_id, screen))


@router.get("/{int:case_id}/adr/", response=AdrOut, summary="苦情のそんぽADRの状況を参照する")
def read_adr(request: HttpRequest, case_id: ApiId) -> dict[str, Any]:
    return _adr_out(request, _complaint(request, case_id, "API:ADR参照"))


@router.post(
    "/{int:case_id}/adr/refer/", response={200: AdrOut, 409: ErrorOut}, summary="ADRセンターからの通知を記録する"
)
def refer_adr(request: HttpRequest, case_id: ApiId, payload: AdrReferIn) -> Any:
    return _adr_action(
        request,
        case_id,
        "API:ADR通知",
        lambda case: services.adr_refer(
            actor=_user(request),
            case=case,
            notified_on=payload.notified_on,
            lodged_on=payload.lodged_on,
            reference=payload.reference,
            expected_version=payload.expected_version,
        ),
    )


@router.post(
    "/{int:case_id}/adr/advance/", response={200: AdrOut, 409: ErrorOut}, summary="紛争解決手続への移行を記録する"
)
def advance_adr(request: HttpRequest, case_id: ApiId, payload: AdrAdvanceIn) -> Any:
    return _adr_action(
        request,
        case_id,
        "API:ADR紛争解決手続",
        lambda case: services.adr_advance(
            actor=_user(request),
            case=case,
            dispute_filed_on=payload.dispute_filed_on,
            expected_version=payload.expected_version,
        ),
    )


@router.post("/{int:case_id}/adr/conclude/", response={200: AdrOut, 409: ErrorOut}, summary="ADRの手続の結果を記録する")
def conclude_adr(request: HttpRequest, case_id: ApiId, payload: AdrConcludeIn) -> Any:
    return _adr_action(
        request,
        case_id,
        "API:ADR終了",
        lambda case: services.adr_conclude(
            actor=_user(request),
            case=case,
            result=payload.result,
            concluded_on=payload.concluded_on,
            outcome_note=payload.outcome_note,
            expected_version=payload.expected_version,
        ),
    )
