"""The demo's practice records: every agency policy of the last two years gets an intent record whose
completeness agrees with the pure rule; elderly policyholders get solicitations; renewals and training."""

from __future__ import annotations

import datetime as dt

from tests.conftest import make_customer, make_policy
from tsunagu.demo.operations.practice import demo_practice_load
from tsunagu.practice import intent
from tsunagu.practice.models import ElderlySolicitation, IntentRecord, RenewalProgress, RolePlayScore, TrainingSession

D = dt.date


def test_demo_practice_records(hq_operator, agency_a_staff, agency_a_manager, org):
    young = make_customer(hq_operator, agency=org["agency_a"], name="若林 健", name_kana="ワカバヤシ ケン")
    old = make_customer(
        hq_operator, agency=org["agency_a"], name="老松 清", name_kana="オイマツ キヨシ", birth_date=D(1940, 1, 1)
    )
    policies = [
        make_policy(
            hq_operator,
            holder,
            agency=org["agency_a"],
            contract_date=D(2026, 1, 10),
            inception=D(2026, 2, 1),
            expiry=D(2027, 2, 1),
        )
        for holder in (young, old, young, old)
    ]
    expired = make_policy(
        hq_operator,
        young,
        agency=org["agency_a"],
        contract_date=D(2025, 6, 1),
        inception=D(2025, 7, 1),
        expiry=D(2026, 7, 1),
    )
    result = demo_practice_load(seed=1, as_of=D(2026, 12, 5), actor=hq_operator)
    assert result.intent_records == len(policies) + 1
    assert IntentRecord.objects.count() == 5
    for record in IntentRecord.objects.all():
        facts = intent.RecordFacts(
            line=record.line,
            initial_intent=record.initial_intent,
            final_intent=record.final_intent,
            intent_changed=record.intent_changed,
            change_reason=record.change_reason,
            products_presented=record.products_presented,
            narrowing_reason=record.narrowing_reason,
            recommended_product=record.recommended_product,
            recommendation_reason=record.recommendation_reason,
            chose_recommended=record.chose_recommended,
            non_recommended_reason=record.non_recommended_reason,
            double_checked=record.double_checked_by_id is not None,
            confirmed_on=record.confirmed_on,
            confirmation_method=record.confirmation_method,
            elderly_incomplete=ElderlySolicitation.objects.filter(policy=record.policy, complete=False).exists(),
        )
        assert record.missing == intent.missing_items(facts)
        assert record.complete is (not record.missing)
        if record.double_checked_by_id:
            assert record.double_checked_by_id != record.recorded_by_id
    assert set(ElderlySolicitation.objects.values_list("customer_id", flat=True)) == {old.pk}
    assert ElderlySolicitation.objects.get(policy=policies[1]).tier == "enhanced"
    assert RenewalProgress.objects.filter(policy=expired).exists()
    assert TrainingSession.objects.filter(agency=org["agency_a"]).count() == 11  # every 2 months, not the future one
    assert RolePlayScore.objects.filter(agency=org["agency_a"]).count() == 3 * 2  # quality meetings, 2 staff
    again = demo_practice_load(seed=1, as_of=D(2026, 12, 5), actor=hq_operator)
    assert again.intent_records == 0
    assert again.sessions == 0


def test_the_demo_logins_include_each_login_agencys_manager(db):
    from tsunagu.core import permissions
    from tsunagu.demo.org import DEMO_USERS, ensure_agencies, ensure_departments, ensure_users

    users = ensure_users(None, ensure_departments(None), ensure_agencies(None, 2))
    for staff, manager in (("agency1", "agency1_manager"), ("agency2", "agency2_manager")):
        assert users[staff].manager == users[manager]
        assert users[manager].agency_id == users[staff].agency_id
        assert permissions.has(users[manager], permissions.PRACTICE_DOUBLE_CHECK)
        assert not permissions.has(users[staff], permissions.PRACTICE_DOUBLE_CHECK)
    assert {d.username for d in DEMO_USERS} >= {"agency1_manager", "agency2_manager"}
    assert ensure_users(None, ensure_departments(None), ensure_agencies(None, 2)) == users  # loading again adds none


def test_the_demo_double_checks_are_the_managers(hq_operator, agency_a_staff, agency_a_manager, org):
    holder = make_customer(hq_operator, agency=org["agency_a"], name="若林 健", name_kana="ワカバヤシ ケン")
    for _ in range(25):
        make_policy(
            hq_operator,
            holder,
            agency=org["agency_a"],
            contract_date=D(2026, 3, 10),
            inception=D(2026, 4, 1),
            expiry=D(2027, 4, 1),
        )
    demo_practice_load(seed=1, as_of=D(2026, 12, 5), actor=hq_operator)
    checked = IntentRecord.objects.exclude(double_checked_by=None)
    assert checked.exists()
    assert set(checked.values_list("double_checked_by", flat=True)) == {agency_a_manager.pk}
    assert set(IntentRecord.objects.values_list("recorded_by", flat=True)) == {agency_a_staff.pk}
    assert set(RolePlayScore.objects.exclude(person=agency_a_manager).values_list("evaluator", flat=True)) == {
        agency_a_manager.pk
    }
