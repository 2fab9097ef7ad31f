"""証券再発行 from a case: refusal without 本人確認, the PDF's content, versions, delivery rules,
expiring links, the case moving to 完了, and nothing half-registered on failure."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from tests.conftest import make_customer
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.documents import links as links_module
from tsunagu.documents import reissue as reissue_module
from tsunagu.documents.choices import DeliveryChannel, DocumentStatus, DocumentType
from tsunagu.documents.config import get_storage
from tsunagu.documents.links import LinkError, download_link_open
from tsunagu.documents.models import Document, DownloadLink
from tsunagu.documents.reissue import policy_reissue
from tsunagu.policies.choices import InsuredRelation

from .conftest import D, fire_policy, open_case


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def insured_policy(hq_operator, org, document_dir):
    holder = make_customer(hq_operator, name="髙橋 一郎", name_kana="タカハシ イチロウ")
    spouse = make_customer(hq_operator, name="髙橋 花子", name_kana="タカハシ ハナコ")
    policy = fire_policy(
        hq_operator,
        holder,
        agency=org["agency_a"],
        inception=D(2025, 6, 1),
        expiry=D(2030, 6, 1),
        contract_date=D(2025, 5, 1),
        insured=[(spouse, InsuredRelation.SPOUSE)],
    )
    return holder, policy


def test_refused_without_identity_verification(hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE, verify=False)
    with pytest.raises(ValidationError, match="本人確認が記録されていないため証券再発行できません"):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)
    assert not Document.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_refused_from_another_case_type(hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.CERTIFICATE_REISSUE)
    with pytest.raises(ValidationError, match="証券再発行は「証券再発行」の案件からのみ"):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)


def test_refused_while_required_documents_missing(hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE, receive=False)
    with pytest.raises(ValidationError, match="必要書類が未着です"):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)
    assert not Document.objects.exists()


def test_mail_reissue_reflects_the_policy_and_completes_the_case(hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    result = policy_reissue(
        actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST, issue_date=D(2026, 11, 20)
    )
    doc = result.document
    assert (doc.doc_type, doc.version, doc.number) == (DocumentType.POLICY, 2, f"JP-{policy.number}-02")
    assert (doc.delivery_channel, doc.delivery_address, doc.delivery_postal_code) == (
        DeliveryChannel.POST,
        "東京都千代田区千代田1-1",
        "1000001",
    )
    assert doc.case == case
    assert result.token == ""
    assert result.link is None
    data = get_storage().read(doc.storage_key)
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    text = pdf_text(data)
    for expected in (
        "保 険 証 券",
        "再発行(1回目) 2026年11月20日",
        "髙橋 一郎 様",
        policy.number,
        "髙橋 花子(配偶者)",
        "2025年6月1日 〜 2030年6月1日(5年)",
        "火災",
        "20,000,000円",
        "地震保険",
        "10,000,000円",
        "42,000円",
        "口座振替・年払",
        "あおぞら保険サービス(代理店コード A0001)",
    ):
        assert expected in text, expected
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert doc.number in case.resolution_summary
    assert AuditEvent.objects.filter(action="document.reissue_policy", target_id=str(doc.pk)).exists()
    assert Document.history.filter(id=doc.pk, history_user=hq_operator).exists()
    logged = AccessLog.objects.filter(screen="証券再発行")
    assert set(logged.values_list("customer_id", flat=True)) == {holder.pk, policy.insured_persons.get().customer_id}


def test_second_reissue_increments_and_supersedes(hq_operator, insured_policy):
    holder, policy = insured_policy
    first = policy_reissue(
        actor=hq_operator,
        case=open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE),
        delivery_channel=DeliveryChannel.POST,
    ).document
    second = policy_reissue(
        actor=hq_operator,
        case=open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE),
        delivery_channel=DeliveryChannel.POST,
    ).document
    first.refresh_from_db()
    assert (second.version, first.status, first.superseded_by) == (3, DocumentStatus.SUPERSEDED, second)
    assert "再発行(2回目)" in pdf_text(get_storage().read(second.storage_key))


def test_mail_elsewhere_needs_an_address_change_first(hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    with pytest.raises(ValidationError, match="先に住所変更") as error:
        policy_reissue(
            actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST, mail_to="大阪府大阪市北区梅田1-1"
        )
    assert "登録住所以外への郵送はできません" in " ".join(error.value.messages)
    assert not Document.objects.exists()
    # The registered address written differently (full-width digits, 〒, spaces) is the same address.
    result = policy_reissue(
        actor=hq_operator,
        case=case,
        delivery_channel=DeliveryChannel.POST,
        mail_to="〒100-0001 東京都千代田区千代田１－１",
    )
    assert result.document.delivery_address == "東京都千代田区千代田1-1"


def test_mail_refused_without_a_registered_address(hq_operator, org, document_dir):
    holder = make_customer(hq_operator, name="住所 なし", name_kana="ジュウショ ナシ", addresses=[])
    policy = fire_policy(hq_operator, holder, agency=org["agency_a"])
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    with pytest.raises(ValidationError, match="登録住所がないため郵送できません"):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)


def test_electronic_delivery_gives_an_expiring_logged_link(hq_operator, insured_policy, monkeypatch):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    result = policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.ELECTRONIC)
    assert result.token
    assert result.link is not None
    assert result.link.expires_at > timezone.now() + dt.timedelta(days=13)
    before = AccessLog.objects.filter(screen="電子交付ダウンロード").count()
    opened = download_link_open(token=result.token)
    assert "髙橋 一郎" in pdf_text(opened.content)
    log = AccessLog.objects.filter(screen="電子交付ダウンロード").order_by("-id").first()
    assert AccessLog.objects.filter(screen="電子交付ダウンロード").count() == before + 1
    assert (log.customer_id, log.detail["document"]) == (holder.pk, result.document.number)
    assert DownloadLink.objects.get().open_count == 1

    with pytest.raises(LinkError, match="正しくありません") as bad:
        download_link_open(token=result.token[:-2] + "xx")
    assert not bad.value.expired

    later = timezone.now() + dt.timedelta(days=15)
    monkeypatch.setattr(links_module.timezone, "now", lambda: later)
    with pytest.raises(LinkError, match="有効期限") as expired:
        download_link_open(token=result.token)
    assert expired.value.expired
    assert AccessLog.objects.filter(screen="電子交付ダウンロード").count() == before + 1


def test_out_of_scope_staff_cannot_reissue(hq_operator, agency_b_staff, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    with pytest.raises(PermissionDenied):
        policy_reissue(actor=agency_b_staff, case=case, delivery_channel=DeliveryChannel.POST)


def test_agency_staff_can_reissue_their_own_policy(agency_a_staff, hq_operator, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    assert policy_reissue(actor=agency_a_staff, case=case, delivery_channel=DeliveryChannel.POST).document.version == 2


def test_failure_after_the_file_leaves_nothing_registered(hq_operator, insured_policy, monkeypatch):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)

    def boom(**kwargs):
        raise RuntimeError("crash while completing the case")

    monkeypatch.setattr(reissue_module, "complete_reissue_case", boom)
    with pytest.raises(RuntimeError):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.ELECTRONIC)
    assert not Document.objects.exists()
    assert not DownloadLink.objects.exists()
    assert not AuditEvent.objects.filter(action="document.reissue_policy").exists()
    case.refresh_from_db()
    assert case.is_open


def test_missing_glyph_is_refused_with_the_character(hq_operator, insured_policy):
    holder, policy = insured_policy
    holder.name = "髙橋 一郎😀"
    holder.save(update_fields=["name"])
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    with pytest.raises(ValidationError, match="U\\+1F600"):
        policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)
    assert not Document.objects.exists()


def test_case_page_hook_panel_and_issue_view(client, hq_operator, agency_b_staff, insured_policy):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    client.force_login(hq_operator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/documents/cases/{case.pk}/issue/" in page
    panel = client.get(f"/documents/cases/{case.pk}/issue/", HTTP_HX_REQUEST="true").content.decode()
    assert "証券を再発行する" in panel
    assert "東京都千代田区千代田1-1" in panel
    refused = client.post(
        f"/documents/cases/{case.pk}/issue/", {"delivery_channel": "post", "mail_to": "北海道札幌市1-1"}, follow=True
    )
    assert "先に住所変更" in refused.content.decode()
    done = client.post(f"/documents/cases/{case.pk}/issue/", {"delivery_channel": "electronic"}, follow=True)
    body = done.content.decode()
    assert "ダウンロードURL" in body
    token = body.split("/documents/link/")[1].split("/")[0]
    client.logout()
    response = client.get(f"/documents/link/{token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    client.force_login(agency_b_staff)
    assert client.get(f"/documents/cases/{case.pk}/issue/").status_code == 404


def test_refused_issue_keeps_the_form_with_the_error_and_htmx_success_redirects(client, hq_operator, insured_policy):
    """The kit's one error path on the issue panel: a refusal is the panel again (200) with the error
    summary and the typed address kept; without JavaScript the same as a full page."""
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    client.force_login(hq_operator)
    url = f"/documents/cases/{case.pk}/issue/"
    refused = client.post(url, {"delivery_channel": "post", "mail_to": "北海道札幌市1-1"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    panel = refused.content.decode()
    assert "入力内容を確認してください" in panel
    assert "先に住所変更" in panel
    assert 'value="北海道札幌市1-1"' in panel
    assert "<html" not in panel  # the panel alone, swapped into the case page
    page = client.post(url, {"delivery_channel": "courier"}).content.decode()
    assert "<html" in page
    assert "送付方法" in page
    assert "入力内容を確認してください" in page
    assert not Document.objects.exists()
    done = client.post(url, {"delivery_channel": "electronic"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Redirect"] == f"/cases/{case.pk}/"
    assert Document.objects.filter(case=case).count() == 1


def test_expired_link_page_says_so(client, hq_operator, insured_policy, monkeypatch):
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    result = policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.ELECTRONIC)
    later = timezone.now() + dt.timedelta(days=30)
    monkeypatch.setattr(links_module.timezone, "now", lambda: later)
    response = client.get(f"/documents/link/{result.token}/")
    assert response.status_code == 410
    assert "有効期限" in response.content.decode()
    assert client.get("/documents/link/not-a-token/").status_code == 404


def test_documented_flow_waits_for_identity_then_issues(hq_operator, insured_policy):
    from tsunagu.cases.models import CaseEvent
    from tsunagu.cases.services import case_transition, identity_verify

    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE, verify=False)
    case_transition(actor=hq_operator, case=case, to=CaseStatus.AWAITING_IDENTITY)
    identity_verify(actor=hq_operator, case=case, method="callback")
    policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.POST)
    moves = [e.data["to"] for e in CaseEvent.objects.filter(case=case, kind="status").order_by("id")]
    assert moves == [CaseStatus.AWAITING_IDENTITY, CaseStatus.AWAITING_ISSUE, CaseStatus.COMPLETED]
