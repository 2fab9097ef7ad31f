"""Documents whose file retention deleted (保存期間満了): the open, download-link and list screens say
「保存期間満了により削除済み」 with the date, never try the cleared reference and never fail; a file
missing from storage gets a clear page too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.cases.choices import CaseType
from tsunagu.core import writes
from tsunagu.core.models import AccessLog
from tsunagu.documents.choices import DeliveryChannel
from tsunagu.documents.config import get_storage
from tsunagu.documents.links import LinkError, download_link_open
from tsunagu.documents.models import Document, DownloadLink
from tsunagu.documents.reissue import policy_reissue
from tsunagu.documents.selectors import DocumentUnavailable, document_open

from .conftest import open_case
from .test_reissue import insured_policy  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

ERASED_AT = timezone.make_aware(dt.datetime(2033, 4, 2, 3, 0))


@pytest.fixture
def issued(hq_operator, insured_policy):  # noqa: F811
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    return policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.ELECTRONIC)


def _erase(document: Document, actor, *, when: dt.datetime | None = ERASED_AT) -> Document:
    """What the retention run does to a document (compliance.retention_steps): the reference cleared,
    the date stamped, the file deleted."""
    key = document.storage_key
    writes.clear_rows(
        Document.objects.filter(pk=document.pk),
        actor=actor,
        reason="保存期間満了による匿名化",
        storage_key="",
        page=None,
        file_erased_at=when,
    )
    get_storage().delete(key)
    document.refresh_from_db()
    return document


def test_opening_an_erased_document_says_so_with_the_date_and_logs_nothing(client, hq_operator, auditor, issued):
    document = _erase(issued.document, auditor)
    assert document.file_erased
    reads = AccessLog.objects.count()
    with pytest.raises(DocumentUnavailable, match="保存期間満了により削除済み") as caught:
        document_open(user=hq_operator, pk=document.pk)
    assert caught.value.erased
    assert "2033/04/02" in caught.value.message
    assert AccessLog.objects.count() == reads  # nothing of the customer's was read

    client.force_login(hq_operator)
    response = client.get(f"/documents/{document.pk}/")
    body = response.content.decode()
    assert response.status_code == 410
    assert "保存期間満了により削除済み" in body
    assert "2033/04/02" in body
    assert document.number in body


def test_an_erased_document_without_a_recorded_date_still_says_so(client, hq_operator, auditor, issued):
    document = _erase(issued.document, auditor, when=None)
    assert document.file_erased
    assert document.file_erased_at is None
    client.force_login(hq_operator)
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 410
    assert "保存期間満了により削除済みです。" in response.content.decode()


def test_an_erased_document_is_still_out_of_scope_for_other_agencies(client, agency_b_staff, auditor, issued):
    document = _erase(issued.document, auditor)
    client.force_login(agency_b_staff)
    assert client.get(f"/documents/{document.pk}/").status_code == 404


def test_the_download_link_of_an_erased_document_is_gone_and_not_counted(client, auditor, issued):
    document = _erase(issued.document, auditor)
    with pytest.raises(LinkError, match="保存期間が満了したため削除済み") as caught:
        download_link_open(token=issued.token)
    assert caught.value.erased
    response = client.get(f"/documents/link/{issued.token}/")
    assert response.status_code == 410
    assert "保存期間が満了したため削除済み" in response.content.decode()
    assert DownloadLink.objects.get(pk=issued.link.pk).open_count == 0
    assert document.storage_key == ""


def test_a_file_missing_from_storage_gets_a_page_not_an_error(client, hq_operator, issued):
    get_storage().delete(issued.document.storage_key)
    client.force_login(hq_operator)
    response = client.get(f"/documents/{issued.document.pk}/")
    assert response.status_code == 404
    assert "保存先に見つかりません" in response.content.decode()
    link = client.get(f"/documents/link/{issued.token}/")
    assert link.status_code == 404
    assert "帳票を表示できませんでした" in link.content.decode()


def test_the_customer_policy_and_case_pages_show_the_state_without_a_link(client, hq_operator, auditor, issued):
    document = _erase(issued.document, auditor)
    client.force_login(hq_operator)
    download = f'href="/documents/{document.pk}/"'
    for url in (
        f"/customers/{document.customer_id}/",
        f"/policies/{document.policy_id}/",
        f"/documents/cases/{document.case_id}/issue/",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert document.number in body, url
        assert "保存期間満了により削除済み" in body, url
        assert download not in body, url


def test_a_stored_document_still_opens(hq_operator, issued):
    opened = document_open(user=hq_operator, pk=issued.document.pk)
    assert opened.content.startswith(b"%PDF")
    assert not opened.document.file_erased
