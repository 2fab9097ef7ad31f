"""A report as a file: XLSX through documents.xlsx, PDF through documents.pdf (a table sheet drawn
with the embedded Japanese font, A4, the rows split over pages)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tsunagu.documents import pdf
from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import RegisteredFont, register_font
from tsunagu.documents.xlsx import xlsx

from .reports import Report

ROWS_PER_PAGE = 38
FONT_SIZE = 8


def report_xlsx(report: Report) -> bytes:
    header: list[object] = list(report.columns)
    rows: list[list[object]] = [[report.title], [report.subtitle], [], header, *report.rows]
    if report.note:
        rows += [[], [report.note]]
    return xlsx(rows, sheet_name=report.title[:31])


@dataclass(frozen=True)
class TableSheet:
    report: Report
    printed_at: str

    @property
    def document_number(self) -> str:
        return ""

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.report.rows) // ROWS_PER_PAGE))

    def texts(self) -> Iterator[str]:
        yield from (self.report.title, self.report.subtitle, self.report.note, *self.report.columns)
        for row in self.report.rows:
            yield from (str(v) for v in row)

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        width = pdf.RIGHT - pdf.LEFT
        column = width / max(1, len(self.report.columns))
        for page in range(self.page_count):
            top = pdf.PAGE_H - 20 * mm
            c.setFont(font.name, 13)
            c.drawString(pdf.LEFT, top, self.report.title)
            c.setFont(font.name, 9)
            c.drawString(
                pdf.LEFT,
                top - 6 * mm,
                f"{self.report.subtitle}  (出力 {self.printed_at}、{page + 1}/{self.page_count})",
            )
            y = top - 14 * mm
            c.setFont(font.name, FONT_SIZE)
            for i, header in enumerate(self.report.columns):
                c.drawString(pdf.LEFT + i * column, y, self._fit(c, font, header, column))
            c.line(pdf.LEFT, y - 1.5 * mm, pdf.RIGHT, y - 1.5 * mm)
            y -= 5.5 * mm
            for row in self.report.rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]:
                for i, value in enumerate(row):
                    text = f"{value:,}" if isinstance(value, int) else str(value)
                    c.drawString(pdf.LEFT + i * column, y, self._fit(c, font, text, column))
                y -= 5.5 * mm
            if page == self.page_count - 1 and self.report.note:
                c.drawString(pdf.LEFT, y - 3 * mm, self._fit(c, font, self.report.note, width))
            c.showPage()

    @staticmethod
    def _fit(c: Canvas, font: RegisteredFont, text: str, width: float) -> str:
        """Cut the text to the column (with …) instead of running into the next one."""
        limit = width - 2 * mm
        if c.stringWidth(text, font.name, FONT_SIZE) <= limit:
            return text
        while text and c.stringWidth(text + "…", font.name, FONT_SIZE) > limit:
            text = text[:-1]
        return text + "…"


def report_pdf(report: Report, printed_at: str) -> bytes:
    font = register_font(font_dir())
    return pdf.render([TableSheet(report, printed_at)], font, title=report.title)
