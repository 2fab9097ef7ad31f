"""Policies with their coverages, cars, buildings, premium payments and claims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tsunagu.policies.choices import (
    BuildingUse,
    ClaimStatus,
    InsuredObject,
    InsuredRelation,
    PaymentFrequency,
    PaymentMethod,
    PolicyStatus,
    ReportChannel,
    SalesChannel,
)

from ..catalog import (
    ACCIDENT_PLACE_SUFFIXES,
    ACCIDENT_TYPES,
    AUTO,
    CLAIM_RATES,
    CORPORATE_PREMIUM_FACTOR,
    FIRE,
    LIAB,
    LINE_WEIGHTS_CORPORATE,
    LINE_WEIGHTS_INDIVIDUAL,
    OTHER,
    PA,
    PLATE_KANA,
    PREMIUM_RANGES,
    PRODUCTS,
    QUAKE,
    VEHICLE_MODELS,
    ProductSpec,
)
from ..places import PREFECTURE_TABLE
from .base import DAY, Chunk, ClaimInfo, CustomerInfo, PolicyInfo, Weighted
from .people import Identity, PeopleMixin, Place

LINE_PREFIX = {AUTO: "A", FIRE: "F", QUAKE: "E", PA: "P", LIAB: "L", OTHER: "M"}
OLD_LONG_TERM_END = dt.date(2006, 12, 31)

POLICY_COUNTS: Weighted[int] = Weighted([(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4)])
CHAIN_LENGTHS: Weighted[int] = Weighted([(1, 0.65), (2, 0.25), (3, 0.10)])
LINES_INDIVIDUAL: Weighted[str] = Weighted(list(LINE_WEIGHTS_INDIVIDUAL))
LINES_CORPORATE: Weighted[str] = Weighted(list(LINE_WEIGHTS_CORPORATE))
GRADE_BANDS: Weighted[tuple[int, int]] = Weighted(
    [((20, 20), 0.30), ((15, 19), 0.35), ((10, 14), 0.20), ((6, 9), 0.12), ((1, 5), 0.03)]
)
STRUCTURES: Weighted[str] = Weighted([("H", 0.45), ("T", 0.35), ("M", 0.20)])
VEHICLES: Weighted[str] = Weighted([(name, float(weight)) for name, weight in VEHICLE_MODELS])
OLD_LONG_TERM_PRODUCTS = tuple(p for p in PRODUCTS if p.old_long_term)
PRODUCTS_BY_LINE: dict[tuple[str, bool], Weighted[ProductSpec]] = {}
for _line in (AUTO, FIRE, QUAKE, PA, LIAB, OTHER):
    for _corporate in (False, True):
        _pairs = [(p, p.corporate_weight if _corporate else p.individual_weight) for p in PRODUCTS if p.line == _line]
        _pairs = [(p, w) for p, w in _pairs if w > 0]
        if _pairs:
            PRODUCTS_BY_LINE[(_line, _corporate)] = Weighted(_pairs)


# 代理店事故受付窓口割合 by line: the share of claims on agency policies first reported to the agency.
AGENCY_FIRST_REPORT = {"auto": 0.86, "fire": 0.78, "earthquake": 0.72, "personal_accident": 0.74, "liability": 0.76}


# Drivers of lapses and of added lines (docs/demo-data.md § 解約・追加契約の要因), so that the demo's
# churn, next-product and conversion models have something real to learn. Each driver moves a
# threshold or picks another weight table for a draw that happens anyway: the number of random draws,
# and so the rest of the demo, stays as it was.
ADDED_LINES = (QUAKE, LIAB, PA)  # lines a customer typically adds to what they hold
# Chain lengths of an added line: short (started within the last 1–2 years) for customers at the age
# of marriage, children and a first home who already hold another line; long otherwise.
ADDED_CHAIN_LENGTHS: Weighted[int] = Weighted([(1, 0.55), (2, 0.35), (3, 0.10)])
SETTLED_CHAIN_LENGTHS: Weighted[int] = Weighted([(1, 0.30), (2, 0.20), (3, 0.50)])
LAPSE_RATE = 0.08  # contracts not renewed at their last expiry, before the drivers
LAPSE_PREMIUM_FACTOR = (0.85, 0.10)  # previous term = premium × (0.85 + 0.10·u): +5% to +18% at renewal
LAPSE_CLAIM_FACTOR = 2.5  # a lapsing contract more often had a claim in its last term


def lapse_risk(person: Identity, terms: Terms, length: int) -> float:
    """How much likelier than average this contract is to be let go or ended early: young and very
    old policyholders, 払込票 (payment slip) and monthly payers, first-year contracts; corporations and
    long-standing contracts less."""
    risk = 1.0
    age = person.age
    if person.corporate:
        risk *= 0.7
    elif age is not None:
        risk *= 1.7 if age < 30 else 1.4 if age >= 75 else 0.8 if 45 <= age < 70 else 1.0
    if terms.method == PaymentMethod.PAYMENT_SLIP:
        risk *= 1.8
    if terms.frequency == PaymentFrequency.MONTHLY:
        risk *= 1.2
    risk *= 1.5 if length == 1 else 0.7 if length >= 3 else 1.0
    return min(risk, 3.5)


def agency_rate(rank: int, low: float, high: float) -> float:
    """A fixed rate in [low, high] per agency (対面募集率, 早期更改率 differ by agency in the demo), from
    the agency's rank in code order (Generator.agency_rank)."""
    return low + (high - low) * ((rank * 7919) % 11) / 10


@dataclass(slots=True)
class Terms:
    """What stays the same across the renewals of one contract."""

    spec: ProductSpec
    term: int
    frequency: str
    method: str
    agency_id: int | None
    agent_id: int | None
    channel: str
    face_to_face: bool
    premium: int


class PolicyMixin(PeopleMixin):
    def policies(self, chunk: Chunk, info: CustomerInfo, person: Identity, home: Place) -> None:
        slots = POLICY_COUNTS.pick(self.rng)
        if not person.corporate and (person.age or 0) >= 45 and self.chance(0.04):
            self.old_long_term(chunk, info, person, home)
            slots -= 1
        lines = LINES_CORPORATE if person.corporate else LINES_INDIVIDUAL
        # Added-line driver: an individual aged 25–49 holding two or more contracts adds lines recently.
        adds_lines = not person.corporate and 25 <= (person.age or 0) < 50 and slots >= 2
        while slots > 0:
            line = lines.pick(self.rng)
            spec = PRODUCTS_BY_LINE[(line, person.corporate)].pick(self.rng)
            term = self.one_of(spec.terms)
            lengths = CHAIN_LENGTHS
            if line in ADDED_LINES and info.policies and not person.corporate:
                lengths = ADDED_CHAIN_LENGTHS if adds_lines else SETTLED_CHAIN_LENGTHS
            length = min(slots, lengths.pick(self.rng) if term == 1 else (2 if self.chance(0.2) else 1))
            slots -= length
            self.contract(chunk, info, person, home, spec, term, length)

    # -- one contract and its renewals ----------------------------------------------------------

    def terms(self, info: CustomerInfo, person: Identity, spec: ProductSpec, term: int) -> Terms:
        if term > 1:
            frequency = PaymentFrequency.LUMP_SUM if self.chance(0.7) else PaymentFrequency.ANNUAL
        else:
            frequency = PaymentFrequency.MONTHLY if self.chance(0.45) else PaymentFrequency.ANNUAL
        if frequency == PaymentFrequency.MONTHLY:
            method = PaymentMethod.BANK_TRANSFER if self.chance(0.65) else PaymentMethod.CREDIT_CARD
        else:
            roll = self.rng.random()
            method = (
                PaymentMethod.BANK_TRANSFER if roll < 0.45
                else PaymentMethod.CREDIT_CARD if roll < 0.85
                else PaymentMethod.PAYMENT_SLIP
            )  # fmt: skip
        agency_id = agent_id = None
        channel, face_to_face = SalesChannel.DIRECT.value, False
        if info.agency_id is not None and self.chance(0.95):
            agency_id = info.agency_id if self.chance(0.97) else self.agency_pick()
            agents = self.org.agents_by_agency.get(agency_id) or []
            agent_id = self.one_of(agents) if agents and self.chance(0.9) else None
            channel, face_to_face = (
                SalesChannel.AGENCY.value,
                self.chance(agency_rate(self.agency_rank.get(agency_id, 0), 0.30, 0.80)),
            )
        low, high = PREMIUM_RANGES[spec.line]
        premium = low + self.rng.random() * (high - low)
        if person.corporate:
            premium *= CORPORATE_PREMIUM_FACTOR
        if spec.line == AUTO and (person.age or 40) < 26:
            premium *= 1.5
        if spec.maturity_refund:
            premium *= 2.2  # savings-type premiums include the refund's reserve
        return Terms(spec, term, frequency, method, agency_id, agent_id, channel, face_to_face, self.round_yen(premium))

    def contract(
        self, chunk: Chunk, info: CustomerInfo, person: Identity, home: Place, spec: ProductSpec, term: int, length: int
    ) -> None:
        terms = self.terms(info, person, spec, term)
        risk = lapse_risk(person, terms, length)
        lapse = LAPSE_RATE * risk
        roll = self.rng.random()
        lapsed = roll < lapse
        if lapsed:  # not renewed: the last term has ended
            newest = self.as_of - dt.timedelta(days=term * 365 + self.between(30, 3 * 365))
        elif roll < lapse + 0.02:  # a renewal that starts soon
            newest = self.as_of + dt.timedelta(days=self.between(1, 30))
        else:
            newest = self.as_of - dt.timedelta(days=self.between(0, term * 365 - 1))
        inceptions = [self.add_years(newest, -term * k) for k in reversed(range(length))]
        grade = self.between(*GRADE_BANDS.pick(self.rng))
        car = VEHICLES.pick(self.rng)
        place = home if self.chance(0.85) else self.place()
        previous_id: int | None = None
        for index, inception in enumerate(inceptions):
            newest_term = index == length - 1
            # The renewal before a lapse raised the premium more (a driver of the lapse).
            low, spread = LAPSE_PREMIUM_FACTOR if lapsed and index == length - 2 else (0.93, 0.1)
            factor = low + spread * self.rng.random() if not newest_term else 1.0
            premium = terms.premium if newest_term else self.round_yen(terms.premium * factor)
            policy = self.policy_row(
                chunk, info, terms, inception, premium, previous_id, may_end_early=newest_term, end_risk=risk
            )
            claim_factor = LAPSE_CLAIM_FACTOR if lapsed and newest_term else 1.0
            self.details(
                chunk, info, person, policy, terms, premium, place, grade - (length - 1 - index), car,
                claim_factor=claim_factor,
            )  # fmt: skip
            previous_id = policy.id
            if self.chance(0.1):
                car = VEHICLES.pick(self.rng)

    def policy_row(
        self,
        chunk: Chunk,
        info: CustomerInfo,
        terms: Terms,
        inception: dt.date,
        premium: int,
        previous_id: int | None,
        *,
        may_end_early: bool,
        may_change: bool = True,
        last_changed_on: dt.date | None = None,
        contract_date: dt.date | None = None,
        end_risk: float = 1.0,
    ) -> PolicyInfo:
        policy_id = self.ids.policy
        self.ids.policy += 1
        expiry = self.add_years(inception, terms.term)
        end = expiry
        if expiry <= self.as_of:
            status = PolicyStatus.MATURED.value
        elif inception > self.as_of or not may_end_early:
            status = PolicyStatus.IN_FORCE.value
        else:
            roll = self.rng.random() / end_risk  # riskier contracts end early more often (same draw)
            if roll < 0.07 and inception < self.latest_date:
                end = self.date_between(inception + DAY, min(expiry - DAY, self.as_of))
                status = (
                    PolicyStatus.CANCELLED.value if roll < 0.055
                    else PolicyStatus.LAPSED.value if roll < 0.068
                    else PolicyStatus.VOIDED.value
                )  # fmt: skip
                last_changed_on = end
            else:
                status = PolicyStatus.IN_FORCE.value
                if may_change and last_changed_on is None and self.chance(0.1):
                    last_changed_on = self.date_between(inception, min(self.as_of, expiry - DAY))
        if contract_date is None:
            days = self.between(0, 45)
            if previous_id is not None and terms.agency_id is not None:
                # 早期更改: the agency's share of renewals concluded >= 28 days before the start (60–90%),
                # from the same draw (the random stream, and so the rest of the demo, stays as it was).
                early = days < round(46 * agency_rate(self.agency_rank.get(terms.agency_id, 0), 0.60, 0.90))
                days = 28 + days % 33 if early else days % 28
            contract_date = min(self.as_of, inception - dt.timedelta(days=days))
        created_at = self.moment(min(contract_date, self.latest_date))
        updated_at = self.moment(min(last_changed_on, self.latest_date)) if last_changed_on else created_at
        updated_at = max(updated_at, created_at)
        number = f"{LINE_PREFIX[terms.spec.line]}{inception.year % 100:02d}{policy_id:08d}"
        chunk.add(
            "policies",
            (
                policy_id, number, terms.spec.line, self.org.product_ids[terms.spec.code], status, contract_date,
                inception, expiry, terms.term, premium, terms.method, terms.frequency, info.id,
                terms.agency_id, terms.agent_id, terms.channel, terms.face_to_face, previous_id,
                terms.spec.maturity_refund, last_changed_on, created_at, updated_at,
            ),
        )  # fmt: skip
        chunk.policy_history_dates.append(created_at)
        policy = PolicyInfo(policy_id, number, terms.spec.line, terms.agency_id, contract_date, inception, end, status)
        info.policies.append(policy)
        if contract_date < info.since:
            info.since = contract_date
        if terms.agency_id is not None:
            since = info.agency_since.get(terms.agency_id)
            if since is None or contract_date < since:
                info.agency_since[terms.agency_id] = contract_date
        return policy

    def old_long_term(self, chunk: Chunk, info: CustomerInfo, person: Identity, home: Place) -> None:
        """A savings-type long-term contract concluded before 2007 (旧長期損害保険料 candidates)."""
        spec = self.one_of(OLD_LONG_TERM_PRODUCTS)
        term = self.one_of(spec.terms)
        terms = self.terms(info, person, spec, term)
        roll = self.rng.random()
        terms.frequency = (
            PaymentFrequency.ANNUAL
            if roll < 0.6
            else PaymentFrequency.MONTHLY
            if roll < 0.9
            else PaymentFrequency.LUMP_SUM
        )
        if terms.frequency == PaymentFrequency.MONTHLY and terms.method == PaymentMethod.PAYMENT_SLIP:
            terms.method = PaymentMethod.BANK_TRANSFER
        contract_date = self.date_between(dt.date(1990, 1, 1), dt.date(2006, 11, 30))
        inception = min(OLD_LONG_TERM_END, contract_date + dt.timedelta(days=self.between(0, 30)))
        expiry = self.add_years(inception, term)
        changed: dt.date | None = None
        roll = self.rng.random()
        if roll < 0.1:
            changed = self.date_between(inception, OLD_LONG_TERM_END)
        elif roll < 0.2:  # changed after 2006: no longer eligible for the old long-term deduction
            changed = self.date_between(dt.date(2007, 1, 1), min(self.latest_date, expiry - DAY))
        policy = self.policy_row(
            chunk, info, terms, inception, terms.premium, None,
            may_end_early=True, may_change=False, last_changed_on=changed, contract_date=contract_date,
        )  # fmt: skip
        self.details(chunk, info, person, policy, terms, terms.premium, home, 20, VEHICLES.pick(self.rng))

    # -- what a policy covers -------------------------------------------------------------------

    def details(
        self,
        chunk: Chunk,
        info: CustomerInfo,
        person: Identity,
        policy: PolicyInfo,
        terms: Terms,
        premium: int,
        place: Place,
        grade: int,
        car: str,
        *,
        claim_factor: float = 1.0,
    ) -> None:
        pid, line = policy.id, policy.line
        parts: list[tuple[str, int | None, float, bool]] = []  # (name, sum insured, premium share, earthquake)
        if line == AUTO:
            parts += [("対人賠償", None, 26, False), ("対物賠償", None, 20, False)]
            parts.append(("人身傷害", self.one_of((30_000_000, 50_000_000, 100_000_000)), 18, False))
            if self.chance(0.55):
                parts.append(("車両保険", self.between(30, 300) * 10_000, 30, False))
            if self.chance(0.5):
                parts.append(("弁護士費用特約", 3_000_000, 3, False))
            grade = max(1, min(20, grade))
            accident_years = self.between(1, 3) if grade <= 12 and self.chance(0.35) else 0
            chunk.add("vehicles", (pid, car, self.plate(place), grade, accident_years))
        elif line in (FIRE, QUAKE):
            corporate = person.corporate
            building_sum = self.between(30, 300 if corporate else 45) * 1_000_000
            contents_sum = self.between(5, 50 if corporate else 12) * 1_000_000
            roll = self.rng.random()
            insured = (
                InsuredObject.BOTH if corporate or roll < 0.45
                else InsuredObject.BUILDING if roll < 0.85
                else InsuredObject.CONTENTS
            )  # fmt: skip
            if line == QUAKE:
                if insured != InsuredObject.CONTENTS:
                    parts.append(("地震保険(建物)", min(50_000_000, building_sum // 2), 70, True))
                if insured != InsuredObject.BUILDING:
                    parts.append(("地震保険(家財)", min(10_000_000, contents_sum // 2), 30, True))
            else:
                if insured != InsuredObject.CONTENTS:
                    parts.append(("建物", building_sum, 60, False))
                if insured != InsuredObject.BUILDING:
                    parts.append(("設備・什器" if corporate else "家財", contents_sum, 25, False))
                if not corporate and self.chance(0.6):
                    quake_sum = min(50_000_000, building_sum // 2) if insured != InsuredObject.CONTENTS else 0
                    quake_sum += min(10_000_000, contents_sum // 2) if insured != InsuredObject.BUILDING else 0
                    parts.append(("地震保険", quake_sum, 30, True))
            use = BuildingUse.GENERAL if corporate else BuildingUse.MIXED if self.chance(0.08) else BuildingUse.DWELLING
            chunk.add("buildings", (pid, place.text, place.postal_code, STRUCTURES.pick(self.rng), use, insured))
        elif line == PA:
            parts.append(("死亡・後遺障害", self.between(5, 30) * 1_000_000, 60, False))
            parts.append(("入院保険金日額", self.between(3, 10) * 1_000, 25, False))
            parts.append(("通院保険金日額", self.between(2, 5) * 1_000, 15, False))
            if not person.corporate:
                chunk.add("insured_persons", (pid, info.id, InsuredRelation.SELF))
        elif line == LIAB:
            if person.corporate:
                parts.append((terms.spec.name.removesuffix("保険"), self.between(1, 5) * 100_000_000, 100, False))
            else:
                parts.append(("個人賠償責任", self.one_of((100_000_000, 300_000_000, None)), 100, False))
        else:
            parts.append(("基本補償", self.between(1, 20) * 100_000, 100, False))
        eq_premium = self.coverages(chunk, pid, premium, parts)
        self.payments(chunk, policy, terms, premium, eq_premium / premium if premium else 0.0)
        self.maybe_claim(chunk, info, policy, factor=claim_factor)

    def coverages(
        self, chunk: Chunk, policy_id: int, premium: int, parts: list[tuple[str, int | None, float, bool]]
    ) -> int:
        """Split the premium over the coverages (the last takes the rounding); returns the earthquake part."""
        total_share = sum(share for _, _, share, _ in parts)
        remaining, earthquake = premium, 0
        for index, (name, sum_insured, share, is_earthquake) in enumerate(parts):
            part = remaining if index == len(parts) - 1 else int(premium * share / total_share)
            remaining -= part
            if is_earthquake:
                earthquake += part
            chunk.add("coverages", (policy_id, name, sum_insured, part, is_earthquake))
        return earthquake

    def plate(self, place: Place) -> str:
        plates = PREFECTURE_TABLE[place.prefecture_index].plates
        number = self.between(1, 9999)
        digits = str(number)
        shown = f"{digits[:2]}-{digits[2:]}" if number >= 1000 else "・" * (4 - len(digits)) + digits
        kana = PLATE_KANA[int(self.rng.random() * len(PLATE_KANA))]
        return f"{self.one_of(plates)} {self.one_of(('3', '5'))}{self.between(0, 99):02d} {kana} {shown}"

    # -- money in and out -----------------------------------------------------------------------

    def payments(self, chunk: Chunk, policy: PolicyInfo, terms: Terms, premium: int, eq_share: float) -> None:
        """Premiums received: the last 3 years (annual, lump-sum) or 13 months (monthly)."""
        stop = min(policy.end, self.as_of)
        expiry = self.add_years(policy.inception, terms.term)
        pid = policy.id
        if terms.frequency == PaymentFrequency.LUMP_SUM:
            paid_on = max(policy.contract_date, policy.inception - dt.timedelta(days=self.between(0, 20)))
            if paid_on <= self.as_of and expiry > self.add_years(self.as_of, -3):
                amount = self.round_yen(premium * terms.term * 0.92)
                chunk.add("payments", (pid, paid_on, amount, int(amount * eq_share), policy.inception, expiry - DAY))
        elif terms.frequency == PaymentFrequency.ANNUAL:
            window = self.add_years(self.as_of, -3)
            year = max(0, window.year - policy.inception.year - 1)
            start = self.add_years(policy.inception, year)
            while start <= stop and start < expiry:
                if start >= window:
                    paid_on = min(self.as_of, start - dt.timedelta(days=self.between(0, 15)))
                    period_to = min(self.add_years(policy.inception, year + 1), expiry) - DAY
                    chunk.add("payments", (pid, paid_on, premium, int(premium * eq_share), start, period_to))
                year += 1
                start = self.add_years(policy.inception, year)
        else:
            window = self.add_months(self.as_of, -13)
            month = max(0, (window.year - policy.inception.year) * 12 + window.month - policy.inception.month)
            amount = self.round_yen(premium * 1.05 / 12)
            start = self.add_months(policy.inception, month)
            while start <= stop and start < expiry:
                period_to = min(self.add_months(policy.inception, month + 1), expiry) - DAY
                chunk.add("payments", (pid, start, amount, int(amount * eq_share), start, period_to))
                month += 1
                start = self.add_months(policy.inception, month)

    def maybe_claim(self, chunk: Chunk, info: CustomerInfo, policy: PolicyInfo, *, factor: float = 1.0) -> None:
        if policy.inception >= self.latest_date or not self.chance(CLAIM_RATES[policy.line] * factor):
            return
        last = min(policy.end, self.latest_date)
        if last <= policy.inception:
            return
        accident_type, low, high = self.one_of(ACCIDENT_TYPES[policy.line])
        first = max(policy.inception, self.add_years(self.as_of, -6))
        if last <= first:
            return
        accident = self.date_between(first, last - DAY)
        reported = min(self.latest_date, accident + dt.timedelta(days=self.between(0, 10)))
        age_days = (self.as_of - reported).days
        roll = self.rng.random()
        if age_days < 14:
            status = ClaimStatus.REPORTED if roll < 0.6 else ClaimStatus.INVESTIGATING
        elif age_days < 90:
            status = (
                ClaimStatus.INVESTIGATING if roll < 0.4 else ClaimStatus.PAID if roll < 0.85
                else ClaimStatus.DENIED if roll < 0.93 else ClaimStatus.WITHDRAWN
            )  # fmt: skip
        else:
            status = (
                ClaimStatus.PAID if roll < 0.78 else ClaimStatus.DENIED if roll < 0.88
                else ClaimStatus.WITHDRAWN if roll < 0.95 else ClaimStatus.INVESTIGATING
            )  # fmt: skip
        closed_on = None
        if status in (ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.WITHDRAWN):
            closed_on = reported + dt.timedelta(days=self.between(7, max(7, min(120, age_days))))
            closed_on = min(closed_on, self.latest_date)
        amount = self.between(low // 1000, high // 1000) * 1000 if status == ClaimStatus.PAID else 0
        handler = None if status == ClaimStatus.REPORTED and self.chance(0.5) else self.one_of(self.org.claims_handlers)
        if policy.agency_id is not None and self.chance(AGENCY_FIRST_REPORT.get(policy.line, 0.75)):
            via = ReportChannel.AGENCY
        else:
            via = ReportChannel.CALL_CENTER if self.chance(0.7) else ReportChannel.WEB
        claim_id = self.ids.claim
        self.ids.claim += 1
        sequence = self.ids.claim_numbers.get(reported.year, 0) + 1
        self.ids.claim_numbers[reported.year] = sequence
        number = f"J{reported.year}{sequence:06d}"  # stored as the product stores it (hyphens removed)
        place = f"{info.place_summary}{self.one_of(ACCIDENT_PLACE_SUFFIXES)}"
        chunk.add(
            "claims",
            (
                claim_id,
                number,
                policy.id,
                accident,
                place,
                accident_type,
                reported,
                via,
                status,
                handler,
                amount,
                closed_on,
            ),
        )
        info.claims.append(ClaimInfo(claim_id, number, policy, reported, closed_on))
