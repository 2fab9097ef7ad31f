"""Print units: one print file (many certificates, one font subset) plus its vendor data file.

Runs in worker processes (no Django): the parent sends a `PrintJob`, the worker draws, writes the
files atomically and returns their keys and hashes; the parent then registers the documents in one
transaction. A crash before that transaction leaves files nobody refers to, never a half-registered
document.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from .fonts import register_font
from .formatting import wareki_date
from .pdf import CertificateLine, CertificateSheet, Sheet, render
from .storage import DocumentStorage, StoredFile

VENDOR_FORMAT = "TSUNAGU-JISHIN-KOJO-1"
VENDOR_ENCODING = "utf-8"


@dataclass(frozen=True)
class PrintJob:
    storage: DocumentStorage
    font_dir: Path
    tax_year: int
    issue_date: dt.date
    print_key: str
    data_key: str
    post: tuple[Sheet, ...] = ()
    electronic: tuple[tuple[str, Sheet], ...] = ()  # (storage key, sheet)
    title: str = "地震保険料控除証明書"
    vendor_file: bool = True  # certificates: the printing vendor's data file beside the print file
    print_pdf: bool = True  # False: the vendor composes the mailed sheets from the data file alone


@dataclass
class PrintResult:
    print_file: StoredFile | None = None
    data_file: StoredFile | None = None
    pages: dict[str, tuple[int, int]] = field(default_factory=dict)  # number -> (first page, page count)
    electronic: dict[str, StoredFile] = field(default_factory=dict)
    sheets: int = 0


def vendor_data(job: PrintJob, pages: dict[str, tuple[int, int]], print_file: StoredFile | None) -> bytes:
    """The printing vendor's data file: header, one detail row per certificate line, control total.

    Without a print file (the vendor composes the sheets) the header's file fields and the page
    numbers are empty. Layout: docs/formats/deduction_certificates.md.
    """
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    file_fields = [print_file.key, print_file.sha256] if print_file else ["", ""]
    w.writerow(["H", VENDOR_FORMAT, job.tax_year, job.issue_date.isoformat(), *file_fields])
    rows = certified_total = declared_total = 0
    for sheet in job.post:
        assert isinstance(sheet, CertificateSheet)
        first = pages[sheet.document_number][0] if print_file else ""
        for line in sheet.lines:
            w.writerow(
                [
                    "D",
                    sheet.document_number,
                    first,
                    sheet.postal_code,
                    sheet.address,
                    sheet.holder_name,
                    line.policy_number,
                    line.category_code,
                    line.category,
                    line.insured_object_code,
                    line.insured_object,
                    line.location,
                    line.period,
                    line.payment_mode_code,
                    line.payment_mode,
                    line.certified,
                    line.declared,
                    line.product_name,
                ]
            )
            rows += 1
            certified_total += line.certified
            declared_total += line.declared
    w.writerow(["T", len(job.post), rows, certified_total, declared_total])
    return out.getvalue().encode(VENDOR_ENCODING)


def sheet_from_vendor_data(data: bytes, document_number: str, *, insurer_name: str) -> CertificateSheet:
    """One certificate as the vendor was asked to print it, read back from a data file (the office's
    copy of a vendor-composed certificate, which has no PDF of its own)."""
    rows = list(csv.reader(io.StringIO(data.decode(VENDOR_ENCODING))))
    header = rows[0]
    if header[:2] != ["H", VENDOR_FORMAT]:
        raise ValueError(f"印刷業者向けデータの形式が違います: {header[:2]}")
    details = [row for row in rows[1:] if row[0] == "D" and row[1] == document_number]
    if not details:
        raise ValueError(f"印刷業者向けデータに {document_number} がありません。")
    lines = tuple(
        CertificateLine(
            policy_number=row[6],
            product_name=row[17] if len(row) > 17 else "",
            insured_object=row[10],
            location=row[11],
            period=row[12],
            payment_mode=row[14],
            category=row[8],
            certified=int(row[15]),
            declared=int(row[16]),
            category_code=row[7],
            payment_mode_code=row[13],
            insured_object_code=row[9],
        )
        for row in details
    )
    first = details[0]
    return CertificateSheet(
        document_number=document_number,
        tax_year=int(header[2]),
        issue_date_text=wareki_date(dt.date.fromisoformat(header[3])),
        holder_name=first[5],
        postal_code=first[3],
        address=first[4],
        insurer_name=insurer_name,
        lines=lines,
        reissue_note="控え(印刷業者向けデータから作成)",
    )


def run_print_job(job: PrintJob) -> PrintResult:
    font = register_font(job.font_dir)
    result = PrintResult()
    if job.post:
        page = 1
        for sheet in job.post:
            result.pages[sheet.document_number] = (page, sheet.page_count)
            page += sheet.page_count
        if job.print_pdf:
            result.print_file = job.storage.put(job.print_key, render(job.post, font, title=job.title))
        if job.vendor_file:
            result.data_file = job.storage.put(job.data_key, vendor_data(job, result.pages, result.print_file))
    for key, sheet in job.electronic:
        result.electronic[sheet.document_number] = job.storage.put(key, render([sheet], font, title=job.title))
    result.sheets = len(job.post) + len(job.electronic)
    return result
