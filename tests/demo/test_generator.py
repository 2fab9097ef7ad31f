"""The generator alone (no database): deterministic, independent of chunking, rows in spec order."""

from __future__ import annotations

import datetime as dt

from tsunagu.demo import tables
from tsunagu.demo.catalog import PRODUCTS
from tsunagu.demo.generator import Generator, Ids
from tsunagu.demo.org import OrgRefs

AS_OF = dt.date(2026, 4, 1)


def _org() -> OrgRefs:
    departments = ["customer_relations", "call_center", "claims", "policy_admin", "crm", "compliance", "other"]
    return OrgRefs(
        agency_ids=[1, 2, 3, 4, 5],
        agents_by_agency={1: [11, 12], 2: [21], 3: [31, 32, 33], 4: [], 5: [51]},
        product_ids={spec.code: index for index, spec in enumerate(PRODUCTS, start=1)},
        staff_by_department={kind: [100 + i] for i, kind in enumerate(departments)},
        agency_staff={1: 201, 2: 202},
        claims_handlers=[102],
        actor_id=1,
    )


def _generator(seed: str = "s") -> Generator:
    return Generator(seed=seed, as_of=AS_OF, org=_org(), ids=Ids(1, 1, 1, 1))


def test_same_seed_same_rows_and_chunking_does_not_matter():
    whole = _generator().chunk(60)
    gen = _generator()
    parts = [gen.chunk(25), gen.chunk(35)]
    for table in whole.rows:
        assert whole.rows[table] == parts[0].rows.get(table, []) + parts[1].rows.get(table, []), table
    assert whole.customer_history_dates == parts[0].customer_history_dates + parts[1].customer_history_dates


def test_other_seed_other_people():
    a = _generator("a").chunk(20).rows["customers"]
    b = _generator("b").chunk(20).rows["customers"]
    assert [r[2] for r in a] != [r[2] for r in b]


def test_rows_match_the_table_specs():
    chunk = _generator().chunk(80)
    columns = {
        "customers": tables.CUSTOMER, "customer_agencies": tables.CUSTOMER_AGENCY, "addresses": tables.ADDRESS,
        "phones": tables.PHONE, "emails": tables.EMAIL, "relatives": tables.RELATIVE,
        "former_names": tables.FORMER_NAME, "policies": tables.POLICY, "insured_persons": tables.INSURED_PERSON,
        "coverages": tables.COVERAGE, "vehicles": tables.VEHICLE, "buildings": tables.BUILDING,
        "payments": tables.PAYMENT, "claims": tables.CLAIM, "interactions": tables.INTERACTION,
    }  # fmt: skip
    assert set(chunk.rows) <= set(columns)
    for table, rows in chunk.rows.items():
        assert all(len(row) == len(columns[table]) for row in rows), table
    assert len(chunk.customer_history_dates) == len(chunk.rows["customers"])
    assert len(chunk.policy_history_dates) == len(chunk.rows["policies"])


def test_nothing_happens_after_the_reference_date():
    chunk = _generator().chunk(150)
    latest = dt.datetime.combine(AS_OF, dt.time()) - dt.timedelta(hours=9)  # as_of 00:00 JST in UTC
    occurred = [row[tables.INTERACTION.index("occurred_at")] for row in chunk.rows["interactions"]]
    assert max(occurred) < latest
    paid = [row[tables.PAYMENT.index("paid_on")] for row in chunk.rows["payments"]]
    assert max(paid) <= AS_OF
    births = [row[tables.CUSTOMER.index("birth_date")] for row in chunk.rows["customers"]]
    assert max(b for b in births if b) < AS_OF
    reported = [row[tables.CLAIM.index("reported_on")] for row in chunk.rows["claims"]]
    assert max(reported) < AS_OF


def test_renewals_point_at_an_earlier_policy_of_the_same_holder():
    chunk = _generator().chunk(150)
    policies = {row[0]: row for row in chunk.rows["policies"]}
    index = tables.POLICY.index
    renewals = [row for row in policies.values() if row[index("previous_policy_id")]]
    assert renewals
    for row in renewals:
        previous = policies[row[index("previous_policy_id")]]
        assert previous[index("policyholder_id")] == row[index("policyholder_id")]
        assert previous[index("expiry")] == row[index("inception")]
        assert previous[index("status")] in ("matured", "in_force")


def test_agency_staff_only_handle_their_agencys_customers():
    chunk = _generator().chunk(150)
    links = {(row[0], row[1]) for row in chunk.rows["customer_agencies"]}
    agency_of_policy = {row[0]: row[tables.POLICY.index("agency_id")] for row in chunk.rows["policies"]}
    staff_agency = {201: 1, 202: 2}
    index = tables.INTERACTION.index
    handled = [row for row in chunk.rows["interactions"] if row[index("staff_id")] in staff_agency]
    assert handled
    for row in handled:
        agency = staff_agency[row[index("staff_id")]]
        assert (row[index("customer_id")], agency) in links
        if row[index("policy_id")] is not None:
            assert agency_of_policy[row[index("policy_id")]] == agency
