"""Who sees which policies and claims, and who may write them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.conftest import make_customer, make_policy, read
from tsunagu.core.models import AuditEvent
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.customers.selectors import UnloggedRead
from tsunagu.policies.choices import PolicyStatus, ReportChannel
from tsunagu.policies.models import Claim, Policy, PremiumPayment
from tsunagu.policies.selectors import claim_list_for_customer, policy_list_for_customer
from tsunagu.policies.services import claim_register, policy_change_status, premium_payment_record

pytestmark = pytest.mark.django_db


def _claim(actor, policy, number="C-1"):
    return claim_register(
        actor=actor,
        policy=policy,
        number=number,
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都港区",
        accident_type="追突",
        reported_on=dt.date(2026, 5, 2),
        reported_via=ReportChannel.AGENCY,
    )


@pytest.fixture
def shared_customer(hq_operator, org):
    """A customer with one policy at agency A, one at agency B and a direct one, each with a claim."""
    customer = make_customer(hq_operator, name="共有 花子", name_kana="キョウユウ ハナコ")
    policies = {
        "a": make_policy(hq_operator, customer, agency=org["agency_a"], number="PA-731901"),
        "b": make_policy(hq_operator, customer, agency=org["agency_b"], number="PB-731902"),
        "direct": make_policy(hq_operator, customer, agency=None, number="PD-731903"),
    }
    claims = {key: _claim(hq_operator, policy, number=f"CLM-{key}-731904") for key, policy in policies.items()}
    return customer, policies, claims


def test_policy_visible_to_gives_each_persona_its_agency_s_policies(
    shared_customer, hq_operator, auditor, agency_a_staff, agency_b_staff
):
    _customer, policies, _claims = shared_customer
    assert set(Policy.objects.visible_to(hq_operator)) == set(policies.values())
    assert set(Policy.objects.visible_to(auditor)) == set(policies.values())
    assert list(Policy.objects.visible_to(agency_a_staff)) == [policies["a"]]
    assert list(Policy.objects.visible_to(agency_b_staff)) == [policies["b"]]
    assert not Policy.objects.visible_to(AnonymousUser()).exists()


def test_claim_visible_to_follows_the_policy(shared_customer, hq_operator, agency_a_staff, agency_b_staff):
    _customer, _policies, claims = shared_customer
    assert set(Claim.objects.visible_to(hq_operator)) == set(claims.values())
    assert list(Claim.objects.visible_to(agency_a_staff)) == [claims["a"]]
    assert list(Claim.objects.visible_to(agency_b_staff)) == [claims["b"]]
    assert not Claim.objects.visible_to(AnonymousUser()).exists()


def test_the_customer_s_policy_and_claim_lists_show_each_agency_only_its_own(
    shared_customer, hq_operator, agency_a_staff, agency_b_staff
):
    customer, policies, claims = shared_customer
    as_a, as_b, as_hq = read(agency_a_staff, customer), read(agency_b_staff, customer), read(hq_operator, customer)
    assert policy_list_for_customer(user=agency_a_staff, customer=as_a) == [policies["a"]]
    assert claim_list_for_customer(user=agency_a_staff, customer=as_a) == [claims["a"]]
    assert policy_list_for_customer(user=agency_b_staff, customer=as_b) == [policies["b"]]
    assert claim_list_for_customer(user=agency_b_staff, customer=as_b) == [claims["b"]]
    assert set(policy_list_for_customer(user=hq_operator, customer=as_hq)) == set(policies.values())
    assert set(claim_list_for_customer(user=hq_operator, customer=as_hq)) == set(claims.values())


def test_agency_b_staff_get_nothing_of_agency_a_s_customer(customer_a, agency_b_staff, agency_a_staff):
    with pytest.raises(Http404):
        read(agency_b_staff, customer_a)
    # Nor by handing the selectors a customer object fetched some other way: no logged read, no data.
    with pytest.raises(UnloggedRead):
        policy_list_for_customer(user=agency_b_staff, customer=customer_a)
    with pytest.raises(UnloggedRead):
        claim_list_for_customer(user=agency_b_staff, customer=read(agency_a_staff, customer_a))
    assert len(policy_list_for_customer(user=agency_a_staff, customer=read(agency_a_staff, customer_a))) == 1


def test_the_customer_page_shows_agency_b_nothing_and_agency_a_only_its_policies(
    client, shared_customer, agency_a_staff
):
    customer, _policies, _claims = shared_customer
    client.force_login(agency_a_staff)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    # Numbers long enough never to turn up by chance inside a CSRF token on the page.
    assert "PA731901" in page
    assert "PB731902" not in page
    assert "PD731903" not in page
    assert "CLMA731904" in page
    assert "CLMB731904" not in page


# --- writes ----------------------------------------------------------------------------------


def test_agency_staff_register_policies_for_their_customers(agency_a_staff, org):
    customer = make_customer(agency_a_staff)
    policy = make_policy(agency_a_staff, customer, agency=org["agency_a"])
    assert policy.history.get().history_user == agency_a_staff


def test_agency_staff_may_not_register_a_policy_for_another_agency(agency_a_staff, org):
    customer = make_customer(agency_a_staff)
    with pytest.raises(PermissionDenied):
        make_policy(agency_a_staff, customer, agency=org["agency_b"])
    with pytest.raises(PermissionDenied):
        make_policy(agency_a_staff, customer, agency=None)
    assert not Policy.objects.exists()


def test_agency_b_staff_cannot_take_over_agency_a_s_customer_by_registering_a_policy(agency_b_staff, customer_a, org):
    links_before = list(CustomerAgency.objects.values_list("customer_id", "agency_id"))
    policies_before = Policy.objects.count()
    with pytest.raises(PermissionDenied):
        make_policy(agency_b_staff, customer_a, agency=org["agency_b"])
    assert list(CustomerAgency.objects.values_list("customer_id", "agency_id")) == links_before
    assert Policy.objects.count() == policies_before
    assert not Customer.objects.visible_to(agency_b_staff).exists()


def test_agency_b_staff_cannot_insure_agency_a_s_customer_on_their_policy(agency_b_staff, customer_a, org):
    own = make_customer(agency_b_staff, name="鈴木 一郎", name_kana="スズキ イチロウ")
    with pytest.raises(PermissionDenied):
        make_policy(agency_b_staff, own, agency=org["agency_b"], insured=[(customer_a, "other")])
    assert not Customer.objects.visible_to(agency_b_staff).filter(pk=customer_a.pk).exists()


def test_agency_b_staff_cannot_renew_agency_a_s_policy(agency_b_staff, customer_a, org):
    own = make_customer(agency_b_staff, name="鈴木 一郎", name_kana="スズキ イチロウ")
    with pytest.raises(PermissionDenied):
        make_policy(agency_b_staff, own, agency=org["agency_b"], previous_policy=customer_a.policies.get())


def test_agency_b_staff_cannot_change_record_payments_on_or_register_claims_for_agency_a_s_policy(
    agency_b_staff, customer_a
):
    policy = customer_a.policies.get()
    events_before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        policy_change_status(actor=agency_b_staff, policy=policy, status=PolicyStatus.CANCELLED, on=dt.date(2026, 6, 1))
    with pytest.raises(PermissionDenied):
        premium_payment_record(
            actor=agency_b_staff,
            policy=policy,
            paid_on=dt.date(2026, 4, 1),
            amount=1,
            period_from=dt.date(2026, 4, 1),
            period_to=dt.date(2026, 4, 30),
        )
    with pytest.raises(PermissionDenied):
        _claim(agency_b_staff, policy)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE
    assert policy.history.count() == 1
    assert not PremiumPayment.objects.exists()
    assert not Claim.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_agency_a_staff_record_payments_and_claims_on_their_policies(agency_a_staff, customer_a):
    policy = customer_a.policies.get()
    payment = premium_payment_record(
        actor=agency_a_staff,
        policy=policy,
        paid_on=dt.date(2026, 4, 1),
        amount=60000,
        period_from=dt.date(2026, 4, 1),
        period_to=dt.date(2027, 3, 31),
    )
    claim = _claim(agency_a_staff, policy)
    assert payment.history.get().history_user == agency_a_staff
    assert claim.history.get().history_user == agency_a_staff
