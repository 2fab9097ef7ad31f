"""The cancellation flow: retention offers, outcome, documents and the refund."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from tsunagu.cases.choices import (
    CancellationOutcome,
    CancellationReason,
    CaseChannel,
    CaseStatus,
    CaseType,
    EventKind,
)
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.refund import refund_basis

from .simulation import Sim
from .texts import (
    AFTER_COMPLAINT,
    AGENCY_INSURER_SPELLINGS,
    CANCELLATION_REASONS,
    COMPETITOR_SPELLINGS,
    COMPETITORS,
    DISSATISFIED_CLAIM_TEXT,
    DISSATISFIED_TEXTS,
    FIRST_YEAR_PREMIUM_TEXT,
    OUTCOME_ROTATION,
    _pick_weighted,
)

if TYPE_CHECKING:
    from .customers import CustomerFacts
    from .generator import CaseGenerator
    from .records import PolicyInfo

CALL_CENTER = ("operator", "operator2")  # supervisor1's team: they talk the customer through retention
AFTER_COMPLAINT_SHARE = 0.5  # of the customers who complained in the year, how many then ask to cancel
AFTER_COMPLAINT_DAYS = (3, 80)  # the request comes this many days after the complaint (within 90)


def _competitor(side: random.Random, reason: str, said: str) -> str:
    """The insurer the customer is going to, as the operator typed it ("" when not asked or not said).
    `said` is the main stream's draw of COMPETITORS (kept, so the rest of the demo is unchanged)."""
    if reason == CancellationReason.SWITCH:
        if not said:
            return ""
        direct = said.startswith("ダイレクト型")
        return side.choice(side.choice(COMPETITOR_SPELLINGS if direct else AGENCY_INSURER_SPELLINGS))
    if reason == CancellationReason.PREMIUM_BURDEN and side.random() < 0.35:
        return side.choice(side.choice(COMPETITOR_SPELLINGS))  # a cheaper quote from a direct insurer
    if reason == CancellationReason.DISSATISFIED and side.random() < 0.25:
        return side.choice(side.choice(COMPETITOR_SPELLINGS + AGENCY_INSURER_SPELLINGS))
    return ""


def _plausible_text(
    side: random.Random, g: CaseGenerator, c: CustomerFacts, policy: PolicyInfo, reason: str, text: str
) -> str:
    """What the customer said, consistent with their record: 事故対応 only after a claim on the policy,
    「更新後の保険料」 only for a policy past its first year, a building sold only for property lines."""
    if reason == CancellationReason.SOLD and policy.line != "auto":
        return "建物を売却することになった" if policy.line in ("fire", "earthquake") else "補償が不要になった"
    if text == DISSATISFIED_CLAIM_TEXT and not any(claim.policy_id == policy.id for claim in c.claims):
        return side.choice(DISSATISFIED_TEXTS)
    if reason == CancellationReason.PREMIUM_BURDEN and policy.inception > g.as_of - dt.timedelta(days=365):
        return FIRST_YEAR_PREMIUM_TEXT
    return text


def after_complaint(g: CaseGenerator, c: CustomerFacts, complained_on: dt.date) -> None:
    """Some customers who complained ask to cancel within weeks (the 「苦情に続く解約」 table). Drawn from
    its own seeded Random, with the rotation of outcomes put back, so every other demo figure is as it was.
    The first complainer who can still cancel always does: a small demo has only a few complaints, and a
    coin flip for each left the table empty on some 基準日."""
    side = random.Random(f"tsunagu-after-complaint-{c.id}")
    if side.random() >= AFTER_COMPLAINT_SHARE and g.cancellations_after_complaint:
        return
    low, high = (complained_on + dt.timedelta(days=d) for d in AFTER_COMPLAINT_DAYS)
    days = [d for d in g.business_days if low <= d <= high]
    if not days:
        return
    main, turn = g.rng, g.outcome_turn
    g.rng = side
    g.outcome_turn = side.randrange(len(OUTCOME_ROTATION))
    written = len(g.rows["cases"])
    try:
        cancellation(g, c, opened_on=side.choice(days), reason=_pick_weighted(side, AFTER_COMPLAINT))
        g.cancellations_after_complaint += len(g.rows["cases"]) > written
    finally:
        g.rng, g.outcome_turn = main, turn


def cancellation(
    g: CaseGenerator,
    c: CustomerFacts,
    *,
    opened_on: dt.date | None = None,
    reason: tuple[str, float, str] | None = None,
) -> None:
    rng = g.rng
    in_force = [
        p
        for p in c.policies
        if p.status == PolicyStatus.IN_FORCE and p.id not in g.cancelled_ids and p.expiry > g.as_of
    ]
    if not in_force:
        return
    policy = rng.choice(in_force)
    code, _, reason_text = reason or _pick_weighted(rng, CANCELLATION_REASONS)
    created_by, channel, agency = g.intake(c.agencies, policy)
    # Draws that only shape the retention analysis use their own seeded Random, so the main stream
    # (and every other demo figure) stays as it was.
    side = random.Random(f"tsunagu-cancellation-{c.id}-{policy.id}")
    reason_text = _plausible_text(side, g, c, policy, code, reason_text)
    sim = Sim(
        g,
        case_type=CaseType.CANCELLATION,
        sub_type="",
        channel=channel,
        customer_id=c.id,
        policy=policy,
        subject=f"解約のお申出({policy.number})",
        description=f"{reason_text}ため、解約したいとのお申出。",
        opened=g.opened_at(day=opened_on),
        created_by=created_by,
        agency_id=agency,
    )
    said = rng.choice(COMPETITORS) if code == CancellationReason.SWITCH else ""
    competitor = _competitor(side, code, said)
    panel: dict[str, Any] = {
        "reason": code,
        "reason_text": reason_text,
        "competitor": competitor,
        "offer_made": "",
        "outcome": "",
        "effective_date": None,
        "refund_note": "",
        "guidance_used_id": None,
    }
    sim.panels["cancellations"] = panel
    offers = g.refs.guidance.get((code, policy.line)) or g.refs.guidance.get((code, "")) or ["解約手続のご案内"]
    # Outcomes in a fixed rotation (from a seeded offset): retention stays at 3 in 11 (27%)
    # even in a small book, instead of swinging with the luck of a few draws.
    outcome = OUTCOME_ROTATION[g.outcome_turn % len(OUTCOME_ROTATION)]
    g.outcome_turn += 1
    # The guidance the operator used: the line's own guidance more often where the customer stayed
    # (so the analysis per talk point shows a difference); about one in eight not recorded.
    specific = g.refs.guidance_ids.get((code, policy.line), [])
    general = g.refs.guidance_ids.get((code, ""), [])
    used: int | None = None
    if side.random() >= 0.125 and (specific or general):
        prefer_specific = specific and (outcome != CancellationOutcome.CANCELLED or side.random() < 0.4 or not general)
        used = side.choice(specific if prefer_specific else general or specific)
    # Who works the request: agency staff keep half of the requests they took; the rest, and every
    # request taken by phone, web or mail, go to the call center's operators (supervisor1's team), who
    # talk the customer through the retention offers; letters go to 契約管理.
    by_agency = created_by in g.refs.agency_staff.values()
    if (by_agency and rng.random() < 0.5) or (created_by in CALL_CENTER and channel != CaseChannel.POST):
        handler = created_by
    elif channel == CaseChannel.POST and not by_agency:
        handler = "policy_admin"
    else:
        handler = side.choice(CALL_CENTER)
    refs = g.refs

    def complete(actor: int) -> None:
        effective = panel["effective_date"]
        basis = refund_basis(
            annual_premium=policy.annual_premium,
            inception=policy.inception,
            expiry=policy.expiry,
            cancellation_date=effective,
            method=g.refs.refund_methods.get(policy.product_id, "short_rate"),
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
        g.generated.cancelled_policies.append((policy.id, effective, sim.t, actor))

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
        panel["guidance_used_id"] = used  # recorded with the outcome
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
        g.cancelled_ids.add(policy.id)
        sim.transition(
            CaseStatus.COMPLETED,
            actor,
            resolution=f"解約の手続を完了した(解約日 {panel['effective_date']:%Y/%m/%d})。",
        )

    g.run(sim, flow)
