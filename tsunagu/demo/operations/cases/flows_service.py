"""The inquiry and reissue flows (policy and earthquake-deduction certificate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsunagu.cases.choices import CaseStatus, CaseType, EventKind, IdentityDocument, InquiryCategory, VerificationMethod
from tsunagu.core.choices import DepartmentKind
from tsunagu.policies.choices import PolicyStatus

from ..faq import TOPICS, Topic
from .customers import CustomerFacts
from .records import Issue, _utc
from .simulation import Sim
from .texts import REISSUE_REASONS

if TYPE_CHECKING:
    from .generator import CaseGenerator


def inquiry(g: CaseGenerator, c: CustomerFacts) -> None:
    rng = g.rng
    lines = {p.line for p in c.policies}
    candidates = [t for t in TOPICS if not t.lines or lines & set(t.lines)]
    topic: Topic = rng.choices(candidates, weights=[t.weight for t in candidates])[0]
    matching = [p for p in c.policies if not topic.lines or p.line in topic.lines]
    policy = rng.choice(matching) if matching and (topic.lines or rng.random() < 0.5) else None
    created_by, channel, agency = g.intake(c.agencies, policy)
    question = rng.choice(topic.questions)
    sim = Sim(
        g,
        case_type=CaseType.INQUIRY,
        sub_type=topic.category,
        channel=channel,
        customer_id=c.id,
        policy=policy,
        subject=question[:60],
        description=f"{question}とのお問い合わせ。",
        opened=g.opened_at(),
        created_by=created_by,
        agency_id=agency,
    )
    sim.panels["inquiries"] = {"category": topic.category, "question": question, "answer": ""}
    refs = g.refs

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

    g.run(sim, flow)


def _verify(g: CaseGenerator, sim: Sim, method: str, document: str, actor: int) -> None:
    sim.panels["identity_verifications"] = {
        "method": method,
        "document_type": document,
        "verified_by_id": actor,
        "verified_at": _utc(sim.t),
        "note": "",
    }
    sim.event(EventKind.DETAIL, f"本人確認を記録した({VerificationMethod(method).label})", actor=actor, bump=True)


def _reissue(g: CaseGenerator, sim: Sim, created_by: str, kind: str, tax_year: int | None) -> None:
    rng = g.rng
    refs = g.refs

    def flow(sim: Sim) -> None:
        handler = refs.user("policy_admin")
        if rng.random() < 0.6:
            sim.later(2, 10)
            _verify(g, sim, VerificationMethod.PHONE_QA, IdentityDocument.NONE, refs.user(created_by))
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
            _verify(g, sim, VerificationMethod.DOCUMENT_COPY, document, handler)
            sim.later()
            sim.transition(CaseStatus.IN_PROGRESS, handler)
        sim.days(0, 2)
        channel = "electronic" if rng.random() < 0.2 else "post"
        g.generated.issued.append(Issue(kind, sim.id, handler, sim.t, channel, tax_year))

    g.run(sim, flow)


def policy_reissue(g: CaseGenerator, c: CustomerFacts) -> None:
    candidates = [p for p in c.policies if p.status == PolicyStatus.IN_FORCE and p.id not in g.reissued_policies]
    if not candidates:
        return
    policy = g.rng.choice(candidates)
    g.reissued_policies.add(policy.id)
    created_by, channel, agency = g.intake(c.agencies, policy)
    reason = g.rng.choice(REISSUE_REASONS)
    sim = Sim(
        g,
        case_type=CaseType.POLICY_REISSUE,
        sub_type="",
        channel=channel,
        customer_id=c.id,
        policy=policy,
        subject=f"保険証券の再発行({reason})",
        description=f"{reason}のため、保険証券の再発行をご希望。",
        opened=g.opened_at(),
        created_by=created_by,
        agency_id=agency,
    )
    _reissue(g, sim, created_by, CaseType.POLICY_REISSUE, None)


def certificate_reissue(g: CaseGenerator, c: CustomerFacts) -> None:
    rng = g.rng
    policies = [p for p in c.policies if p.id in c.earthquake_policies]
    if not policies:
        return
    # Asked for in the 年末調整 season (Oct–Dec) and for 確定申告 (Jan–Mar).
    weights = [5.0 if d.month in (10, 11, 12) else 2.5 if d.month in (1, 2, 3) else 0.3 for d in g.business_days]
    day = rng.choices(g.business_days, weights=weights)[0]
    tax_year = day.year if day.month >= 10 else day.year - 1
    policies = [p for p in policies if p.inception.year <= tax_year]  # in force during that tax year
    if not policies:
        return
    policy = rng.choice(policies)
    created_by, channel, agency = g.intake(c.agencies, policy)
    purpose = "年末調整" if day.month >= 10 else "確定申告"
    sim = Sim(
        g,
        case_type=CaseType.CERTIFICATE_REISSUE,
        sub_type="",
        channel=channel,
        customer_id=c.id,
        policy=policy,
        subject=f"{tax_year}年分 地震保険料控除証明書の再発行",
        description=f"{purpose}に使う控除証明書が見当たらないため、再発行をご希望。",
        opened=g.opened_at(day=day),
        created_by=created_by,
        agency_id=agency,
    )
    _reissue(g, sim, created_by, CaseType.CERTIFICATE_REISSUE, tax_year)
