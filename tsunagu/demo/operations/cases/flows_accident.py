"""The accident flow: a claim first reported by phone, web or the agency."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType, EventKind, Priority
from tsunagu.cases.workflow import ACCIDENT_TYPES

from .customers import CustomerFacts
from .records import ClaimInfo, _utc
from .simulation import Sim
from .texts import ACCIDENT_DETAILS

if TYPE_CHECKING:
    from .generator import CaseGenerator


def accident(g: CaseGenerator, c: CustomerFacts, claim: ClaimInfo) -> None:
    rng = g.rng
    policy = next(p for p in c.policies if p.id == claim.policy_id)
    staff = g.refs.agency_staff.get(policy.agency_id or 0)
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
    opened = g.opened_at(day=day)
    if day == claim.accident_date and opened <= occurred:
        opened = occurred + dt.timedelta(minutes=rng.randint(20, 120))
    if opened >= g.cutoff or day <= g.start:
        return
    sim = Sim(
        g,
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
    username = next((u for u, (pk, _) in g.refs.users.items() if pk == claim.handler_id), None)
    if username not in ("claims", "claims2"):
        username = rng.choice(("claims", "claims2"))
    refs = g.refs

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

    g.run(sim, flow, stuck_allowed=False)
    g.generated.accident_claims.append((claim.id, sim.row["is_open"], sim.row["assignee_id"], sim.t, sim.last_actor))
