"""Browser-walk findings on the 名寄せ screens (issue 11): the model's probability and weight,
normalised comparison with one formatting on both sides, Japanese field labels, formatted
phones on customers a match creates, full names of split-name sources, merge confirmation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.conftest import PASSWORD, make_customer
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import CandidatePair, CustomerMerge, MatchModel, SourceRecord
from tsunagu.identity.services.golden import golden_create
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.matching import pairs_store
from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db


def _two_records(steward):
    rows = [person("W1", email="w1@example.jp"), person("W2", email="w2@example.jp")]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="w.csv", match=False)
    return SourceRecord.objects.get(external_id="W1"), SourceRecord.objects.get(external_id="W2")


def test_pairs_keep_the_models_probability_when_a_rule_sets_the_status(steward, sources, client):
    left, right = _two_records(steward)
    model = MatchModel(version=1, auto_link=0.99, review=0.5)
    frame = pd.DataFrame(
        [
            {
                "record_id_l": str(left.pk),
                "record_id_r": str(right.pk),
                "match_probability": 0.5,  # lifted to the review threshold by the name-change rule
                "match_weight": 0.0,
                "model_probability": 0.0212,
                "rule": "possible_name_change",
                "evidence": {
                    "family_name": {"level": "else", "weight": -10.63},
                    "given_name": {"level": "kanji", "weight": 7.43},
                    "birth_date": {"level": "exact", "weight": 11.92},
                    "rule": {"level": "possible_name_change", "weight": None},
                },
            }
        ]
    )
    pairs_store(actor=steward, run=None, model=model, pairs=frame)
    pair = CandidatePair.objects.get()
    assert pair.status == PairStatus.REVIEW
    assert pair.model_probability == pytest.approx(0.0212)
    assert pair.model_weight == pytest.approx(-5.53, abs=0.01)
    client.login(username="steward", password=PASSWORD)
    assert "0.0212" in client.get("/identity/review/").content.decode()
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "一致確率 0.0212 ・ 一致重み -5.53" in page
    assert "0.5000" in page  # the rule's probability is explained, not shown as the model's
    # The table adds up to the match weight: base + comparisons.
    assert "基準(事前確率など)" in page
    assert "-14.25" in page


def test_pair_page_compares_normalised_values_and_formats_both_sides(steward, sources, client):
    rows = [
        person("N1", birth="昭和45年3月1日", gender="女", postal="1000001", mobile="09012345678"),
        person("N2", birth="1970-03-01", gender="F", postal="100-0001", mobile="090-1234-5678", email="n2@example.jp"),
    ]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="n.csv", match=False)
    pair = CandidatePair.objects.create(
        record_l=SourceRecord.objects.get(external_id="N1"),
        record_r=SourceRecord.objects.get(external_id="N2"),
        match_probability=0.7,
        match_weight=1.2,
        evidence={},
        status=PairStatus.REVIEW,
    )
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "違う項目 1 件" in page  # only the email differs
    assert page.count("昭和45年3月1日") == 2
    assert page.count("女性") == 2
    assert page.count("〒100-0001") == 2
    assert page.count("090-1234-5678") == 2
    assert "female" not in page
    assert "1970-03-01" not in page


def test_split_name_source_shows_the_full_name_and_the_labels_are_japanese(steward, client):
    source = source_system_register(
        actor=steward, code="KEI", name="契約管理", priority=10, verified_fields=["birth_date", "family_name"]
    )
    mapping_profile_save(
        actor=steward,
        source=source,
        columns={
            "番号": "record_id",
            "姓": "family_name",
            "名": "given_name",
            "セイ": "family_kana",
            "メイ": "given_kana",
        },
    )
    agency = source_system_register(actor=steward, code="DAI", name="代理店", priority=20)
    mapping_profile_save(
        actor=steward, source=agency, columns={"番号": "record_id", "氏名": "name_kanji", "フリガナ": "name_kana"}
    )
    header = ["番号", "姓", "名", "セイ", "メイ"]
    data = csv_bytes([["K1", "池浦", "花子", "イケウラ", "ハナコ"]], header=header)
    records_import(actor=steward, source_code="KEI", data=data, file_name="k.csv", match=False)
    data = csv_bytes([["D1", "池浦\u3000花子", "ｲｹｳﾗ ﾊﾅｺ"]], header=["番号", "氏名", "フリガナ"])
    records_import(actor=steward, source_code="DAI", data=data, file_name="d.csv", match=False)
    pair = CandidatePair.objects.create(
        record_l=SourceRecord.objects.get(external_id="K1"),
        record_r=SourceRecord.objects.get(external_id="D1"),
        match_probability=0.7,
        match_weight=1.2,
        evidence={},
        status=PairStatus.REVIEW,
    )
    client.login(username="steward", password=PASSWORD)
    review = client.get("/identity/review/").content.decode()
    assert "KEI 池浦 花子" in review
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "(なし)" not in page  # 姓 and 名 of the full-name record are its split name
    assert "違う項目 0 件" in page
    for url in ("/identity/sources/", "/identity/", f"/identity/sources/{source.code}/"):
        text = client.get(url).content.decode()
        assert "birth_date" not in text.replace('value="birth_date"', ""), url
        assert "(record_id)" not in text, url
        assert "(name_kanji)" not in text, url
    assert "生年月日、姓" in client.get("/identity/sources/").content.decode()


def test_customers_created_by_matching_get_formatted_phones_and_readable_lineage(steward, sources, client):
    left, _right = _two_records(steward)
    customer = golden_create(actor=steward, records=[left])
    assert customer is not None
    assert set(customer.phones.values_list("number", flat=True)) == {"090-1234-5678", "03-1234-5678"}
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/customers/{customer.pk}/").content.decode()
    assert "<td>住所</td><td>〒100-0001 東京都千代田区千代田1-1</td>" in page
    assert "<td>生年月日</td><td>昭和45年3月1日</td>" in page
    assert "<td>携帯電話番号</td><td>090-1234-5678</td>" in page
    for raw in ("<td>birth_date</td>", "<td>name</td>", "<td>mobile</td>"):
        assert raw not in page


def test_merge_asks_for_confirmation_showing_the_differences(steward, hq_operator, client):
    a = make_customer(hq_operator, name="山田 太郎")
    b = make_customer(hq_operator, name="山田 次郎", birth_date=dt.date(1980, 5, 5))
    client.login(username="steward", password=PASSWORD)
    data = {"absorbed": b.number, "reason": "同一人物"}
    preview = client.post(f"/identity/customers/{a.pk}/merge/", data)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert not CustomerMerge.objects.exists()
    assert "統合の確認" in page
    assert "違う項目が 2 件" in page
    assert "山田 次郎" in page
    assert "昭和55年5月5日" in page
    assert 'name="confirm" value="1"' in page
    assert f'value="{b.number}"' in page
    done = client.post(f"/identity/customers/{a.pk}/merge/", {**data, "confirm": "1"})
    assert done.status_code == 302
    assert CustomerMerge.objects.get().absorbed_id == b.pk


def test_linking_a_record_with_the_same_address_and_building_adds_no_address(hq_operator):
    """A source record keeps the building in its address text; the customer keeps it apart. Linking
    such a record used to add the customer's own address again as a second 自宅 row."""
    import datetime as dt
    from types import SimpleNamespace

    from tests.conftest import make_customer
    from tsunagu.customers.services import AddressInput
    from tsunagu.identity.services.golden import _add_missing_contacts

    customer = make_customer(
        hq_operator,
        addresses=[AddressInput("2318931", "神奈川県", "川崎市中原区", "上高野6-30-9", "北青山クレスト310")],
    )
    record = SimpleNamespace(
        features={"postal_code": "2318931", "address": "神奈川県川崎市中原区上高野6−30−9 北青山クレスト310"},
        source=SimpleNamespace(priority=1),
        changed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    _add_missing_contacts(hq_operator, customer, [record])  # type: ignore[list-item]
    assert customer.addresses.count() == 1
