"""Corporate customers as a kind of their own (issue 16): a cluster of corporate records (a legal
form in the name or reading, the matcher's test) makes a corporate golden customer with the
records' 法人番号 and never a birth date or gender; the customer ledger mirrors corporate customers
with their 法人番号 so the matcher's corporate rules see it."""

from __future__ import annotations

import pytest

from tsunagu.core import normalize
from tsunagu.customers.choices import AddressKind, CustomerKind, PhoneKind
from tsunagu.customers.models import Customer
from tsunagu.customers.services import CustomerInput, customer_create
from tsunagu.identity import engine
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import BlockingKey, CandidatePair, FieldLineage, MappingProfile, SourceRecord
from tsunagu.identity.services.golden import golden_create, golden_refresh
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.ledger import ledger_sync
from tsunagu.identity.services.merging import customer_merge, customer_state, customer_unmerge
from tsunagu.identity.services.resolution import resolve_all
from tsunagu.identity.survivorship import CORPORATE, INDIVIDUAL, cluster_kind, groups_for, is_corporate_record

from .conftest import csv_bytes

HEADER = [
    "ソースID",
    "氏名",
    "フリガナ",
    "生年月日",
    "性別",
    "郵便番号",
    "住所",
    "電話番号",
    "メールアドレス",
    "法人番号",
]


def _number(body12: str) -> str:
    return f"{normalize.corporate_number_check_digit(body12)}{body12}"


NUMBER = _number("700110005901")
OTHER_NUMBER = _number("123456789012")


def _company(
    rid: str, name: str = "株式会社山田商事", kana: str = "カブシキガイシャヤマダショウジ", **kw: str
) -> list[str]:
    values = {
        "birth": "",
        "gender": "",
        "postal": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-1111-2222",
        "email": "info@yamada-shoji.co.jp",
        "number": "",
    } | kw
    return [rid, name, kana, *values.values()]


def _import(steward, rows: list[list[str]], source: str = "AGENCY") -> list[SourceRecord]:
    MappingProfile.objects.filter(source__code=source).delete()  # the header maps by its labels
    result = records_import(
        actor=steward, source_code=source, data=csv_bytes(rows, header=HEADER), file_name="corp.csv", match=False
    )
    assert result.batch.invalid_count == 0, list(result.batch.staged_rows.values_list("errors", flat=True))
    return list(SourceRecord.objects.filter(external_id__in=[r[0] for r in rows]).select_related("source"))


# --- the pure rule -------------------------------------------------------------------------------


def test_a_cluster_is_corporate_when_every_named_record_is_a_corporation():
    company = {"name_kanji": "株式会社山田商事"}
    kana_only = {"name_kana": "カブシキガイシャヤマダシヨウジ"}  # a 全銀 reading spelled out
    person = {"name_kanji": "山田 太郎", "name_kana": "ヤマダ タロウ"}
    assert is_corporate_record(company)
    assert is_corporate_record(kana_only)
    assert is_corporate_record({"name_kanji": "Sky Tech Co., Ltd. 大阪支店"})
    assert not is_corporate_record(person)
    assert cluster_kind([company, kana_only, {}]) == CORPORATE  # a record without a name says nothing
    assert cluster_kind([company, person]) == INDIVIDUAL  # mixed: only a steward's doing
    assert cluster_kind([person]) == cluster_kind([]) == INDIVIDUAL
    assert "corporate_number" in groups_for(CORPORATE)
    assert "birth_date" not in groups_for(CORPORATE)
    assert "gender" not in groups_for(CORPORATE)
    assert "corporate_number" not in groups_for(INDIVIDUAL)
    assert "birth_date" in groups_for(INDIVIDUAL)


# --- golden_create -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_corporate_records_make_a_corporate_customer_with_its_number(steward, sources):
    records = _import(
        steward,
        [
            _company("C-1", number=NUMBER),
            # a birth date and gender on a company's record (a source's slip) never reach the customer
            _company("C-2", "(株)山田商事", "", birth="1970-03-01", gender="男", phone="03-1111-3333"),
        ],
    )
    customer = golden_create(actor=steward, records=records)
    assert customer is not None
    customer.refresh_from_db()
    assert customer.kind == CustomerKind.CORPORATE
    assert customer.corporate_number == NUMBER
    assert customer.birth_date is None
    assert customer.gender == ""
    assert (customer.family_name, customer.given_name) == ("", "")
    assert customer.name == "株式会社山田商事"
    assert customer.addresses.get(is_primary=True).kind == AddressKind.HEAD_OFFICE
    assert set(customer.phones.values_list("kind", flat=True)) == {PhoneKind.WORK}
    lineage = {row.field: row for row in FieldLineage.objects.filter(customer=customer)}
    assert lineage["corporate_number"].value == NUMBER
    assert lineage["corporate_number"].source_record_id == records[0].pk
    assert "birth_date" not in lineage
    assert "gender" not in lineage
    # history kept: the customer's creation is a history row with its author
    created = customer.history.earliest()
    assert (created.kind, created.corporate_number, created.history_user_id) == ("corporate", NUMBER, steward.pk)
    assert all(r.customer_id == customer.pk for r in SourceRecord.objects.filter(pk__in=[r.pk for r in records]))


@pytest.mark.django_db
def test_person_records_still_make_an_individual_customer_without_a_number(steward, sources):
    # a person's record may carry a number (kept with a warning by the import): never copied
    records = _import(steward, [_company("P-1", "山田 太郎", "ヤマダ タロウ", birth="1970-03-01", number=NUMBER)])
    customer = golden_create(actor=steward, records=records)
    assert customer is not None
    customer.refresh_from_db()
    assert (customer.kind, customer.corporate_number) == (CustomerKind.INDIVIDUAL, "")
    assert str(customer.birth_date) == "1970-03-01"
    assert (customer.family_name, customer.given_name) == ("山田", "太郎")
    assert customer.addresses.get().kind == AddressKind.HOME
    assert not FieldLineage.objects.filter(customer=customer, field="corporate_number").exists()


@pytest.mark.django_db
def test_a_cluster_resolved_by_the_full_run_is_one_corporate_customer(steward, sources):
    """resolve_all (the full run's last step) makes the auto-linked company records one corporate
    customer; a later record of the company with the number refreshes it."""
    head, kana = _import(
        steward,
        [_company("C-1"), _company("C-2", "山田商事(株)", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)")],
    )
    CandidatePair.objects.create(
        record_l=head, record_r=kana, match_probability=0.99, match_weight=9, status=PairStatus.AUTO_LINKED
    )
    resolve_all(actor=steward)
    customer = Customer.objects.get()
    assert (customer.kind, customer.corporate_number, customer.birth_date) == ("corporate", "", None)
    (branch,) = _import(steward, [_company("C-3", "山田商事(株) 大阪支店", "", number=NUMBER)], source="POLICY")
    branch.customer = customer
    branch.save()
    changes = golden_refresh(actor=steward, customer=customer)
    customer.refresh_from_db()
    assert customer.corporate_number == NUMBER
    assert changes["corporate_number"] == ["", NUMBER]
    assert customer.history.filter(corporate_number=NUMBER).exists()


# --- golden_refresh: staff values kept, an older individual customer becomes corporate -----------


@pytest.mark.django_db
def test_a_number_staff_typed_is_kept(steward, sources):
    records = _import(steward, [_company("C-1", number=NUMBER)])
    customer = golden_create(actor=steward, records=records)
    assert customer is not None
    customer.corporate_number = OTHER_NUMBER  # typed on the customer screen
    customer.save()
    golden_refresh(actor=steward, customer=customer)
    customer.refresh_from_db()
    assert customer.corporate_number == OTHER_NUMBER
    row = FieldLineage.objects.get(customer=customer, field="corporate_number")
    assert (row.source_record_id, row.verified) == (None, True)


@pytest.mark.django_db
def test_an_individual_customer_made_from_company_records_becomes_corporate(steward, sources):
    """Before this change corporate records made individual customers; the next refresh makes
    such a customer corporate (no birth date, no gender) — one history row, old → new."""
    records = _import(steward, [_company("C-1", number=NUMBER)])
    old = customer_create(
        actor=steward,
        data=CustomerInput(
            kind=CustomerKind.INDIVIDUAL, name="株式会社山田商事", name_kana="カブシキガイシャヤマダショウジ"
        ),
    )
    for record in records:
        record.customer = old
        record.save()
    changes = golden_refresh(actor=steward, customer=old)
    old.refresh_from_db()
    assert (old.kind, old.corporate_number) == (CustomerKind.CORPORATE, NUMBER)
    assert changes["kind"] == ["individual", "corporate"]
    assert [h.kind for h in old.history.order_by("history_id")] == ["individual", "corporate"]


@pytest.mark.django_db
def test_an_individual_customer_with_a_birth_date_stays_individual(steward, sources):
    records = _import(steward, [_company("C-1", number=NUMBER)])
    person = customer_create(
        actor=steward,
        data=CustomerInput(
            kind=CustomerKind.INDIVIDUAL, name="株式会社山田商事", name_kana="ヤマダ", birth_date=normalize_date()
        ),
    )
    for record in records:
        record.customer = person
        record.save()
    golden_refresh(actor=steward, customer=person)
    person.refresh_from_db()
    assert (person.kind, person.corporate_number) == (CustomerKind.INDIVIDUAL, "")  # a steward decides


def normalize_date():
    import datetime as dt

    return dt.date(1970, 3, 1)


# --- merge and unmerge of two corporate customers --------------------------------------------------


@pytest.mark.django_db
def test_a_merge_takes_the_number_and_the_unmerge_gives_it_back(steward, sources):
    first = golden_create(actor=steward, records=_import(steward, [_company("C-1")]))
    second = golden_create(
        actor=steward,
        records=_import(
            steward, [_company("C-2", "(株)山田商事", "ヤマダショウジ(カ", number=NUMBER)], source="POLICY"
        ),
    )
    assert first is not None
    assert second is not None
    assert (first.kind, second.kind) == (CustomerKind.CORPORATE, CustomerKind.CORPORATE)
    before = customer_state(first)
    merge = customer_merge(actor=steward, survivor=first, absorbed=second, reason="同一法人")
    first.refresh_from_db()
    assert (first.kind, first.corporate_number, first.birth_date) == (CustomerKind.CORPORATE, NUMBER, None)
    assert merge.changes["fields"]["corporate_number"] == ["", NUMBER]
    customer_unmerge(actor=steward, merge=merge, reason="別法人だった")
    after = customer_state(first)
    assert after["fields"] == before["fields"]
    assert after["lineage"] == before["lineage"]


# --- the customer ledger ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ledger_passes_a_corporate_customers_number_to_the_matcher(steward, sources):
    company = customer_create(
        actor=steward,
        data=CustomerInput(
            kind=CustomerKind.CORPORATE,
            name="株式会社山田商事",
            name_kana="カブシキガイシャヤマダショウジ",
            corporate_number=NUMBER,
            phones=[(PhoneKind.WORK, "03-1111-2222")],
        ),
    )
    no_form = customer_create(
        actor=steward,
        data=CustomerInput(kind=CustomerKind.CORPORATE, name="山田商事", name_kana="ヤマダショウジ"),
    )
    person = customer_create(
        actor=steward, data=CustomerInput(kind=CustomerKind.INDIVIDUAL, name="山田 太郎", name_kana="ヤマダ タロウ")
    )
    ledger_sync(actor=steward)
    mirrored = {r.customer_id: r for r in SourceRecord.objects.filter(source__code="TSUNAGU")}
    assert set(mirrored) == {company.pk, person.pk}  # a company without a legal form would read as a person
    record = mirrored[company.pk]
    assert record.features["corporate_number"] == NUMBER
    assert engine.record_for(record.pk, "TSUNAGU", record.features)["corporate_number"] == NUMBER
    assert BlockingKey.objects.filter(record=record, key=f"corporate_number:{NUMBER}").exists()
    assert "corporate_number" not in mirrored[person.pk].features
    assert no_form.pk not in mirrored
    # unchanged customers are not touched again; a changed number is
    assert ledger_sync(actor=steward) == []
    company.corporate_number = OTHER_NUMBER
    company.save()
    assert ledger_sync(actor=steward) == [record.pk]
    record.refresh_from_db()
    assert record.features["corporate_number"] == OTHER_NUMBER


@pytest.mark.django_db
def test_an_imported_branch_finds_the_corporate_customer_by_its_number(steward, sources):
    """The ledger record of a corporate customer and a branch record with its number: the
    matcher's corporate rules link them (the number is the only thing they share)."""
    customer_create(
        actor=steward,
        data=CustomerInput(
            kind=CustomerKind.CORPORATE,
            name="株式会社山田商事",
            name_kana="カブシキガイシャヤマダショウジ",
            corporate_number=NUMBER,
        ),
    )
    ledger_sync(actor=steward)
    _import(
        steward,
        [
            _company(
                "C-9",
                "山田商事(株) 大阪支店",
                "",
                address="大阪府大阪市北区梅田1-1",
                postal="530-0001",
                phone="06-3333-4444",
                email="",
                number=NUMBER,
            )
        ],
    )
    records = SourceRecord.objects.select_related("source").order_by("pk")
    frame = engine.frame(engine.record_for(r.pk, r.source.code, r.features) for r in records)
    from tsunagu.identity.matching import corporate, prepare
    from tsunagu.identity.matching.thresholds import Thresholds

    scored = corporate.score(prepare(frame), Thresholds(auto_link=0.9, review=0.5))
    assert len(scored) == 1
    assert scored["match_probability"].iloc[0] >= 0.9
