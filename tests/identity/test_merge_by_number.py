"""Defect 10 of issue 11: the merge screen asked for an internal id (K000000011 → 「整数を入力して
ください」), and an invalid survivor on the pair page was ignored while the link was recorded."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, make_customer
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.forms import customer_pk_from_number
from tsunagu.identity.models import CandidatePair, CustomerMerge, SourceRecord
from tsunagu.identity.services.importing import records_import

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "pk"),
    [("K000000011", 11), ("k000000011", 11), ("Ｋ０００００００１１", 11), (" K11 ", 11), ("11", 11),
     ("K", None), ("K0", None), ("山田", None), ("K12345678901", None), ("", None)],
)  # fmt: skip
def test_customer_numbers_are_read(text, pk):
    assert customer_pk_from_number(text) == pk


def test_merge_screen_takes_the_customer_number(steward, hq_operator, client):
    a = make_customer(hq_operator, name="山田 太郎")
    b = make_customer(hq_operator, name="山田 太郎", birth_date=None)
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/customers/{a.pk}/").content.decode()
    assert "K000000011" in page  # the example in the help text
    response = client.post(
        f"/identity/customers/{a.pk}/merge/", {"absorbed": b.number, "reason": "同一人物", "confirm": "1"}
    )
    assert response.status_code == 302
    merge = CustomerMerge.objects.get()
    assert (merge.survivor_id, merge.absorbed_id) == (a.pk, b.pk)


@pytest.mark.parametrize(
    ("value", "message"),
    [("山田", "は顧客番号ではありません"), ("K999999999", "顧客番号 K999999999 の顧客が見つかりません")],
)
def test_merge_screen_refuses_what_is_not_a_customer_in_japanese(steward, hq_operator, client, value, message):
    a = make_customer(hq_operator)
    client.login(username="steward", password=PASSWORD)
    response = client.post(f"/identity/customers/{a.pk}/merge/", {"absorbed": value, "reason": "同一人物"})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "整数を入力してください" not in page
    assert f'value="{value}"' in page  # what was typed is kept
    assert not CustomerMerge.objects.exists()


def _pair_of_two_customers(steward):
    rows = [person("S1", email="s1@example.jp", mobile=""), person("S2", email="s2@example.jp", mobile="")]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="s.csv", match=False)
    left, right = SourceRecord.objects.get(external_id="S1"), SourceRecord.objects.get(external_id="S2")
    from tsunagu.identity.services.golden import golden_create

    for record in (left, right):
        golden_create(actor=steward, records=[record])
    return CandidatePair.objects.create(
        record_l=left,
        record_r=right,
        match_probability=0.6,
        match_weight=1.0,
        evidence={"dob": {"level": "exact", "weight": 5.0}},
        status=PairStatus.REVIEW,
    )


def test_an_invalid_survivor_is_refused_and_nothing_is_recorded(steward, sources, hq_operator, client):
    pair = _pair_of_two_customers(steward)
    stranger = make_customer(hq_operator, name="佐藤 花子", name_kana="サトウ ハナコ")
    client.login(username="steward", password=PASSWORD)
    for survivor in (str(stranger.pk), "999999", "abc"):
        response = client.post(f"/identity/review/{pair.pk}/", {"decision": "link", "survivor": survivor})
        assert response.status_code == 200
        assert "残す顧客は、この候補の2人の顧客のどちらかを選んでください" in response.content.decode()
        pair.refresh_from_db()
        assert pair.status == PairStatus.REVIEW
        assert not CustomerMerge.objects.exists()


def test_the_chosen_survivor_is_kept(steward, sources, client):
    pair = _pair_of_two_customers(steward)
    newer = max(pair.record_l.customer_id, pair.record_r.customer_id)
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert f'<option value="{newer}">' in page
    response = client.post(f"/identity/review/{pair.pk}/", {"decision": "link", "survivor": str(newer)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert CustomerMerge.objects.get().survivor_id == newer


def test_the_service_refuses_a_survivor_outside_the_pair(steward, sources, hq_operator):
    from django.core.exceptions import ValidationError

    from tsunagu.identity.services.review import pair_decide

    pair = _pair_of_two_customers(steward)
    stranger = make_customer(hq_operator, name="佐藤 花子", name_kana="サトウ ハナコ")
    with pytest.raises(ValidationError, match="この候補の顧客ではありません"):
        pair_decide(actor=steward, pair=pair, link=True, survivor=stranger)
    pair.refresh_from_db()
    assert pair.status == PairStatus.REVIEW


def test_the_api_refuses_a_survivor_outside_the_pair(steward, sources, hq_operator, client):
    from tsunagu.core.services import api_token_create

    pair = _pair_of_two_customers(steward)
    stranger = make_customer(hq_operator, name="佐藤 花子", name_kana="サトウ ハナコ")
    _, key = api_token_create(actor=steward, user=steward, name="名寄せ連携")
    response = client.post(
        f"/api/identity/review/{pair.pk}/decision/",
        {"decision": "link", "survivor_id": stranger.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    assert "この候補の顧客ではありません" in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.REVIEW
    assert not CustomerMerge.objects.exists()
