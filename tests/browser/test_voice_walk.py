"""The voice register in the browser: an agency user records a 不満 voice (the similar past voice
appears while typing), handles it as a complaint, sees the similar voice on the saved page, makes the
month's 回覧 and links the voice to an improvement; a colleague confirms the 回覧 as read. Then a
complaints officer records the そんぽADR referral on a complaint and is refused its completion."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.conftest import complaints_officer, departments, open_case  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD, _user
from tests.voice.conftest import record
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case, ComplaintCategory
from tsunagu.cases.services import case_transition, complaint_update
from tsunagu.core.choices import Role
from tsunagu.voice.models import CirculationRead, Improvement, Voice

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = "保険金の支払いが遅い。担当者から連絡が来ないので不安です。"


def test_agency_records_a_complaint_voice_circulates_and_improves(
    page, screenshot, agency_a_staff, customer_a, org, case_reference_data
):
    today = timezone.localdate()
    old = record(agency_a_staff, "保険金の支払いが遅い。連絡もない。", customer=customer_a, on=today)
    colleague = _user("agency_a_two", [Role.AGENCY_STAFF], agency=org["agency_a"])
    complaint_category = ComplaintCategory.objects.filter(parent__isnull=False).order_by("code").first()

    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/voice/new/?customer={customer_a.pk}")
    page.locator("#id_channel").select_option(label="電話")
    page.locator("#id_category").select_option(label="手続遅延")
    page.locator("#id_text").fill(SLOW)
    similar = page.locator("#similar-voices")
    similar.locator(f"a[href='/voice/{old.pk}/']").wait_for()  # the preview while typing
    page.get_by_label("苦情として対応").check()
    page.get_by_label("苦情分類").select_option(value=str(complaint_category.pk))
    page.get_by_label("お客さまのご要望").fill("早く支払ってほしい")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/voice/*/")
    voice = Voice.objects.get(text=SLOW)
    assert voice.complaint_case is not None
    body = page.locator("main").inner_text()
    assert voice.complaint_case.number in body
    assert page.locator(f"#similar-voices a[href='/voice/{old.pk}/']").count() == 1
    screenshot("voice-recorded-as-complaint")

    page.get_by_role("link", name="この声から改善を登録").click()
    page.get_by_label("改善内容").fill("進捗連絡を週1回にする")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/voice/improvements/*/")
    improvement = Improvement.objects.get()
    assert list(improvement.voices.values_list("pk", flat=True)) == [voice.pk]

    page.goto("/voice/circulations/")
    page.get_by_label("対象月").fill(f"{today:%Y-%m}")
    page.get_by_role("button", name="回覧を作成").click()
    page.wait_for_url("**/voice/circulations/*/")
    circulation_url = page.url
    page.get_by_role("button", name="ログアウト").click()

    login(page, "agency_a_two", PASSWORD)
    page.wait_for_url("**/")
    page.goto(circulation_url)
    assert SLOW[:10] in page.locator("main").inner_text()
    page.get_by_role("button", name="確認しました").click()
    page.wait_for_url(circulation_url)
    assert "確認しました" in page.locator("main").inner_text()
    assert CirculationRead.objects.filter(user=colleague).count() == 1


def test_complaints_officer_refers_to_adr_and_cannot_complete(
    page,
    screenshot,
    hq_operator,
    customer_a,
    departments,  # noqa: F811
    complaints_officer,  # noqa: F811
    case_reference_data,
):
    today = timezone.localdate()
    case = open_case(
        hq_operator,
        customer_a,
        customer_a.policies.first(),
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C3-03").pk,
        customer_request="早く支払ってほしい",
        opened_on=today - dt.timedelta(days=30),
    )
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)
    complaint_update(actor=complaints_officer, case=case, cause="連絡の遅れ", countermeasure="進捗連絡の徹底")

    login(page, "complaints_officer", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/#adr")
    panel = page.locator("#adr")
    panel.get_by_label("ADRセンターからの通知日").fill((today - dt.timedelta(days=5)).isoformat())
    panel.get_by_label("お客さまのADR申出日").fill((today - dt.timedelta(days=10)).isoformat())
    panel.get_by_label("ADR受付番号").fill("ADR-2026-0077")
    panel.get_by_role("button", name="通知を記録").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert "苦情解決手続" in page.locator("#adr").inner_text()

    page.get_by_label("次の状態").select_option(label="完了")
    page.get_by_label("対応結果").fill("説明して了承を得た")
    page.get_by_role("button", name="変更する").click()
    error = page.get_by_text("そんぽADRの苦情解決手続が終了していないため")
    error.first.wait_for()
    screenshot("complaint-completion-blocked-by-adr")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
