"""Screens: stewards only (others get 403, anonymous users the login page), reads access-logged,
upload with a Japanese error report, merge and unmerge from the screens, the commands."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import PASSWORD, make_customer
from tsunagu.core.models import AccessLog
from tsunagu.identity.choices import PairStatus
from tsunagu.identity.models import CandidatePair, CustomerMerge, ImportBatch, SourceRecord
from tsunagu.identity.services.importing import records_import

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db

PAGES = ["/identity/", "/identity/import/", "/identity/review/"]


@pytest.mark.parametrize("persona", ["hq_operator", "agency_a_staff", "agency_b_staff", "auditor"])
def test_other_roles_get_403(persona, request, client, sources, hq_operator):
    request.getfixturevalue(persona)
    customer = make_customer(hq_operator)
    client.login(username=persona, password=PASSWORD)
    for url in [*PAGES, f"/identity/customers/{customer.pk}/"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/identity/runs/start/").status_code == 403
    assert client.post(f"/identity/customers/{customer.pk}/merge/", {"absorbed": 1, "reason": "x"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/identity/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_steward_uploads_and_sees_the_error_report(steward, sources, client):
    client.login(username="steward", password=PASSWORD)
    assert client.get("/identity/").status_code == 200
    data = csv_bytes([person("A-1"), person("A-2", birth="2999-01-01")], encoding="cp932")
    response = client.post(
        "/identity/import/",
        {"source": "AGENCY", "file": SimpleUploadedFile("a.csv", data), "encoding": "", "profile": ""},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/identity/batches/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "エラー 1" in page
    assert "生年月日" in page
    report = client.get(f"/identity/batches/{batch.pk}/errors.csv")
    text = report.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "行番号,列,エラー内容,ソースID"
    assert text.splitlines()[1].startswith("3,生年月日,")
    broken = client.post(
        "/identity/import/", {"source": "AGENCY", "file": SimpleUploadedFile("b.csv", b"PK\x03\x04xx")}
    )
    assert broken.status_code == 200
    assert "XLSXファイルとして読み取れません" in broken.content.decode()
    assert ImportBatch.objects.count() == 1


def test_merge_and_unmerge_from_the_screens_are_logged(steward, hq_operator, client):
    a = make_customer(hq_operator, name="山田 太郎")
    b = make_customer(hq_operator, name="山田 太郎", birth_date=None)
    client.login(username="steward", password=PASSWORD)
    before = AccessLog.objects.count()
    assert client.get(f"/identity/customers/{a.pk}/").status_code == 200
    assert AccessLog.objects.filter(customer_id=a.pk, username="steward").exists()
    response = client.post(
        f"/identity/customers/{a.pk}/merge/", {"absorbed": b.pk, "reason": "同一人物", "confirm": "1"}
    )
    merge = CustomerMerge.objects.get()
    assert response.status_code == 302
    assert client.get(f"/identity/merges/{merge.pk}/").status_code == 200
    assert client.post(f"/identity/merges/{merge.pk}/unmerge/", {"reason": "別人"}).status_code == 302
    merge.refresh_from_db()
    assert merge.status == "undone"
    assert AccessLog.objects.count() > before
    again = client.post(f"/identity/customers/{a.pk}/merge/", {"absorbed": a.pk, "reason": "x"})
    assert again.status_code == 200
    assert "同じ顧客どうしは統合できません" in again.content.decode()


def test_pair_screen_explains_the_evidence_in_japanese(steward, sources, client):
    rows = [
        person("M1", name="鈴木 美咲", kana="スズキ ミサキ", email="misaki@example.jp"),
        person("M2", name="田中 美咲", kana="タナカ ミサキ", email="misaki.tanaka@example.com"),
    ]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="m.csv", match=False)
    pair = CandidatePair.objects.create(
        record_l=SourceRecord.objects.get(external_id="M1"),
        record_r=SourceRecord.objects.get(external_id="M2"),
        match_probability=0.15,
        match_weight=-2.5,
        evidence={
            "family_name": {"level": "else", "weight": -5.0},
            "given_name": {"level": "kanji", "weight": 7.2},
            "rule": {"level": "possible_name_change", "weight": None},
        },
        status=PairStatus.REVIEW,
    )
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "<td>姓</td><td>不一致</td>" in page
    assert "<td>名</td><td>漢字一致</td>" in page
    assert "改姓の可能性、要確認" in page
    assert "possible_name_change" not in page


def test_review_list_says_why_a_pair_the_model_scored_low_is_in_review(steward, sources, client):
    rows = [
        person("M1", name="鈴木 美咲", kana="スズキ ミサキ"),
        person("M2", name="田中 美咲", kana="タナカ ミサキ"),
        person("M3", name="田中 美咲", kana="タナカ ミサキ"),
    ]
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="m.csv", match=False)
    record = {r.external_id: r for r in SourceRecord.objects.all()}
    ruled = CandidatePair.objects.create(
        record_l=record["M1"],
        record_r=record["M2"],
        match_probability=0.5,
        match_weight=0.0,
        evidence={"rule": {"level": "possible_name_change", "weight": None}, "model_probability": 0.00002},
        status=PairStatus.REVIEW,
    )
    scored = CandidatePair.objects.create(
        record_l=record["M2"], record_r=record["M3"], match_probability=0.8, match_weight=2.0, status=PairStatus.REVIEW
    )
    client.login(username="steward", password=PASSWORD)
    page = client.get("/identity/review/").content.decode()
    rows_of = {pair.pk: page.split(f'/identity/review/{pair.pk}/"')[1].split("</tr>")[0] for pair in (ruled, scored)}
    assert "0.0000" in rows_of[ruled.pk]
    assert "改姓の可能性、要確認" in rows_of[ruled.pk]
    assert "0.8000" in rows_of[scored.pk]
    assert "一致確率が確認の範囲" in rows_of[scored.pk]
    assert "possible_name_change" not in page


def test_import_command(steward, sources, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([person("C-1"), person("C-2", phone="12")], encoding="cp932"))
    call_command("import_records", "AGENCY", str(path), "--encoding", "cp932", "--no-match")
    out = capsys.readouterr().out
    assert "新規 1 件" in out
    assert "エラー 3行目 電話番号" in out
    assert SourceRecord.objects.count() == 1
    with pytest.raises(CommandError, match="ソースシステム「NOPE」は登録されていません"):
        call_command("import_records", "NOPE", str(path))
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("import_records", "AGENCY", str(tmp_path / "none.csv"))
