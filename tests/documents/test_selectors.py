"""Documents on the customer page: scoped lists, and opening a document is access-logged."""

from __future__ import annotations

import io

import pytest
from django.http import Http404
from django.template.loader import render_to_string
from pypdf import PdfReader

from tests.conftest import read
from tsunagu.core.models import AccessLog
from tsunagu.documents.models import Document
from tsunagu.documents.selectors import document_list_for_customer, document_open
from tsunagu.documents.services.certificate_batch import run_certificate_batch

from .conftest import ISSUE_DATE


@pytest.fixture
def issued(hq_operator, book, settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "docs"
    run_certificate_batch(actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, workers=0)
    return book


def test_operator_lists_and_opens_only_the_customers_pages(hq_operator, issued):
    a = issued["a"]
    docs = document_list_for_customer(user=hq_operator, customer=read(hq_operator, a))
    assert [d.number for d in docs] == [f"JC2026-{a.number}-01"]
    before = AccessLog.objects.count()
    opened = document_open(user=hq_operator, pk=docs[0].pk, screen="test")
    log = AccessLog.objects.order_by("-id").first()
    assert AccessLog.objects.count() == before + 1
    assert (log.customer_id, log.detail["document"]) == (a.pk, docs[0].number)
    reader = PdfReader(io.BytesIO(opened.content))
    assert len(reader.pages) == 1
    assert "髙橋 一郎" in reader.pages[0].extract_text()


def test_outsider_sees_nothing(agency_b_staff, issued):
    a = issued["a"]
    with pytest.raises(Http404):
        read(agency_b_staff, a)
    doc = Document.objects.get(customer=a)
    before = AccessLog.objects.count()
    with pytest.raises(Http404):
        document_open(user=agency_b_staff, pk=doc.pk)
    assert AccessLog.objects.count() == before


def test_download_view_and_partial(client, hq_operator, agency_b_staff, issued):
    doc = Document.objects.get(customer=issued["a"])
    client.force_login(hq_operator)
    response = client.get(f"/documents/{doc.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    client.force_login(agency_b_staff)
    assert client.get(f"/documents/{doc.pk}/").status_code == 404
    html = render_to_string("documents/_customer_documents.html", {"documents": [doc]})
    assert doc.number in html
    assert "郵送" in html
