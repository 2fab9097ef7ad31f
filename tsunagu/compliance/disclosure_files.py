"""The disclosure as files: JSON (machine-readable) and a PDF for the person, every table's rows as
「項目: 値」 lines wrapped over pages with the embedded Japanese font."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tsunagu.documents import pdf
from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import RegisteredFont, register_font

from .breach_report import wrap
from .disclosure import Disclosure

SIZE = 8
LEADING = 4.2 * mm
BOTTOM = 18 * mm


def shown(value: Any) -> str:
    """A value as the person reads it: はい/いいえ for yes/no, a score to three places, a list of reasons as
    their texts, an object as 「項目: 値」 without the search keys (`*_key`) the matcher derived from it;
    never Python's repr. The JSON file keeps every value as stored."""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list) and value and all(isinstance(v, dict) and "text" in v for v in value):
        return "、".join(str(v["text"]) for v in value)
    if isinstance(value, dict):
        return "、".join(
            f"{k}: {shown(v)}" for k, v in value.items() if not str(k).endswith("_key") and v not in ("", None)
        )
    if isinstance(value, list):
        return "、".join(shown(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class DisclosureSheet:
    disclosure: Disclosure

    @property
    def document_number(self) -> str:
        return self.disclosure.customer_number

    @property
    def page_count(self) -> int:
        return 1

    def lines(self) -> Iterator[tuple[str, float]]:
        """(text, size) in reading order: a heading per table, then each row's fields under their
        Japanese names (internal ids and keys are in the JSON only)."""
        for section in self.disclosure.sections:
            yield f"■ {section.title}({len(section.rows)}件{'、上限で打ち切り' if section.truncated else ''})", 10
            for i, row in enumerate(section.rows, start=1):
                yield f"[{i}]", SIZE
                for label, value in row.items():
                    if label in section.internal or value is None or value in ("", [], {}):
                        continue
                    yield f"  {label}: {shown(value)}", SIZE
            yield "", SIZE

    def texts(self) -> Iterator[str]:
        yield from (text for text, _ in self.lines())

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        width = pdf.RIGHT - pdf.LEFT
        y = self._top(c, font, first=True)
        for text, size in self.lines():
            for line in wrap(text, font.name, size, width):
                if y < BOTTOM:
                    c.showPage()
                    y = self._top(c, font, first=False)
                c.setFont(font.name, size)
                c.drawString(pdf.LEFT, y, line)
                y -= LEADING if size == SIZE else LEADING * 1.4
        c.showPage()

    def _top(self, c: Canvas, font: RegisteredFont, *, first: bool) -> float:
        d = self.disclosure
        top = pdf.PAGE_H - 18 * mm
        c.setFont(font.name, 13 if first else 9)
        c.drawString(pdf.LEFT, top, "保有個人データの開示" + ("" if first else "(続き)"))
        c.setFont(font.name, 8)
        made = timezone.localtime(d.generated_at)
        c.drawString(pdf.LEFT, top - 6 * mm, f"{d.customer_number} {d.customer_name} 様  作成 {made:%Y/%m/%d %H:%M}")
        return top - 13 * mm


def disclosure_pdf(disclosure: Disclosure) -> bytes:
    font = register_font(font_dir())
    return pdf.render([DisclosureSheet(disclosure)], font, title="保有個人データの開示")
