"""The certificate batch: records, files, exclusions, exceptions, idempotence and crash recovery."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.db import connection
from pypdf import PdfReader

from tsunagu.core import writes
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.documents.choices import BatchStatus, CertificateStatus, DeliveryChannel
from tsunagu.documents.models import DeductionCertificate, Document
from tsunagu.documents.services import certificate_batch, processes
from tsunagu.documents.services.certificate_batch import run_certificate_batch

from .conftest import ISSUE_DATE


def run(actor, storage, **kw):
    return run_certificate_batch(actor=actor, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=0, **kw)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_batch_issues_one_certificate_per_holder(hq_operator, book, storage):
    batch = run(hq_operator, storage)
    assert batch.status == BatchStatus.COMPLETED
    docs = {doc.customer_id: doc for doc in Document.objects.all()}
    assert set(docs) == {book["a"].pk, book["f"].pk}

    a = docs[book["a"].pk]
    assert a.number == f"JC2026-{book['a'].number}-01"
    assert a.delivery_channel == DeliveryChannel.POST
    assert a.delivery_address == "東京都千代田区千代田1-1"
    rows = {r.policy_id: r for r in a.certificates.all()}
    # monthly: 7 × 1,000 paid to 15 Oct; Nov and Dec scheduled -> 9,000 declared.
    assert (rows[book["monthly"].pk].certified_amount, rows[book["monthly"].pk].declared_amount) == (7_000, 9_000)
    # annual: the 2026-05-25 payment only.
    assert (rows[book["annual"].pk].certified_amount, rows[book["annual"].pk].declared_amount) == (20_000, 20_000)

    f = docs[book["f"].pk]
    assert f.delivery_channel == DeliveryChannel.ELECTRONIC
    assert f.certificates.get().certified_amount == 7_500  # 37,500 / 5 years

    # The file behind each record is the one hashed.
    data = storage.read(a.storage_key)
    assert hashlib.sha256(data).hexdigest() == a.sha256
    assert a.page == 1
    text = pdf_text(data)
    for expected in (
        "髙橋 一郎 様",
        "地震保険料控除証明書",
        "令和8年(2026年)分",
        "証明額 7,000円",
        "申告額 9,000円",
        "20,000円",
    ):
        assert expected in text
    assert "7,500円" in pdf_text(storage.read(f.storage_key))


def test_exclusions_and_exceptions_are_recorded(hq_operator, book, storage):
    batch = run(hq_operator, storage)
    excluded = {r.customer_id: r for r in DeductionCertificate.objects.filter(excluded=True)}
    assert excluded[book["b"].pk].exclusion_reason == "corporate_holder"
    assert excluded[book["e"].pk].exclusion_reason == "group_payroll"
    assert all(r.status == CertificateStatus.EXCLUDED and r.document is None for r in excluded.values())
    assert (batch.documents_issued, batch.certificates_written, batch.excluded, batch.skipped) == (2, 3, 2, 2)
    report = list(csv.reader(io.StringIO(storage.read(batch.exceptions_key).decode())))
    reasons = {row[0]: row[2] for row in report[1:]}
    assert "住所が登録されていません" in reasons[book["c"].number]
    assert "入金データがありません" in reasons[book["d"].number]


def test_vendor_file_has_control_totals(hq_operator, book, storage):
    run(hq_operator, storage)
    doc = Document.objects.get(customer=book["a"])
    rows = list(csv.reader(io.StringIO(storage.read(doc.storage_key.removesuffix(".pdf") + ".csv").decode("utf-8"))))
    header, details, trailer = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["H", "TSUNAGU-JISHIN-KOJO-1", "2026", "2026-10-15"]
    assert header[5] == doc.sha256
    assert [r[1] for r in details] == [doc.number, doc.number]
    assert trailer == ["T", "1", "2", str(7_000 + 20_000), str(9_000 + 20_000)]


def test_rerun_issues_no_duplicate(hq_operator, book, storage):
    run(hq_operator, storage)
    counts = (Document.objects.count(), DeductionCertificate.objects.count())
    again = run(hq_operator, storage)
    assert (Document.objects.count(), DeductionCertificate.objects.count()) == counts
    assert again.documents_issued == 0


def test_crash_leaves_nothing_half_registered_and_resume_completes(hq_operator, book, storage, monkeypatch):
    real = processes.register_chunk
    calls = {"n": 0}

    def crash_on_second(plan, result, batch, actor):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the process were killed between file and registration
        return real(plan, result, batch, actor)

    monkeypatch.setattr(processes, "register_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run(hq_operator, storage, chunk_size=1)
    first = list(Document.objects.values_list("number", flat=True))
    assert len(first) == 1
    # Every registered document has its rows; no row points at a missing document.
    assert DeductionCertificate.objects.filter(excluded=False, document__isnull=True).count() == 0
    monkeypatch.setattr(processes, "register_chunk", real)
    resumed = run(hq_operator, storage, chunk_size=1)
    assert resumed.status == BatchStatus.COMPLETED
    assert Document.objects.count() == 2
    assert DeductionCertificate.objects.count() == 5  # 3 issued + 2 excluded, each once


def test_missing_glyph_is_reported_not_drawn(hq_operator, book, storage):
    a = book["a"]
    a.name = "髙橋 一郎😀"
    a.save(update_fields=["name"])
    batch = run(hq_operator, storage)
    assert not Document.objects.filter(customer=a).exists()
    report = storage.read(batch.exceptions_key).decode()
    assert "U+1F600" in report
    assert a.number in report


def test_batch_is_audited_and_access_logged(hq_operator, book, storage):
    batch = run(hq_operator, storage)
    # One event per registered chunk, naming its documents.
    (issued,) = AuditEvent.objects.filter(action="document.issue_deduction_certificates")
    assert issued.target_id == str(batch.pk)
    assert sorted(issued.data["documents"]) == sorted(Document.objects.values_list("number", flat=True))
    assert "2件を発行した" in issued.summary
    assert AuditEvent.objects.filter(action="document.certificate_batch_complete", target_id=str(batch.pk)).exists()
    assert set(AccessLog.objects.filter(screen="deduction_certificates").values_list("customer_id", flat=True)) == {
        book["a"].pk,
        book["f"].pk,
    }
    assert Document.history.filter(history_user=hq_operator).count() == 2


def test_worker_processes_render_the_same_records(hq_operator, book, storage):
    batch = run_certificate_batch(
        actor=hq_operator, tax_year=2026, issue_date=ISSUE_DATE, storage=storage, workers=1, chunk_size=2
    )
    assert batch.documents_issued == 2
    for doc in Document.objects.all():
        assert hashlib.sha256(storage.read(doc.storage_key)).hexdigest() == doc.sha256


def test_vendor_data_run_records_everything_and_draws_only_electronic_pdfs(hq_operator, book, storage):
    batch = run(hq_operator, storage, vendor_prints=True)
    assert batch.status == BatchStatus.COMPLETED
    assert (batch.documents_issued, batch.certificates_written, batch.excluded, batch.skipped) == (2, 3, 2, 2)

    # Mailed: the vendor composes the certificate from the data file, which the document points at.
    a = Document.objects.get(customer=book["a"])
    assert a.delivery_channel == DeliveryChannel.POST
    assert a.storage_key.endswith(".csv")
    assert a.page is None
    data = storage.read(a.storage_key)
    assert hashlib.sha256(data).hexdigest() == a.sha256
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header, details, trailer = rows[0], rows[1:-1], rows[-1]
    assert header == ["H", "TSUNAGU-JISHIN-KOJO-1", "2026", "2026-10-15", "", ""]
    assert [(r[1], r[2]) for r in details] == [(a.number, ""), (a.number, "")]
    assert trailer == ["T", "1", "2", str(7_000 + 20_000), str(9_000 + 20_000)]
    assert not list((storage.root / "deduction" / "2026" / "print").glob("*.pdf"))

    # Electronic: drawn after every row was recorded, and its rows now point at it (with history).
    f = Document.objects.get(customer=book["f"])
    assert f.delivery_channel == DeliveryChannel.ELECTRONIC
    assert f.number == f"JC2026-{book['f'].number}-01"
    assert hashlib.sha256(storage.read(f.storage_key)).hexdigest() == f.sha256
    assert "7,500円" in pdf_text(storage.read(f.storage_key))
    row = f.certificates.get()
    assert row.history.filter(history_type="~", document_id=f.pk, history_user=hq_operator).exists()
    assert DeductionCertificate.objects.filter(excluded=False, document__isnull=True).count() == 0


def test_electronic_pdf_shows_the_recorded_amounts(hq_operator, book, storage, monkeypatch):
    real = certificate_batch.plan_electronic_chunk

    def change_payments_first(ids, opts, batch, actor):
        # A payment corrected between the stages changes nothing already recorded.
        writes.update_rows(book["lump"].payments.all(), actor=actor, earthquake_portion=50_000)
        return real(ids, opts, batch, actor)

    monkeypatch.setattr(certificate_batch, "plan_electronic_chunk", change_payments_first)
    run(hq_operator, storage, vendor_prints=True)
    f = Document.objects.get(customer=book["f"])
    assert f.certificates.get().certified_amount == 7_500
    assert "7,500円" in pdf_text(storage.read(f.storage_key))


def test_crash_in_the_electronic_stage_resumes_without_duplicates(hq_operator, book, storage, monkeypatch):
    real = certificate_batch.plan_electronic_chunk

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(certificate_batch, "plan_electronic_chunk", crash)
    with pytest.raises(KeyboardInterrupt):
        run(hq_operator, storage, vendor_prints=True)
    assert not Document.objects.filter(customer=book["f"]).exists()
    assert DeductionCertificate.objects.filter(customer=book["f"], document__isnull=True).count() == 1
    monkeypatch.setattr(certificate_batch, "plan_electronic_chunk", real)
    resumed = run(hq_operator, storage)  # a plain run finishes what the vendor-data run left
    assert resumed.documents_issued == 1
    assert Document.objects.filter(customer=book["f"]).count() == 1
    assert DeductionCertificate.objects.count() == 5
    assert DeductionCertificate.objects.filter(excluded=False, document__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)  # workers read committed data with their own connections
@pytest.mark.parametrize("vendor_prints", [False, True])
def test_planning_workers_issue_what_the_parent_would(hq_operator, book, storage, vendor_prints):
    stats: dict[str, float] = {}
    batch = run_certificate_batch(
        actor=hq_operator,
        tax_year=2026,
        issue_date=ISSUE_DATE,
        storage=storage,
        workers=1,
        chunk_size=1,
        vendor_prints=vendor_prints,
        plan_in_workers=True,
        stats=stats,
    )
    # PostgreSQL: the worker plans; SQLite's in-memory test database: the parent plans (the worker
    # could not open it).
    assert stats["planned_in_workers"] == (connection.vendor != "sqlite")
    assert (batch.documents_issued, batch.certificates_written, batch.excluded, batch.skipped) == (2, 3, 2, 2)
    for doc in Document.objects.all():
        assert hashlib.sha256(storage.read(doc.storage_key)).hexdigest() == doc.sha256
    rows = {r.policy_id: (r.certified_amount, r.declared_amount) for r in DeductionCertificate.objects.all()}
    assert rows[book["monthly"].pk] == (7_000, 9_000)
    assert rows[book["lump"].pk] == (7_500, 7_500)
    assert DeductionCertificate.objects.filter(excluded=False, document__isnull=True).count() == 0


def test_plan_and_print_plans_and_draws_one_chunk(hq_operator, book, storage):
    from tsunagu.documents.services.processes import plan_and_print
    from tsunagu.documents.services.records import BatchOptions
    from tsunagu.documents.services.rendering import plan_chunk

    opts = BatchOptions(tax_year=2026, issue_date=ISSUE_DATE, storage=storage)
    plan, result = plan_and_print(plan_chunk, [book["a"].pk, book["f"].pk], opts, None, hq_operator)
    assert [doc.customer_id for doc in plan.documents] == [book["a"].pk, book["f"].pk]
    assert result is not None
    assert result.print_file is not None
    assert set(result.electronic) == {plan.documents[1].number}


def test_opening_a_vendor_composed_certificate_shows_a_copy_from_the_data_file(hq_operator, book, storage, settings):
    from tsunagu.documents.selectors import document_open

    settings.TSUNAGU_DOCUMENT_DIR = storage.root
    run(hq_operator, storage, vendor_prints=True)
    a = Document.objects.get(customer=book["a"])
    opened = document_open(user=hq_operator, pk=a.pk, screen="test")
    text = pdf_text(opened.content)
    for expected in (
        "髙橋 一郎 様",
        "控え(印刷業者向けデータから作成)",
        "証明額 7,000円",
        "申告額 9,000円",
        "20,000円",
    ):
        assert expected in text
    assert book["monthly"].product.name in text
    assert AccessLog.objects.filter(customer_id=book["a"].pk, detail__document=a.number).exists()
