"""The contact history (コンタクト履歴): about ten contacts per customer over the last years."""

from __future__ import annotations

import datetime as dt

from ..catalog import AUTO, ELDERLY_TOPICS, FIRE, QUAKE, TOPICS, Topic
from .base import JST_OFFSET, Chunk, ClaimInfo, CustomerInfo, PolicyInfo, Weighted
from .policies import PolicyMixin

ALL_TOPICS: Weighted[Topic] = Weighted([(t, t.weight) for t in TOPICS])
GENERAL_TOPICS: Weighted[Topic] = Weighted([(t, t.weight) for t in TOPICS if not t.needs])
ELDERLY: Weighted[Topic] = Weighted([(t, t.weight) for t in ELDERLY_TOPICS])
CHANNELS: dict[str, Weighted[str]] = {t.subject: Weighted(list(t.channels)) for t in (*TOPICS, *ELDERLY_TOPICS)}
HISTORY_YEARS = 6
CORRECTION_RATE = 0.003
AGENCY_HANDLED_DEPARTMENTS = ("policy_admin", "call_center")
NEAR = dt.timedelta(days=30)
# (id, occurred_at, channel, direction, policy id, claim id, subject, created_at, staff id) of a contact.
Made = tuple[int, dt.datetime, str, str, int | None, int | None, str, dt.datetime, int]


class InteractionMixin(PolicyMixin):
    def interactions(self, chunk: Chunk, info: CustomerInfo) -> None:
        scale = 1.3 if (info.age or 0) >= 70 else 0.9 if info.corporate else 1.0
        count = min(60, int(self.rng.gammavariate(2.0, 5.0) * scale))
        start = min(self.latest_date, max(info.since, self.add_years(self.as_of, -HISTORY_YEARS)))
        elderly = (info.age or 0) >= 70
        made: list[Made] = []
        corrected: set[int] = set()
        for _ in range(count):
            topic = ELDERLY.pick(self.rng) if elderly and self.chance(0.15) else ALL_TOPICS.pick(self.rng)
            policy: PolicyInfo | None = None
            claim: ClaimInfo | None = None
            if topic.needs == "claim" and not info.claims:
                topic = GENERAL_TOPICS.pick(self.rng)
            if topic.needs == "claim":
                claim = self.one_of(info.claims)
                policy = claim.policy
                day = self.claim_day(claim, topic)
            else:
                day = self.contact_day(start)
                if topic.needs:
                    # Only policies that existed around that day (contacts follow the policy's life).
                    low, high = day + NEAR, day - NEAR
                    related = self.policies_for_topic(info, topic.needs)
                    candidates = [p for p in related if p.contract_date <= low and high <= p.end]
                    if candidates:
                        policy = self.one_of(candidates)
                    elif related and self.chance(0.5):  # else: the contact happens during a policy's life
                        policy = self.one_of(related)
                        first = min(self.latest_date, max(start, policy.contract_date))
                        day = self.date_between(first, max(first, min(policy.end, self.latest_date)))
                    else:
                        topic = GENERAL_TOPICS.pick(self.rng)
            occurred = self.moment(day, first_hour=9, last_hour=19)
            channel = CHANNELS[topic.subject].pick(self.rng)
            notes = self.one_of(topic.notes)
            if "{" in notes:
                notes = notes.replace("{policy}", f"証券番号{policy.number}" if policy else "ご契約")
                notes = notes.replace("{claim}", f"事故番号{claim.number}" if claim else "事故")
            interaction_id = self.ids.interaction
            self.ids.interaction += 1
            created = occurred + dt.timedelta(seconds=self.between(60, 1800))
            staff = self.staff_for(topic, info, policy)
            policy_id = policy.id if policy else None
            claim_id = claim.id if claim else None
            chunk.add(
                "interactions",
                (interaction_id, info.id, channel, topic.direction, occurred, staff, topic.subject, notes,
                 policy_id, claim_id, None, created),
            )  # fmt: skip
            made.append(
                (interaction_id, occurred, channel, topic.direction, policy_id, claim_id, topic.subject, created, staff)
            )
            if self.chance(CORRECTION_RATE):
                self.correction(chunk, info, made, corrected)

    def policies_for_topic(self, info: CustomerInfo, needs: str) -> list[PolicyInfo]:
        if needs == "auto":
            return [p for p in info.policies if p.line == AUTO]
        if needs == "fire":
            return [p for p in info.policies if p.line in (FIRE, QUAKE)]
        return info.policies

    def claim_day(self, claim: ClaimInfo, topic: Topic) -> dt.date:
        latest = self.latest_date
        if topic.subject == "事故の受付":
            return min(claim.reported_on, latest)
        last = min(claim.closed_on or latest, claim.reported_on + dt.timedelta(days=120), latest)
        return self.date_between(min(claim.reported_on, latest), last)

    def contact_day(self, start: dt.date) -> dt.date:
        """A day in [start, latest], somewhat more often recent; fewer at the weekend."""
        span = (self.latest_date - start).days
        day = start + dt.timedelta(days=int(span * self.rng.random() ** 0.8))
        if day.weekday() >= 5 and self.chance(0.7):
            moved = day - dt.timedelta(days=day.weekday() - 4)
            if moved >= start:
                day = moved
        return day

    def staff_for(self, topic: Topic, info: CustomerInfo, policy: PolicyInfo | None) -> int:
        """Department staff by topic; some contacts are handled by the customer's agency's staff."""
        agency_id = policy.agency_id if policy is not None else info.agency_id
        if (
            agency_id is not None
            and agency_id in self.org.agency_staff
            and agency_id in info.agency_since
            and topic.department in AGENCY_HANDLED_DEPARTMENTS
            and self.chance(0.3)
        ):
            return self.org.agency_staff[agency_id]
        return self.one_of(self.org.staff_by_department[topic.department])

    def correction(
        self,
        chunk: Chunk,
        info: CustomerInfo,
        made: list[Made],
        corrected: set[int],
    ) -> None:
        """A correction is a new entry pointing at the original, with the original's time and links."""
        original = self.one_of(made)
        if original[0] in corrected or original[6].startswith("【訂正】"):
            return
        corrected.add(original[0])
        original_id, occurred, channel, direction, policy_id, claim_id, subject, created, staff = original
        latest_moment = dt.datetime.combine(self.latest_date, dt.time(23, 59)) - JST_OFFSET
        recorded = min(latest_moment, created + dt.timedelta(minutes=self.between(10, 3 * 24 * 60)))
        interaction_id = self.ids.interaction
        self.ids.interaction += 1
        chunk.add(
            "interactions",
            (interaction_id, info.id, channel, direction, occurred, staff, f"【訂正】{subject}"[:200],
             "先の記録に誤りがあったため訂正する(対応内容の記載漏れ)。", policy_id, claim_id, original_id,
             max(recorded, created)),
        )  # fmt: skip
        made.append(
            (interaction_id, occurred, channel, direction, policy_id, claim_id, f"【訂正】{subject}", recorded, staff)
        )
