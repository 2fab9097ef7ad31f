"""The demo generator's drivers (no database): lapses depend on payment method, age and the premium
increase at the last renewal, and the risk table reads as documented (docs/demo-data.md)."""

from __future__ import annotations

import datetime as dt
from statistics import mean
from types import SimpleNamespace

import pytest

from tsunagu.demo.generator.policies import LAPSE_RATE, lapse_risk
from tsunagu.policies.choices import PaymentFrequency, PaymentMethod

from ..demo.test_generator import AS_OF, _generator

# Column positions of a "policies" row (tsunagu.demo.tables.POLICY).
EXPIRY, PREMIUM, METHOD, PREVIOUS = 7, 9, 10, 17


def _person(age: int | None, corporate: bool = False) -> SimpleNamespace:
    return SimpleNamespace(age=age, corporate=corporate)


def _terms(method: str = PaymentMethod.BANK_TRANSFER, frequency: str = PaymentFrequency.ANNUAL) -> SimpleNamespace:
    return SimpleNamespace(method=method, frequency=frequency)


@pytest.mark.parametrize(
    ("person", "terms", "length", "expected"),
    [
        (_person(50), _terms(), 2, 0.8),  # a settled middle-aged payer by bank transfer
        (_person(25), _terms(), 2, 1.7),
        (_person(25), _terms(PaymentMethod.PAYMENT_SLIP), 2, 1.7 * 1.8),
        (_person(60), _terms(frequency=PaymentFrequency.MONTHLY), 1, 0.8 * 1.2 * 1.5),
        (_person(40, corporate=True), _terms(), 3, 0.7 * 0.7),
        (_person(80), _terms(PaymentMethod.PAYMENT_SLIP, PaymentFrequency.MONTHLY), 1, 3.5),  # capped
    ],
)
def test_lapse_risk_table(person, terms, length, expected):
    assert lapse_risk(person, terms, length) == pytest.approx(expected)
    assert LAPSE_RATE * lapse_risk(person, terms, length) < 0.3


@pytest.fixture(scope="module")
def policies():
    return _generator("drivers").chunk(3000).rows["policies"]


def _not_renewed(rows):
    renewed = {row[PREVIOUS] for row in rows if row[PREVIOUS] is not None}
    ended = [row for row in rows if row[EXPIRY] <= AS_OF and row[EXPIRY] > AS_OF - dt.timedelta(days=3 * 365)]
    return ended, renewed


def test_payment_slip_payers_let_contracts_go_more_often(policies):
    ended, renewed = _not_renewed(policies)

    def rate(method):
        rows = [row for row in ended if row[METHOD] == method]
        return sum(row[0] not in renewed for row in rows) / len(rows)

    assert rate(PaymentMethod.PAYMENT_SLIP) > 1.3 * rate(PaymentMethod.BANK_TRANSFER)


def test_the_renewal_before_a_lapse_raised_the_premium_more(policies):
    ended, renewed = _not_renewed(policies)
    premium = {row[0]: row[PREMIUM] for row in policies}
    change = {row[0]: row[PREMIUM] / premium[row[PREVIOUS]] - 1 for row in ended if row[PREVIOUS] in premium}
    lapsed = [c for pk, c in change.items() if pk not in renewed]
    kept = [c for pk, c in change.items() if pk in renewed]
    assert len(lapsed) > 20
    assert mean(lapsed) > mean(kept) + 0.04
