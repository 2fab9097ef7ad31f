"""Policy validation: specific Japanese messages, and a rejected registration leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import make_customer, make_policy
from tsunagu.core.models import Agent, AuditEvent
from tsunagu.customers.models import CustomerAgency
from tsunagu.policies.choices import LineOfBusiness, PolicyStatus, ReportChannel
from tsunagu.policies.models import Building, Claim, Coverage, Policy, PremiumPayment, Vehicle
from tsunagu.policies.services import CoverageInput, claim_register, policy_change_status, premium_payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(hq_operator):
    return make_customer(hq_operator)


def counts() -> dict[str, int]:
    return {
        "policies": Policy.objects.count(),
        "policy_history": Policy.history.count(),
        "coverages": Coverage.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "buildings": Building.objects.count(),
        "agency_links": CustomerAgency.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def rejected_policy(actor, holder, **kwargs) -> dict[str, list[str]]:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_policy(actor, holder, **kwargs)
    assert counts() == before, "a rejected registration must leave nothing behind"
    return caught.value.message_dict


def test_a_valid_policy_is_registered_with_its_coverages_history_and_agency_link(hq_operator, holder, org):
    policy = make_policy(hq_operator, holder, agency=org["agency_a"], number="pn-0001")
    assert policy.number == "PN0001"
    assert policy.term_years == 1
    assert [c.name for c in policy.coverages.all()] == ["対人賠償"]
    assert policy.history.get().history_user == hq_operator
    assert policy.coverages.get().history.get().history_user == hq_operator
    assert CustomerAgency.objects.filter(customer=holder, agency=org["agency_a"]).exists()
    assert AuditEvent.objects.get(action="policy.create").summary == "契約「PN0001」を登録した"


def test_inception_after_expiry_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(
        hq_operator, holder, agency=org["agency_a"], inception=dt.date(2026, 4, 1), expiry=dt.date(2026, 3, 31)
    )
    assert messages["expiry"] == ["保険終期は保険始期より後の日付にしてください。"]


def test_inception_equal_to_expiry_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(
        hq_operator, holder, agency=org["agency_a"], inception=dt.date(2026, 4, 1), expiry=dt.date(2026, 4, 1)
    )
    assert messages["expiry"] == ["保険終期は保険始期より後の日付にしてください。"]


def test_a_contract_date_after_inception_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], contract_date=dt.date(2026, 4, 2))
    assert messages["contract_date"] == ["契約日は保険始期以前の日付にしてください。"]


def test_a_negative_premium_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], annual_premium=-1)
    assert messages["annual_premium"] == ["保険料に負の金額は指定できません。"]


def test_a_negative_coverage_premium_rejects_the_whole_policy(hq_operator, holder, org):
    coverages = [CoverageInput("対人賠償", 30000), CoverageInput("車両", -100)]
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], coverages=coverages)
    assert messages["premium"] == ["保険料に負の金額は指定できません。"]


def test_a_negative_sum_insured_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(
        hq_operator, holder, agency=org["agency_a"], coverages=[CoverageInput("車両", 1000, sum_insured=-1)]
    )
    assert messages["sum_insured"] == ["保険金額に負の金額は指定できません。"]


@pytest.mark.parametrize("variant", ["PN-0001", "ＰＮ０００１", "pn0001", "PN 0001", "ＰＮ－０００１"])
def test_a_duplicate_policy_number_is_rejected_in_any_width_case_or_hyphen_variant(hq_operator, holder, org, variant):
    make_policy(hq_operator, holder, agency=org["agency_a"], number="PN-0001")
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], number=variant)
    assert messages["number"] == ["証券番号「PN0001」は既に登録されています。"]


def test_a_blank_policy_number_is_rejected(hq_operator, holder, org):
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], number=" - ")
    assert "証券番号を入力してください。" in messages["number"]


def test_an_agent_from_another_agency_is_rejected(hq_operator, holder, org):
    other_agent = Agent.objects.create(registration_number="R-B-001", name="募集 花子", agency=org["agency_b"])
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], agent=other_agent)
    assert messages["agent"] == ["募集人は契約の代理店に所属している必要があります。"]


def test_an_agent_of_the_policy_s_agency_is_accepted(hq_operator, holder, org):
    policy = make_policy(hq_operator, holder, agency=org["agency_a"], agent=org["agent_a"])
    assert policy.agent == org["agent_a"]


def test_an_agency_policy_needs_an_agency(hq_operator, holder):
    from tsunagu.policies.choices import SalesChannel
    from tsunagu.policies.models import Product
    from tsunagu.policies.services import PolicyInput, policy_create

    data = PolicyInput(
        number="PN-9",
        product=Product.objects.get(line=LineOfBusiness.AUTO),
        contract_date=dt.date(2026, 4, 1),
        inception=dt.date(2026, 4, 1),
        expiry=dt.date(2027, 4, 1),
        annual_premium=1,
        payment_method="bank_transfer",
        payment_frequency="annual",
        sales_channel=SalesChannel.AGENCY,
    )
    with pytest.raises(ValidationError) as caught:
        policy_create(actor=hq_operator, policyholder=holder, data=data)
    assert caught.value.message_dict["agency"] == ["代理店扱の契約には代理店を指定してください。"]
    assert not Policy.objects.exists()


def test_a_bad_nonfleet_grade_rejects_the_whole_policy(hq_operator, holder, org):
    vehicle = {"model_name": "N-BOX", "registration_number": "練馬 580 あ 00-01", "nonfleet_grade": 21}
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], vehicle=vehicle)
    assert "nonfleet_grade" in messages


@pytest.mark.parametrize("postal_code", ["〒100-0001", "１００－０００１", "1000001"])
def test_a_building_s_postal_code_is_stored_as_seven_digits(hq_operator, holder, org, postal_code):
    building = {"location": "東京都千代田区千代田1-1", "postal_code": postal_code, "structure_class": "H"}
    policy = make_policy(hq_operator, holder, agency=org["agency_a"], line=LineOfBusiness.FIRE, building=building)
    assert Building.objects.get(policy=policy).postal_code == "1000001"


def test_a_building_with_a_bad_postal_code_rejects_the_whole_policy(hq_operator, holder, org):
    building = {"location": "東京都千代田区千代田1-1", "postal_code": "100-01", "structure_class": "H"}
    messages = rejected_policy(hq_operator, holder, agency=org["agency_a"], line=LineOfBusiness.FIRE, building=building)
    assert messages["postal_code"] == ["郵便番号は7桁の数字で入力してください(例: 100-0001)。"]


def test_a_long_term_policy_counts_its_years(hq_operator, holder, org):
    policy = make_policy(hq_operator, holder, agency=org["agency_a"], expiry=dt.date(2036, 4, 1))
    assert policy.term_years == 10


# --- payments and claims ---------------------------------------------------------------------


@pytest.fixture
def policy(hq_operator, holder, org):
    return make_policy(hq_operator, holder, agency=org["agency_a"])


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"amount": -1}, "amount", "入金額に負の金額は指定できません。"),
        ({"earthquake_portion": 70000}, "earthquake_portion", "地震保険料は0円以上、入金額以下にしてください。"),
        ({"earthquake_portion": -1}, "earthquake_portion", "地震保険料は0円以上、入金額以下にしてください。"),
        ({"period_to": dt.date(2026, 3, 31)}, "period_to", "対象期間の終わりは始まり以降にしてください。"),
    ],
)
def test_a_bad_premium_payment_is_rejected(hq_operator, policy, kwargs, field, message):
    data = {
        "paid_on": dt.date(2026, 4, 1),
        "amount": 60000,
        "period_from": dt.date(2026, 4, 1),
        "period_to": dt.date(2027, 3, 31),
    } | kwargs
    with pytest.raises(ValidationError) as caught:
        premium_payment_record(actor=hq_operator, policy=policy, **data)
    assert caught.value.message_dict[field] == [message]
    assert not PremiumPayment.objects.exists()


def _claim(actor, policy, **kwargs):
    data = {
        "number": "C-0001",
        "accident_date": dt.date(2026, 5, 1),
        "accident_place": "東京都港区",
        "accident_type": "追突",
        "reported_on": dt.date(2026, 5, 2),
        "reported_via": ReportChannel.CALL_CENTER,
    } | kwargs
    return claim_register(actor=actor, policy=policy, **data)


def test_a_claim_reported_before_the_accident_is_rejected(hq_operator, policy):
    with pytest.raises(ValidationError) as caught:
        _claim(hq_operator, policy, accident_date=dt.date(2026, 5, 3))
    assert caught.value.message_dict["accident_date"] == ["事故日は受付日以前の日付にしてください。"]
    assert not Claim.objects.exists()
    assert not AuditEvent.objects.filter(action="claim.register").exists()


def test_a_duplicate_claim_number_is_rejected_in_any_width_or_hyphen_variant(hq_operator, policy):
    first = _claim(hq_operator, policy, number="C-0001")
    assert first.number == "C0001"
    with pytest.raises(ValidationError) as caught:
        _claim(hq_operator, policy, number="ｃ－０００１")
    assert "number" in caught.value.message_dict
    assert Claim.objects.count() == 1


def test_changing_a_policy_status_records_history_and_an_audit_event(hq_operator, policy):
    policy_change_status(actor=hq_operator, policy=policy, status=PolicyStatus.CANCELLED, on=dt.date(2026, 6, 1))
    policy.refresh_from_db()
    assert (policy.status, policy.last_changed_on) == (PolicyStatus.CANCELLED, dt.date(2026, 6, 1))
    assert policy.history.latest().history_user == hq_operator
    assert AuditEvent.objects.get(action="policy.change_status").summary == "契約状態を「有効」から「解約」に変更した"
