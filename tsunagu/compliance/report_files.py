"""A report as a file: XLSX through documents.xlsx (counts as numbers, the header row bold and frozen),
PDF through documents.pdf (a table sheet drawn with the embedded Japanese font, A4, column widths from
the content, long cells wrapped over lines, the rows split over pages)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from tsunagu.documents import pdf
from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import RegisteredFont, register_font
from tsunagu.documents.xlsx import xlsx

from .breach_report import wrap
from .reports import Report

FONT_SIZE = 8
LINE = 4 * mm  # one line of a cell
ROW_GAP = 1.5 * mm  # between two rows
PAD = 2 * mm  # right padding of a column
TABLE_TOP = pdf.PAGE_H - 34 * mm
TABLE_BOTTOM = 18 * mm
HEADER_ROW = 4  # title, subtitle, a blank row, then the column headers


def report_xlsx(report: Report) -> bytes:
    header: list[object] = list(report.columns)
    rows: list[list[object]] = [[report.title], [report.subtitle], [], header, *report.rows]
    if report.note:
        rows += [[], [report.note]]
    return xlsx(rows, sheet_name=report.title[:31], header_row=HEADER_ROW, numbers=True)


def cell_text(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def column_widths(natural: Sequence[float], total: float) -> list[float]:
    """Widths from the content: every column gets its natural width when they all fit (the rest of
    the line shared out in proportion); otherwise the narrow columns keep theirs and the wide ones
    share what is left equally (their cells wrap), so no column is squeezed to nothing."""
    if not natural:
        return []
    if sum(natural) <= total:
        extra = (total - sum(natural)) / len(natural)
        return [w + extra for w in natural]
    widths = list(natural)
    wide = set(range(len(natural)))
    while wide:
        share = (total - sum(widths[i] for i in range(len(widths)) if i not in wide)) / len(wide)
        narrow = {i for i in wide if natural[i] <= share}
        if not narrow:
            for i in wide:
                widths[i] = share
            break
        wide -= narrow
    return widths


@dataclass(frozen=True)
class TableSheet:
    report: Report
    printed_at: str

    @property
    def document_number(self) -> str:
        return ""

    @cached_property
    def _font(self) -> str:
        return register_font(font_dir()).name

    def _width(self, text: str) -> float:
        return stringWidth(text, self._font, FONT_SIZE)

    @cached_property
    def numeric(self) -> list[bool]:
        """Columns of counts (right-aligned)."""
        counts = [bool(self.report.rows)] * len(self.report.columns)
        for row in self.report.rows:
            for i, value in enumerate(row[: len(counts)]):
                counts[i] = counts[i] and isinstance(value, int | float) and not isinstance(value, bool)
        return counts

    @cached_property
    def widths(self) -> list[float]:
        columns = self.report.columns
        natural = [self._width(h) + PAD for h in columns]
        for row in self.report.rows:
            for i, value in enumerate(row[: len(columns)]):
                natural[i] = max(natural[i], self._width(cell_text(value)) + PAD)
        return column_widths(natural, pdf.RIGHT - pdf.LEFT)

    def _lines(self, row: Sequence[object]) -> list[list[str]]:
        return [wrap(cell_text(v), self._font, FONT_SIZE, w - PAD) for v, w in zip(row, self.widths, strict=False)]

    @cached_property
    def pages(self) -> list[list[list[list[str]]]]:
        """Rows (each a list of cells, each a list of lines) per page, paged by their height."""
        pages: list[list[list[list[str]]]] = [[]]
        header = max((len(c) for c in self._lines(self.report.columns)), default=1) * LINE + ROW_GAP
        room = TABLE_TOP - TABLE_BOTTOM - header
        used = 0.0
        for row in self.report.rows:
            cells = self._lines(row)
            height = max((len(c) for c in cells), default=1) * LINE + ROW_GAP
            if pages[-1] and used + height > room:
                pages.append([])
                used = 0.0
            pages[-1].append(cells)
            used += height
        return pages

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def texts(self) -> Iterator[str]:
        yield from (self.report.title, self.report.subtitle, self.report.note, *self.report.columns)
        for row in self.report.rows:
            yield from (cell_text(v) for v in row)

    def _draw_row(self, c: Canvas, y: float, cells: list[list[str]], numeric: Sequence[bool]) -> float:
        x = pdf.LEFT
        for i, (lines, width) in enumerate(zip(cells, self.widths, strict=False)):
            for n, line in enumerate(lines):
                if i < len(numeric) and numeric[i]:
                    c.drawRightString(x + width - PAD, y - n * LINE, line)
                else:
                    c.drawString(x, y - n * LINE, line)
            x += width
        return y - max((len(lines) for lines in cells), default=1) * LINE - ROW_GAP

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        header = self._lines(self.report.columns)
        for number, rows in enumerate(self.pages, start=1):
            top = pdf.PAGE_H - 20 * mm
            c.setFont(font.name, 13)
            c.drawString(pdf.LEFT, top, self.report.title)
            c.setFont(font.name, 9)
            c.drawString(
                pdf.LEFT, top - 6 * mm, f"{self.report.subtitle}  (出力 {self.printed_at}、{number}/{self.page_count})"
            )
            c.setFont(font.name, FONT_SIZE)
            y = self._draw_row(c, TABLE_TOP, header, [])
            c.line(pdf.LEFT, y + ROW_GAP - 0.5 * mm, pdf.RIGHT, y + ROW_GAP - 0.5 * mm)
            y -= 1 * mm
            for cells in rows:
                y = self._draw_row(c, y, cells, self.numeric)
            if number == self.page_count and self.report.note:
                for line in wrap(self.report.note, font.name, FONT_SIZE, pdf.RIGHT - pdf.LEFT):
                    y -= LINE
                    if y < TABLE_BOTTOM - 8 * mm:
                        break
                    c.drawString(pdf.LEFT, y, line)
            c.showPage()


def report_pdf(report: Report, printed_at: str) -> bytes:
    font = register_font(font_dir())
    return pdf.render([TableSheet(report, printed_at)], font, title=report.title)
