"""The identity REST API: review candidates, decisions, merge/unmerge, import batches.
Data stewards only: other staff get 403 (or 404 for what they may not see), anonymous callers 401."""

from __future__ import annotations

import pytest

from tests.conftest import make_customer
from tsunagu.core.models import AccessLog
from tsunagu.core.services import api_token_create
from tsunagu.identity.choices import MergeStatus, PairStatus
from tsunagu.identity.models import CandidatePair, CustomerMerge, SourceRecord
from tsunagu.identity.services.importing import records_import

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db


def bearer(actor, user) -> dict[str, str]:
    _, key = api_token_create(actor=actor, user=user, name="名寄せ連携")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def candidates(steward, sources):
    """Two records in the review band (stored as a matching run would store them), and a batch
    with one invalid row."""
    rows = [
        person("A1", name="渡辺 恵子", kana="ワタナベ ケイコ", email="k@example.jp"),
        person("A2", name="渡邊 恵子", kana="ワタナベ ケイコ", email="k2@example.jp", mobile="090-9999-0000"),
        person("A3", birth="2099-01-01"),  # a future birth date: an error row
    ]
    result = records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="a.csv", match=False)
    a1, a2 = SourceRecord.objects.get(external_id="A1"), SourceRecord.objects.get(external_id="A2")
    pair = CandidatePair.objects.create(
        record_l=a1,
        record_r=a2,
        match_probability=0.93,
        match_weight=3.8,
        evidence={"dob": {"level": "exact", "weight": 5.1}},
        status=PairStatus.REVIEW,
    )
    return {"pair": pair, "batch": result.batch, "records": (a1, a2)}


def test_anonymous_gets_401(client, candidates):
    assert client.get("/api/identity/review/").status_code == 401
    assert client.post("/api/identity/merges/", {}, content_type="application/json").status_code == 401
    assert client.get(f"/api/identity/batches/{candidates['batch'].pk}/").status_code == 401


@pytest.mark.parametrize("persona", ["hq_operator", "agency_a_staff", "agency_b_staff", "auditor"])
def test_other_staff_get_403_and_nothing_changes(persona, request, client, steward, candidates, hq_operator):
    user = request.getfixturevalue(persona)
    auth = bearer(steward, user)
    pair, batch = candidates["pair"], candidates["batch"]
    a = make_customer(hq_operator, name="統合 先")
    b = make_customer(hq_operator, name="統合 元")
    since = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    calls = [
        client.get("/api/identity/review/", **auth),
        client.get(f"/api/identity/review/{pair.pk}/", **auth),
        client.post(
            f"/api/identity/review/{pair.pk}/decision/", {"decision": "link"}, content_type="application/json", **auth
        ),
        client.post(
            "/api/identity/merges/",
            {"survivor_id": a.pk, "absorbed_id": b.pk, "reason": "同一人物"},
            content_type="application/json",
            **auth,
        ),
        client.get(f"/api/identity/batches/{batch.pk}/", **auth),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)
    assert "データスチュワード" in calls[0].json()["detail"]
    pair.refresh_from_db()
    assert pair.status == PairStatus.REVIEW
    assert not CustomerMerge.objects.exists()
    assert not AccessLog.objects.filter(id__gt=since, user=user).exclude(screen__startswith="API:").exists()


def test_steward_lists_reads_and_links_a_candidate(client, steward, candidates):
    auth = bearer(steward, steward)
    pair = candidates["pair"]
    listed = client.get("/api/identity/review/", **auth)
    assert listed.status_code == 200
    body = listed.json()
    assert [p["id"] for p in body["results"]] == [pair.pk]
    assert body["results"][0]["left"]["values"]["name_kanji"] == "渡辺 恵子"
    assert body["results"][0]["evidence"]["dob"]["weight"] == 5.1
    assert AccessLog.objects.filter(user=steward, screen="API:名寄せ確認一覧").exists()

    bad = client.post(
        f"/api/identity/review/{pair.pk}/decision/", {"decision": "maybe"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400
    assert "link" in bad.json()["errors"]["decision"][0]

    decided = client.post(
        f"/api/identity/review/{pair.pk}/decision/",
        {"decision": "link", "note": "電話で確認"},
        content_type="application/json",
        **auth,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == PairStatus.LINKED
    assert decided.json()["decided_by"]
    a1, a2 = (SourceRecord.objects.get(pk=r.pk) for r in candidates["records"])
    assert a1.customer_id is not None
    assert a1.customer_id == a2.customer_id
    assert client.get("/api/identity/review/", **auth).json()["results"] == []


def test_steward_not_links_a_candidate(client, steward, candidates):
    auth = bearer(steward, steward)
    pair = candidates["pair"]
    response = client.post(
        f"/api/identity/review/{pair.pk}/decision/",
        {"decision": "not_link", "note": "別人"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_LINKED


def test_unknown_pair_is_404(client, steward, candidates):
    auth = bearer(steward, steward)
    assert client.get("/api/identity/review/999999/", **auth).status_code == 404


def test_steward_merges_and_unmerges(client, steward, hq_operator):
    auth = bearer(steward, steward)
    a = make_customer(hq_operator, name="渡辺 恵子", name_kana="ワタナベ ケイコ")
    b = make_customer(hq_operator, name="渡邊 恵子", name_kana="ワタナベ ケイコ", phones=[("home", "03-5555-0000")])
    missing_reason = client.post(
        "/api/identity/merges/",
        {"survivor_id": a.pk, "absorbed_id": b.pk, "reason": " "},
        content_type="application/json",
        **auth,
    )
    assert missing_reason.status_code == 400
    assert missing_reason.json()["errors"]["reason"] == ["統合の理由を入力してください。"]
    unknown = client.post(
        "/api/identity/merges/",
        {"survivor_id": a.pk, "absorbed_id": 999_999, "reason": "同一人物"},
        content_type="application/json",
        **auth,
    )
    assert unknown.status_code == 404
    created = client.post(
        "/api/identity/merges/",
        {"survivor_id": a.pk, "absorbed_id": b.pk, "reason": "同一人物"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    merge = created.json()
    assert (merge["survivor_id"], merge["absorbed_id"], merge["status"]) == (a.pk, b.pk, MergeStatus.ACTIVE)
    assert merge["moved"]["details"] >= 1
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert client.get(f"/api/identity/merges/{merge['id']}/", **auth).json()["id"] == merge["id"]

    again = client.post(
        "/api/identity/merges/",
        {"survivor_id": a.pk, "absorbed_id": b.pk, "reason": "同一人物"},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 400
    assert "既に" in again.json()["errors"]["__all__"][0]

    undone = client.post(
        f"/api/identity/merges/{merge['id']}/unmerge/", {"reason": "別人"}, content_type="application/json", **auth
    )
    assert undone.status_code == 200, undone.content
    assert undone.json()["merge"]["status"] == MergeStatus.UNDONE
    assert undone.json()["kept_on_survivor"] == {}
    b.refresh_from_db()
    assert b.merged_into_id is None
    twice = client.post(
        f"/api/identity/merges/{merge['id']}/unmerge/", {"reason": "別人"}, content_type="application/json", **auth
    )
    assert twice.status_code == 400


def test_steward_reads_a_batch_with_its_error_rows(client, steward, candidates):
    auth = bearer(steward, steward)
    batch = candidates["batch"]
    response = client.get(f"/api/identity/batches/{batch.pk}/", **auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["created_count"], body["invalid_count"]) == (2, 1)
    [row] = body["error_rows"]
    assert row["source_id"] == "A3"
    assert row["errors"][0]["column"] == "生年月日"
    assert row["errors"][0]["message"]
    assert client.get(f"/api/identity/batches/{batch.pk}/", {"limit": 0}, **auth).status_code == 422
    assert client.get("/api/identity/batches/999999/", **auth).status_code == 404


def test_openapi_lists_the_identity_endpoints(client, admin_user):
    client.force_login(admin_user)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/identity/review/", "/api/identity/merges/", "/api/identity/batches/{batch_id}/"} <= set(paths)
