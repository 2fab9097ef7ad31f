"""PDF drawing with ReportLab (A4, embedded Noto Sans JP). No Django: runs in worker processes.

Many certificates go into one print file for the printing vendor (one font subset per file, one
page per policyholder); electronic delivery gets single-certificate files from the same code.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import RegisteredFont
from .formatting import wareki_date, wareki_year, yen

PAGE_W, PAGE_H = A4
LEFT = 18 * mm
RIGHT = PAGE_W - 18 * mm
ROWS_PER_PAGE = 6


class Sheet(Protocol):
    """Anything drawn into a print file: certificates, reissued policies, contract notices."""

    @property
    def document_number(self) -> str: ...

    @property
    def page_count(self) -> int: ...

    def texts(self) -> Iterator[str]: ...

    def draw(self, c: Canvas, font: RegisteredFont) -> None: ...


@dataclass(frozen=True)
class CertificateLine:
    policy_number: str
    product_name: str
    insured_object: str
    location: str
    period: str
    payment_mode: str
    category: str
    certified: int
    declared: int
    category_code: str = ""  # TEG810 WDE00020: 1 地震, 2 旧長期
    payment_mode_code: str = ""  # TEG810 WDE00150
    insured_object_code: str = ""  # TEG810 WDE00070


@dataclass(frozen=True)
class CertificateSheet:
    """One policyholder's certificate for a tax year: all their contracts on one sheet."""

    document_number: str
    tax_year: int
    issue_date_text: str
    holder_name: str
    postal_code: str
    address: str
    insurer_name: str
    lines: tuple[CertificateLine, ...]
    reissue_note: str = ""

    def texts(self) -> Iterator[str]:
        """Every string that will be drawn from data (checked against the font before drawing)."""
        yield from (self.document_number, self.holder_name, self.postal_code, self.address, self.insurer_name)
        yield self.reissue_note
        for line in self.lines:
            yield from (line.policy_number, line.product_name, line.insured_object, line.location)
            yield from (line.period, line.payment_mode, line.category)

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.lines) // ROWS_PER_PAGE))

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        _draw_sheet(c, self, font)


def fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    return _fit(canvas, text, font, size, width)


def draw_recipient(c: Canvas, f: str, *, postal_code: str, address: str, name: str, number_label: str) -> float:
    """The window-envelope block every mailed document starts with; returns the y below it."""
    y = PAGE_H - 20 * mm
    c.setFont(f, 9)
    c.drawString(LEFT, y, f"〒{postal_code}")
    c.drawRightString(RIGHT, y, number_label)
    y -= 5 * mm
    c.setFont(f, _fit(c, address, f, 10.5, 110 * mm))
    c.drawString(LEFT, y, address)
    y -= 8 * mm
    c.setFont(f, _fit(c, name + " 様", f, 14, 110 * mm))
    c.drawString(LEFT, y, f"{name} 様")
    return y - 16 * mm


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """Largest size <= `size` at which `text` fits in `width` (long addresses shrink, never overflow)."""
    w = canvas.stringWidth(text, font, size)
    return size if w <= width else max(5.0, size * width / w)


def _draw_sheet(c: Canvas, sheet: CertificateSheet, font: RegisteredFont) -> None:
    f = font.name
    chunks = [sheet.lines[i : i + ROWS_PER_PAGE] for i in range(0, len(sheet.lines), ROWS_PER_PAGE)] or [()]
    for page_no, lines in enumerate(chunks, start=1):
        y = PAGE_H - 20 * mm
        c.setFont(f, 9)
        c.drawString(LEFT, y, f"〒{sheet.postal_code}")
        c.drawRightString(RIGHT, y, f"証明書番号 {sheet.document_number}")
        y -= 5 * mm
        c.setFont(f, _fit(c, sheet.address, f, 10.5, 110 * mm))
        c.drawString(LEFT, y, sheet.address)
        y -= 8 * mm
        c.setFont(f, _fit(c, sheet.holder_name + " 様", f, 14, 110 * mm))
        c.drawString(LEFT, y, f"{sheet.holder_name} 様")
        y -= 16 * mm
        c.setFont(f, 18)
        c.drawCentredString(PAGE_W / 2, y, "地震保険料控除証明書")
        y -= 8 * mm
        c.setFont(f, 11)
        c.drawCentredString(PAGE_W / 2, y, f"{wareki_year(sheet.tax_year)}分")
        if sheet.reissue_note:
            c.setFont(f, 9)
            c.drawRightString(RIGHT, y, sheet.reissue_note)
        y -= 9 * mm
        c.setFont(f, 9.5)
        c.drawString(LEFT, y, "下記のとおり地震保険料等をお払込みいただいたことを証明します。")
        c.drawRightString(RIGHT, y, f"証明日 {sheet.issue_date_text}")
        y -= 5 * mm
        c.drawRightString(RIGHT, y, sheet.insurer_name)
        y -= 6 * mm
        for line in lines:
            y = _draw_line(c, f, line, y)
        y -= 4 * mm
        c.setFont(f, 8.5)
        for note in (
            "・証明額は証明日までにお払込みいただいた保険料です。申告額は12月までのお払込みを前提とした年間の見込額です。",
            "・年末調整・確定申告には申告額をご記入ください(12月までにお払込みがなかった場合は証明額)。",
            "・地震と旧長期の両方の記載がある契約は、いずれか一方のみ控除の対象となります。",
            "・この証明書は再発行できます。紛失された場合はお問い合わせください。",
        ):
            c.drawString(LEFT, y, note)
            y -= 4.5 * mm
        if len(chunks) > 1:
            c.setFont(f, 8)
            c.drawCentredString(PAGE_W / 2, 12 * mm, f"{page_no} / {len(chunks)}")
        c.showPage()


def _draw_line(c: Canvas, f: str, line: CertificateLine, y: float) -> float:
    top, height = y, 27 * mm
    c.setLineWidth(0.6)
    c.rect(LEFT, top - height, RIGHT - LEFT, height)
    c.line(LEFT, top - 7 * mm, RIGHT, top - 7 * mm)
    c.setFont(f, 9)
    c.drawString(LEFT + 2 * mm, top - 5 * mm, f"証券番号 {line.policy_number}")
    c.drawString(LEFT + 60 * mm, top - 5 * mm, f"保険種類 {line.product_name}")
    c.drawRightString(RIGHT - 2 * mm, top - 5 * mm, f"区分 {line.category}")
    c.setFont(f, 8.5)
    c.drawString(LEFT + 2 * mm, top - 12 * mm, f"保険の対象 {line.insured_object}")
    loc = f"所在地 {line.location}"
    c.setFont(f, _fit(c, loc, f, 8.5, RIGHT - LEFT - 64 * mm))
    c.drawString(LEFT + 60 * mm, top - 12 * mm, loc)
    c.setFont(f, 8.5)
    c.drawString(LEFT + 2 * mm, top - 17.5 * mm, f"保険期間 {line.period}")
    c.drawString(LEFT + 120 * mm, top - 17.5 * mm, f"払込方法 {line.payment_mode}")
    c.setFont(f, 10)
    c.drawString(LEFT + 2 * mm, top - 24 * mm, f"証明額 {yen(line.certified)}")
    c.drawString(LEFT + 60 * mm, top - 24 * mm, f"申告額 {yen(line.declared)}")
    return top - height - 3 * mm


CREATOR = "つなぐ"


def metadata(doc_type: str, *, number: str = "", count: int = 1, insurer: str = "") -> dict[str, str]:
    """The PDF's document information, in Japanese: Title (the document type with, for a single
    document, its number; a print file says how many it holds), Author (the insurer), Subject (the
    document type), Creator (this system). ReportLab's defaults were "untitled"/"anonymous"/"unspecified"."""
    if number:
        title = f"{doc_type} {number}"
    elif count > 1:
        title = f"{doc_type}(印刷用 {count:,}通)"
    else:
        title = doc_type
    return {
        "title": title,
        "author": insurer or CREATOR,
        "subject": doc_type,
        "creator": CREATOR,
        "producer": f"{CREATOR}(ReportLab)",
        "keywords": ", ".join(part for part in (doc_type, insurer) if part),
    }


def render(sheets: Sequence[Sheet], font: RegisteredFont, *, title: str = "地震保険料控除証明書") -> bytes:
    """One PDF holding the sheets in order (each sheet starts on a new page). `title` is the
    document type (e.g. 地震保険料控除証明書, 契約内容のお知らせ, 保険証券(再発行))."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True, pageCompression=1)
    info = metadata(
        title,
        number=str(getattr(sheets[0], "document_number", "")) if len(sheets) == 1 else "",
        count=len(sheets),
        insurer=str(getattr(sheets[0], "insurer_name", "")) if sheets else "",
    )
    c.setTitle(info["title"])
    c.setAuthor(info["author"])
    c.setSubject(info["subject"])
    c.setCreator(info["creator"])
    c.setProducer(info["producer"])
    c.setKeywords(info["keywords"])
    for sheet in sheets:
        sheet.draw(c, font)
    c.save()
    return buf.getvalue()


def sheet_period(start_text: str, end_text: str) -> str:
    return f"{start_text} 〜 {end_text}"


__all__ = [
    "CertificateLine",
    "CertificateSheet",
    "Sheet",
    "draw_recipient",
    "fit",
    "render",
    "sheet_period",
    "wareki_date",
]
