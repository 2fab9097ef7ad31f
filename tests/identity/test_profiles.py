"""The column-mapping profile screen: stewards create and edit profiles; Japanese errors."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tsunagu.core.models import AuditEvent
from tsunagu.identity.models import MappingProfile

pytestmark = pytest.mark.django_db


def rows(*pairs: tuple[str, str], **extra) -> dict[str, str]:
    data = {"name": "新形式", "encoding": "", "is_default": "", **extra}
    for index, (column, target) in enumerate(pairs):
        data[f"column_{index}"], data[f"target_{index}"] = column, target
    return data


def test_steward_creates_a_profile(client, steward, sources):
    client.login(username="steward", password=PASSWORD)
    assert client.get("/identity/sources/AGENCY/profiles/new/").status_code == 200
    data = rows(("顧客番号", "record_id"), ("漢字氏名", "name_kanji"), ("カナ", "name_kana"), encoding="cp932")
    response = client.post("/identity/sources/AGENCY/profiles/new/", data)
    assert response.status_code == 302
    profile = MappingProfile.objects.get(source__code="AGENCY", name="新形式")
    assert profile.columns == {"顧客番号": "record_id", "漢字氏名": "name_kanji", "カナ": "name_kana"}
    assert profile.encoding == "cp932"
    assert not profile.is_default
    assert profile.history.first().history_user == steward
    assert AuditEvent.objects.filter(action="identity.profile_save", target_id=str(profile.pk)).exists()


def test_steward_edits_a_profile(client, steward, sources):
    profile = MappingProfile.objects.get(source__code="POLICY")
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/identity/profiles/{profile.pk}/").content.decode()
    assert 'value="顧客番号"' in page  # the saved columns are shown
    response = client.post(
        f"/identity/profiles/{profile.pk}/",
        rows(("ID", "record_id"), ("氏名", "name_kanji"), name=profile.name, is_default="on"),
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.columns == {"ID": "record_id", "氏名": "name_kanji"}
    assert profile.is_default


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (rows(("氏名", "name_kanji")), "ソースIDの列を指定してください。"),
        (rows(("ID", "record_id"), ("カナ", "name_kana")), "氏名(または姓)の列を指定してください。"),
        (rows(("ID", "record_id"), ("氏名", "name_kanji"), ("名前", "name_kanji")), "に複数の列が対応付けられています"),
        (rows(("ID", "record_id"), ("氏名", "")), "列「氏名」に対応する項目を選んでください。"),
        (rows(("ID", "record_id"), ("", "name_kanji")), "列名を入力してください。"),
        (rows(("ID", "record_id"), ("ID", "name_kanji")), "列「ID」が2回指定されています。"),
        (rows(("ID", "record_id"), ("氏名", "source_system")), "正しく選択してください"),
        (rows(("ID", "record_id"), ("氏名", "name_kanji"), name=""), "このフィールドは必須です。"),
    ],
)
def test_invalid_profiles_are_refused_in_japanese(client, steward, sources, data, message):
    client.login(username="steward", password=PASSWORD)
    response = client.post("/identity/sources/AGENCY/profiles/new/", data)
    assert response.status_code == 200  # the one error path: the same page, values kept
    assert message in response.content.decode()
    assert not MappingProfile.objects.filter(name="新形式").exists()


@pytest.mark.parametrize("persona", ["hq_operator", "agency_a_staff"])
def test_others_get_403(persona, request, client, sources):
    request.getfixturevalue(persona)
    client.login(username=persona, password=PASSWORD)
    profile = MappingProfile.objects.first()
    assert client.get("/identity/sources/AGENCY/profiles/new/").status_code == 403
    assert client.post(f"/identity/profiles/{profile.pk}/", rows(("ID", "record_id"))).status_code == 403


def test_unknown_source_or_profile_is_404(client, steward, sources):
    client.login(username="steward", password=PASSWORD)
    assert client.get("/identity/sources/NOPE/profiles/new/").status_code == 404
    assert client.get("/identity/profiles/999999/").status_code == 404


def test_home_links_to_the_sources_and_profiles(client, steward, sources):
    """Stewards register sources in the product (the admin is not theirs to open)."""
    client.login(username="steward", password=PASSWORD)
    body = client.get("/identity/").content.decode()
    assert "/identity/sources/AGENCY/profiles/new/" in body
    assert "/identity/sources/new/" in body
    assert "/admin/" not in body
