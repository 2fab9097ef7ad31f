"""Defect 12 (PDF part): the PDFs' document information is Japanese and meaningful, not ReportLab's
defaults (Creator "anonymous", Subject "unspecified", Title "untitled")."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tsunagu.documents.choices import DeliveryChannel
from tsunagu.documents.config import insurer_name
from tsunagu.documents.models import Document
from tsunagu.documents.selectors import document_file
from tsunagu.documents.services.certificate_batch import run_certificate_batch

from .conftest import ISSUE_DATE

DEFAULTS = {"anonymous", "unspecified", "untitled", "(anonymous)", "(unspecified)", "(untitled)"}


def info(data: bytes) -> dict[str, str]:
    meta = PdfReader(io.BytesIO(data)).metadata or {}
    return {key: str(value) for key, value in meta.items()}


def test_certificate_pdfs_name_the_document_the_insurer_and_the_system(hq_operator, book, storage):
    run_certificate_batch(actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=0)
    mailed = Document.objects.get(customer=book["a"])
    electronic = Document.objects.get(customer=book["f"])
    assert mailed.delivery_channel == DeliveryChannel.POST
    assert electronic.delivery_channel == DeliveryChannel.ELECTRONIC

    for document in (mailed, electronic):
        meta = info(document_file(document, storage))  # what the customer or the operator downloads
        assert meta["/Title"] == f"地震保険料控除証明書 {document.number}"
        assert meta["/Author"] == insurer_name()
        assert meta["/Subject"] == "地震保険料控除証明書"
        assert meta["/Creator"] == "つなぐ"
        assert not DEFAULTS & set(meta.values())

    # The vendor's print file itself says what it is.
    whole = info(storage.read(mailed.storage_key))
    assert whole["/Subject"] == "地震保険料控除証明書"
    assert whole["/Creator"] == "つなぐ"
    assert whole["/Author"] == insurer_name()
