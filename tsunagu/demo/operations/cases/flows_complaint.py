"""The complaint flow: fact finding, handoffs, explanation, the report to the insurer and, for a few
percent, the そんぽADR path (苦情解決手続, sometimes 紛争解決手続) with its outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tsunagu.cases import adr as adr_rules
from tsunagu.cases.choices import AdrResult, AdrStage, CaseChannel, CaseStatus, CaseType, EventKind, Priority
from tsunagu.cases.models import ComplaintDetail
from tsunagu.core.choices import DepartmentKind

from .customers import CustomerFacts
from .simulation import Sim
from .texts import COMPLAINTS

if TYPE_CHECKING:
    from .generator import CaseGenerator

ADR_SHARE = 0.04
ADR_RECENT_SHARE = 0.25
# How referrals end (§d.2): most are settled in the complaint procedure; about a third go on to the
# dispute procedure, which ends in 和解, 特別調停, 不調(見込みなし) or 取下げ.
COMPLAINT_STAGE_ENDS: tuple[tuple[AdrResult, int], ...] = (
    (AdrResult.RESOLVED, 55),
    (AdrResult.WITHDRAWN, 8),
    (AdrResult.NOT_ACCEPTED, 4),
)
DISPUTE_ENDS: tuple[tuple[AdrResult, int], ...] = (
    (AdrResult.SETTLED, 50),
    (AdrResult.SPECIAL_CONCILIATION, 15),
    (AdrResult.FAILED, 25),
    (AdrResult.WITHDRAWN, 10),
)
DISPUTE_SHARE = 0.33
ADR_OUTCOME_NOTES = {
    AdrResult.RESOLVED: "ADRセンター経由で改めてご説明し、ご理解いただいた。",
    AdrResult.WITHDRAWN: "お客さまが申出を取り下げられた。",
    AdrResult.NOT_ACCEPTED: "当社との事前の話し合いがないため、ADRセンターで受け付けられなかった。",
    AdrResult.SETTLED: "和解が成立した(説明内容の一部不足を認め、謝罪のうえ解決)。",
    AdrResult.SPECIAL_CONCILIATION: "特別調停案を受諾し、解決した。",
    AdrResult.FAILED: "和解の見込みがないとして手続が終了した。",
}


def complaint(g: CaseGenerator, c: CustomerFacts) -> None:
    rng = g.rng
    if not g.refs.complaint_categories:
        return
    parent = rng.choices(("C1", "C2", "C3", "C4", "C9"), weights=(25, 30, 30, 3, 12))[0]
    children = [cat for cat in g.refs.complaint_categories if cat[1] == parent] or g.refs.complaint_categories
    category_id, _, category_name = rng.choice(children)
    said, request, cause, countermeasure = rng.choice(COMPLAINTS.get(parent) or COMPLAINTS["C9"])
    policy = rng.choice(c.policies) if c.policies and parent in ("C1", "C2", "C3") else None
    if rng.random() < 0.2:
        created_by, channel, agency = "complaints", str(CaseChannel.POST), policy.agency_id if policy else None
    else:
        created_by, channel, agency = g.intake(c.agencies, policy)
    sim = Sim(
        g,
        case_type=CaseType.COMPLAINT,
        sub_type="",
        channel=channel,
        customer_id=c.id,
        policy=policy,
        subject=f"苦情: {category_name}",
        description=said,
        opened=g.opened_at(),
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
        "adr_stage": "",
        "adr_lodged_on": None,
        "adr_dispute_filed_on": None,
        "adr_result": "",
        "adr_concluded_on": None,
        "reported_to_insurer_on": None,
    }
    sim.panels["complaints"] = panel
    related = {
        "C1": DepartmentKind.CALL_CENTER,
        "C2": DepartmentKind.POLICY_ADMIN,
        "C3": DepartmentKind.CLAIMS,
    }.get(parent, DepartmentKind.CALL_CENTER)
    refs = g.refs
    # A few percent go to the そんぽADRセンター; complaints of the last months more often, so that the
    # demo's today has referrals open near their 60-day mark.
    age = (g.as_of - sim.row["opened_on"]).days
    adr_share = ADR_RECENT_SHARE if 40 <= age <= 110 else ADR_SHARE
    adr = rng.random() < adr_share

    def update(sim: Sim, actor: int, **values: Any) -> None:
        panel.update(values)
        labels = [str(getattr(ComplaintDetail._meta.get_field(name), "verbose_name", name)) for name in sorted(values)]
        sim.event(EventKind.DETAIL, f"苦情の記録を更新した: {'、'.join(labels)}", actor=actor, bump=True)

    def adr_path(sim: Sim, officer: int) -> None:
        sim.days(3, 10)
        lodged = sim.today
        sim.days(2, 5)
        panel.update(
            adr_stage=AdrStage.COMPLAINT,
            adr_lodged_on=lodged,
            adr_referred_on=sim.today,
            adr_reference=f"そんぽADR-{sim.today:%Y}-{rng.randint(1000, 9999)}",
        )
        mark = adr_rules.day60_mark(lodged)
        sim.event(
            EventKind.DETAIL,
            f"そんぽADRセンターからの通知を記録した(苦情解決手続、申出日 {lodged:%Y/%m/%d}、"
            f"60日経過日 {mark:%Y/%m/%d})",
            actor=officer,
            bump=True,
        )
        if rng.random() < DISPUTE_SHARE:
            sim.days(40, 50)  # unresolved at the 60-day mark: the customer files the dispute procedure
            panel.update(adr_stage=AdrStage.DISPUTE, adr_dispute_filed_on=sim.today)
            target = adr_rules.proposal_target(sim.today)
            sim.event(
                EventKind.DETAIL,
                f"紛争解決手続に移行した(申立日 {sim.today:%Y/%m/%d}、和解案の目標 {target:%Y/%m/%d})",
                actor=officer,
                bump=True,
            )
            sim.days(40, 85)
            ends = DISPUTE_ENDS
        else:
            sim.days(10, 35)
            ends = COMPLAINT_STAGE_ENDS
        result = rng.choices([r for r, _ in ends], weights=[w for _, w in ends])[0]
        panel.update(adr_result=result, adr_concluded_on=sim.today, adr_outcome=ADR_OUTCOME_NOTES[result])
        stage = AdrStage(panel["adr_stage"]).label
        sim.event(
            EventKind.DETAIL,
            f"ADRの手続が終了した({stage}: {result.label}、{sim.today:%Y/%m/%d})",
            actor=officer,
            bump=True,
        )

    def flow(sim: Sim) -> None:
        officer = refs.user("complaints")
        sim.later(10, 120)
        sim.assign("complaints", officer)
        sim.transition(CaseStatus.IN_PROGRESS, officer)
        if agency is not None and rng.random() < 0.9:
            # The agency reports its complaint to the insurer within a few business days (most do).
            sim.days(0, 3)
            panel["reported_to_insurer_on"] = sim.today
            sim.event(
                EventKind.DETAIL, f"苦情を保険会社に報告した(報告日 {sim.today:%Y/%m/%d})", actor=officer, bump=True
            )
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
            adr_path(sim, officer)
        if rng.random() < 0.5:
            sim.later()
            update(sim, officer, recurrence_prevention=countermeasure)
        sim.days(0, 2)
        sim.transition(
            CaseStatus.COMPLETED,
            officer,
            resolution="原因と対策をご説明し、ご了承いただいた。"
            if not adr
            else f"そんぽADRセンターの手続が終了した({AdrResult(panel['adr_result']).label})。",
        )

    g.run(sim, flow)
