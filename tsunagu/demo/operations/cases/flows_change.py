"""The change flow (異動): address, name, payment, vehicle, coverage and other changes."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType, ChangeKind, EventKind
from tsunagu.customers.choices import AddressKind
from tsunagu.policies.choices import PaymentMethod, PolicyStatus

from ...catalog import PLATE_KANA, VEHICLE_MODELS
from ...places import PREFECTURE_TABLE
from .customers import CustomerFacts
from .records import _utc
from .simulation import Sim
from .texts import COVERAGE_CHANGES, OTHER_CHANGES

if TYPE_CHECKING:
    from .generator import CaseGenerator


def change(g: CaseGenerator, c: CustomerFacts) -> None:
    rng = g.rng
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
    opened = g.opened_at()
    if sub == ChangeKind.NAME:
        if c.former is None or not (g.start < c.former[0] + dt.timedelta(days=5) < g.as_of - dt.timedelta(days=1)):
            sub = ChangeKind.ADDRESS
        else:
            day = c.former[0] + dt.timedelta(days=rng.randint(5, 40))
            day = min(day, g.as_of - dt.timedelta(days=1))
            while not g.cal.is_business_day(day) and day > c.former[0]:
                day -= dt.timedelta(days=1)
            opened = g.opened_at(day=day)
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
        old_address = g.old_address(prefecture)
        previous = {
            key: value
            for key, value in zip(("postal_code", "prefecture", "city", "street", "building"), old_address, strict=True)
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
        before = PaymentMethod.PAYMENT_SLIP if policy.payment_method != PaymentMethod.PAYMENT_SLIP else "bank_transfer"
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
    created_by, channel, agency = g.intake(c.agencies, policy)
    sim = Sim(
        g,
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
    by_agency = created_by in g.refs.agency_staff.values()
    handler = created_by if by_agency and rng.random() < 0.5 else "policy_admin"
    refs = g.refs

    def complete(actor: int) -> None:
        panel["previous_values"] = json.dumps(previous, ensure_ascii=False)
        if old_address is not None:
            # customers.address_move keeps the replaced address as a non-primary 旧住所 row.
            g.old_addresses.append((c.id, False, AddressKind.FORMER.value, *old_address))
        if effective > sim.t.date():
            # As apply_change does: completed now, applied on its 異動日 by the daily
            # apply_scheduled_changes (shortly after midnight); still 反映予定 if that is after as_of.
            sim.event(
                EventKind.DETAIL,
                f"異動日 {effective:%Y/%m/%d} に反映する予定とした(反映予定)",
                data={"scheduled_on": effective.isoformat()},
                actor=actor,
            )
            if effective <= g.as_of:
                panel["applied_at"] = _utc(dt.datetime.combine(effective, dt.time(0, 10)))
            return
        panel["applied_at"] = _utc(sim.t)
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

    g.run(sim, flow)


def _difference_label(value: int | None) -> str:
    if value is None:
        return "未算出"
    if value > 0:
        return f"追徴 ¥{value:,}"
    if value < 0:
        return f"返戻 ¥{-value:,}"
    return "差額なし"
