"""Merge and unmerge: rows move with history, nothing is deleted, unmerge restores the state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.cases.conftest import open_case
from tests.conftest import make_customer, make_policy
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case
from tsunagu.core.models import AuditEvent
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.customers.services import customer_update, phone_add
from tsunagu.identity.choices import MergeStatus
from tsunagu.identity.services.merging import active_merge_of, customer_merge, customer_state, customer_unmerge
from tsunagu.interactions.choices import Channel
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.models import Policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(hq_operator, org, departments):
    """Two customer records of one person: agency A's and agency B's, each with a policy,
    a contact and a case."""
    a = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ", emails=[("personal", "k@example.jp")])
    b = make_customer(
        hq_operator,
        name="渡邊 恵子",
        name_kana="ワタナベ ケイコ",
        birth_date=None,
        phones=[("mobile", "090-1234-5678"), ("home", "03-5555-0000")],
        emails=[("personal", "keiko@example.jp")],
    )
    pa = make_policy(hq_operator, a, agency=org["agency_a"])
    pb = make_policy(hq_operator, b, agency=org["agency_b"])
    interaction_log(actor=hq_operator, customer=b, channel=Channel.PHONE, subject="住所変更の相談")
    open_case(hq_operator, b, pb, CaseType.INQUIRY, "contract", question="満期は？")
    return a, b, pa, pb


def test_merge_moves_everything_and_keeps_the_absorbed_customer(steward, pair, org):
    a, b, pa, pb = pair
    merge = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物(電話で確認)")
    assert Customer.objects.filter(pk=b.pk).exists()  # nothing is deleted
    assert active_merge_of(b) == merge
    assert set(Policy.objects.filter(policyholder=a)) == {pa, pb}
    assert Interaction.objects.filter(customer=a).count() == 1
    assert Case.objects.filter(customer=a).count() == 1
    assert set(CustomerAgency.objects.filter(customer=a).values_list("agency__code", flat=True)) == {"A0001", "B0001"}
    # duplicated mobile stays behind; the landline and the other email move (not primary)
    assert set(a.phones.values_list("digits", "is_primary")) == {("09012345678", True), ("0355550000", False)}
    assert set(a.emails.values_list("address", "is_primary")) == {("k@example.jp", True), ("keiko@example.jp", False)}
    assert b.phones.count() == 1
    # history for each moved row, and audit events for both customers
    pb.refresh_from_db()
    assert pb.history.first().history_user == steward
    assert "名寄せ統合" in pb.history.first().history_change_reason
    assert AuditEvent.objects.filter(action="identity.merge", target_id=str(a.pk)).exists()
    assert AuditEvent.objects.filter(action="identity.merged_into", target_id=str(b.pk)).exists()
    assert AuditEvent.objects.filter(action="interaction.reassign").count() == 1


@pytest.mark.parametrize("survivor_first", [True, False])
def test_unmerge_restores_exactly_the_state_before(steward, pair, survivor_first):
    a, b, _, _ = pair
    if not survivor_first:  # b has no birth date: the merge fills it from a, the unmerge takes it back
        a, b = b, a
    before = (customer_state(a), customer_state(b))
    merge = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    assert customer_state(a) != before[0]
    if not survivor_first:
        assert merge.changes["fields"] == {"birth_date": ["", "1970-03-01"]}
    customer_unmerge(actor=steward, merge=merge, reason="別人と判明")
    assert (customer_state(a), customer_state(b)) == before
    merge.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE
    assert AuditEvent.objects.filter(action="identity.unmerge", target_id=str(a.pk)).exists()
    with pytest.raises(ValidationError, match="既に解除されています"):
        customer_unmerge(actor=steward, merge=merge, reason="二度目")


def test_unmerge_after_later_edits_keeps_them_on_the_survivor(steward, pair, hq_operator, org):
    a, b, _, _ = pair
    before_b = customer_state(b)
    merge = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    # later work on the merged customer: an edit, a new phone, a new policy, a new contact
    customer_update(actor=hq_operator, customer=a, note="統合後に追記", gender="female")
    phone_add(actor=hq_operator, customer=a, number="080-9999-0000", kind="mobile")
    later_policy = make_policy(hq_operator, a, agency=org["agency_b"])
    later_contact = interaction_log(actor=hq_operator, customer=a, channel=Channel.PHONE, subject="統合後の問合せ")
    customer_unmerge(actor=steward, merge=merge, reason="別人と判明")
    # the restored customer gets back exactly its own rows
    assert customer_state(b) == before_b
    # the later edits and rows stay on the survivor
    a.refresh_from_db()
    assert a.note == "統合後に追記"
    assert a.gender == "female"
    assert a.phones.filter(digits="08099990000").exists()
    assert later_policy.__class__.objects.get(pk=later_policy.pk).policyholder == a
    assert Interaction.objects.get(pk=later_contact.pk).customer == a
    # the agency link the merge added is still needed by the later policy: kept
    assert CustomerAgency.objects.filter(customer=a, agency=org["agency_b"]).exists()


def test_merge_refusals(steward, pair, hq_operator, agency_a_staff):
    a, b, _, _ = pair
    with pytest.raises(PermissionDenied):
        customer_merge(actor=hq_operator, survivor=a, absorbed=b, reason="x")
    with pytest.raises(PermissionDenied):
        customer_merge(actor=agency_a_staff, survivor=a, absorbed=b, reason="x")
    with pytest.raises(ValidationError, match="理由"):
        customer_merge(actor=steward, survivor=a, absorbed=b, reason=" ")
    with pytest.raises(ValidationError, match="同じ顧客"):
        customer_merge(actor=steward, survivor=a, absorbed=a, reason="x")
    customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    c = make_customer(hq_operator, name="別 人", name_kana="ベツ ヒト", birth_date=dt.date(1980, 1, 1))
    with pytest.raises(ValidationError, match="既に顧客"):
        customer_merge(actor=steward, survivor=b, absorbed=c, reason="x")


def test_chained_merges_unmerge_in_order(steward, pair, hq_operator):
    a, b, _, _ = pair
    c = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ", phones=[], emails=[])
    before = [customer_state(x) for x in (a, b, c)]
    first = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    second = customer_merge(actor=steward, survivor=c, absorbed=a, reason="同一人物")
    with pytest.raises(ValidationError, match="先にその統合を解除"):
        customer_unmerge(actor=steward, merge=first, reason="x")
    customer_unmerge(actor=steward, merge=second, reason="x")
    customer_unmerge(actor=steward, merge=first, reason="x")
    assert [customer_state(x) for x in (a, b, c)] == before


def test_merge_marks_the_absorbed_customer_and_takes_it_out_of_search(steward, hq_operator, pair):
    from tsunagu.search.selectors import search_customers

    def found(q: str) -> set[int]:
        return {row.customer_id for row in search_customers(user=hq_operator, q=q).rows}

    a, b, _, _ = pair
    assert found("ワタナベ ケイコ") == {a.pk, b.pk}
    merge = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert b.history.first().merged_into_id == a.pk  # with row history
    assert b.history.first().history_user == steward
    assert found("ワタナベ ケイコ") == {a.pk}
    assert found("0355550000") == {a.pk}  # the moved landline is found on the survivor

    customer_unmerge(actor=steward, merge=merge, reason="別人")
    b.refresh_from_db()
    assert b.merged_into_id is None
    assert found("ワタナベ ケイコ") == {a.pk, b.pk}
    assert found("0355550000") == {b.pk}
