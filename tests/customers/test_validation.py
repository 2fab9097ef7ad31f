"""Customer validation: specific Japanese messages, and a rejected save changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import make_customer
from tsunagu.core.models import AuditEvent
from tsunagu.customers.choices import CustomerKind, Relation
from tsunagu.customers.models import Address, Customer, CustomerAgency, Email, Phone, Relative
from tsunagu.customers.services import (
    AddressInput,
    address_add,
    customer_change_name,
    customer_update,
    phone_add,
    relative_add,
)

pytestmark = pytest.mark.django_db

POSTAL_MESSAGE = "郵便番号は7桁の数字で入力してください(例: 100-0001)。"
PHONE_MESSAGE = "電話番号は0から始まる10桁または11桁で入力してください(例: 03-1234-5678)。"
KANA_MESSAGE = "フリガナはカタカナまたはひらがなで入力してください。"
CORPORATE_NUMBER_MESSAGE = "法人番号は13桁の数字で、チェックデジットが正しいものを入力してください。"


def counts() -> dict[str, int]:
    """Rows a customer registration writes; compared before and after a rejected one."""
    return {
        "customers": Customer.objects.count(),
        "customer_history": Customer.history.count(),
        "addresses": Address.objects.count(),
        "phones": Phone.objects.count(),
        "phone_history": Phone.history.count(),
        "emails": Email.objects.count(),
        "agency_links": CustomerAgency.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def address(postal_code: str) -> AddressInput:
    return AddressInput(postal_code, "東京都", "千代田区", "千代田1-1")


def rejected(callable_, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        callable_(**kwargs)
    return caught.value.message_dict


# --- postal codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("notation", ["〒100-0001", "１００－０００１", "1000001", "100-0001", "〒１００ー０００１"])
def test_postal_code_notations_are_accepted_and_stored_as_seven_digits(hq_operator, notation):
    customer = make_customer(hq_operator, addresses=[address(notation)])
    assert customer.addresses.get().postal_code == "1000001"
    assert customer.addresses.get().full_text.startswith("〒100-0001 東京都千代田区")


@pytest.mark.parametrize("notation", ["100-001", "100-00011", "", "ABC-DEFG", "〒"])
def test_a_postal_code_that_is_not_seven_digits_is_rejected_and_nothing_of_the_customer_remains(hq_operator, notation):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, addresses=[address(notation)])
    assert POSTAL_MESSAGE in caught.value.message_dict["postal_code"]
    assert counts() == before


def test_adding_a_bad_postal_code_to_an_existing_customer_changes_nothing(hq_operator):
    customer = make_customer(hq_operator)
    primary = customer.addresses.get()
    messages = rejected(address_add, actor=hq_operator, customer=customer, data=address("12-34"), primary=True)
    assert messages["postal_code"] == [POSTAL_MESSAGE]
    primary.refresh_from_db()
    assert primary.is_primary  # the old primary was not cleared
    assert list(customer.addresses.all()) == [primary]


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notation", "digits"),
    [
        ("+81-90-1234-5678", "09012345678"),
        ("+81 3 1234 5678", "0312345678"),
        ("(03)1234-5678", "0312345678"),
        ("０３－１２３４－５６７８", "0312345678"),
        ("0120-123-456", "0120123456"),
    ],
)
def test_phone_notations_are_accepted_with_their_digits_kept_for_search(hq_operator, notation, digits):
    customer = make_customer(hq_operator, phones=[("home", notation)])
    phone = customer.phones.get()
    assert phone.digits == digits
    assert phone.number == notation  # the original notation is kept for display


@pytest.mark.parametrize(
    "notation", ["03-1234-567", "090-1234-56789", "03-1234-56789", "1234", "でんわ", "00-1234-5678"]
)
def test_a_phone_number_of_the_wrong_length_is_rejected(hq_operator, notation):
    customer = make_customer(hq_operator)
    before = counts()
    messages = rejected(phone_add, actor=hq_operator, customer=customer, number=notation, primary=True)
    assert messages["number"] == [PHONE_MESSAGE]
    assert counts() == before
    assert customer.phones.get().is_primary


def test_a_bad_second_phone_rejects_the_whole_registration_and_nothing_of_the_customer_remains(hq_operator, org):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_customer(
            hq_operator,
            name="登録 失敗",
            agency=org["agency_a"],
            phones=[("mobile", "090-1234-5678"), ("home", "03-1234")],
        )
    assert caught.value.message_dict["number"] == [PHONE_MESSAGE]
    assert counts() == before
    assert not Customer.objects.filter(name="登録 失敗").exists()
    assert not AuditEvent.objects.filter(action="customer.create").exists()


def test_a_bad_relative_phone_is_rejected_with_the_phone_message(hq_operator):
    customer = make_customer(hq_operator)
    messages = rejected(
        relative_add,
        actor=hq_operator,
        customer=customer,
        name="山田 一郎",
        relation=Relation.CHILD,
        phone="090-123",
        consent_date=dt.date(2026, 1, 1),
    )
    assert messages["phone"] == [PHONE_MESSAGE]
    assert not Relative.objects.exists()


def test_a_relative_consent_in_the_future_is_rejected(hq_operator):
    customer = make_customer(hq_operator)
    messages = rejected(
        relative_add,
        actor=hq_operator,
        customer=customer,
        name="山田 一郎",
        relation=Relation.CHILD,
        phone="090-1234-0000",
        consent_date=timezone.localdate() + dt.timedelta(days=1),
    )
    assert messages["consent_date"] == ["同意日に未来の日付は指定できません。"]


def test_a_relative_reading_is_stored_in_katakana(hq_operator):
    customer = make_customer(hq_operator)
    relative = relative_add(
        actor=hq_operator,
        customer=customer,
        name="山田 一郎",
        name_kana="やまだ いちろう",
        relation=Relation.CHILD,
        phone="090-1234-0000",
        consent_date=dt.date(2026, 1, 1),
    )
    relative.refresh_from_db()
    assert relative.name_kana == "ヤマダ イチロウ"


def test_an_invalid_email_is_rejected_and_nothing_of_the_customer_remains(hq_operator):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, emails=[("personal", "taro@")])
    assert caught.value.message_dict["address"] == ["有効なメールアドレスを入力してください。"]
    assert counts() == before


# --- readings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "stored"),
    [("ﾔﾏﾀﾞ", "ヤマダ"), ("やまだ", "ヤマダ"), ("ヤマダ　タロウ", "ヤマダ タロウ"), ("ｻﾄｳ ﾊﾅｺ", "サトウ ハナコ")],
)
def test_hiragana_and_half_width_readings_are_stored_as_full_width_katakana(hq_operator, reading, stored):
    customer = make_customer(hq_operator, name_kana=reading)
    customer.refresh_from_db()
    assert customer.name_kana == stored


@pytest.mark.parametrize("reading", ["山田", "ヤマダ太郎", "YAMADA", ""])
def test_a_reading_with_kanji_or_latin_letters_is_rejected_and_nothing_is_saved(hq_operator, reading):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, name_kana=reading)
    messages = caught.value.message_dict["name_kana"]
    assert KANA_MESSAGE in messages or "このフィールドは空ではいけません。" in messages
    assert counts() == before


def test_a_name_change_with_a_kanji_reading_changes_nothing(hq_operator):
    customer = make_customer(hq_operator)
    history_before = customer.history.count()
    messages = rejected(
        customer_change_name,
        actor=hq_operator,
        customer=customer,
        name="佐藤 太郎",
        name_kana="佐藤",
        reason="marriage",
        changed_on=dt.date(2026, 4, 1),
    )
    assert messages["name_kana"] == [KANA_MESSAGE]
    customer.refresh_from_db()
    assert (customer.name, customer.name_kana) == ("山田 太郎", "ヤマダ タロウ")
    assert customer.former_names.count() == 0
    assert customer.history.count() == history_before


def test_a_blank_name_is_rejected(hq_operator):
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, name="   ")
    assert "氏名・名称を入力してください。" in caught.value.message_dict["name"]


# --- corporate numbers -----------------------------------------------------------------------


def corporate(actor, **overrides):
    return make_customer(
        actor,
        kind=CustomerKind.CORPORATE,
        name=overrides.pop("name", "国税庁"),
        name_kana=overrides.pop("name_kana", "コクゼイチョウ"),
        birth_date=overrides.pop("birth_date", None),
        **overrides,
    )


@pytest.mark.parametrize("number", ["7000012050002", "７００００１２０５０００２", " 7000012050002 "])
def test_a_corporate_number_with_a_correct_check_digit_is_stored_as_ascii_digits(hq_operator, number):
    customer = corporate(hq_operator, corporate_number=number)
    customer.refresh_from_db()
    assert customer.corporate_number == "7000012050002"


@pytest.mark.parametrize("number", ["1234567890123", "8000012050002", "700001205000", "7000-01-205-0002"])
def test_a_corporate_number_with_a_wrong_check_digit_is_rejected(hq_operator, number):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        corporate(hq_operator, corporate_number=number)
    assert CORPORATE_NUMBER_MESSAGE in caught.value.message_dict["corporate_number"]
    assert counts() == before


def test_an_individual_may_not_have_a_corporate_number(hq_operator):
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, corporate_number="7000012050002")
    assert caught.value.message_dict["corporate_number"] == ["個人のお客さまには法人番号を登録できません。"]


def test_a_corporate_customer_may_not_have_a_birth_date_or_gender(hq_operator):
    with pytest.raises(ValidationError) as caught:
        corporate(hq_operator, birth_date=dt.date(1949, 6, 1), gender="male")
    assert caught.value.message_dict == {
        "birth_date": ["法人には生年月日を登録できません。"],
        "gender": ["法人には性別を登録できません。"],
    }


def test_setting_a_bad_corporate_number_by_update_changes_nothing(hq_operator):
    customer = corporate(hq_operator, corporate_number="7000012050002")
    messages = rejected(customer_update, actor=hq_operator, customer=customer, corporate_number="1234567890123")
    assert messages["corporate_number"] == [CORPORATE_NUMBER_MESSAGE]
    assert customer.corporate_number == "7000012050002"  # the instance is restored too
    customer.refresh_from_db()
    assert customer.corporate_number == "7000012050002"


# --- birth dates -----------------------------------------------------------------------------


def test_a_future_birth_date_is_rejected_and_nothing_is_saved(hq_operator):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, birth_date=timezone.localdate() + dt.timedelta(days=1))
    assert caught.value.message_dict["birth_date"] == ["生年月日に未来の日付は指定できません。"]
    assert counts() == before


def test_a_birth_date_before_1900_is_rejected(hq_operator):
    with pytest.raises(ValidationError) as caught:
        make_customer(hq_operator, birth_date=dt.date(1899, 12, 31))
    assert caught.value.message_dict["birth_date"] == ["生年月日が古すぎます(1900年以降を入力してください)。"]


def test_today_is_an_acceptable_birth_date(hq_operator):
    assert make_customer(hq_operator, birth_date=timezone.localdate()).age == 0


def test_updating_to_a_future_birth_date_changes_nothing_and_writes_no_history(hq_operator):
    customer = make_customer(hq_operator, birth_date=dt.date(1970, 3, 1))
    history_before = customer.history.count()
    messages = rejected(
        customer_update, actor=hq_operator, customer=customer, birth_date=timezone.localdate() + dt.timedelta(days=30)
    )
    assert messages["birth_date"] == ["生年月日に未来の日付は指定できません。"]
    customer.refresh_from_db()
    assert customer.birth_date == dt.date(1970, 3, 1)
    assert customer.history.count() == history_before
    assert not AuditEvent.objects.filter(action="customer.update").exists()


def test_fields_that_a_plain_update_may_not_change_are_refused_by_name(hq_operator):
    customer = make_customer(hq_operator)
    with pytest.raises(ValidationError) as caught:
        customer_update(actor=hq_operator, customer=customer, name="別人", kind=CustomerKind.CORPORATE)
    assert caught.value.messages == ["変更できない項目です: kind, name"]
    customer.refresh_from_db()
    assert (customer.name, customer.kind) == ("山田 太郎", CustomerKind.INDIVIDUAL)
