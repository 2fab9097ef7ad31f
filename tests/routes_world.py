"""The fixture world the route-walking contract test (tests/test_routes.py) walks every route in.

Built once per test module (the walk has ~150 cases; building this per case would dominate the
run): every object a route can name exists here — agency A's customer with a policy, cases of
each kind, an issued policy PDF, a contract notice, a document batch, and the identity objects —
and the personas the expectation table names. The customer's name, phone, customer number and
policy number are unusual on purpose: they are the markers that must never appear in a response
to someone who may not see the customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.cases.conftest import open_case as open_plain_case
from tests.conftest import _user, make_customer
from tests.documents.conftest import fire_policy
from tests.documents.conftest import open_case as open_reissue_case
from tests.identity.conftest import COLUMNS, csv_bytes, person
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import CaseTask, ComplaintCategory
from tsunagu.cases.services import case_handoff
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Agency, Agent, Branch, Department, User
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Customer
from tsunagu.customers.services import AddressInput
from tsunagu.documents.choices import BatchStatus, DeliveryChannel, DocumentType
from tsunagu.documents.config import get_storage
from tsunagu.documents.models import Document, DocumentBatch
from tsunagu.documents.reissue import policy_reissue
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import CandidatePair, CustomerRelation, MappingProfile, MatchRun, SourceRecord
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.merging import customer_merge
from tsunagu.identity.services.sources import mapping_profile_save, source_system_register
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import LineOfBusiness, ReportChannel
from tsunagu.policies.models import Claim, Policy, Product
from tsunagu.policies.services import claim_register

D = dt.date

# Agency A's customer. Distinctive values, so that finding one in a response body is never chance.
NAME = "鳥居 澄香"
NAME_KANA = "トリイ スミカ"
PHONE = "090-3141-5926"
EMAIL = "sumika.torii@example.jp"
STREET = "鳥居坂3-14-15"
POLICY_NUMBER = "PN-ROUTES-A1"
CONTACT_SUBJECT = "鳥居様より住所変更のご相談"

PERSONAS = (
    "hq_operator",  # コールセンター: head office, sees every customer
    "agency_a_staff",  # sees agency A's customers only
    "agency_a_manager",  # agency A's staff who is agency_a_staff's manager: double checks, training records
    "agency_b_staff",  # the outsider: must see nothing of agency A
    "auditor",  # コンプライアンス
    "steward",  # CRM推進部, data steward: 名寄せ
    "policy_admin",  # 契約管理部: starts document batches
    "complaints_officer",  # お客様相談室
    "analyst",  # head-office analyst: 予測モデル
    "branch_staff",  # 営業拠点 B01 (agencies A and B): sees agency A's customer, works target lists, KPIs
    "other_branch_staff",  # 営業拠点 B02 (agency C): another outsider, must see nothing of agency A
)


@dataclass
class World:
    users: dict[str, User]
    customer: Customer  # agency A's customer: the one every object route names
    policy: Policy
    cases: dict[str, Any]  # inquiry, complaint, cancellation, change, reissue (issued), reissue_open
    case_document: Any
    task: CaseTask
    document: Document  # the reissued policy PDF of the reissue case
    notice: Document  # a 契約内容のお知らせ of the policy
    batch: DocumentBatch
    identity: dict[str, Any] = field(default_factory=dict)
    claim: Claim | None = None  # a claim on the policy (the claim page)
    surveys: dict[str, Any] = field(default_factory=dict)  # survey, version, question, trigger, invitation, response, …
    voices: dict[str, Any] = field(default_factory=dict)  # voice, circulation, improvement (agency A's)
    analytics: dict[str, Any] = field(default_factory=dict)  # model (a ModelVersion), score, target (list), entry
    compliance: dict[str, Any] = field(default_factory=dict)  # alert, request, setting, campaign, item, breach, dsr
    practice: dict[str, Any] = field(default_factory=dict)  # intent (incomplete), solicitation (agency A's)

    @property
    def personal_markers(self) -> list[str]:
        """Agency A's customer's personal data: a response showing one of these must be logged."""
        return [NAME, NAME_KANA, PHONE, PHONE.replace("-", ""), EMAIL, STREET, CONTACT_SUBJECT]

    @property
    def markers(self) -> list[str]:
        """Everything of agency A's customer that an outsider's response must not contain: the
        personal data and the identifiers (an identifier alone is not logged as a read)."""
        return [*self.personal_markers, POLICY_NUMBER, self.customer.number]


def _org() -> dict[str, Any]:
    """The organisation of tests/conftest.py `org` plus the departments cases are routed to."""
    branch = Branch.objects.create(code="B01", name="東京営業部")
    agency_a = Agency.objects.create(code="A0001", name="あおぞら保険サービス", branch=branch)
    org = {
        "call_center": Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER),
        "compliance": Department.objects.create(code="CP", name="コンプライアンス部", kind=DepartmentKind.COMPLIANCE),
        "claims": Department.objects.create(code="CL", name="損害サービス部", kind=DepartmentKind.CLAIMS),
        "policy_admin": Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN),
        "relations": Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS),
        "crm": Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM),
        "agency_a": agency_a,
        "agency_b": Agency.objects.create(code="B0001", name="みどり保険事務所", branch=branch),
        "branch": branch,
        "other_branch": Branch.objects.create(code="B02", name="大阪支店"),
    }
    Agency.objects.create(code="C0001", name="なにわ保険企画", branch=org["other_branch"])
    Agent.objects.create(registration_number="R-A-001", name="募集 太郎", agency=agency_a)
    for line, label in LineOfBusiness.choices:
        Product.objects.create(code=f"P-{line}", name=f"{label}保険", line=line)
    return org


def _users(org: dict[str, Any]) -> dict[str, User]:
    manager = _user("agency_a_manager", [Role.AGENCY_STAFF], agency=org["agency_a"])
    staff = _user("agency_a_staff", [Role.AGENCY_STAFF], agency=org["agency_a"])
    staff.manager = manager
    staff.save(update_fields=["manager"])
    return {
        "hq_operator": _user("hq_operator", [Role.OPERATOR], department=org["call_center"]),
        "agency_a_staff": staff,
        "agency_a_manager": manager,
        "agency_b_staff": _user("agency_b_staff", [Role.AGENCY_STAFF], agency=org["agency_b"]),
        "auditor": _user("auditor", [Role.COMPLIANCE_AUDITOR], department=org["compliance"]),
        "steward": _user("steward", [Role.DATA_STEWARD], department=org["crm"]),
        "policy_admin": _user("policy_admin", [Role.OPERATOR], department=org["policy_admin"]),
        "complaints_officer": _user("complaints_officer", [Role.COMPLAINTS_OFFICER], department=org["relations"]),
        "analyst": _user("analyst", [Role.ANALYST], department=org["compliance"]),
        "branch_staff": _user("branch_staff", [Role.BRANCH_STAFF], branch=org["branch"]),
        "other_branch_staff": _user("other_branch_staff", [Role.BRANCH_STAFF], branch=org["other_branch"]),
    }


def _identity(steward: User, hq: User, customer: Customer, org: dict[str, Any]) -> dict[str, Any]:
    agency = source_system_register(actor=steward, code="AGENCY", name="代理店システム", priority=20)
    mapping_profile_save(actor=steward, source=agency, columns=COLUMNS)
    rows = [
        person("W1", name="渡辺 恵子", kana="ワタナベ ケイコ", email="k@example.jp"),
        person("W2", name="渡邊 恵子", kana="ワタナベ ケイコ", email="k2@example.jp", mobile="090-9999-0000"),
        person("W3", birth="2099-01-01"),  # an error row, for the error report
    ]
    imported = records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="w.csv", match=False)
    pair = CandidatePair.objects.create(
        record_l=SourceRecord.objects.get(external_id="W1"),
        record_r=SourceRecord.objects.get(external_id="W2"),
        match_probability=0.93,
        match_weight=3.8,
        evidence={"dob": {"level": "exact", "weight": 5.1}},
        status=PairStatus.REVIEW,
    )
    run = MatchRun.objects.create(started_by=steward, message="ルート検査用")
    # A duplicate of agency A's customer, merged into her: the merge belongs to agency A.
    duplicate = make_customer(hq, name=NAME, name_kana=NAME_KANA, phones=[("mobile", PHONE)])
    fire_policy(hq, duplicate, agency=org["agency_a"], number="PN-ROUTES-A2")
    merge = customer_merge(actor=steward, survivor=customer, absorbed=duplicate, reason="同一人物(ルート検査)")
    # Agency A's customer as the representative of a company (関連の解除).
    company = make_customer(
        hq,
        kind=CustomerKind.CORPORATE,
        name="株式会社ルート検査",
        name_kana="カブシキガイシャルートケンサ",
        birth_date=None,
        phones=[],
        emails=[],
    )
    relation = CustomerRelation.objects.create(person=customer, corporation=company, created_by=steward)
    return {
        "source": agency,
        "profile": MappingProfile.objects.get(source=agency),
        "batch": imported.batch,
        "pair": pair,
        "run": run,
        "merge": merge,
        "duplicate": duplicate,
        "relation": relation,
    }


def _complaint_category() -> ComplaintCategory:
    # Seeded by the cases migrations (reference data), present in every test database.
    return ComplaintCategory.objects.filter(is_active=True).order_by("code").first()


def build_world() -> World:
    from tests.conftest import seed_case_reference_data

    seed_case_reference_data()  # an earlier transactional test's flush may have removed it
    org = _org()
    users = _users(org)
    hq = users["hq_operator"]
    customer = make_customer(
        hq,
        name=NAME,
        name_kana=NAME_KANA,
        phones=[("mobile", PHONE)],
        emails=[("personal", EMAIL)],
        addresses=[AddressInput("106-0032", "東京都", "港区", STREET, "")],
    )
    interaction_log(actor=hq, customer=customer, channel="phone", subject=CONTACT_SUBJECT)
    policy = fire_policy(
        hq,
        customer,
        agency=org["agency_a"],
        number=POLICY_NUMBER,
        inception=D(2025, 6, 1),
        expiry=D(2030, 6, 1),
        contract_date=D(2025, 5, 1),
    )
    cases = {
        "inquiry": open_plain_case(hq, customer, policy, CaseType.INQUIRY, "contract", question="補償は？"),
        "complaint": open_plain_case(
            hq, customer, policy, CaseType.COMPLAINT, category=_complaint_category().pk, customer_request="謝罪"
        ),
        "cancellation": open_plain_case(hq, customer, policy, CaseType.CANCELLATION, reason="sold"),
        "change": open_plain_case(hq, customer, policy, CaseType.CHANGE, "other", new_values={"description": "特約"}),
        "reissue": open_reissue_case(hq, customer, policy, CaseType.POLICY_REISSUE),
        # Verified but not yet issued: its issue panel shows the registered address.
        "reissue_open": open_reissue_case(hq, customer, policy, CaseType.POLICY_REISSUE),
    }
    case_handoff(actor=hq, case=cases["inquiry"], department=org["claims"], reason="確認をお願いします")
    document = policy_reissue(actor=hq, case=cases["reissue"], delivery_channel=DeliveryChannel.POST).document
    notice = Document.objects.create(
        number=f"JN202612-{POLICY_NUMBER}",
        doc_type=DocumentType.CONTRACT_NOTICE,
        customer=customer,
        policy=policy,
        issued_by=hq,
        issued_at=timezone.now(),
        delivery_channel=DeliveryChannel.POST,
        delivery_name=customer.name,
        storage_backend="local",
        storage_key="routes-notice.pdf",
        sha256="0" * 64,
        notice_for=D(2026, 12, 1),
    )
    batch = DocumentBatch.objects.create(
        kind=DocumentType.CONTRACT_NOTICE,
        issue_date=D(2026, 11, 20),
        target_month="2026-12",
        status=BatchStatus.COMPLETED,
        started_by=users["policy_admin"],
        skipped=1,
        exceptions_key="notices/2026-12/reports/routes-exceptions.csv",
    )
    get_storage().put(
        batch.exceptions_key, f"顧客番号,証券番号,理由\r\n{customer.number},{policy.number},例外\r\n".encode()
    )
    world = World(
        users=users,
        customer=customer,
        policy=policy,
        cases=cases,
        case_document=cases["reissue"].documents.order_by("pk").first(),
        task=CaseTask.objects.get(case=cases["inquiry"]),
        document=document,
        notice=notice,
        batch=batch,
    )
    world.identity = _identity(users["steward"], hq, customer, org)
    world.claim = claim_register(
        actor=hq,
        policy=policy,
        number="CLM-ROUTES-A1",
        accident_date=D(2026, 5, 1),
        accident_place="東京都港区",
        accident_type="水濡れ",
        reported_on=D(2026, 5, 2),
        reported_via=ReportChannel.AGENCY,
    )
    world.surveys = _surveys(hq, world)
    world.voices = _voices(users["agency_a_staff"], world)
    world.analytics = _analytics(users["analyst"], world)
    _kpi_report(users["agency_a_staff"])
    world.compliance = _compliance(users)
    world.practice = _practice(users["agency_a_staff"], world)
    world.compliance["breach"] = _breach(users["auditor"], world)
    world.compliance["dsr"] = _data_subject_request(users["auditor"], world)
    world.compliance.update(_registers(users["auditor"], world))
    return world


def _registers(auditor: User, world: World) -> dict[str, Any]:
    """A contractor, a planned internal audit of the world's agency (its checklist seeded) and a legal
    hold on the world's customer."""
    import importlib

    from django.apps import apps

    from tsunagu.compliance import registers_services

    importlib.import_module("tsunagu.compliance.migrations.0005_seed_audit_checklist").seed(apps, None)
    contractor = registers_services.contractor_save(
        actor=auditor,
        name="株式会社ルート印刷",
        service="満期案内の印刷・発送",
        data_items="氏名、住所、証券番号",
        started_on=D(2025, 4, 1),
    )
    audit = registers_services.internal_audit_plan(
        actor=auditor, planned_on=D(2026, 12, 10), auditor=auditor, agency=world.policy.agency
    )
    from tsunagu.compliance import retention_services

    hold = retention_services.legal_hold_place(
        actor=auditor, customer=world.customer, kind="lawsuit", reason="訴訟対応のため保全", starts_on=D(2026, 11, 1)
    )
    return {"contractor": contractor, "internal_audit": audit, "hold": hold}


def _data_subject_request(auditor: User, world: World) -> Any:
    """A 開示 request of the world's customer, identity checked (so its export can be made)."""
    from tsunagu.compliance import dsr_services

    request = dsr_services.dsr_receive(
        actor=auditor,
        customer=world.customer,
        kind="disclosure",
        channel="post",
        received_on=D(2026, 11, 30),
        requester_name=NAME,
    )
    return dsr_services.dsr_verify(
        actor=auditor, request=request, identity_document="drivers_license", verified_on=D(2026, 12, 1)
    )


def _breach(auditor: User, world: World) -> Any:
    """An open breach incident (a mis-sent letter) naming the world's customer."""
    from tsunagu.compliance import breach_services

    incident = breach_services.breach_open(
        actor=auditor, title="契約内容のお知らせの誤送付", cause_kind="missend", aware_on=D(2026, 11, 30)
    )
    breach_services.breach_add_affected(actor=auditor, incident=incident, customers=[world.customer])
    return incident


KPI_YEAR = 2026  # agency A's 取組状況 of this fiscal year exists and has a published 第1版


def _kpi_report(staff: User) -> None:
    from tsunagu.kpis import services as kpi_services
    from tsunagu.kpis.models import KpiTarget

    kwargs = {"actor": staff, "agency": staff.agency, "fiscal_year": KPI_YEAR}
    text = kpi_services.ReportInput(principles="お客さま本位の業務運営", measures="対面での説明", comments="")
    kpi_services.report_save(**kwargs, data=text)
    kpi_services.report_publish(**kwargs)
    KpiTarget.objects.create(
        kpi="face_to_face_rate",
        agency=staff.agency,
        fiscal_year=KPI_YEAR,
        value=60,
        starts_on=D(KPI_YEAR, 4, 1),
        ends_on=D(KPI_YEAR + 1, 3, 31),
        updated_by=staff,
    )


def _analytics(analyst: User, world: World) -> dict[str, Any]:
    """A small trained churn model (not active, so activation can be walked) and the customer's score."""
    from tests.analytics.helpers import model_version_for_tests
    from tsunagu.analytics.models import Score

    model = model_version_for_tests(trained_by=analyst, is_active=False)
    score = Score.objects.create(
        customer=world.customer,
        kind=model.kind,
        model=model,
        score=0.42,
        reasons=[{"feature": "complaints_6m", "text": "直近6か月に苦情あり", "contribution": 0.3}],
        marketing_allowed=True,
        as_of=timezone.localdate(),
        scored_at=timezone.now(),
    )
    # A target list of agency A's consenting customers, all put on the worklist (none left in the control group).
    from tsunagu.analytics.choices import ListBasis
    from tsunagu.analytics.segments import Segment
    from tsunagu.analytics.target_services import target_list_create

    target = target_list_create(
        actor=analyst,
        name="ルート確認リスト",
        basis=ListBasis.CAMPAIGN,
        segment=Segment(as_of=timezone.localdate(), agencies=(world.policy.agency_id,)),
        control_percent=1,  # the least a list may hold out; everyone is put on the worklist below
        talking_points="補償の見直し",
        seed=1,
    )
    from tsunagu.core.writes import update_rows

    update_rows(target.entries.all(), actor=analyst, reason="テスト: 全員をワークリストに", is_control=False)
    entry = target.entries.get(customer=world.customer)
    return {"model": model, "score": score, "target": target, "entry": entry}


def _surveys(hq: User, world: World) -> dict[str, Any]:
    """One row of every survey model about the world's customer and claim, written through the
    survey services where they exist (trigger rules and follow-ups: the ORM)."""
    from tsunagu.surveys.choices import Channel, FollowUpReason, QuestionKind, SurveyPurpose, TriggerEvent
    from tsunagu.surveys.models import FollowUp, Invitation, TriggerRule
    from tsunagu.surveys.services.definitions import QuestionSpec, survey_create
    from tsunagu.surveys.services.imports import survey_import_run
    from tsunagu.surveys.services.invitations import invitations_send
    from tsunagu.surveys.services.responses import (
        ResponseInput,
        invitation_issue_token,
        responses_record,
        survey_opt_out,
    )

    cs = world.users["complaints_officer"]  # お客様相談室: defines surveys and imports results
    survey = survey_create(
        actor=cs,
        code="claim",
        name="事故対応アンケート",
        purpose=SurveyPurpose.TRANSACTIONAL,
        questions=[
            QuestionSpec("nps", QuestionKind.NPS, "おすすめしますか", required=True),
            QuestionSpec("satisfaction", QuestionKind.SCALE, "総合的な満足度"),
            QuestionSpec("comment", QuestionKind.TEXT, "ご意見"),
        ],
    )
    version = survey.versions.get()
    question = version.questions.get(code="nps")
    trigger = TriggerRule.objects.create(survey=survey, event=TriggerEvent.CLAIM_CLOSED)
    common = {"customer": world.customer, "policy": world.policy, "claim": world.claim}
    invitation = Invitation.objects.create(
        version=version,
        trigger=trigger,
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=D(2026, 6, 1),
        channel=Channel.POST,
        status="sent",
        scheduled_for=D(2026, 6, 8),
        agency=world.policy.agency,
        **common,
    )
    web_invitation = Invitation.objects.create(
        version=version,
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=D(2026, 6, 1),
        channel=Channel.WEB,
        status="sent",
        scheduled_for=D(2026, 6, 8),
        agency=world.policy.agency,
        **common,
    )
    token = invitation_issue_token(invitation=web_invitation)
    [response] = responses_record(
        actor=hq,
        version=version,
        channel=Channel.POST,
        rows=[
            ResponseInput(
                customer=world.customer,
                answers={"nps": 3, "satisfaction": 4, "comment": "連絡が遅かった"},
                answered_on=D(2026, 6, 10),
                invitation=invitation,
            )
        ],
    )
    follow_up = FollowUp.objects.filter(response=response).first() or FollowUp.objects.create(
        response=response,
        customer=world.customer,
        policy=world.policy,
        reason=FollowUpReason.DETRACTOR,
        agency=world.policy.agency,
        due_date=D(2026, 6, 15),
    )
    opt_out = survey_opt_out(actor=hq, customer=world.customer, since=D(2026, 7, 1))
    data = f"policy_number,answered_on,nps\n{world.policy.number},2026-06-20,9\nNOPE-1,2026-06-20,9\n"
    survey_import = survey_import_run(actor=cs, survey=survey, data=data.encode(), file_name="vendor.csv").survey_import
    # A postcard sent on 2026/06/09: the day's 送付リスト exists to download.
    Invitation.objects.create(
        version=version,
        trigger=trigger,
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=D(2026, 6, 2),
        channel=Channel.POST,
        scheduled_for=D(2026, 6, 9),
        agency=world.policy.agency,
        **common,
    )
    invitations_send(actor=cs, on=D(2026, 6, 9))
    return {
        "survey": survey,
        "version": version,
        "question": question,
        "trigger": trigger,
        "invitation": invitation,
        "web_invitation": web_invitation,
        "token": token,
        "response": response,
        "follow_up": follow_up,
        "opt_out": opt_out,
        "import": survey_import,
    }


def _compliance(users: dict[str, User]) -> dict[str, Any]:
    """An alert about hq_operator (whose manager is complaints_officer), a business-reason request to
    that manager, a threshold setting and an open access-right review campaign."""
    from tsunagu.compliance.models import Alert, ReasonRequest, RuleRun, RuleSetting
    from tsunagu.compliance.services import review_open

    hq, manager, auditor = users["hq_operator"], users["complaints_officer"], users["auditor"]
    hq.manager = manager
    hq.save()
    now = timezone.now()
    run = RuleRun.objects.create(kind="period", started_by=auditor, period_start=now, period_end=now)
    alert = Alert.objects.create(
        key=f"outside_hours:{hq.pk}:routes",
        rule="outside_hours",
        user=hq,
        day=D(2026, 11, 10),
        period_start=now,
        period_end=now,
        customers=15,
        rows=15,
        score=1.5,
        explanation="業務時間外の閲覧",
        evidence={"rows": 15, "log_ids": [], "customer_ids": []},
        run=run,
    )
    request = ReasonRequest.objects.create(
        alert=alert, manager=manager, asked_by=auditor, question="理由を教えてください", due_on=D(2026, 12, 31)
    )
    setting = RuleSetting.objects.create(rule="outside_hours", threshold=20, factor=1, window_days=0)
    campaign = review_open(actor=auditor, title="routes", deadline=timezone.localdate() + dt.timedelta(days=30))
    item = campaign.items.get(staff=hq)
    return {"alert": alert, "request": request, "setting": setting, "campaign": campaign, "item": item}


def _voices(staff: User, world: World) -> dict[str, Any]:
    """Agency A's voice about the world's customer and policy, its month's 回覧 and an improvement."""
    from tsunagu.voice import services as voice_services
    from tsunagu.voice.models import VoiceCategory

    voice = voice_services.voice_record(
        actor=staff,
        data=voice_services.VoiceInput(
            received_on=timezone.localdate(),
            channel="phone",
            category=VoiceCategory.objects.get(code="dis-delay"),
            text="ロードサービスの到着が遅く、説明もなかった",
            customer=world.customer,
            policy=world.policy,
        ),
    )
    circulation = voice_services.circulation_create(actor=staff, month=timezone.localdate())
    improvement = voice_services.improvement_save(
        actor=staff,
        data=voice_services.ImprovementInput(title="到着予定の連絡を徹底", owner=staff, planned_on=D(2026, 6, 1)),
        voices=[voice],
    )
    return {"voice": voice, "circulation": circulation, "improvement": improvement}


def _practice(staff: User, world: World) -> dict[str, Any]:
    """Agency A's incomplete intent record of the world's policy (on the 意向把握 worklist) and an
    incomplete elderly handling of the world's customer (on the 高齢者対応 worklist)."""
    from tsunagu.practice import services as practice_services
    from tsunagu.practice.models import ElderlyMeasure, ElderlySolicitation, PracticeRule, RenewalProgress

    record = practice_services.intent_record_save(
        actor=staff, policy=world.policy, data=practice_services.IntentInput(recommended_product="安心の住まい")
    )
    solicitation = ElderlySolicitation.objects.create(
        policy=world.policy,
        customer=world.customer,
        agency=world.policy.agency,
        solicited_on=D(2026, 4, 1),
        age=81,
        tier="enhanced",
        recorded_by=staff,
        missing=["別担当者による確認電話"],
    )
    # One row of every other practice table, for the admin walk (tests/test_contracts.py).
    ElderlyMeasure.objects.create(
        solicitation=solicitation, kind="multiple_meetings", done_on=D(2026, 3, 20), done_by=staff
    )
    RenewalProgress.objects.create(
        policy=world.policy, agency=world.policy.agency, agent=staff, expiry=world.policy.expiry
    )
    PracticeRule.objects.create(agency=None)
    return {"intent": record, "solicitation": solicitation}
