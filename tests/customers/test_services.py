"""Customer services: history (who, when, old → new), former names, audit events, write scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import make_customer
from tsunagu.core.history import change_rows
from tsunagu.core.models import AuditEvent
from tsunagu.customers.choices import Gender, NameChangeReason
from tsunagu.customers.models import Address, Customer, CustomerAgency, Phone
from tsunagu.customers.services import (
    AddressInput,
    address_add,
    customer_change_name,
    customer_link_agency,
    customer_update,
    email_add,
    phone_add,
    relative_add,
)

pytestmark = pytest.mark.django_db


def test_customer_create_records_who_registered_the_customer_and_every_contact_point(hq_operator):
    customer = make_customer(hq_operator)
    assert customer.history.get().history_user == hq_operator
    assert customer.history.get().history_type == "+"
    for model in (Address, Phone):
        assert model.history.get(customer_id=customer.pk).history_user == hq_operator
    event = AuditEvent.objects.get(action="customer.create")
    assert (event.actor, event.target_id, event.summary) == (
        hq_operator,
        str(customer.pk),
        "顧客「山田 太郎」を登録した",
    )


def test_agency_staff_register_customers_for_their_own_agency_and_the_link_has_history(agency_a_staff, org):
    customer = make_customer(agency_a_staff)
    link = CustomerAgency.objects.get(customer=customer)
    assert link.agency == org["agency_a"]
    assert link.history.get().history_user == agency_a_staff


def test_agency_staff_may_not_register_a_customer_for_another_agency(agency_b_staff, org):
    with pytest.raises(PermissionDenied):
        make_customer(agency_b_staff, agency=org["agency_a"])
    assert not Customer.objects.exists()


def test_customer_update_without_a_request_records_the_actor_and_the_change_with_japanese_labels(hq_operator):
    customer = make_customer(hq_operator)
    customer_update(actor=hq_operator, customer=customer, note="耳が遠いのでゆっくり話す", dm_consent=True)

    latest = customer.history.latest()
    assert latest.history_user == hq_operator
    assert latest.history_type == "~"
    newest = change_rows(customer.history.all())[0]
    assert newest.user == hq_operator
    assert newest.kind == "変更"
    changes = {change.field: (change.old, change.new) for change in newest.changes}
    assert changes == {"備考": ("", "耳が遠いのでゆっくり話す"), "DM送付の同意": ("いいえ", "はい")}
    event = AuditEvent.objects.get(action="customer.update")
    assert event.actor == hq_operator
    assert event.data == {"note": ["", "耳が遠いのでゆっくり話す"], "dm_consent": ["False", "True"]}


def test_change_rows_show_choice_labels_and_dates_not_codes(hq_operator):
    customer = make_customer(hq_operator, gender=Gender.MALE)
    customer_update(actor=hq_operator, customer=customer, gender=Gender.FEMALE, birth_date=dt.date(1971, 4, 2))
    changes = {c.field: (c.old, c.new) for c in change_rows(customer.history.all())[0].changes}
    assert changes == {"性別": ("男性", "女性"), "生年月日": ("1970-03-01", "1971-04-02")}


def test_change_rows_are_newest_first_and_the_registration_has_no_field_changes(hq_operator, auditor):
    customer = make_customer(hq_operator)
    customer_update(actor=hq_operator, customer=customer, note="一回目")
    customer_update(actor=auditor, customer=customer, note="二回目")
    rows = change_rows(customer.history.all())
    assert [(row.kind, row.user) for row in rows] == [("変更", auditor), ("変更", hq_operator), ("登録", hq_operator)]
    assert [(c.old, c.new) for c in rows[0].changes] == [("一回目", "二回目")]
    assert rows[-1].changes == []
    assert len(change_rows(customer.history.all(), limit=2)) == 2


def test_an_update_that_changes_nothing_writes_no_audit_event(hq_operator):
    customer = make_customer(hq_operator, gender=Gender.MALE)
    customer_update(actor=hq_operator, customer=customer, gender=Gender.MALE)
    assert not AuditEvent.objects.filter(action="customer.update").exists()


def test_a_name_change_keeps_the_former_name_and_records_history(hq_operator):
    customer = make_customer(hq_operator, name="山田 花子", name_kana="ヤマダ ハナコ")
    customer_change_name(
        actor=hq_operator,
        customer=customer,
        name="佐藤 花子",
        name_kana="さとう はなこ",
        family_name="佐藤",
        given_name="花子",
        reason=NameChangeReason.MARRIAGE,
        changed_on=dt.date(2026, 4, 1),
    )
    customer.refresh_from_db()
    assert (customer.name, customer.name_kana, customer.family_name) == ("佐藤 花子", "サトウ ハナコ", "佐藤")
    former = customer.former_names.get()
    assert (former.name, former.name_kana, former.reason, former.changed_on) == (
        "山田 花子",
        "ヤマダ ハナコ",
        NameChangeReason.MARRIAGE,
        dt.date(2026, 4, 1),
    )
    assert former.history.get().history_user == hq_operator
    changes = {c.field: (c.old, c.new) for c in change_rows(customer.history.all())[0].changes}
    assert changes["氏名・名称"] == ("山田 花子", "佐藤 花子")
    assert changes["フリガナ"] == ("ヤマダ ハナコ", "サトウ ハナコ")
    assert (
        AuditEvent.objects.get(action="customer.change_name").summary
        == "氏名を「山田 花子」から「佐藤 花子」に変更した"
    )


def test_the_search_keys_follow_the_name(hq_operator):
    customer = make_customer(hq_operator, name="髙橋　一郎", name_kana="ﾀｶﾊｼ ｲﾁﾛｳ")
    assert (customer.name_key, customer.kana_key) == ("高橋一郎", "タカハシイチロウ")
    customer_change_name(
        actor=hq_operator,
        customer=customer,
        name="山﨑 一郎",
        name_kana="やまさき いちろう",
        reason=NameChangeReason.ADOPTION,
        changed_on=dt.date(2026, 1, 1),
    )
    customer.refresh_from_db()
    assert (customer.name_key, customer.kana_key) == ("山崎一郎", "ヤマサキイチロウ")


def test_a_new_primary_phone_demotes_the_old_one_with_history(hq_operator):
    customer = make_customer(hq_operator)
    old = customer.phones.get()
    new = phone_add(actor=hq_operator, customer=customer, number="03-1234-5678", primary=True)
    old.refresh_from_db()
    assert (old.is_primary, new.is_primary) == (False, True)
    assert old.history.latest().history_user == hq_operator


# --- writes are scoped like reads --------------------------------------------------------------


def _snapshot(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return (
        customer.name,
        customer.note,
        customer.birth_date,
        customer.history.count(),
        customer.addresses.count(),
        customer.phones.count(),
        customer.emails.count(),
        customer.relatives.count(),
        customer.former_names.count(),
        customer.agency_links.count(),
        AuditEvent.objects.count(),
    )


WRITES = {
    "customer_update": lambda actor, c: customer_update(actor=actor, customer=c, note="書き換え"),
    "customer_change_name": lambda actor, c: customer_change_name(
        actor=actor, customer=c, name="乗っ取り", name_kana="ノットリ", reason="other", changed_on=dt.date(2026, 1, 1)
    ),
    "address_add": lambda actor, c: address_add(
        actor=actor, customer=c, data=AddressInput("1000001", "東京都", "千代田区", "1-1")
    ),
    "phone_add": lambda actor, c: phone_add(actor=actor, customer=c, number="03-9999-9999"),
    "email_add": lambda actor, c: email_add(actor=actor, customer=c, address="x@example.jp"),
    "relative_add": lambda actor, c: relative_add(
        actor=actor, customer=c, name="他人", relation="other", phone="03-9999-9999", consent_date=dt.date(2026, 1, 1)
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_agency_b_staff_cannot_write_to_agency_a_customers_and_nothing_changes(agency_b_staff, customer_a, write):
    before = _snapshot(customer_a)
    with pytest.raises(PermissionDenied):
        write(agency_b_staff, customer_a)
    assert _snapshot(customer_a) == before


def test_agency_b_staff_cannot_link_agency_a_customers_to_their_agency(agency_b_staff, customer_a, org):
    before = _snapshot(customer_a)
    with pytest.raises(PermissionDenied):
        customer_link_agency(actor=agency_b_staff, customer=customer_a, agency=org["agency_b"])
    assert _snapshot(customer_a) == before
    assert not Customer.objects.visible_to(agency_b_staff).exists()


def test_agency_a_staff_cannot_link_their_customers_to_another_agency(agency_a_staff, customer_a, org):
    with pytest.raises(PermissionDenied):
        customer_link_agency(actor=agency_a_staff, customer=customer_a, agency=org["agency_b"])
    assert list(customer_a.agency_links.values_list("agency__code", flat=True)) == ["A0001"]


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_agency_a_staff_can_write_to_their_customers(agency_a_staff, customer_a, write):
    write(agency_a_staff, customer_a)
    assert customer_a.history.exists()


def test_hq_links_a_customer_to_an_agency_with_history_and_an_audit_event(hq_operator, org):
    customer = make_customer(hq_operator)
    link = customer_link_agency(actor=hq_operator, customer=customer, agency=org["agency_b"])
    assert link.history.get().history_user == hq_operator
    assert AuditEvent.objects.get(action="customer.link_agency").summary == "担当代理店に「みどり保険事務所」を追加した"
    assert customer_link_agency(actor=hq_operator, customer=customer, agency=org["agency_b"]) == link
    assert AuditEvent.objects.filter(action="customer.link_agency").count() == 1
