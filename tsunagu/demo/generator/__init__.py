"""The demo-data generator: deterministic rows for customers and everything around them.

One `random.Random` (and one Faker instance seeded from it) drives everything, consumed customer by
customer, so the data depends only on the seed, the reference date, the starting ids and the
organization, never on the chunk size. No database access happens here; `tsunagu.demo.loader`
writes the chunks.
"""

from __future__ import annotations

import datetime as dt

from .base import Chunk, CustomerInfo, Ids, Weighted
from .interactions import InteractionMixin

__all__ = ["Chunk", "Generator", "Ids"]

# How long customers have been with the insurer, in years (bands drawn uniformly inside).
TENURE_YEARS: Weighted[tuple[int, int]] = Weighted([((0, 1), 0.15), ((1, 3), 0.2), ((3, 10), 0.35), ((10, 25), 0.3)])


class Generator(InteractionMixin):
    def customer(self, chunk: Chunk) -> None:
        customer_id = self.ids.customer
        self.ids.customer += 1
        person = self.identity(customer_id)
        home = self.place()
        agency_id = self.agency_pick() if self.chance(0.95 if person.corporate else 0.85) else None
        low, high = TENURE_YEARS.pick(self.rng)
        tenure_days = int((low + (high - low) * self.rng.random()) * 365)
        if person.age is not None:
            tenure_days = min(tenure_days, (person.age - 18) * 365)
        info = CustomerInfo(
            id=customer_id,
            corporate=person.corporate,
            age=person.age,
            since=min(self.latest_date, self.as_of - dt.timedelta(days=tenure_days)),
            agency_id=agency_id,
            place_summary=f"{home.prefecture}{home.city}",
        )
        first_policy = len(chunk.policy_history_dates)
        self.policies(chunk, info, person, home)
        has_email = self.contact_points(chunk, info, person, home)
        self.relatives(chunk, info, person)
        self.former_names(chunk, info, person)
        # Registered when they became a customer, and before their first policy in any case.
        first_policy_at = min(chunk.policy_history_dates[first_policy:]) - dt.timedelta(minutes=self.between(5, 90))
        created_at = min(self.moment(info.since), first_policy_at)
        self.customer_row(chunk, info, person, has_email=has_email, created_at=created_at)
        for agency, since in sorted(info.agency_since.items()):
            chunk.add("customer_agencies", (customer_id, agency, since))
        self.interactions(chunk, info)

    def chunk(self, customers: int) -> Chunk:
        chunk = Chunk()
        for _ in range(customers):
            self.customer(chunk)
        return chunk
