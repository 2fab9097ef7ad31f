"""The case workflow as data: sub-types, allowed transitions and what completion requires. Pure.

Services call `check_transition` and `completion_problems`; screens call `next_statuses`.
Documents lists, SLA days, complaint categories and retention guidance are editable data (models
seeded by migration), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .choices import CaseStatus as S
from .choices import CaseType as T
from .choices import ChangeKind, InquiryCategory

OPEN_STATUSES: frozenset[str] = frozenset(
    {S.RECEIVED, S.IN_PROGRESS, S.ESCALATED, S.AWAITING_DOCUMENTS, S.AWAITING_IDENTITY, S.AWAITING_ISSUE}
)
CLOSED_STATUSES: frozenset[str] = frozenset({S.COMPLETED, S.WITHDRAWN})
# While the case waits for the customer the SLA clock stops (the pause is recorded).
PAUSING_STATUSES: frozenset[str] = frozenset({S.AWAITING_DOCUMENTS, S.AWAITING_IDENTITY})

_COMMON: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_PROGRESS, S.ESCALATED, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.ESCALATED, S.AWAITING_DOCUMENTS, S.COMPLETED, S.WITHDRAWN}),
    S.ESCALATED: frozenset({S.IN_PROGRESS, S.COMPLETED, S.WITHDRAWN}),
    S.AWAITING_DOCUMENTS: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
}
# Reissues: identity verification, then the case waits for the document to be issued.
_REISSUE: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_PROGRESS, S.AWAITING_IDENTITY, S.ESCALATED, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.AWAITING_IDENTITY, S.AWAITING_DOCUMENTS, S.AWAITING_ISSUE, S.ESCALATED, S.WITHDRAWN}),
    S.AWAITING_IDENTITY: frozenset({S.IN_PROGRESS, S.AWAITING_ISSUE, S.WITHDRAWN}),
    S.AWAITING_DOCUMENTS: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
    S.ESCALATED: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
    S.AWAITING_ISSUE: frozenset({S.COMPLETED, S.IN_PROGRESS}),
}
# A complaint is never simply withdrawn from the first status: it is at least looked into.
_COMPLAINT: dict[str, frozenset[str]] = {
    **_COMMON,
    S.RECEIVED: frozenset({S.IN_PROGRESS, S.ESCALATED}),
}

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    T.CHANGE: _COMMON,
    T.ACCIDENT: _COMMON,
    T.POLICY_REISSUE: _REISSUE,
    T.CERTIFICATE_REISSUE: _REISSUE,
    T.INQUIRY: _COMMON,
    T.COMPLAINT: _COMPLAINT,
    T.CANCELLATION: _COMMON,
}

# Sub-types per case type ("" = none). Accident sub-types are the line of business.
SUB_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    T.CHANGE: tuple(ChangeKind.choices),
    T.ACCIDENT: (("auto", "自動車"), ("fire", "火災"), ("personal_accident", "傷害"), ("other", "その他")),
    T.POLICY_REISSUE: (("", "—"),),
    T.CERTIFICATE_REISSUE: (("", "—"),),
    T.INQUIRY: tuple(InquiryCategory.choices),
    T.COMPLAINT: (("", "—"),),
    T.CANCELLATION: (("", "—"),),
}

# Accident types by line (事故の種類). A line absent here accepts any type.
ACCIDENT_TYPES: dict[str, tuple[str, ...]] = {
    "auto": ("対人", "対物", "車両", "人身傷害", "自損"),
    "fire": ("火災", "落雷", "風災・雹災・雪災", "水濡れ", "盗難", "破損"),
    "personal_accident": ("入院", "通院", "手術", "死亡・後遺障害"),
    "liability": ("対人賠償", "対物賠償"),
    "earthquake": ("地震・噴火・津波",),
}

# Types that need a policy, and types whose first contact creates a follow-up with the customer.
POLICY_REQUIRED: frozenset[str] = frozenset(
    {T.CHANGE, T.ACCIDENT, T.POLICY_REISSUE, T.CERTIFICATE_REISSUE, T.CANCELLATION}
)
IDENTITY_REQUIRED: frozenset[str] = frozenset({T.POLICY_REISSUE, T.CERTIFICATE_REISSUE})


class IllegalTransition(ValueError):
    pass


def label(status: str) -> str:
    return str(S(status).label)


def next_statuses(case_type: str, status: str) -> list[str]:
    return sorted(TRANSITIONS[case_type].get(status, frozenset()), key=list(S.values).index)


def check_transition(case_type: str, current: str, target: str) -> None:
    """Raise IllegalTransition with a Japanese message when `current → target` is not allowed."""
    if target not in S.values:
        raise IllegalTransition(f"「{target}」という状態はありません。")
    if current in CLOSED_STATUSES:
        raise IllegalTransition(f"「{label(current)}」の案件の状態は変更できません。")
    if target == current:
        raise IllegalTransition(f"案件は既に「{label(current)}」です。")
    if target not in TRANSITIONS[case_type].get(current, frozenset()):
        allowed = "・".join(label(s) for s in next_statuses(case_type, current)) or "なし"
        raise IllegalTransition(
            f"{T(case_type).label}の案件は「{label(current)}」から「{label(target)}」に変更できません"
            f"(変更できる状態: {allowed})。"
        )


def validate_sub_type(case_type: str, sub_type: str) -> str | None:
    allowed = dict(SUB_TYPES[case_type])
    if sub_type not in allowed:
        names = "・".join(v for k, v in SUB_TYPES[case_type] if k) or "なし"
        return f"{T(case_type).label}の区分に「{sub_type}」は指定できません(指定できる区分: {names})。"
    return None


@dataclass
class CaseFacts:
    """What the services know about a case when it is about to be completed or move on."""

    case_type: str
    missing_documents: list[str] = field(default_factory=list)
    deficient_documents: list[str] = field(default_factory=list)
    identity_verified: bool = False
    complaint_cause: str = ""
    complaint_countermeasure: str = ""
    cancellation_outcome: str = ""
    cancellation_effective_date_set: bool = False
    has_claim: bool = False
    change_values_present: bool = False


def completion_problems(facts: CaseFacts, target: str) -> list[str]:
    """Why a case may not enter `target` (empty when it may). Messages are shown to staff."""
    problems: list[str] = []
    if target == S.AWAITING_ISSUE and not facts.identity_verified:
        problems.append("本人確認が完了していないため、発行待ちにできません。先に本人確認を記録してください。")
    if target not in (S.COMPLETED, S.AWAITING_ISSUE):
        return problems
    if facts.missing_documents:
        problems.append(f"必要書類が未着です: {'、'.join(facts.missing_documents)}")
    if facts.deficient_documents:
        problems.append(f"不備が解消していない書類があります: {'、'.join(facts.deficient_documents)}")
    if target != S.COMPLETED:
        return problems
    if facts.case_type == T.COMPLAINT:
        if not facts.complaint_cause.strip():
            problems.append("苦情は原因を記録しないと完了できません。")
        if not facts.complaint_countermeasure.strip():
            problems.append("苦情は対策を記録しないと完了できません。")
    if facts.case_type in IDENTITY_REQUIRED and not facts.identity_verified:
        problems.append("本人確認が完了していないため、完了できません。")
    if facts.case_type == T.CANCELLATION:
        if not facts.cancellation_outcome:
            problems.append("解約申出は結果(継続・条件変更して継続・解約)を記録しないと完了できません。")
        elif facts.cancellation_outcome == "cancelled" and not facts.cancellation_effective_date_set:
            problems.append("解約の場合は解約日を記録してください。")
    if facts.case_type == T.ACCIDENT and not facts.has_claim:
        problems.append("事故受付に事故(Claim)が登録されていません。")
    if facts.case_type == T.CHANGE and not facts.change_values_present:
        problems.append("異動の変更内容が記録されていません。")
    return problems
