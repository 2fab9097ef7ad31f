"""The case generator: ids, numbers, intake, and the rows of each simulated case.

The flows of each case type live in `flows_*.py` (functions taking the generator); the methods
below hand each case type to its flow.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.db.models import Max

from tsunagu.cases.calendar import BusinessCalendar
from tsunagu.cases.choices import CaseChannel, CaseStatus
from tsunagu.cases.models import CaseNumberSequence

from ...places import PREFECTURE_TABLE
from ...writer import Row
from . import flows_accident, flows_cancellation, flows_change, flows_complaint, flows_service
from .customers import CustomerFacts, _rates
from .records import ClaimInfo, Generated, PolicyInfo, Stop
from .refs import Refs
from .simulation import Sim
from .tables import CASE_COLUMNS, ID_TABLES, TABLES
from .texts import OLD_BUILDINGS, OLD_TOWNS, OUTCOME_ROTATION

STUCK_SHARE = 0.06  # cases opened in the last 180 days left in 対応中 after the first step (対応漏れ)


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
        self.cancellations_after_complaint = 0  # see flows_cancellation.after_complaint
        self.outcome_turn = self.rng.randrange(len(OUTCOME_ROTATION))
        self.old_addresses: list[Row] = []  # former addresses of completed 住所変更 (non-primary)
        self.rates: dict[str, float] = _rates(10_000)

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

    # --- the flows, one per case type (the order of steps the services allow; in flows_*.py) -------
    def run(self, sim: Sim, flow: Any, *, stuck_allowed: bool = True) -> None:
        if stuck_allowed and (self.as_of - sim.row["opened_on"]).days <= 180 and self.rng.random() < STUCK_SHARE:
            # Forgotten once someone started on it: nothing more happens (対応漏れ once the due date passes).
            sim.stuck = True
        with contextlib.suppress(Stop):
            flow(sim)
        self.finish(sim)

    def inquiry(self, c: CustomerFacts) -> None:
        flows_service.inquiry(self, c)

    def change(self, c: CustomerFacts) -> None:
        flows_change.change(self, c)

    def accident(self, c: CustomerFacts, claim: ClaimInfo) -> None:
        flows_accident.accident(self, c, claim)

    def policy_reissue(self, c: CustomerFacts) -> None:
        flows_service.policy_reissue(self, c)

    def certificate_reissue(self, c: CustomerFacts) -> None:
        flows_service.certificate_reissue(self, c)

    def complaint(self, c: CustomerFacts) -> None:
        flows_complaint.complaint(self, c)

    def cancellation(self, c: CustomerFacts) -> None:
        flows_cancellation.cancellation(self, c)
