"""Assemble a world and let the source systems write their records (see the package docstring)."""

from __future__ import annotations

import pandas as pd

from tools.identity_gen2.sources import SOURCES, company_record, person_record
from tools.identity_gen2.world import World

COLUMNS = [
    "record_id",
    "cluster_id",
    "household_id",
    "source_system",
    "name_kanji",
    "name_kana",
    "birth_date",
    "postal_code",
    "address",
    "phone",
    "email",
    "variations",
]


def generate(households: int = 4000, corporations: int = 900, *, seed: int = 1) -> pd.DataFrame:
    """Records of `households` households and `corporations` companies, in the dev set's format."""
    world = World(seed)
    rng = world.rng
    for i in range(households):
        world.household(f"H{seed:03d}{i:06d}")
    adults = [p for p in world.people if p.dob.year < 1990 and p.states]
    for original in rng.sample(adults, k=max(1, len(adults) // 50)):
        world.namesake(original)
    for _ in range(corporations):
        roll = rng.random()
        if roll < 0.15 and adults:
            world.company(owner=rng.choice(adults))
        elif roll < 0.25 and world.companies:
            world.company(sibling_of=rng.choice(world.companies))
        elif roll < 0.30 and world.companies:
            world.company(clone_of=rng.choice(world.companies))
        else:
            world.company()

    sources, weights = list(SOURCES), list(SOURCES.values())
    rows: list[dict[str, str]] = []
    for person in world.people:
        count = rng.choices([1, 2, 3, 4], [35, 38, 19, 8])[0]
        count = max(count, min(len(person.states), 3)) if len(person.states) > 1 else count
        # Every state (maiden name, old address) once before any repeats, then at random.
        states = list(person.states) + [rng.choice(person.states) for _ in range(count)]
        for state in states[:count]:
            row = person_record(person, state, rng.choices(sources, weights)[0], rng)
            rows.append(row | {"cluster_id": person.pid, "household_id": person.household})
    for company in world.companies:
        count = rng.choices([1, 2, 3], [30, 45, 25])[0]
        branch_phone = world.landline(company.branch.place) if company.branch else ""
        for i in range(count):
            row = company_record(
                company,
                rng.choices(sources, weights)[0],
                rng,
                before_conversion=company.converted_from_yugen and i == 0,
                at_branch=company.branch is not None and i > 0 and rng.random() < 0.5,
                branch_phone=branch_phone,
            )
            rows.append(row | {"cluster_id": company.cid, "household_id": company.household})
    rng.shuffle(rows)
    frame = pd.DataFrame(rows)
    frame["record_id"] = [f"G{seed:03d}-{i:06d}" for i in range(len(frame))]
    return frame[COLUMNS]
