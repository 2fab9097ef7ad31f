"""A synthetic book held in polars frames only (no database): customers with auto / fire policy chains
of yearly terms, lapses driven by payment method, age and a premium rise, and new earthquake contracts
of fire holders, so the churn and next-product models have something to learn."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tsunagu.analytics import features as F

AS_OF = dt.date(2026, 12, 1)


def synthetic_book(customers: int = 900, *, seed: int = 0, shuffle: int | None = None) -> F.Book:
    """`shuffle`: the frames' rows in a random order (seeded), the same facts."""
    rng = np.random.default_rng(seed)
    people = []
    policies: list[dict[str, object]] = []
    start = AS_OF - dt.timedelta(days=5 * 365)
    for cid in range(1, customers + 1):
        corporate = rng.random() < 0.1
        birth = None if corporate else dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 50 * 365)))
        people.append({
            "customer_id": cid, "kind": "corporate" if corporate else "individual", "birth_date": birth,
            "gender": None if corporate else str(rng.choice(["male", "female"])),
            "contact_consent": bool(rng.random() < 0.85),
        })  # fmt: skip
        young = birth is not None and (AS_OF - birth).days < 35 * 365
        slip = rng.random() < 0.3
        for line in ("auto", "fire"):
            if rng.random() > (0.75 if line == "auto" else 0.4):
                continue
            inception = start + dt.timedelta(days=int(rng.integers(0, 365)))
            previous = None
            premium = int(rng.integers(30_000, 120_000))
            while inception <= AS_OF:
                rise = rng.random() < 0.3
                premium = int(premium * (1.15 if rise else 1.0))
                expiry = inception + dt.timedelta(days=365)
                pid = len(policies) + 1
                policies.append({
                    "policy_id": pid, "customer_id": cid, "line": line, "status": "in_force",
                    "contract_date": inception - dt.timedelta(days=20), "inception": inception, "expiry": expiry,
                    "annual_premium": premium, "payment_method": "payment_slip" if slip else "bank_transfer",
                    "payment_frequency": "annual", "sales_channel": "agency", "face_to_face": True,
                    "previous_policy_id": previous, "cancellation_date": None, "last_changed_on": None,
                    "nonfleet_grade": int(rng.integers(1, 21)) if line == "auto" else None,
                    "accident_coefficient_years": 0 if line == "auto" else None,
                    "earthquake_cover": 0,
                })  # fmt: skip
                lapse = 0.08 + 0.2 * slip + 0.12 * young + 0.15 * rise
                if rng.random() < lapse:
                    policies[-1]["status"] = "matured"
                    break
                previous, inception = pid, expiry
            if line == "fire" and rng.random() < 0.6:
                bought = start + dt.timedelta(days=int(rng.integers(365, 5 * 365)))
                policies.append({
                    "policy_id": len(policies) + 1, "customer_id": cid, "line": "earthquake", "status": "in_force",
                    "contract_date": bought, "inception": bought, "expiry": bought + dt.timedelta(days=365),
                    "annual_premium": 15_000, "payment_method": "bank_transfer", "payment_frequency": "annual",
                    "sales_channel": "agency", "face_to_face": True, "previous_policy_id": None,
                    "cancellation_date": None, "last_changed_on": None, "nonfleet_grade": None,
                    "accident_coefficient_years": None, "earthquake_cover": 0,
                })  # fmt: skip
    customer_frame = pl.DataFrame(
        people,
        schema={"customer_id": pl.Int64, "kind": pl.String, "birth_date": pl.Date, "gender": pl.String,
                "contact_consent": pl.Boolean},
    )  # fmt: skip
    policy_frame = pl.DataFrame(
        policies,
        schema={"policy_id": pl.Int64, "customer_id": pl.Int64, "line": pl.String, "status": pl.String,
                "contract_date": pl.Date, "inception": pl.Date, "expiry": pl.Date, "annual_premium": pl.Int64,
                "payment_method": pl.String, "payment_frequency": pl.String, "sales_channel": pl.String,
                "face_to_face": pl.Boolean, "previous_policy_id": pl.Int64, "cancellation_date": pl.Date,
                "last_changed_on": pl.Date, "nonfleet_grade": pl.Int64, "accident_coefficient_years": pl.Int64,
                "earthquake_cover": pl.Int8},
    )  # fmt: skip
    ended = pl.col("status").is_in([s.value for s in F.ENDED_STATUSES])
    policy_frame = policy_frame.with_columns(
        pl.coalesce(pl.col("cancellation_date"), pl.when(ended).then(pl.col("last_changed_on"))).alias("ended_on"),
        pl.col("policy_id").is_in(policy_frame["previous_policy_id"].drop_nulls().implode()).alias("renewed"),
    )
    if shuffle is not None:
        customer_frame = customer_frame.sample(fraction=1.0, shuffle=True, seed=shuffle)
        policy_frame = policy_frame.sample(fraction=1.0, shuffle=True, seed=shuffle)
    claims = pl.DataFrame(schema={"customer_id": pl.Int64, "reported_on": pl.Date, "closed_on": pl.Date})
    contacts = pl.DataFrame(schema={"customer_id": pl.Int64, "on": pl.Date, "direction": pl.String})
    cases = pl.DataFrame(
        schema={"customer_id": pl.Int64, "case_type": pl.String, "sub_type": pl.String, "opened_on": pl.Date}
    )
    names = pl.DataFrame(schema={"customer_id": pl.Int64, "changed_on": pl.Date})
    return F.Book(customer_frame, policy_frame, claims, contacts, cases, names)
