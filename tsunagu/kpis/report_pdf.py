"""The 「お客さま本位の業務運営に関する取組状況」 PDF, drawn from a report's content (the frozen JSON of
a published version, or the draft's) with the documents app's embedded Japanese font and renderer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tsunagu.documents import pdf
from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import RegisteredFont, register_font

TITLE = "お客さま本位の業務運営に関する取組状況"
BODY = 9.5
LINE = 5.2 * mm
BOTTOM = 20 * mm


def _wrap(c: Canvas, text: str, font: str, size: float, width: float) -> Iterator[str]:
    """Japanese text broken into lines that fit (by character; existing line breaks kept)."""
    for paragraph in (text or "").splitlines() or [""]:
        line = ""
        for char in paragraph:
            if c.stringWidth(line + char, font, size) > width:
                yield line
                line = char
            else:
                line += char
        yield line


def _cut(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True)
class ReportSheet:
    content: dict[str, Any]
    version: int | None

    @property
    def document_number(self) -> str:
        agency = self.content.get("agency", {})
        return f"{agency.get('code', '')} {self.content.get('fiscal_year', '')}年度"

    @property
    def page_count(self) -> int:
        return 1  # the sheet breaks its own pages while drawing

    def texts(self) -> Iterator[str]:
        yield TITLE
        for key in ("principles", "measures", "comments"):
            yield str(self.content.get(key, ""))
        for row in self.content.get("table", []):
            yield row["name"]

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        f = font.name
        width = pdf.RIGHT - pdf.LEFT
        y = pdf.PAGE_H - 22 * mm

        def newline(step: float = LINE) -> None:
            nonlocal y
            y -= step
            if y < BOTTOM:
                c.showPage()
                y = pdf.PAGE_H - 20 * mm
                c.setFont(f, BODY)

        agency = self.content.get("agency", {})
        c.setFont(f, 15)
        c.drawString(pdf.LEFT, y, TITLE)
        newline(8 * mm)
        c.setFont(f, 11)
        status = f"第{self.version}版" if self.version else "作成中(未公表)"
        c.drawString(pdf.LEFT, y, f"{agency.get('name', '')}  {self.content.get('fiscal_year')}年度  {status}")
        newline(10 * mm)
        for heading, key in (("1. 取組方針", "principles"), ("2. 主な取組", "measures")):
            c.setFont(f, 12)
            c.drawString(pdf.LEFT, y, heading)
            newline()
            c.setFont(f, BODY)
            for line in _wrap(c, str(self.content.get(key, "")) or "(記載なし)", f, BODY, width):
                c.drawString(pdf.LEFT + 4 * mm, y, line)
                newline()
            newline(3 * mm)
        c.setFont(f, 12)
        c.drawString(pdf.LEFT, y, "3. 成果指標(KPI) 目標と実績")
        newline()
        years = self.content.get("years", [])
        name_w = 62 * mm
        col = (width - name_w) / max(1, len(years))
        c.setFont(f, 8)
        for i, year in enumerate(years):
            c.drawString(pdf.LEFT + name_w + i * col, y, f"{year}年度 目標/実績")
        c.line(pdf.LEFT, y - 1.5 * mm, pdf.RIGHT, y - 1.5 * mm)
        newline()
        for row in self.content.get("table", []):
            c.setFont(f, 8)
            c.drawString(pdf.LEFT, y, _cut(c, row["name"], f, 8, name_w - 2 * mm))
            for i, cell in enumerate(row["cells"]):
                c.drawString(pdf.LEFT + name_w + i * col, y, f"{cell['target_display']} / {cell['display']}")
            newline(4.6 * mm)
        newline(3 * mm)
        c.setFont(f, 12)
        c.drawString(pdf.LEFT, y, "4. 振り返り(コメント)")
        newline()
        c.setFont(f, BODY)
        for line in _wrap(c, str(self.content.get("comments", "")) or "(記載なし)", f, BODY, width):
            c.drawString(pdf.LEFT + 4 * mm, y, line)
            newline()
        c.showPage()


def render(content: dict[str, Any], *, version: int | None) -> bytes:
    font = register_font(font_dir())
    return pdf.render([ReportSheet(content, version)], font, title=TITLE)
