"""Stewards register source systems in the product (issue 11: today only in the admin, which the
steward cannot open): list, create, edit, with Japanese validation and row history."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tsunagu.core.models import AuditEvent
from tsunagu.identity.models import SourceSystem

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {"code": "WEB", "name": "Web申込", "priority": "30", "verified_fields": ["birth_date"], "is_active": "on"}
    data.update(overrides)
    return data


def test_steward_registers_and_edits_a_source(client, steward, sources):
    client.login(username="steward", password=PASSWORD)
    page = client.get("/identity/sources/").content.decode()
    assert "AGENCY" in page
    assert "/identity/sources/new/" in page
    response = client.post("/identity/sources/new/", _form())
    assert response.status_code == 302
    assert response["Location"] == "/identity/sources/WEB/"
    source = SourceSystem.objects.get(code="WEB")
    assert (source.name, source.priority, source.verified_fields, source.is_active) == (
        "Web申込",
        30,
        ["birth_date"],
        True,
    )
    assert AuditEvent.objects.filter(action="identity.source_register").exists()

    edit = client.post(
        "/identity/sources/WEB/", _form(code="OTHER", name="Web申込(新)", priority="5", deduplicated="on")
    )
    assert edit.status_code == 302
    source.refresh_from_db()
    assert (source.code, source.name, source.priority, source.deduplicated) == ("WEB", "Web申込(新)", 5, True)
    assert source.history.count() == 2  # row history kept through core.writes
    assert "列マッピングを追加" in client.get("/identity/sources/WEB/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(code="ウェブ"), "ソースコードは半角英数字"),
        (_form(code="AGENCY"), "ソースコード「AGENCY」は既に登録されています。"),
        (_form(code="TSUNAGU"), "顧客台帳"),
        (_form(name=" "), "ソース名"),
        (_form(priority="abc"), "優先度は0〜999の整数で入力してください。"),
        (_form(priority="5000"), "999"),
        (_form(verified_fields=["nope"]), "正しく選択してください"),
    ],
)
def test_invalid_sources_are_refused_in_japanese_and_keep_the_values(client, steward, sources, data, message):
    client.login(username="steward", password=PASSWORD)
    response = client.post("/identity/sources/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "入力内容を確認してください" in page
    assert 'value="Web申込"' in page or data["name"].strip() == ""
    assert not SourceSystem.objects.filter(name="Web申込").exists()


@pytest.mark.parametrize("persona", ["hq_operator", "agency_a_staff"])
def test_only_stewards(persona, request, client, sources):
    request.getfixturevalue(persona)
    client.login(username=persona, password=PASSWORD)
    for url in ("/identity/sources/", "/identity/sources/new/", "/identity/sources/AGENCY/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/identity/sources/new/", _form()).status_code == 403
    assert not SourceSystem.objects.filter(code="WEB").exists()


def test_unknown_source_is_404(client, steward):
    client.login(username="steward", password=PASSWORD)
    assert client.get("/identity/sources/NOPE/").status_code == 404
