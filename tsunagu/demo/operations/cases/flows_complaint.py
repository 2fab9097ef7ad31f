"""The complaint flow: fact finding, handoffs, explanation and, rarely, ADR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType, EventKind, Priority
from tsunagu.cases.models import ComplaintDetail
from tsunagu.core.choices import DepartmentKind

from .customers import CustomerFacts
from .simulation import Sim
from .texts import COMPLAINTS

if TYPE_CHECKING:
    from .generator import CaseGenerator


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
    }
    sim.panels["complaints"] = panel
    related = {
        "C1": DepartmentKind.CALL_CENTER,
        "C2": DepartmentKind.POLICY_ADMIN,
        "C3": DepartmentKind.CLAIMS,
    }.get(parent, DepartmentKind.CALL_CENTER)
    refs = g.refs
    adr = g.adr_left > 0 and (g.as_of - sim.row["opened_on"]).days > 120 and rng.random() < 0.2
    if adr:
        g.adr_left -= 1

    def update(sim: Sim, actor: int, **values: Any) -> None:
        panel.update(values)
        labels = [str(getattr(ComplaintDetail._meta.get_field(name), "verbose_name", name)) for name in sorted(values)]
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

    g.run(sim, flow)
