"""控除証明書の再発行 (lost certificate, past years) through a case, and correction after a
cancellation or change: old versions superseded, new versions issued, amounts recomputed."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.core.models import AuditEvent
from tsunagu.documents.certificate_reissue import (
    certificate_correct,
    certificate_reissue,
    certificates_needing_correction,
    run_corrections,
)
from tsunagu.documents.choices import CertificateStatus, DeliveryChannel, DocumentStatus
from tsunagu.documents.config import get_storage
from tsunagu.documents.models import DeductionCertificate, Document
from tsunagu.documents.services.certificate_batch import run_certificate_batch
from tsunagu.policies.choices import PolicyStatus
from tsunagu.policies.services import policy_change_status

from .conftest import ISSUE_DATE, D, open_case

LATER = D(2026, 11, 20)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def issued(hq_operator, book, document_dir):
    run_certificate_batch(actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, workers=0)
    return book


def test_lost_certificate_reissue_supersedes_and_completes_the_case(hq_operator, issued):
    a = issued["a"]
    old = Document.objects.get(customer=a)
    case = open_case(hq_operator, a, issued["monthly"], CaseType.CERTIFICATE_REISSUE)
    result = certificate_reissue(
        actor=hq_operator, case=case, tax_year=2026, delivery_channel=DeliveryChannel.POST, issue_date=LATER
    )
    new = result.document
    old.refresh_from_db()
    assert (new.version, new.number, new.case) == (2, f"JC2026-{a.number}-02", case)
    assert (old.status, old.superseded_by) == (DocumentStatus.SUPERSEDED, new)
    rows = DeductionCertificate.objects.filter(customer=a, tax_year=2026)
    assert sorted(rows.values_list("version", "status")) == [
        (1, CertificateStatus.SUPERSEDED),
        (1, CertificateStatus.SUPERSEDED),
        (2, CertificateStatus.ISSUED),
        (2, CertificateStatus.ISSUED),
    ]
    text = pdf_text(get_storage().read(new.storage_key))
    assert "再発行(1回目)" in text
    assert "髙橋 一郎 様" in text
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert AuditEvent.objects.filter(action="document.reissue_deduction_certificate").count() == 1


def test_past_year_reissue_and_the_five_year_limit(hq_operator, issued):
    a = issued["a"]
    case = open_case(hq_operator, a, issued["annual"], CaseType.CERTIFICATE_REISSUE)
    with pytest.raises(ValidationError, match="2021年分から2026年分まで"):
        certificate_reissue(actor=hq_operator, case=case, tax_year=2020, issue_date=LATER)
    # 2025: the annual policy's 2025-05-20 payment (20,000 earthquake), never issued here before.
    result = certificate_reissue(actor=hq_operator, case=case, tax_year=2025, issue_date=LATER)
    assert result.document.version == 1
    row = result.document.certificates.get()
    assert (row.certified_amount, row.declared_amount) == (20_000, 20_000)
    assert "令和7年(2025年)分" in pdf_text(get_storage().read(result.document.storage_key))


def test_reissue_needs_identity_and_electronic_gives_a_link(hq_operator, issued):
    a = issued["a"]
    case = open_case(hq_operator, a, issued["monthly"], CaseType.CERTIFICATE_REISSUE, verify=False)
    with pytest.raises(ValidationError, match="本人確認が記録されていない"):
        certificate_reissue(actor=hq_operator, case=case, tax_year=2026, issue_date=LATER)
    from tsunagu.cases.services import identity_verify

    identity_verify(actor=hq_operator, case=case, method="phone_qa")
    result = certificate_reissue(
        actor=hq_operator, case=case, tax_year=2026, delivery_channel=DeliveryChannel.ELECTRONIC, issue_date=LATER
    )
    assert result.token
    assert result.document.delivery_channel == DeliveryChannel.ELECTRONIC


def test_reissue_with_nothing_to_certify_is_refused(hq_operator, issued):
    d = issued["d"]  # earthquake cover but no premium data
    policy = d.policies.get()
    case = open_case(hq_operator, d, policy, CaseType.CERTIFICATE_REISSUE)
    with pytest.raises(ValidationError, match="保険料の入金データがありません"):
        certificate_reissue(actor=hq_operator, case=case, tax_year=2026, issue_date=LATER)
    assert not Document.objects.filter(customer=d).exists()


def test_correction_after_cancellation(hq_operator, issued):
    a = issued["a"]
    old = Document.objects.get(customer=a)
    # The monthly contract is cancelled after issue: November and December will not be paid.
    policy_change_status(actor=hq_operator, policy=issued["monthly"], status=PolicyStatus.CANCELLED, on=LATER)
    candidates = certificates_needing_correction(actor=hq_operator, tax_year=2026)
    assert [c.customer_id for c in candidates] == [a.pk]
    assert DeductionCertificate.objects.get(policy=issued["monthly"]).status == CertificateStatus.NEEDS_CORRECTION
    result = certificate_correct(actor=hq_operator, customer=a, tax_year=2026, reason="解約", issue_date=LATER)
    new = result.document
    old.refresh_from_db()
    assert (new.version, old.status, old.superseded_by) == (2, DocumentStatus.SUPERSEDED, new)
    row = new.certificates.get(policy=issued["monthly"])
    assert (row.certified_amount, row.declared_amount, row.version) == (7_000, 7_000, 2)
    assert DeductionCertificate.objects.get(policy=issued["monthly"], version=1).status == CertificateStatus.SUPERSEDED
    assert "訂正版" in pdf_text(get_storage().read(new.storage_key))
    assert AuditEvent.objects.filter(action="document.correct_deduction_certificate").count() == 1
    # Nothing changed since: a second correction is refused and nothing is flagged any more.
    with pytest.raises(ValidationError, match="訂正の必要はありません"):
        certificate_correct(actor=hq_operator, customer=a, tax_year=2026, reason="再確認", issue_date=LATER)
    assert certificates_needing_correction(actor=hq_operator, tax_year=2026) == []


def test_correction_without_change_or_certificate_is_refused(hq_operator, issued):
    with pytest.raises(ValidationError, match="訂正の必要はありません"):
        certificate_correct(
            actor=hq_operator, customer=issued["a"], tax_year=2026, reason="確認", issue_date=ISSUE_DATE
        )
    with pytest.raises(ValidationError, match="発行されていないため"):
        certificate_correct(actor=hq_operator, customer=issued["a"], tax_year=2024, reason="確認")
    assert Document.objects.filter(customer=issued["a"]).count() == 1


def test_run_corrections_and_command(hq_operator, issued):
    from django.core.management import call_command

    policy_change_status(actor=hq_operator, policy=issued["monthly"], status=PolicyStatus.CANCELLED, on=LATER)
    out = io.StringIO()
    call_command("deduction_corrections", "--tax-year", "2026", "--dry-run", stdout=out)
    assert "要訂正 1件" in out.getvalue()
    issued_docs, problems = run_corrections(actor=hq_operator, tax_year=2026)
    assert [d.version for d in issued_docs] == [2]
    assert problems == []
