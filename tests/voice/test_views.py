"""The voice screens through the client: list, record (with 苦情として扱いますか → complaint case and the
similar voices), the voice page, 回覧 with read confirmation, improvements, the report against last
year and the keyword trends. Invalid input re-renders the form (200) with Japanese errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import _user
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import ComplaintCategory
from tsunagu.core.choices import Role
from tsunagu.voice.choices import ComplaintDecision, ImprovementStatus
from tsunagu.voice.models import Circulation, CirculationRead, Improvement, Voice

from .conftest import category, record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SLOW = "事故の連絡をしたのに保険金の支払いが遅い。担当者から連絡が来ない。"


@pytest.fixture
def staff_client(client, agency_a_staff):
    client.force_login(agency_a_staff)
    return client


def _new(client, customer, **overrides):
    data = {
        "received_on": TODAY.isoformat(),
        "channel": "phone",
        "category": category("dis-delay").pk,
        "text": SLOW,
        "decision": ComplaintDecision.UNDECIDED,
    }
    data.update(overrides)
    return client.post(f"/voice/new/?customer={customer.pk}", data)


def test_list_shows_own_agency_voices_only(staff_client, agency_a_staff, agency_b_staff, customer_a, customer_b):
    record(agency_a_staff, "説明がわかりやすかった", code="praise-explain", customer=customer_a)
    record(agency_b_staff, "窓口の対応が悪い", code="dis-attitude", customer=customer_b)
    body = staff_client.get("/voice/").content.decode()
    assert "説明がわかりやすかった" in body
    assert "窓口の対応が悪い" not in body
    filtered = staff_client.get("/voice/", {"kind": "dissatisfaction"}).content.decode()
    assert "説明がわかりやすかった" not in filtered
    bad = staff_client.get("/voice/", {"date_from": "2026-12-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200
    assert "受付日(まで)は受付日(から)以降の日付にしてください。" in bad.content.decode()


def test_record_shows_similar_past_voices_after_save(staff_client, agency_a_staff, customer_a):
    old = record(agency_a_staff, "保険金の支払いが遅い。担当者から連絡がない。", customer=customer_a)
    record(agency_a_staff, "素敵な笑顔でした", code="praise-staff", customer=customer_a)
    response = _new(staff_client, customer_a)
    assert response.status_code == 302
    voice = Voice.objects.exclude(pk=old.pk).get(text=SLOW)
    page = staff_client.get(response["Location"]).content.decode()
    assert "類似" in page
    assert f"/voice/{old.pk}/" in page
    assert "素敵な笑顔でした" not in page
    assert voice.customer_id == customer_a.pk


def test_similar_preview_while_typing(staff_client, agency_a_staff, agency_b_staff, customer_a, customer_b):
    mine = record(agency_a_staff, "保険金の支払いが遅い", customer=customer_a)
    theirs = record(agency_b_staff, "保険金の支払いが遅いと言われた", customer=customer_b)
    body = staff_client.get("/voice/similar/", {"text": "支払いが遅い"}).content.decode()
    assert f"/voice/{mine.pk}/" in body
    assert f"/voice/{theirs.pk}/" not in body  # scoped: agency B's voice is never suggested
    empty = staff_client.get("/voice/similar/", {"text": ""})
    assert empty.status_code == 200


def test_invalid_record_rerenders_with_errors_and_similar(staff_client, agency_a_staff, customer_a):
    old = record(agency_a_staff, "保険金の支払いが遅い", customer=customer_a)
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    response = _new(staff_client, customer_a, received_on=future)
    assert response.status_code == 200
    body = response.content.decode()
    assert "受付日に未来の日付は指定できません。" in body
    assert SLOW in body  # the words are kept
    assert f"/voice/{old.pk}/" in body  # the similar voices are shown as a preview
    assert Voice.objects.filter(text=SLOW).count() == 0


def test_record_as_complaint_opens_a_linked_complaint_case(staff_client, customer_a, case_reference_data):
    complaint_category = ComplaintCategory.objects.filter(parent__isnull=False).first()
    missing = _new(staff_client, customer_a, decision=ComplaintDecision.YES)
    assert missing.status_code == 200
    assert Voice.objects.count() == 0
    response = _new(
        staff_client,
        customer_a,
        decision=ComplaintDecision.YES,
        complaint_category=complaint_category.pk,
        customer_request="早く支払ってほしい",
    )
    assert response.status_code == 302
    voice = Voice.objects.get()
    assert voice.complaint_case is not None
    assert voice.complaint_case.case_type == CaseType.COMPLAINT
    assert voice.complaint_case.customer_id == customer_a.pk
    page = staff_client.get(response["Location"]).content.decode()
    assert voice.complaint_case.number in page


def test_decide_later_on_the_voice_page(staff_client, agency_a_staff, customer_a, case_reference_data):
    voice = record(agency_a_staff, SLOW, customer=customer_a)
    page = staff_client.get(f"/voice/{voice.pk}/").content.decode()
    assert "苦情として扱いますか" in page
    no = staff_client.post(f"/voice/{voice.pk}/complaint/", {"decision": ComplaintDecision.NO})
    assert no.status_code == 302
    voice.refresh_from_db()
    assert voice.complaint_decision == ComplaintDecision.NO
    complaint_category = ComplaintCategory.objects.filter(parent__isnull=False).first()
    yes = staff_client.post(
        f"/voice/{voice.pk}/complaint/",
        {"decision": ComplaintDecision.YES, "complaint_category": complaint_category.pk, "customer_request": "謝罪"},
    )
    assert yes.status_code == 302
    voice.refresh_from_db()
    assert voice.complaint_case_id is not None


def test_circulation_read_confirmation_by_a_second_user(client, agency_a_staff, customer_a, org):
    colleague = _user("agency_a_two", [Role.AGENCY_STAFF], agency=org["agency_a"])
    record(agency_a_staff, SLOW, customer=customer_a, on=TODAY)
    client.force_login(agency_a_staff)
    created = client.post("/voice/circulations/", {"month": f"{TODAY:%Y-%m}", "note": "今月分です"})
    assert created.status_code == 302
    circulation = Circulation.objects.get()
    client.force_login(colleague)
    page = client.get(f"/voice/circulations/{circulation.pk}/").content.decode()
    assert SLOW in page
    assert client.post(f"/voice/circulations/{circulation.pk}/read/").status_code == 302
    assert CirculationRead.objects.filter(circulation=circulation, user=colleague).exists()
    again = client.get(f"/voice/circulations/{circulation.pk}/").content.decode()
    assert "agency_a_two" in again


def test_circulation_create_is_for_managers_and_checks_the_month(client, agency_a_staff, hq_operator):
    client.force_login(agency_a_staff)
    bad = client.post("/voice/circulations/", {"month": "2026-13"})
    assert bad.status_code == 200
    assert Circulation.objects.count() == 0


def test_improvement_links_voices_and_refuses_unknown_numbers(
    client, agency_a_staff, agency_b_staff, customer_a, customer_b
):
    mine = record(agency_a_staff, SLOW, customer=customer_a)
    theirs = record(agency_b_staff, "窓口の対応が悪い", code="dis-attitude", customer=customer_b)
    client.force_login(agency_a_staff)
    data = {
        "title": "進捗連絡を週1回にする",
        "owner": agency_a_staff.pk,
        "status": ImprovementStatus.PLANNED,
        "planned_on": TODAY.isoformat(),
        "voices": f"{mine.pk} {theirs.pk}",
    }
    refused = client.post("/voice/improvements/new/", data)
    assert refused.status_code == 200
    assert f"番号 {theirs.pk} のお客様の声は見つかりません。" in refused.content.decode()
    assert Improvement.objects.count() == 0
    saved = client.post("/voice/improvements/new/", {**data, "voices": str(mine.pk)})
    assert saved.status_code == 302
    improvement = Improvement.objects.get()
    assert list(improvement.voices.all()) == [mine]
    page = client.get(f"/voice/improvements/{improvement.pk}/").content.decode()
    assert "進捗連絡を週1回にする" in page
    assert f"/voice/{mine.pk}/" in page
    assert "進捗連絡を週1回にする" in client.get("/voice/improvements/").content.decode()


def test_report_against_last_year(staff_client, agency_a_staff, customer_a):
    record(agency_a_staff, "遅い", customer=customer_a, on=dt.date(2025, 5, 1))
    record(agency_a_staff, "遅い2", customer=customer_a, on=dt.date(2026, 5, 1))
    record(agency_a_staff, "遅い3", customer=customer_a, on=dt.date(2026, 6, 1))
    response = staff_client.get("/voice/report/", {"date_from": "2026-04-01", "date_to": "2026-09-30"})
    assert response.status_code == 200
    rows = {row.label: (row.this, row.last) for row in response.context["rows"]}
    assert rows["不満(苦情)"] == (2, 1)
    assert "前年" in response.content.decode()
    bad = staff_client.get("/voice/report/", {"date_from": "2026-99-01"})
    assert bad.status_code == 200
    assert "期間は 2026-04-01 のような日付で指定してください。" in bad.content.decode()


def test_trends_draw_the_chart(staff_client, agency_a_staff, customer_a):
    month = TODAY.replace(day=1)
    record(agency_a_staff, "保険金の支払いが遅い", customer=customer_a, on=month)
    record(agency_a_staff, "支払いが遅い", customer=customer_a, on=month)
    response = staff_client.get("/voice/trends/", {"kind": "dissatisfaction", "months": "6"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert "支払" in body
    assert staff_client.get("/voice/trends/", {"months": "99"}).status_code == 400
