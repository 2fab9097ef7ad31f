"""A year of cases for the demo: every type, with timelines, assignees, documents and outcomes.

Each case is simulated step by step the way the services move it (`cases.services`): the same
transitions (checked against `workflow.check_transition`), SLA due dates from the business calendar,
pauses while waiting for the customer (the due date extended by the business days waited), documents
received or 不備 with a follow-up task, handoffs, type panels and the same timeline wording. The
simulation stops at the reference date (`as_of`): what happens later is not written, so recent cases
are open, some overdue; a few cases are "forgotten" after their first steps (overdue, as in real life).

Rows are written with the demo's bulk writer (`writer.BulkWriter`: executemany / COPY) with explicit
ids, the "+" history row of every history-tracked row and, for cases that changed after intake, a
"~" history row of their final state by the last acting user. `Case.version` counts the changes that
the services bump, and the case numbering sequence is moved past the numbers used, so the app carries
on with demo cases (tests advance one through the services).

Reissues are simulated up to the moment the document is issued; `documents.documents_load` then
issues them through the real documents services at that moment (PDF, Document row, case → 完了).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import models, transaction
from django.db.models import Max

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.calendar import BusinessCalendar
from tsunagu.cases.choices import (
    CancellationOutcome,
    CancellationReason,
    CaseChannel,
    CaseStatus,
    CaseType,
    ChangeKind,
    EventKind,
    IdentityDocument,
    InquiryCategory,
    Priority,
    VerificationMethod,
)
from tsunagu.cases.models import (
    AccidentReport,
    CancellationRequest,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNumberSequence,
    CasePause,
    CaseTask,
    CaseTypeRule,
    ChangeRequest,
    ComplaintCategory,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
    RequiredDocument,
    RetentionGuidance,
)
from tsunagu.cases.workflow import ACCIDENT_TYPES, CLOSED_STATUSES, PAUSING_STATUSES, check_transition, label
from tsunagu.core import writes
from tsunagu.core.choices import DepartmentKind
from tsunagu.core.models import Department, User
from tsunagu.customers.models import Address, Customer, CustomerAgency, FormerName
from tsunagu.policies.choices import PaymentMethod, PolicyStatus
from tsunagu.policies.models import Claim, Coverage, Policy, Product
from tsunagu.policies.refund import refund_basis

from ..catalog import PLATE_KANA, VEHICLE_MODELS
from ..org import DEMO_USERS, OrgRefs
from ..places import PREFECTURE_TABLE
from ..writer import BulkWriter, Row, TableSpec, _history_spec, reset_sequences
from .faq import TOPICS, Topic

JST = dt.timedelta(hours=9)
HISTORY_REASON = "デモデータ投入"
PAGE = 2_000  # customers read and simulated per transaction

# Cases per customer per year (the rates a mid-size P&C book shows at a call center and back office).
RATES: dict[str, float] = {
    CaseType.INQUIRY: 0.10,
    CaseType.CHANGE: 0.055,
    CaseType.POLICY_REISSUE: 0.004,
    CaseType.COMPLAINT: 0.005,
    CaseType.CANCELLATION: 0.014,
}
ACCIDENT_CASE_SHARE = 0.25  # of the claims reported in the year: the ones first reported by phone/web/agency here
CERTIFICATE_RATE = 0.03  # per customer with earthquake cover, per year (seasonal)
STUCK_SHARE = 0.06  # cases opened in the last 180 days left in 対応中 after the first step (対応漏れ)

CASE_COLUMNS = (
    "id", "number", "case_type", "sub_type", "channel", "customer_id", "policy_id", "claim_id", "subject",
    "description", "priority", "status", "is_open", "assignee_id", "department_id", "agency_id", "opened_on",
    "due_date", "paused_since", "paused_business_days", "closed_at", "resolution_summary", "created_by_id",
    "created_at", "updated_at", "version",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "at", "actor_id", "kind", "summary", "body", "data")
DOCUMENT_COLUMNS = ("id", "case_id", "name", "is_required", "received_on", "deficiency_note", "deficiency_resolved")
TASK_COLUMNS = ("id", "case_id", "title", "department_id", "assignee_id", "due_date", "done_at", "created_at")
PAUSE_COLUMNS = ("id", "case_id", "status", "started_on", "ended_on", "business_days")
CHANGE_COLUMNS = (
    "id", "case_id", "new_values", "effective_date", "premium_difference", "applied_at", "previous_values",
)  # fmt: skip
ACCIDENT_COLUMNS = (
    "id", "case_id", "occurred_at", "place", "line", "accident_type", "description", "parties", "injuries",
    "police_report_number", "agency_first_contact", "coverage_warnings",
)  # fmt: skip
IDENTITY_COLUMNS = ("id", "case_id", "method", "document_type", "verified_by_id", "verified_at", "note")
INQUIRY_COLUMNS = ("id", "case_id", "category", "question", "answer")
COMPLAINT_COLUMNS = (
    "id", "case_id", "category_id", "customer_request", "fact_finding", "cause", "countermeasure", "explained_on",
    "explained_by_id", "apologized", "adr_referred_on", "adr_reference", "adr_outcome", "recurrence_prevention",
)  # fmt: skip
CANCELLATION_COLUMNS = (
    "id", "case_id", "reason", "reason_text", "competitor", "offer_made", "outcome", "effective_date", "refund_note",
)  # fmt: skip

# Table name → (model, columns, whether it has history), in insert order (parents first).
TABLES: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "cases": (Case, CASE_COLUMNS),
    "case_events": (CaseEvent, EVENT_COLUMNS),
    "case_documents": (CaseDocument, DOCUMENT_COLUMNS),
    "case_tasks": (CaseTask, TASK_COLUMNS),
    "case_pauses": (CasePause, PAUSE_COLUMNS),
    "change_requests": (ChangeRequest, CHANGE_COLUMNS),
    "accident_reports": (AccidentReport, ACCIDENT_COLUMNS),
    "identity_verifications": (IdentityVerification, IDENTITY_COLUMNS),
    "inquiries": (InquiryDetail, INQUIRY_COLUMNS),
    "complaints": (ComplaintDetail, COMPLAINT_COLUMNS),
    "cancellations": (CancellationRequest, CANCELLATION_COLUMNS),
}
ID_TABLES = tuple(name for name in TABLES if name != "case_events")


class Stop(Exception):
    """The simulation reached the reference date (or the moment the case was forgotten)."""


class PolicyInfo(NamedTuple):
    id: int
    number: str
    line: str
    status: str
    inception: dt.date
    expiry: dt.date
    agency_id: int | None
    payment_method: str
    payment_frequency: str
    product_id: int
    annual_premium: int
    term_years: int


class ClaimInfo(NamedTuple):
    id: int
    number: str
    policy_id: int
    accident_date: dt.date
    place: str
    accident_type: str
    reported_on: dt.date
    reported_via: str
    handler_id: int | None


@dataclass
class Issue:
    """A reissue the documents step performs through the documents services at `at` (JST, naive)."""

    kind: str  # CaseType.POLICY_REISSUE / CERTIFICATE_REISSUE
    case_id: int
    actor_id: int
    at: dt.datetime
    delivery_channel: str
    tax_year: int | None = None


@dataclass
class Generated:
    issued: list[Issue] = field(default_factory=list)
    cancelled_policies: list[tuple[int, dt.date, dt.datetime, int]] = field(default_factory=list)


@dataclass
class Refs:
    """Reference data read once: departments, users, rules, documents, categories, guidance, FAQ."""

    departments: dict[str, tuple[int, str]]  # kind → (id, name): the queue_for() department
    users: dict[str, tuple[int, str]]  # username → (id, str(user))
    agency_staff: dict[int, str]  # agency id → username
    rules: dict[tuple[str, str], tuple[int, str]]  # (type, sub_type) → (SLA business days, queue kind)
    documents: dict[tuple[str, str], list[str]]
    complaint_categories: list[tuple[int, str, str]]  # (id, parent code, name) of level-2 categories
    guidance: dict[tuple[str, str], list[str]]  # (reason, line) → offers
    article_ids: dict[str, int]
    refund_methods: dict[int, str]  # product id → 短期率/月割

    def rule(self, case_type: str, sub_type: str) -> tuple[int, str]:
        return self.rules.get((case_type, sub_type)) or self.rules[(case_type, "")]

    def docs(self, case_type: str, sub_type: str) -> list[str]:
        names = self.documents.get((case_type, ""), []) + (
            self.documents.get((case_type, sub_type), []) if sub_type else []
        )
        return names

    def user(self, username: str) -> int:
        return self.users[username][0]


def _refs(org: OrgRefs, article_ids: dict[str, int]) -> Refs:
    departments: dict[str, tuple[int, str]] = {}
    for kind in DepartmentKind:
        department = Department.objects.filter(kind=kind).order_by("code").first()
        if department is not None:
            departments[kind.value] = (department.pk, department.name)
    users = {name: (user.pk, str(user)) for name, user in org.users.items()}
    agency_staff: dict[int, str] = {}
    for demo in DEMO_USERS:
        user = org.users.get(demo.username)
        if user is not None and demo.agency_index is not None and user.agency_id is not None:
            agency_staff.setdefault(user.agency_id, demo.username)
    rules = {
        (t, s): (days, kind)
        for t, s, days, kind in CaseTypeRule.objects.values_list(
            "case_type", "sub_type", "sla_business_days", "queue_kind"
        )
    }
    documents: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t, s, name in (
        RequiredDocument.objects.filter(is_active=True)
        .order_by("order", "id")
        .values_list("case_type", "sub_type", "name")
    ):
        documents[(t, s)].append(name)
    categories = [
        (pk, parent_code or "", name)
        for pk, parent_code, name in ComplaintCategory.objects.filter(is_active=True, parent__isnull=False)
        .order_by("order", "code")
        .values_list("id", "parent__code", "name")
    ]
    guidance: dict[tuple[str, str], list[str]] = defaultdict(list)
    for g in RetentionGuidance.objects.filter(is_active=True).order_by("order", "id"):
        guidance[(g.reason, g.line)].extend(g.offer_list)
    return Refs(
        departments=departments,
        users=users,
        agency_staff=agency_staff,
        rules=rules,
        documents=dict(documents),
        complaint_categories=categories,
        guidance=dict(guidance),
        article_ids=article_ids,
        refund_methods=dict(Product.objects.values_list("id", "refund_method")),
    )


# --- texts -------------------------------------------------------------------------------------

COVERAGE_CHANGES: dict[str, tuple[tuple[str, int, int], ...]] = {
    # line → (what changes, premium difference low/high in yen; negative = 返戻)
    "auto": (
        ("車両保険を一般型からエコノミー型(車対車+A)に変更", -32000, -12000),
        ("弁護士費用特約を追加", 1800, 3200),
        ("運転者限定を本人・配偶者限定から家族限定に変更", 2500, 9000),
        ("年齢条件を26歳以上補償から21歳以上補償に変更(子の免許取得)", 18000, 52000),
        ("車両保険の免責金額を0-10万円から5-10万円に変更", -9000, -3000),
    ),
    "fire": (
        ("地震保険を中途付帯(建物・家財)", 8000, 36000),
        ("家財の保険金額を500万円から800万円に増額", 2000, 6000),
        ("水災補償を追加", 6000, 18000),
        ("破損・汚損の補償を外す", -5000, -1500),
    ),
    "": (("個人賠償責任特約を追加", 1500, 2500), ("入院保険金日額を5,000円から7,000円に増額", 3000, 8000)),
}
OTHER_CHANGES: tuple[str, ...] = (
    "記名被保険者を配偶者に変更",
    "使用目的を日常・レジャーから通勤・通学に変更",
    "建物の用途変更(住宅から店舗併用住宅)",
    "増築(床面積 20㎡)の通知",
    "被保険者の職業変更の通知",
)
COMPLAINTS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # parent category code → (what the customer said, the request, cause, countermeasure)
    "C1": (
        (
            "契約時に車両保険の免責金額について説明がなく、修理費の自己負担に納得できない。",
            "説明不足を認めて謝罪してほしい。今後の説明方法を改善してほしい。",
            "募集時に重要事項説明書の免責金額の欄を口頭で説明していなかった(代理店)。",
            "代理店に重要事項説明の手順を再教育し、免責金額を説明したことを確認する欄を申込書に追加した。",
        ),
        (
            "電話の担当者の言葉づかいが高圧的だった。",
            "担当者を指導してほしい。",
            "繁忙時間帯に応対者が確認を急ぎ、お客さまの話を遮った。",
            "応対者へのフィードバックと、センター全体での応対品質研修を実施した。",
        ),
    ),
    "C2": (
        (
            "住所変更を依頼したのに、満期案内が旧住所に届いた。",
            "個人情報が旧住所に送られたことへの説明と再発防止を求める。",
            "異動届の受付後、入力が期限内に行われず、発送データに反映されなかった。",
            "異動の入力期限を管理する一覧を毎朝確認する手順を追加し、発送前に異動中の契約を照合するようにした。",
        ),
        (
            "解約したのに翌月も保険料が引き落とされた。",
            "引き落とされた保険料をすぐに返金してほしい。",
            "解約日の入力が引落データの締め日に間に合わなかった。",
            "締め日直前の解約を当日中に引落停止する連絡手順を定め、返金を即日手配した。",
        ),
        (
            "名義変更の手続が1か月以上終わらない。",
            "いつ終わるのか連絡がほしい。",
            "書類不備の連絡が担当者の不在で止まっていた。",
            "不備連絡を部署のタスクとして登録し、担当者不在でも期限で追跡するようにした。",
        ),
    ),
    "C3": (
        (
            "事故の連絡をしてから1週間、担当者から連絡がない。",
            "早く連絡がほしい。対応の遅れについて説明してほしい。",
            "担当者の引継ぎ時に初回連絡のタスクが登録されていなかった。",
            "引継ぎ時に初回連絡期限を必ず登録するよう手順を改め、未連絡の事故を毎日確認することにした。",
        ),
        (
            "提示された修理費の支払額が見積りより少なく、理由の説明もない。",
            "支払額の根拠を書面で説明してほしい。",
            "損害額の査定根拠をお客さまに書面で示していなかった。",
            "支払額が見積りと異なる場合は査定根拠を書面で送付する運用に変更した。",
        ),
        (
            "台風の被害が支払対象外と言われたが納得できない。",
            "支払対象外の理由を約款に沿って説明してほしい。",
            "補償対象外(経年劣化)と判断した根拠の説明が口頭のみだった。",
            "対象外の判断を伝える際は約款の該当条項と写真による根拠を書面で示すことにした。",
        ),
    ),
    "C4": (
        (
            "自分宛ての控除証明書に他人の契約が記載されていた。",
            "原因と、他人に自分の情報が送られていないか説明してほしい。",
            "名寄せの誤りで別の顧客の契約が同一人物として集約されていた。",
            "該当する名寄せを解除し、同姓同名で生年月日が異なる候補を自動で統合しない設定にした。",
        ),
    ),
    "C9": (
        (
            "コールセンターの電話がつながるまで30分以上待たされた。",
            "待ち時間を改善してほしい。",
            "年末調整の時期に控除証明書の問い合わせが集中した。",
            "繁忙期の応対人員を増やし、控除証明書の再発行をWebでも受け付けるよう案内を強化した。",
        ),
    ),
}
CANCELLATION_REASONS: tuple[tuple[str, float, str], ...] = (
    (CancellationReason.SOLD, 0.28, "車を手放すことになった"),
    (CancellationReason.SWITCH, 0.22, "他社の見積りの方が安かった"),
    (CancellationReason.PREMIUM_BURDEN, 0.2, "更新後の保険料の負担が大きい"),
    (CancellationReason.DUPLICATE, 0.1, "家族の契約と補償が重複していた"),
    (CancellationReason.DISSATISFIED, 0.08, "事故対応に不満がある"),
    (CancellationReason.OTHER, 0.12, "海外赴任のため"),
)
_C, _R, _RC = CancellationOutcome.CANCELLED, CancellationOutcome.RETAINED, CancellationOutcome.RETAINED_CHANGED
OUTCOME_ROTATION: tuple[str, ...] = (_C, _C, _R, _C, _C, _RC, _C, _C, _R, _C, _C)  # 継続 2, 条件変更 1 of 11
COMPETITORS = ("ダイレクト型の損保(ネット契約)", "勤務先の団体扱", "銀行窓口で勧められた保険", "")
REISSUE_REASONS = ("紛失", "引越しの際に紛失", "汚損(水濡れ)", "家族が誤って処分")
ACCIDENT_DETAILS: dict[str, tuple[str, str, str]] = {
    # line → (parties, injuries, police report prefix)
    "auto": ("相手方: 自家用車(運転者1名)", "けが人なし", "届出済 受理番号"),
    "fire": ("", "", ""),
    "personal_accident": ("", "通院中", ""),
}


def _pick_weighted(rng: random.Random, items: tuple[tuple[str, float, str], ...]) -> tuple[str, float, str]:
    roll = rng.random() * sum(w for _, w, _ in items)
    for item in items:
        roll -= item[1]
        if roll <= 0:
            return item
    return items[-1]


# --- the simulation of one case -----------------------------------------------------------------


class Sim:
    """One case moving through the workflow; every step is checked like the services check it."""

    def __init__(
        self,
        g: CaseGenerator,
        *,
        case_type: str,
        sub_type: str,
        channel: str,
        customer_id: int,
        policy: PolicyInfo | None,
        subject: str,
        description: str,
        opened: dt.datetime,
        created_by: str,
        agency_id: int | None,
        priority: str = Priority.NORMAL,
        claim_id: int | None = None,
    ) -> None:
        self.g = g
        self.refs = g.refs
        self.cal = g.cal
        self.id = g.next_id("cases")
        self.case_type, self.sub_type = case_type, sub_type
        self.t = opened
        days, kind = self.refs.rule(case_type, sub_type)
        department: tuple[int | None, str] = self.refs.departments.get(kind, (None, "未設定"))
        self.department_id, self.department_name = department
        opened_on = opened.date()
        self.number = g.case_number(opened_on)
        self.due_date = self.cal.add_business_days(opened_on, days)
        self.created_by = self.refs.user(created_by)
        self.last_actor = self.created_by
        self.row: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "case_type": case_type,
            "sub_type": sub_type,
            "channel": channel,
            "customer_id": customer_id,
            "policy_id": policy.id if policy else None,
            "claim_id": claim_id,
            "subject": subject,
            "description": description,
            "priority": priority,
            "status": CaseStatus.RECEIVED,
            "is_open": True,
            "assignee_id": None,
            "department_id": self.department_id,
            "agency_id": agency_id,
            "opened_on": opened_on,
            "due_date": self.due_date,
            "paused_since": None,
            "paused_business_days": 0,
            "closed_at": None,
            "resolution_summary": "",
            "created_by_id": self.created_by,
            "created_at": _utc(opened),
            "updated_at": _utc(opened),
            "version": 1,
        }
        self.initial = dict(self.row)
        self.events: list[Row] = []
        self.documents: list[dict[str, Any]] = [
            {
                "id": g.next_id("case_documents"),
                "name": name,
                "received_on": None,
                "deficiency_note": "",
                "deficiency_resolved": False,
            }
            for name in self.refs.docs(case_type, sub_type)
        ]
        self.tasks: list[dict[str, Any]] = []
        self.pauses: list[dict[str, Any]] = []
        self.panels: dict[str, dict[str, Any]] = {}
        self.articles: list[int] = []
        self.departments_involved: list[int] = []
        self.completion: Any = None  # what completing does for this type (the services' apply_*)
        self.stuck = False  # left in 対応中 after the first step (a forgotten case)
        self.cutoff = g.cutoff
        self.event(
            EventKind.CREATED,
            f"{CaseType(case_type).label}を受け付けた(担当: {self.department_name}、期限 {self.due_date:%Y/%m/%d})",
            body=description,
            data={"channel": channel, "sub_type": sub_type},
            actor=self.created_by,
        )

    # time
    def later(self, lo: int = 5, hi: int = 90) -> Sim:
        """Some minutes later, on the next business morning when the office has closed."""
        self.t += dt.timedelta(minutes=self.g.rng.randint(lo, hi))
        if self.t.hour >= 18:
            self.t = self._morning(self.cal.add_business_days(self.t.date(), 1))
        self._check()
        return self

    def days(self, lo: int, hi: int | None = None) -> Sim:
        """`lo`–`hi` business days later, in office hours."""
        n = self.g.rng.randint(lo, hi if hi is not None else lo)
        if n:
            self.t = self._morning(self.cal.add_business_days(self.t.date(), n))
        else:
            self.later()
        self._check()
        return self

    def _morning(self, day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, 9) + dt.timedelta(minutes=self.g.rng.randint(0, 480))

    def _check(self) -> None:
        if self.t >= self.cutoff:
            raise Stop

    @property
    def today(self) -> dt.date:
        return self.t.date()

    # steps (what the services do)
    def event(
        self,
        kind: str,
        summary: str,
        *,
        body: str = "",
        data: dict[str, Any] | None = None,
        actor: int | None = None,
        bump: bool = False,
    ) -> None:
        actor = actor if actor is not None else self.last_actor
        self.events.append(
            (self.id, _utc(self.t), actor, kind, summary[:300], body, json.dumps(data or {}, ensure_ascii=False))
        )
        if bump:
            self.row["version"] += 1
            self.row["updated_at"] = _utc(self.t)
            self.last_actor = actor

    def assign(self, username: str | None, actor: int) -> None:
        self.row["assignee_id"] = self.refs.user(username) if username else None
        name = self.refs.users[username][1] if username else "未設定"
        self.event(EventKind.ASSIGN, f"担当者を{name}にした", actor=actor, bump=True)

    def transition(self, to: str, actor: int, *, note: str = "", resolution: str = "") -> None:
        old = self.row["status"]
        check_transition(self.case_type, old, to)  # a wrong demo flow fails loudly
        if old in PAUSING_STATUSES and to not in PAUSING_STATUSES:
            self._resume(actor)
        if to in PAUSING_STATUSES and self.row["paused_since"] is None:
            self.row["paused_since"] = self.today
            self.pauses.append(
                {
                    "id": self.g.next_id("case_pauses"),
                    "status": to,
                    "started_on": self.today,
                    "ended_on": None,
                    "days": 0,
                }
            )
            self.event(EventKind.PAUSE, f"お客さま待ちのため期限を停止した({label(to)})", actor=actor)
        if to == CaseStatus.COMPLETED:
            self.on_complete(actor)
        self.row["status"] = to
        self.row["is_open"] = to not in CLOSED_STATUSES
        if not self.row["is_open"]:
            self.row["closed_at"] = _utc(self.t)
            self.row["resolution_summary"] = resolution
        self.event(
            EventKind.STATUS,
            f"状態を「{label(old)}」から「{label(to)}」に変更した",
            body=note or resolution,
            data={"from": old, "to": to},
            actor=actor,
            bump=True,
        )
        if self.stuck and to == CaseStatus.IN_PROGRESS:
            raise Stop

    def on_complete(self, actor: int) -> None:
        if self.completion is not None:
            self.completion(actor)

    def _resume(self, actor: int) -> None:
        since = self.row["paused_since"]
        if since is None:
            return
        waited = self.cal.business_days_between(since, self.today)
        for pause in self.pauses:
            if pause["ended_on"] is None:
                pause["ended_on"], pause["days"] = self.today, waited
        old_due = self.row["due_date"]
        self.row["due_date"] = self.cal.add_business_days(old_due, waited)
        self.row["paused_business_days"] += waited
        self.row["paused_since"] = None
        self.event(
            EventKind.RESUME,
            f"期限を再開した(停止 {waited}営業日、期限 {old_due:%Y/%m/%d} → {self.row['due_date']:%Y/%m/%d})",
            actor=actor,
        )

    def handoff(self, kind: str, reason: str, actor: int) -> None:
        department_id, name = self.refs.departments[kind]
        old = self.department_name
        if self.row["status"] != CaseStatus.ESCALATED:
            check_transition(self.case_type, self.row["status"], CaseStatus.ESCALATED)
            self.row["status"] = CaseStatus.ESCALATED
        self.row["department_id"], self.department_name = department_id, name
        self.row["assignee_id"] = None
        self.event(
            EventKind.HANDOFF,
            f"「{old}」から「{name}」へ取次いだ",
            body=reason,
            data={"to": department_id},
            actor=actor,
            bump=True,
        )
        self.tasks.append(
            {
                "id": self.g.next_id("case_tasks"),
                "title": f"取次を受けた案件 {self.number} を確認する",
                "department_id": department_id,
                "assignee_id": None,
                "due_date": self.cal.add_business_days(self.today, 1),
                "done_at": None,
                "created_at": _utc(self.t),
            }
        )

    def receive(self, index: int, actor: int) -> None:
        doc = self.documents[index]
        doc["received_on"] = self.today
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」を受領した({self.today:%Y/%m/%d})", actor=actor, bump=True)

    def deficiency(self, index: int, note: str, actor: int) -> dict[str, Any]:
        doc = self.documents[index]
        doc["deficiency_note"], doc["deficiency_resolved"] = note, False
        task = {
            "id": self.g.next_id("case_tasks"),
            "title": f"不備書類「{doc['name']}」の再提出を依頼する",
            "department_id": self.row["department_id"],
            "assignee_id": self.row["assignee_id"],
            "due_date": self.cal.add_business_days(self.today, 2),
            "done_at": None,
            "created_at": _utc(self.t),
        }
        self.tasks.append(task)
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」に不備: {note}", actor=actor, bump=True)
        return task

    def resolve(self, index: int, actor: int) -> None:
        doc = self.documents[index]
        doc["deficiency_resolved"] = True
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」の不備が解消した", actor=actor, bump=True)

    def task_done(self, task: dict[str, Any], actor: int) -> None:
        task["done_at"] = _utc(self.t)
        self.event(EventKind.TASK, f"タスク「{task['title']}」を完了した", actor=actor, bump=True)

    def note(self, text: str, actor: int) -> None:
        self.event(EventKind.NOTE, text[:80], body=text, actor=actor)

    def collect_documents(self, actor: int, *, deficiency_rate: float = 0.12, wait: tuple[int, int] = (3, 12)) -> None:
        """書類待ち → every document back (one of them perhaps with a 不備 fixed later) → 対応中."""
        rng = self.g.rng
        self.transition(
            CaseStatus.AWAITING_DOCUMENTS, actor, note=f"{'・'.join(d['name'] for d in self.documents)}を送付した"
        )
        self.days(*wait)
        for index in range(len(self.documents)):
            self.receive(index, actor)
        if self.documents and rng.random() < deficiency_rate:
            index = rng.randrange(len(self.documents))
            self.later()
            task = self.deficiency(index, rng.choice(DEFICIENCIES), actor)
            self.days(2, 8)
            self.resolve(index, actor)
            self.later()
            self.task_done(task, actor)
        self.later()
        self.transition(CaseStatus.IN_PROGRESS, actor)

    def receive_all(self, actor: int) -> None:
        for index in range(len(self.documents)):
            self.receive(index, actor)


OLD_TOWNS = ("本町", "緑町", "栄町", "旭町", "中央", "桜台", "若葉", "東町", "西町", "南町", "北町", "新町")
OLD_BUILDINGS = ("コーポ", "ハイツ", "メゾン", "グランドハイツ", "パークサイド", "サンライズ")
DEFICIENCIES = (
    "押印漏れ",
    "記入漏れ(異動日)",
    "口座名義とご契約者名が不一致",
    "本人確認書類の有効期限切れ",
    "車検証の写しが不鮮明",
    "訂正箇所に訂正印なし",
)


def _utc(local: dt.datetime) -> dt.datetime:
    return local - JST


# --- the generator ------------------------------------------------------------------------------


class CaseGenerator:
    def __init__(self, *, seed: str, as_of: dt.date, refs: Refs, cal: BusinessCalendar) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.refs = refs
        self.cal = cal
        self.cutoff = dt.datetime(as_of.year, as_of.month, as_of.day)  # JST midnight: nothing from as_of on
        self.start = as_of - dt.timedelta(days=365)
        self.ids = self._next_ids()
        self.sequences = dict(CaseNumberSequence.objects.values_list("year", "last"))
        self.numbers_used: dict[int, int] = {}
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.history: dict[str, list[tuple[Row, dt.datetime, int, str]]] = defaultdict(list)
        self.m2m_articles: list[Row] = []
        self.m2m_departments: list[Row] = []
        self.generated = Generated()
        self.business_days = [
            self.start + dt.timedelta(days=i)
            for i in range(1, 365)
            if self.cal.is_business_day(self.start + dt.timedelta(days=i))
        ]
        self.reissued_policies: set[int] = set()
        self.cancelled_ids: set[int] = set()
        self.outcome_turn = self.rng.randrange(len(OUTCOME_ROTATION))
        self.old_addresses: list[Row] = []  # former addresses of completed 住所変更 (non-primary)
        self.rates: dict[str, float] = _rates(10_000)
        self.adr_left = 2

    def _next_ids(self) -> dict[str, int]:
        return {name: (TABLES[name][0].objects.aggregate(top=Max("id"))["top"] or 0) + 1 for name in ID_TABLES}

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def old_address(self, prefecture: str) -> tuple[str, str, str, str, str]:
        """Where the customer lived before the move: often the same prefecture, another city."""
        rng = self.rng
        same = [p for p in PREFECTURE_TABLE if p.name == prefecture]
        pref = same[0] if same and rng.random() < 0.6 else PREFECTURE_TABLE[rng.randrange(len(PREFECTURE_TABLE))]
        city = rng.choice(pref.cities)[0]
        postal = f"{rng.randint(pref.postal_from, pref.postal_to):03d}{rng.randint(0, 9999):04d}"
        street = f"{rng.choice(OLD_TOWNS)}{rng.randint(1, 6)}-{rng.randint(1, 30)}-{rng.randint(1, 25)}"
        building = (
            f"{rng.choice(OLD_BUILDINGS)} {rng.randint(1, 9)}0{rng.randint(1, 9)}号室" if rng.random() < 0.5 else ""
        )
        return postal, pref.name, city, street, building

    def case_number(self, opened_on: dt.date) -> str:
        year = opened_on.year
        last = self.sequences.get(year, 0) + 1
        self.sequences[year] = last
        self.numbers_used[year] = last
        return f"C-{year}-{last:06d}"

    # --- choosing dates and people
    def opened_at(self, *, day: dt.date | None = None) -> dt.datetime:
        day = day or self.rng.choice(self.business_days)
        return dt.datetime(day.year, day.month, day.day, 9) + dt.timedelta(minutes=self.rng.randint(0, 500))

    def intake(self, customer_agencies: list[int], policy: PolicyInfo | None) -> tuple[str, str, int | None]:
        """(created_by username, channel, agency of the case). Agency staff take their own customers'
        requests about their own policies (or without a policy) in a third of the cases."""
        rng = self.rng
        agency_id = policy.agency_id if policy is not None else None
        for agency in customer_agencies:
            staff = self.refs.agency_staff.get(agency)
            own = policy is None or policy.agency_id == agency
            if staff and own and rng.random() < 0.35:
                return staff, rng.choice((CaseChannel.IN_PERSON, CaseChannel.PHONE)), agency_id or agency
        roll = rng.random()
        channel = (
            CaseChannel.PHONE
            if roll < 0.7
            else CaseChannel.WEB
            if roll < 0.82
            else CaseChannel.EMAIL
            if roll < 0.92
            else CaseChannel.POST
        )
        return rng.choice(("operator", "operator2")), channel, agency_id

    # --- writing the simulated case
    def finish(self, sim: Sim) -> None:
        row = sim.row
        self.rows["cases"].append(tuple(row[c] for c in CASE_COLUMNS))
        initial = dict(sim.initial)
        self.history["cases"].append(
            (tuple(initial[c] for c in CASE_COLUMNS), sim.initial["created_at"], sim.created_by, "+")
        )
        if row["version"] > 1 or row["status"] != CaseStatus.RECEIVED:
            self.history["cases"].append((tuple(row[c] for c in CASE_COLUMNS), row["updated_at"], sim.last_actor, "~"))
        self.rows["case_events"].extend(sim.events)
        created = sim.initial["created_at"]
        for doc in sim.documents:
            self._add(
                "case_documents",
                (
                    doc["id"],
                    sim.id,
                    doc["name"],
                    True,
                    doc["received_on"],
                    doc["deficiency_note"],
                    doc["deficiency_resolved"],
                ),
                created,
                sim.created_by,
            )
        for task in sim.tasks:
            self._add(
                "case_tasks",
                (
                    task["id"],
                    sim.id,
                    task["title"],
                    task["department_id"],
                    task["assignee_id"],
                    task["due_date"],
                    task["done_at"],
                    task["created_at"],
                ),
                task["created_at"],
                sim.last_actor,
            )
        for pause in sim.pauses:
            self._add(
                "case_pauses",
                (pause["id"], sim.id, pause["status"], pause["started_on"], pause["ended_on"], pause["days"]),
                created,
                sim.last_actor,
            )
        for table, values in sim.panels.items():
            columns = TABLES[table][1]
            panel_row = (self.next_id(table), sim.id, *(values[c] for c in columns[2:]))
            self._add(table, panel_row, created, sim.created_by)
            if table == "inquiries":
                self.m2m_articles.extend((panel_row[0], article) for article in sim.articles)
            elif table == "complaints":
                self.m2m_departments.extend((panel_row[0], department) for department in sim.departments_involved)

    def _add(self, table: str, row: Row, when: dt.datetime, user: int, kind: str = "+") -> None:
        self.rows[table].append(row)
        self.history[table].append((row, when, user, kind))

    # --- the flows, one per case type (the order of steps the services allow) ---------------------
    def _run(self, sim: Sim, flow: Any, *, stuck_allowed: bool = True) -> None:
        if stuck_allowed and (self.as_of - sim.row["opened_on"]).days <= 180 and self.rng.random() < STUCK_SHARE:
            # Forgotten once someone started on it: nothing more happens (対応漏れ once the due date passes).
            sim.stuck = True
        with contextlib.suppress(Stop):
            flow(sim)
        self.finish(sim)

    def inquiry(self, c: CustomerFacts) -> None:
        rng = self.rng
        lines = {p.line for p in c.policies}
        candidates = [t for t in TOPICS if not t.lines or lines & set(t.lines)]
        topic: Topic = rng.choices(candidates, weights=[t.weight for t in candidates])[0]
        matching = [p for p in c.policies if not topic.lines or p.line in topic.lines]
        policy = rng.choice(matching) if matching and (topic.lines or rng.random() < 0.5) else None
        created_by, channel, agency = self.intake(c.agencies, policy)
        question = rng.choice(topic.questions)
        sim = Sim(
            self,
            case_type=CaseType.INQUIRY,
            sub_type=topic.category,
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=question[:60],
            description=f"{question}とのお問い合わせ。",
            opened=self.opened_at(),
            created_by=created_by,
            agency_id=agency,
        )
        sim.panels["inquiries"] = {"category": topic.category, "question": question, "answer": ""}
        refs = self.refs

        def flow(sim: Sim) -> None:
            actor = refs.user(created_by)
            sim.later(1, 15)
            sim.assign(created_by, actor)
            sim.transition(CaseStatus.IN_PROGRESS, actor)
            if rng.random() < 0.12:
                kind = DepartmentKind.CLAIMS if topic.category == InquiryCategory.CLAIM else DepartmentKind.POLICY_ADMIN
                sim.later()
                sim.handoff(kind, "契約内容の確認が必要なため、担当部署から回答する。", actor)
                sim.days(1, 3)
                username = "claims" if kind == DepartmentKind.CLAIMS else "policy_admin"
                actor = refs.user(username)
                sim.assign(username, actor)
                sim.transition(CaseStatus.IN_PROGRESS, actor)
                sim.task_done(sim.tasks[-1], actor)
                sim.later(20, 180)
            elif rng.random() < 0.25:
                sim.days(1, 2)
                sim.note("確認のうえ折り返すとお伝えし、翌営業日に折り返した。", actor)
            else:
                sim.later(3, 25)
            sim.panels["inquiries"]["answer"] = topic.answer
            if rng.random() < 0.8 and topic.key in refs.article_ids:
                sim.articles = [refs.article_ids[topic.key]]
            sim.event(EventKind.DETAIL, "回答を記録した", body=topic.answer, actor=actor, bump=True)
            sim.later(1, 10)
            sim.transition(CaseStatus.COMPLETED, actor, resolution=topic.answer)

        self._run(sim, flow)

    def change(self, c: CustomerFacts) -> None:
        rng = self.rng
        in_force = [p for p in c.policies if p.status == PolicyStatus.IN_FORCE]
        if not in_force:
            return
        roll = rng.random()
        sub = (
            ChangeKind.ADDRESS
            if roll < 0.34
            else ChangeKind.VEHICLE
            if roll < 0.54
            else ChangeKind.PAYMENT
            if roll < 0.72
            else ChangeKind.COVERAGE
            if roll < 0.84
            else ChangeKind.NAME
            if roll < 0.9
            else ChangeKind.OTHER
        )
        autos = [p for p in in_force if p.line == "auto"]
        payable = [p for p in in_force if p.payment_method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.CREDIT_CARD)]
        opened = self.opened_at()
        if sub == ChangeKind.NAME:
            if c.former is None or not (
                self.start < c.former[0] + dt.timedelta(days=5) < self.as_of - dt.timedelta(days=1)
            ):
                sub = ChangeKind.ADDRESS
            else:
                day = c.former[0] + dt.timedelta(days=rng.randint(5, 40))
                day = min(day, self.as_of - dt.timedelta(days=1))
                while not self.cal.is_business_day(day) and day > c.former[0]:
                    day -= dt.timedelta(days=1)
                opened = self.opened_at(day=day)
        if sub == ChangeKind.VEHICLE and not autos:
            sub = ChangeKind.COVERAGE
        if sub == ChangeKind.PAYMENT and not payable:
            sub = ChangeKind.OTHER
        if sub == ChangeKind.ADDRESS and c.address is None:
            sub = ChangeKind.OTHER
        policy = rng.choice(autos if sub == ChangeKind.VEHICLE else payable if sub == ChangeKind.PAYMENT else in_force)
        difference: int | None = None
        previous: dict[str, str] = {}  # what apply_change keeps as previous_values
        old_address: tuple[str, ...] | None = None
        effective = opened.date() + dt.timedelta(days=rng.randint(-10, 20))
        if sub == ChangeKind.ADDRESS:
            assert c.address is not None
            postal, prefecture, city, street, building = c.address
            values = {"postal_code": postal, "prefecture": prefecture, "city": city, "street": street}
            if building:
                values["building"] = building
            old_address = self.old_address(prefecture)
            previous = {
                key: value
                for key, value in zip(
                    ("postal_code", "prefecture", "city", "street", "building"), old_address, strict=True
                )
                if value
            }
            subject = "住所変更(転居)"
            description = f"{prefecture}{city}へ転居されたため、住所変更のご依頼。"
            applied = "住所を変更した"
            effective = opened.date() - dt.timedelta(days=rng.randint(0, 20))
        elif sub == ChangeKind.NAME:
            assert c.former is not None
            values = {"name": c.name, "name_kana": c.name_kana, "reason": c.former[1]}
            previous = {"name": c.former[2], "name_kana": c.former[3]}
            subject = "氏名変更"
            description = f"ご結婚等により氏名が「{c.former[2]}」から「{c.name}」に変わったため、氏名変更のご依頼。"
            applied = f"氏名を「{c.name}」に変更した"
            effective = c.former[0]
        elif sub == ChangeKind.PAYMENT:
            values = {"payment_method": policy.payment_method, "payment_frequency": policy.payment_frequency}
            before = (
                PaymentMethod.PAYMENT_SLIP if policy.payment_method != PaymentMethod.PAYMENT_SLIP else "bank_transfer"
            )
            previous = {"payment_method": str(before), "payment_frequency": policy.payment_frequency}
            subject = "払込方法の変更"
            description = f"保険料の払込方法を「{PaymentMethod(policy.payment_method).label}」に変更したいとのご依頼。"
            applied = "払込方法を変更した"
        elif sub == ChangeKind.VEHICLE:
            model = rng.choice(VEHICLE_MODELS)[0]
            plates = PREFECTURE_TABLE[rng.randrange(len(PREFECTURE_TABLE))].plates
            number = f"{rng.randint(1, 99):>2}-{rng.randint(0, 99):02d}"
            plate = f"{rng.choice(plates)} {rng.randint(300, 599)} {rng.choice(PLATE_KANA)} {number}"
            values = {"model_name": model, "registration_number": plate}
            subject = "車両入替"
            description = f"{model}への買い替えに伴う車両入替のご依頼(納車予定 {effective:%m月%d日})。"
            applied = "変更内容を記録した(契約内容への反映は契約計上で行う)"
            difference = rng.randint(-15, 30) * 1000
        elif sub == ChangeKind.COVERAGE:
            options = COVERAGE_CHANGES.get(policy.line) or COVERAGE_CHANGES[""]
            what, low, high = rng.choice(options)
            values = {"description": what}
            subject = "補償内容の変更"
            description = f"{what}のご依頼。"
            applied = "変更内容を記録した(契約内容への反映は契約計上で行う)"
            difference = rng.randint(low // 10, high // 10) * 10
        else:
            what = rng.choice(OTHER_CHANGES)
            values = {"description": what}
            subject = "契約内容の変更(その他)"
            description = f"{what}。"
            applied = "変更内容を記録した(契約内容への反映は契約計上で行う)"
            difference = rng.choice((0, 0, rng.randint(-5, 12) * 1000))
        created_by, channel, agency = self.intake(c.agencies, policy)
        sim = Sim(
            self,
            case_type=CaseType.CHANGE,
            sub_type=sub,
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=subject,
            description=description,
            opened=opened,
            created_by=created_by,
            agency_id=agency,
        )
        panel: dict[str, Any] = {
            "new_values": json.dumps(values, ensure_ascii=False),
            "effective_date": effective,
            "premium_difference": None,
            "applied_at": None,
            "previous_values": "{}",
        }
        sim.panels["change_requests"] = panel
        by_agency = created_by in self.refs.agency_staff.values()
        handler = created_by if by_agency and rng.random() < 0.5 else "policy_admin"
        refs = self.refs

        def complete(actor: int) -> None:
            panel["applied_at"] = _utc(sim.t)
            panel["previous_values"] = json.dumps(previous, ensure_ascii=False)
            if old_address is not None:
                # address_add(primary=True) keeps the former address as a non-primary row.
                self.old_addresses.append((c.id, False, "home", *old_address))
            sim.event(
                EventKind.APPLIED,
                f"{applied}(保険料差額: {_difference_label(panel['premium_difference'])})",
                data={"new_values": values, "premium_difference": panel["premium_difference"]},
                actor=actor,
            )

        sim.completion = complete

        def flow(sim: Sim) -> None:
            actor = refs.user(handler)
            sim.later(5, 180)
            sim.assign(handler, actor)
            sim.transition(CaseStatus.IN_PROGRESS, actor)
            if by_agency and channel == CaseChannel.IN_PERSON and rng.random() < 0.6:
                sim.later()
                sim.receive_all(actor)  # brought to the agency's counter
            else:
                sim.collect_documents(actor)
            if difference is not None:
                sim.later()
                panel["premium_difference"] = difference
                sim.event(
                    EventKind.DETAIL,
                    f"異動内容を更新した(保険料差額: {_difference_label(difference)})",
                    actor=actor,
                    bump=True,
                )
            sim.days(0, 2)
            sim.transition(CaseStatus.COMPLETED, actor, resolution=f"{ChangeKind(sub).label}の手続を完了した。")

        self._run(sim, flow)

    def accident(self, c: CustomerFacts, claim: ClaimInfo) -> None:
        rng = self.rng
        policy = next(p for p in c.policies if p.id == claim.policy_id)
        staff = self.refs.agency_staff.get(policy.agency_id or 0)
        if claim.reported_via == "agency" and staff:
            created_by, channel = staff, CaseChannel.PHONE
        else:
            created_by = rng.choice(("operator", "operator2"))
            channel = CaseChannel.WEB if claim.reported_via == "web" else CaseChannel.PHONE
        sub = {"auto": "auto", "fire": "fire", "earthquake": "fire", "personal_accident": "personal_accident"}.get(
            policy.line, "other"
        )
        kind = rng.choice(ACCIDENT_TYPES.get(policy.line, (claim.accident_type,)))
        parties, injuries, police = ACCIDENT_DETAILS.get(policy.line, ("", "", ""))
        occurred = dt.datetime.combine(claim.accident_date, dt.time(rng.randint(7, 21), rng.choice((0, 15, 30, 45))))
        day = claim.reported_on
        opened = self.opened_at(day=day)
        if day == claim.accident_date and opened <= occurred:
            opened = occurred + dt.timedelta(minutes=rng.randint(20, 120))
        if opened >= self.cutoff or day <= self.start:
            return
        sim = Sim(
            self,
            case_type=CaseType.ACCIDENT,
            sub_type=sub,
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=f"事故受付: {claim.accident_type}",
            description=f"{claim.accident_date:%m月%d日}、{claim.place}で{claim.accident_type}。",
            opened=opened,
            created_by=created_by,
            agency_id=policy.agency_id,
            priority=Priority.HIGH if policy.line == "auto" else Priority.NORMAL,
            claim_id=claim.id,
        )
        sim.panels["accident_reports"] = {
            "occurred_at": _utc(occurred),
            "place": claim.place,
            "line": policy.line,
            "accident_type": kind,
            "description": f"{claim.accident_type}。{claim.place}にて発生。",
            "parties": parties,
            "injuries": injuries,
            "police_report_number": f"{police} {rng.randint(100, 999)}-{rng.randint(1000, 9999)}" if police else "",
            "agency_first_contact": claim.reported_via == "agency",
            "coverage_warnings": "[]",
        }
        sim.event(
            EventKind.DETAIL,
            f"事故 {claim.number} を登録した",
            data={"claim": claim.id, "warnings": []},
            actor=sim.created_by,
        )
        # The claim's handler takes the case (another claims handler when it has none of the demo's).
        username = next((u for u, (pk, _) in self.refs.users.items() if pk == claim.handler_id), None)
        if username not in ("claims", "claims2"):
            username = rng.choice(("claims", "claims2"))
        refs = self.refs

        def flow(sim: Sim) -> None:
            actor = refs.user(username)
            sim.later(5, 90)
            sim.assign(username, actor)
            sim.transition(CaseStatus.IN_PROGRESS, actor)
            sim.later(30, 240)
            sim.note("お客さまに初回連絡し、今後の流れ(損害の確認・必要書類)をご案内した。", actor)
            sim.later(10, 120)
            sim.transition(
                CaseStatus.COMPLETED,
                actor,
                resolution=f"事故 {claim.number} として受け付け、損害サービス部で保険金の支払いに向けた対応を始めた。",
            )

        self._run(sim, flow, stuck_allowed=False)

    def _verify(self, sim: Sim, method: str, document: str, actor: int) -> None:
        sim.panels["identity_verifications"] = {
            "method": method,
            "document_type": document,
            "verified_by_id": actor,
            "verified_at": _utc(sim.t),
            "note": "",
        }
        sim.event(EventKind.DETAIL, f"本人確認を記録した({VerificationMethod(method).label})", actor=actor, bump=True)

    def _reissue(self, sim: Sim, created_by: str, kind: str, tax_year: int | None) -> None:
        rng = self.rng
        refs = self.refs

        def flow(sim: Sim) -> None:
            handler = refs.user("policy_admin")
            if rng.random() < 0.6:
                sim.later(2, 10)
                self._verify(sim, VerificationMethod.PHONE_QA, IdentityDocument.NONE, refs.user(created_by))
                sim.later(5, 120)
                sim.assign("policy_admin", handler)
                sim.transition(CaseStatus.IN_PROGRESS, handler)
                sim.collect_documents(handler, deficiency_rate=0.08, wait=(2, 8))
            else:
                sim.later(5, 120)
                sim.assign("policy_admin", handler)
                sim.transition(
                    CaseStatus.AWAITING_IDENTITY, handler, note="再発行請求書と本人確認書類の写しの返送を依頼した"
                )
                sim.days(3, 10)
                sim.receive_all(handler)
                sim.later()
                document = rng.choice(
                    (
                        IdentityDocument.DRIVERS_LICENSE,
                        IdentityDocument.MY_NUMBER_CARD,
                        IdentityDocument.HEALTH_INSURANCE,
                    )
                )
                self._verify(sim, VerificationMethod.DOCUMENT_COPY, document, handler)
                sim.later()
                sim.transition(CaseStatus.IN_PROGRESS, handler)
            sim.days(0, 2)
            channel = "electronic" if rng.random() < 0.2 else "post"
            self.generated.issued.append(Issue(kind, sim.id, handler, sim.t, channel, tax_year))

        self._run(sim, flow)

    def policy_reissue(self, c: CustomerFacts) -> None:
        candidates = [p for p in c.policies if p.status == PolicyStatus.IN_FORCE and p.id not in self.reissued_policies]
        if not candidates:
            return
        policy = self.rng.choice(candidates)
        self.reissued_policies.add(policy.id)
        created_by, channel, agency = self.intake(c.agencies, policy)
        reason = self.rng.choice(REISSUE_REASONS)
        sim = Sim(
            self,
            case_type=CaseType.POLICY_REISSUE,
            sub_type="",
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=f"保険証券の再発行({reason})",
            description=f"{reason}のため、保険証券の再発行をご希望。",
            opened=self.opened_at(),
            created_by=created_by,
            agency_id=agency,
        )
        self._reissue(sim, created_by, CaseType.POLICY_REISSUE, None)

    def certificate_reissue(self, c: CustomerFacts) -> None:
        rng = self.rng
        policies = [p for p in c.policies if p.id in c.earthquake_policies]
        if not policies:
            return
        # Asked for in the 年末調整 season (Oct–Dec) and for 確定申告 (Jan–Mar).
        weights = [5.0 if d.month in (10, 11, 12) else 2.5 if d.month in (1, 2, 3) else 0.3 for d in self.business_days]
        day = rng.choices(self.business_days, weights=weights)[0]
        tax_year = day.year if day.month >= 10 else day.year - 1
        policies = [p for p in policies if p.inception.year <= tax_year]  # in force during that tax year
        if not policies:
            return
        policy = rng.choice(policies)
        created_by, channel, agency = self.intake(c.agencies, policy)
        purpose = "年末調整" if day.month >= 10 else "確定申告"
        sim = Sim(
            self,
            case_type=CaseType.CERTIFICATE_REISSUE,
            sub_type="",
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=f"{tax_year}年分 地震保険料控除証明書の再発行",
            description=f"{purpose}に使う控除証明書が見当たらないため、再発行をご希望。",
            opened=self.opened_at(day=day),
            created_by=created_by,
            agency_id=agency,
        )
        self._reissue(sim, created_by, CaseType.CERTIFICATE_REISSUE, tax_year)

    def complaint(self, c: CustomerFacts) -> None:
        rng = self.rng
        if not self.refs.complaint_categories:
            return
        parent = rng.choices(("C1", "C2", "C3", "C4", "C9"), weights=(25, 30, 30, 3, 12))[0]
        children = [cat for cat in self.refs.complaint_categories if cat[1] == parent] or self.refs.complaint_categories
        category_id, _, category_name = rng.choice(children)
        said, request, cause, countermeasure = rng.choice(COMPLAINTS.get(parent) or COMPLAINTS["C9"])
        policy = rng.choice(c.policies) if c.policies and parent in ("C1", "C2", "C3") else None
        if rng.random() < 0.2:
            created_by, channel, agency = "complaints", str(CaseChannel.POST), policy.agency_id if policy else None
        else:
            created_by, channel, agency = self.intake(c.agencies, policy)
        sim = Sim(
            self,
            case_type=CaseType.COMPLAINT,
            sub_type="",
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=f"苦情: {category_name}",
            description=said,
            opened=self.opened_at(),
            created_by=created_by,
            agency_id=agency,
            priority=Priority.HIGH,
        )
        panel: dict[str, Any] = {
            "category_id": category_id,
            "customer_request": request,
            "fact_finding": "",
            "cause": "",
            "countermeasure": "",
            "explained_on": None,
            "explained_by_id": None,
            "apologized": False,
            "adr_referred_on": None,
            "adr_reference": "",
            "adr_outcome": "",
            "recurrence_prevention": "",
        }
        sim.panels["complaints"] = panel
        related = {
            "C1": DepartmentKind.CALL_CENTER,
            "C2": DepartmentKind.POLICY_ADMIN,
            "C3": DepartmentKind.CLAIMS,
        }.get(parent, DepartmentKind.CALL_CENTER)
        refs = self.refs
        adr = self.adr_left > 0 and (self.as_of - sim.row["opened_on"]).days > 120 and rng.random() < 0.2
        if adr:
            self.adr_left -= 1

        def update(sim: Sim, actor: int, **values: Any) -> None:
            panel.update(values)
            labels = [
                str(getattr(ComplaintDetail._meta.get_field(name), "verbose_name", name)) for name in sorted(values)
            ]
            sim.event(EventKind.DETAIL, f"苦情の記録を更新した: {'、'.join(labels)}", actor=actor, bump=True)

        def flow(sim: Sim) -> None:
            officer = refs.user("complaints")
            sim.later(10, 120)
            sim.assign("complaints", officer)
            sim.transition(CaseStatus.IN_PROGRESS, officer)
            sim.days(1, 3)
            if related.value in refs.departments:
                sim.departments_involved = [refs.departments[related.value][0]]
            update(sim, officer, fact_finding=f"関係部署に経緯を確認した。{cause}")
            if rng.random() < 0.3 and related.value in refs.departments:
                sim.later()
                sim.handoff(related, "事実関係の確認と回答案の作成を依頼する。", officer)
                sim.days(1, 4)
                other = {"call_center": "operator", "policy_admin": "policy_admin", "claims": "claims"}[related.value]
                other_id = refs.user(other)
                sim.task_done(sim.tasks[-1], other_id)
                sim.note(f"事実関係を確認し、回答案を作成した。{cause}", other_id)
                sim.later()
                sim.handoff(
                    DepartmentKind.CUSTOMER_RELATIONS,
                    "回答案を作成したため、お客様相談室から回答をお願いします。",
                    other_id,
                )
                sim.days(0, 1)
                sim.task_done(sim.tasks[-1], officer)
                sim.assign("complaints", officer)
                sim.transition(CaseStatus.IN_PROGRESS, officer)
            sim.days(2, 8)
            update(sim, officer, cause=cause, countermeasure=countermeasure)
            sim.later(30, 300)
            update(sim, officer, explained_on=sim.today, explained_by_id=officer, apologized=rng.random() < 0.8)
            if adr:
                sim.days(5, 15)
                update(
                    sim,
                    officer,
                    adr_referred_on=sim.today,
                    adr_reference=f"そんぽADR-{sim.today:%Y}-{rng.randint(1000, 9999)}",
                )
                sim.days(20, 40)
                update(sim, officer, adr_outcome="和解が成立した(説明内容の一部不足を認め、謝罪のうえ解決)。")
            if rng.random() < 0.5:
                sim.later()
                update(sim, officer, recurrence_prevention=countermeasure)
            sim.days(0, 2)
            sim.transition(
                CaseStatus.COMPLETED,
                officer,
                resolution="原因と対策をご説明し、ご了承いただいた。"
                if not adr
                else "そんぽADRセンターの手続で和解が成立した。",
            )

        self._run(sim, flow)

    def cancellation(self, c: CustomerFacts) -> None:
        rng = self.rng
        in_force = [
            p
            for p in c.policies
            if p.status == PolicyStatus.IN_FORCE and p.id not in self.cancelled_ids and p.expiry > self.as_of
        ]
        if not in_force:
            return
        policy = rng.choice(in_force)
        reason, _, reason_text = _pick_weighted(rng, CANCELLATION_REASONS)
        if reason == CancellationReason.SOLD and policy.line != "auto":
            reason_text = (
                "建物を売却することになった" if policy.line in ("fire", "earthquake") else "補償が不要になった"
            )
        created_by, channel, agency = self.intake(c.agencies, policy)
        sim = Sim(
            self,
            case_type=CaseType.CANCELLATION,
            sub_type="",
            channel=channel,
            customer_id=c.id,
            policy=policy,
            subject=f"解約のお申出({policy.number})",
            description=f"{reason_text}ため、解約したいとのお申出。",
            opened=self.opened_at(),
            created_by=created_by,
            agency_id=agency,
        )
        panel: dict[str, Any] = {
            "reason": reason,
            "reason_text": reason_text,
            "competitor": rng.choice(COMPETITORS) if reason == CancellationReason.SWITCH else "",
            "offer_made": "",
            "outcome": "",
            "effective_date": None,
            "refund_note": "",
        }
        sim.panels["cancellations"] = panel
        offers = (
            self.refs.guidance.get((reason, policy.line))
            or self.refs.guidance.get((reason, ""))
            or ["解約手続のご案内"]
        )
        # Outcomes in a fixed rotation (from a seeded offset): retention stays at 3 in 11 (27%)
        # even in a small book, instead of swinging with the luck of a few draws.
        outcome = OUTCOME_ROTATION[self.outcome_turn % len(OUTCOME_ROTATION)]
        self.outcome_turn += 1
        by_agency = created_by in self.refs.agency_staff.values()
        handler = created_by if by_agency and rng.random() < 0.5 else "policy_admin"
        refs = self.refs

        def complete(actor: int) -> None:
            effective = panel["effective_date"]
            basis = refund_basis(
                annual_premium=policy.annual_premium,
                inception=policy.inception,
                expiry=policy.expiry,
                cancellation_date=effective,
                method=self.refs.refund_methods.get(policy.product_id, "short_rate"),
                payment_frequency=policy.payment_frequency,
                term_years=policy.term_years,
            )
            when = "解約にした" if effective <= sim.today else "解約予定とした"
            sim.event(
                EventKind.APPLIED,
                f"契約 {policy.number} を{when}(解約日 {effective:%Y/%m/%d}、"
                f"返戻保険料 {basis.refund:,}円・{basis.method_label})",
                body=basis.explanation,
                actor=actor,
            )
            self.generated.cancelled_policies.append((policy.id, effective, sim.t, actor))

        sim.completion = complete

        def flow(sim: Sim) -> None:
            actor = refs.user(handler)
            sim.later(5, 120)
            sim.assign(handler, actor)
            sim.transition(CaseStatus.IN_PROGRESS, actor)
            sim.later(10, 90) if rng.random() < 0.6 else sim.days(1, 3)
            chosen = rng.sample(offers, k=min(len(offers), rng.randint(1, 2)))
            panel["offer_made"] = "、".join(chosen) + "をご案内した。"
            panel["outcome"] = outcome
            if outcome == CancellationOutcome.CANCELLED:
                # 解約日: after the form can be back (書類到着日以降), before the end of the period.
                wanted = sim.today + dt.timedelta(days=rng.randint(14, 35))
                panel["effective_date"] = min(wanted, policy.expiry - dt.timedelta(days=1))
                panel["refund_note"] = "未経過期間の保険料を所定の方法で返戻する旨ご案内した。"
            elif outcome == CancellationOutcome.RETAINED_CHANGED:
                panel["refund_note"] = ""
            sim.event(
                EventKind.DETAIL,
                f"解約申出の結果を記録した: {CancellationOutcome(outcome).label}",
                body=panel["offer_made"],
                actor=actor,
                bump=True,
            )
            if outcome != CancellationOutcome.CANCELLED:
                sim.later()
                what = "補償内容を見直したうえで継続" if outcome == CancellationOutcome.RETAINED_CHANGED else "継続"
                sim.transition(
                    CaseStatus.WITHDRAWN,
                    actor,
                    resolution=f"{what}のご意向のため、解約のお申出を取り下げた({panel['offer_made']})",
                )
                return
            sim.collect_documents(actor, deficiency_rate=0.08, wait=(3, 10))
            sim.days(0, 2)
            self.cancelled_ids.add(policy.id)
            sim.transition(
                CaseStatus.COMPLETED,
                actor,
                resolution=f"解約の手続を完了した(解約日 {panel['effective_date']:%Y/%m/%d})。",
            )

        self._run(sim, flow)


def _difference_label(value: int | None) -> str:
    if value is None:
        return "未算出"
    if value > 0:
        return f"追徴 ¥{value:,}"
    if value < 0:
        return f"返戻 ¥{-value:,}"
    return "差額なし"


# --- reading the customers of the load -----------------------------------------------------------


@dataclass
class CustomerFacts:
    id: int
    name: str
    name_kana: str
    agencies: list[int] = field(default_factory=list)
    policies: list[PolicyInfo] = field(default_factory=list)
    claims: list[ClaimInfo] = field(default_factory=list)
    address: tuple[str, str, str, str, str] | None = None
    former: tuple[dt.date, str, str, str] | None = None  # (changed_on, reason, former name, its kana)
    earthquake_policies: set[int] = field(default_factory=set)


def _page(low: int, high: int, start: dt.date) -> list[CustomerFacts]:
    """Customers with ids in [low, high) and what the flows need about them (a few queries)."""
    facts = {
        pk: CustomerFacts(pk, name, kana)
        for pk, name, kana in Customer.objects.filter(id__gte=low, id__lt=high)
        .order_by("id")
        .values_list("id", "name", "name_kana")
    }
    if not facts:
        return []
    for customer_id, agency_id in (
        CustomerAgency.objects.filter(customer_id__gte=low, customer_id__lt=high)
        .order_by("customer_id", "id")
        .values_list("customer_id", "agency_id")
    ):
        facts[customer_id].agencies.append(agency_id)
    policies: dict[int, PolicyInfo] = {}
    for row in (
        Policy.objects.filter(policyholder_id__gte=low, policyholder_id__lt=high)
        .order_by("id")
        .values_list(
            "policyholder_id",
            "id",
            "number",
            "line",
            "status",
            "inception",
            "expiry",
            "agency_id",
            "payment_method",
            "payment_frequency",
            "product_id",
            "annual_premium",
            "term_years",
        )
    ):
        info = PolicyInfo(*row[1:])
        policies[info.id] = info
        facts[row[0]].policies.append(info)
    for row in (
        Claim.objects.filter(policy__policyholder_id__gte=low, policy__policyholder_id__lt=high, reported_on__gt=start)
        .order_by("id")
        .values_list(
            "policy__policyholder_id",
            "id",
            "number",
            "policy_id",
            "accident_date",
            "accident_place",
            "accident_type",
            "reported_on",
            "reported_via",
            "handler_id",
        )
    ):
        facts[row[0]].claims.append(ClaimInfo(*row[1:]))
    for customer_id, *address in (
        Address.objects.filter(customer_id__gte=low, customer_id__lt=high, is_primary=True)
        .order_by("id")
        .values_list("customer_id", "postal_code", "prefecture", "city", "street", "building")
    ):
        facts[customer_id].address = tuple(address)  # type: ignore[assignment]
    for customer_id, changed_on, reason, name, kana in (
        FormerName.objects.filter(customer_id__gte=low, customer_id__lt=high, changed_on__gt=start)
        .order_by("id")
        .values_list("customer_id", "changed_on", "reason", "name", "name_kana")
    ):
        facts[customer_id].former = (changed_on, reason, name, kana)
    for customer_id, policy_id in (
        Coverage.objects.filter(
            is_earthquake=True,
            policy__policyholder_id__gte=low,
            policy__policyholder_id__lt=high,
            policy__status=PolicyStatus.IN_FORCE,
        )
        .values_list("policy__policyholder_id", "policy_id")
        .distinct()
    ):
        facts[customer_id].earthquake_policies.add(policy_id)
    return list(facts.values())


# Rare types get at least about this many cases per load, so a small demo shows every type.
MINIMUM_EXPECTED: dict[str, float] = {
    CaseType.POLICY_REISSUE: 4,
    CaseType.COMPLAINT: 4,
    CaseType.CANCELLATION: 8,
    CaseType.CERTIFICATE_REISSUE: 6,
}


def _rates(customers: int) -> dict[str, float]:
    rates = dict(RATES)
    rates[CaseType.CERTIFICATE_REISSUE] = CERTIFICATE_RATE
    for case_type, minimum in MINIMUM_EXPECTED.items():
        # Certificates: only holders of earthquake cover (about a quarter of the book) are asked.
        population = customers * (0.15 if case_type == CaseType.CERTIFICATE_REISSUE else 1)
        rates[case_type] = max(rates[case_type], minimum / max(population, 1))
    return rates


def _simulate(g: CaseGenerator, customers: list[CustomerFacts]) -> None:
    rng = g.rng
    rates = g.rates
    for c in customers:
        if not c.policies:
            continue
        drivers = any(p.line == "auto" for p in c.policies)
        if rng.random() < RATES[CaseType.INQUIRY] * (1.3 if drivers else 0.8):
            g.inquiry(c)
        if rng.random() < RATES[CaseType.INQUIRY] * 0.4:
            g.inquiry(c)
        if rng.random() < RATES[CaseType.CHANGE]:
            g.change(c)
        for claim in c.claims:
            if rng.random() < ACCIDENT_CASE_SHARE:
                g.accident(c, claim)
        if rng.random() < rates[CaseType.POLICY_REISSUE]:
            g.policy_reissue(c)
        if c.earthquake_policies and rng.random() < rates[CaseType.CERTIFICATE_REISSUE]:
            g.certificate_reissue(c)
        if rng.random() < rates[CaseType.COMPLAINT]:
            g.complaint(c)
        if rng.random() < rates[CaseType.CANCELLATION]:
            g.cancellation(c)


# --- writing -------------------------------------------------------------------------------------


class _Writer:
    """Bulk inserts of the generated rows, with history rows naming the user and the moment."""

    def __init__(self, actor_id: int) -> None:
        self.bulk = BulkWriter(history_user_id=actor_id, history_reason=HISTORY_REASON)
        self.specs = {name: TableSpec(model, columns) for name, (model, columns) in TABLES.items()}
        self.address_spec = TableSpec(
            Address, ("customer_id", "is_primary", "kind", "postal_code", "prefecture", "city", "street", "building")
        )
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, g: CaseGenerator) -> None:
        for name, spec in self.specs.items():
            rows = g.rows.get(name, [])
            self.bulk.insert(spec, rows)
            self.counts[name] += len(rows)
            history = g.history.get(name, [])
            if history:
                self._history(spec, history)
                self.counts[f"{name}_history"] += len(history)
        for table, rows, count_name in (
            (InquiryDetail.articles.through._meta.db_table, g.m2m_articles, "inquiry_articles"),
            (ComplaintDetail.departments_involved.through._meta.db_table, g.m2m_departments, "complaint_departments"),
        ):
            if rows:
                model = InquiryDetail if count_name == "inquiry_articles" else ComplaintDetail
                field_name = "articles" if model is InquiryDetail else "departments_involved"
                through = getattr(model, field_name).through
                columns = [f.column for f in through._meta.concrete_fields if not f.primary_key]
                self.bulk._write(table, columns, rows)
                self.counts[count_name] += len(rows)
        if g.old_addresses:
            self.bulk.insert(self.address_spec, g.old_addresses)
            self.counts["former_addresses"] += len(g.old_addresses)
            g.old_addresses.clear()
        g.rows.clear()
        g.history.clear()
        g.m2m_articles.clear()
        g.m2m_departments.clear()

    def _history(self, spec: TableSpec, history: list[tuple[Row, dt.datetime, int, str]]) -> None:
        hist = _history_spec(spec)
        extra = spec.extra_values
        rows = [
            (*hist.pick(row + extra), *hist.constant_tail, when, HISTORY_REASON, kind, user)
            for row, when, user, kind in history
        ]
        self.bulk._write(hist.table, hist.columns, rows)


def _apply_cancellations(g: CaseGenerator, as_of: dt.date) -> int:
    """Policies whose cancellation was completed: 解約 from the cancellation date (history kept)."""
    decided = {policy_id: (effective, at, actor) for policy_id, effective, at, actor in g.generated.cancelled_policies}
    if not decided:
        return 0
    fields = {f.name for f in Policy._meta.concrete_fields}
    users = {u.pk: u for u in User.objects.filter(pk__in={actor for _, _, actor in decided.values()})}
    changed: dict[int, list[Policy]] = defaultdict(list)
    for policy in Policy.objects.filter(pk__in=decided).order_by("id"):
        effective, at, actor = decided[policy.pk]
        if "cancellation_date" in fields:
            policy.cancellation_date = effective  # type: ignore[attr-defined]
        if effective < as_of:
            policy.status = PolicyStatus.CANCELLED
            policy.last_changed_on = effective
        policy._history_date = _utc(at).replace(tzinfo=dt.UTC)  # type: ignore[attr-defined]
        changed[actor].append(policy)
    names = ["status", "last_changed_on"] + (["cancellation_date"] if "cancellation_date" in fields else [])
    for actor, policies in changed.items():
        writes.bulk_update(policies, names, actor=users[actor], reason="解約申出の完了(デモデータ)")
    return len(decided)


def _move_sequences(g: CaseGenerator) -> None:
    for year, last in g.numbers_used.items():
        sequence = CaseNumberSequence.objects.filter(year=year).first()
        if sequence is None:
            CaseNumberSequence.objects.create(year=year, last=last)
        elif sequence.last < last:
            sequence.last = last
            sequence.save(update_fields=["last"])


def demo_cases_load(
    *,
    seed: str,
    as_of: dt.date,
    first_customer_id: int,
    org: OrgRefs,
    actor: User,
    article_ids: dict[str, int],
    counts: dict[str, int],
) -> Generated:
    """Simulate and write the cases of the customers with ids ≥ `first_customer_id`."""
    refs = _refs(org, article_ids)
    g = CaseGenerator(seed=seed, as_of=as_of, refs=refs, cal=current_calendar())
    writer = _Writer(actor.pk)
    top = Customer.objects.aggregate(top=Max("id"))["top"] or 0
    g.rates = _rates(Customer.objects.filter(id__gte=first_customer_id).count())
    low = first_customer_id
    while low <= top:
        high = low + PAGE
        customers = _page(low, high, g.start)
        with transaction.atomic():
            _simulate(g, customers)
            writer.write(g)
        low = high
    with transaction.atomic():
        _move_sequences(g)
        counts["policies_cancelled"] = _apply_cancellations(g, as_of)
        reset_sequences([model for model, _ in TABLES.values()])
    for name, value in writer.counts.items():
        counts[name] = counts.get(name, 0) + value
    return g.generated


@dataclass
class OperationsResult:
    """What `demo_operations_load` wrote: rows per table (history included) and the case breakdown."""

    counts: dict[str, int] = field(default_factory=dict)
    cases_by_type: dict[str, int] = field(default_factory=dict)
    open_cases: int = 0
    overdue_cases: int = 0
    cases_seconds: float = 0.0
    documents_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def demo_operations_load(
    *, seed: int, as_of: dt.date, existing_customers: int, org: OrgRefs, actor: User
) -> OperationsResult:
    """FAQ, a year of cases and the documents they issued, for the customers this load added."""
    import time

    from .documents import documents_load
    from .faq import faq_ensure

    started = time.perf_counter()
    result = OperationsResult()
    created, article_ids = faq_ensure(actor)
    result.counts["faq_articles"] = created
    first = Customer.objects.order_by("id").values_list("id", flat=True)[existing_customers : existing_customers + 1]
    first_customer_id = first[0] if first else (Customer.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    generated = demo_cases_load(
        seed=f"tsunagu-demo-cases:{seed}:{existing_customers}",
        as_of=as_of,
        first_customer_id=first_customer_id,
        org=org,
        actor=actor,
        article_ids=article_ids,
        counts=result.counts,
    )
    result.cases_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    documents_load(issued=generated.issued, as_of=as_of, counts=result.counts)
    result.documents_seconds = time.perf_counter() - t0
    ours = Case.objects.filter(customer_id__gte=first_customer_id)
    result.cases_by_type = dict(
        ours.values_list("case_type").annotate(n=models.Count("id")).values_list("case_type", "n")
    )
    result.open_cases = ours.filter(is_open=True).count()
    result.overdue_cases = ours.filter(is_open=True, paused_since__isnull=True, due_date__lt=as_of).count()
    return result
