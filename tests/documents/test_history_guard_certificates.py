"""Certificate status changes keep row history with their actor (issue 10: clearing the 要訂正
flag used QuerySet.update(), which writes no history)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tsunagu.core import writes
from tsunagu.core.writes import HistorySkipError
from tsunagu.documents.certificate_reissue import certificate_correct
from tsunagu.documents.choices import CertificateStatus
from tsunagu.documents.models import DeductionCertificate
from tsunagu.documents.services.certificate_batch import run_certificate_batch

from .conftest import ISSUE_DATE


@pytest.fixture
def issued(hq_operator, book, document_dir):
    run_certificate_batch(actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, workers=0)
    return book


def test_clearing_an_unneeded_correction_flag_records_who_cleared_it(hq_operator, auditor, issued):
    row = DeductionCertificate.objects.filter(customer=issued["a"], tax_year=2026).first()
    assert row is not None
    row.status = CertificateStatus.NEEDS_CORRECTION
    writes.save(row, actor=auditor, clean=False, update_fields=["status"])

    with pytest.raises(ValidationError, match="訂正の必要はありません"):
        certificate_correct(
            actor=hq_operator, customer=issued["a"], tax_year=2026, reason="確認", issue_date=ISSUE_DATE
        )
    row.refresh_from_db()
    assert row.status == CertificateStatus.ISSUED
    latest = row.history.latest()
    assert (latest.history_type, latest.status, latest.history_user) == ("~", CertificateStatus.ISSUED, hq_operator)
    assert latest.history_change_reason == "金額に変更がないため要訂正を解除"


def test_a_naked_status_update_of_certificates_is_refused(issued):
    with pytest.raises(HistorySkipError, match="地震保険料控除証明データ"):
        DeductionCertificate.objects.filter(tax_year=2026).update(status=CertificateStatus.SUPERSEDED)
    assert not DeductionCertificate.objects.filter(status=CertificateStatus.SUPERSEDED).exists()
