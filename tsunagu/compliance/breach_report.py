"""The breach report as a PDF: the facts that decide reportability, the clocks, and the nine report
items in the order of the PPC / FSA form, with long answers wrapped over lines and pages. Counts
only: no affected person is named in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from tsunagu.documents import pdf
from tsunagu.documents.config import font_dir
from tsunagu.documents.fonts import RegisteredFont, register_font

from . import breach
from .breach_selectors import IncidentView

SIZE = 9
LEADING = 5 * mm
LABEL_WIDTH = 52 * mm
BOTTOM = 20 * mm


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Japanese text breaks between any two characters; kept newlines start new lines."""
    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def _ymd(value: object) -> str:
    return value.strftime("%Y/%m/%d") if value else "—"  # type: ignore[attr-defined]


def items(view: IncidentView) -> list[tuple[str, str]]:
    incident = view.incident
    values = {
        "summary": incident.summary,
        "data_items": incident.data_items,
        "persons": (f"{view.persons_effective:,}人(特定済み {view.persons:,}人、本人通知済み {view.notified:,}人)"),
        "cause": f"{incident.get_cause_kind_display()}\n{incident.cause}".strip(),
        "secondary_damage": incident.secondary_damage,
        "action_to_persons": incident.action_to_persons,
        "publication": incident.publication,
        "prevention": incident.prevention,
        "other": incident.other,
    }
    return [(label, values[key] or "(未記入)") for key, label in breach.REPORT_ITEMS]


@dataclass(frozen=True)
class BreachSheet:
    view: IncidentView
    printed_at: str

    @property
    def document_number(self) -> str:
        return self.view.incident.number

    @property
    def page_count(self) -> int:
        return 1  # drawn pages follow the text; this sheet is one document

    def header(self) -> list[tuple[str, str]]:
        incident, view = self.view.incident, self.view
        reportable = "、".join(view.reasons) if view.reasons else "個人情報保護法上の報告対象外(金融分野の報告は必要)"
        clocks = " / ".join(
            f"{c.label}: 期限 {_ymd(c.due)}・{c.state_label}" + (f"({_ymd(c.done_on)}報告)" if c.done_on else "")
            for c in view.clocks
        )
        return [
            ("管理番号・件名", f"{incident.number} {incident.title}"),
            ("認識日", _ymd(incident.aware_on)),
            ("発生期間", f"{_ymd(incident.occurred_from)} 〜 {_ymd(incident.occurred_to)}"),
            ("報告対象の判定", reportable),
            ("報告の期限", clocks),
        ]

    def texts(self) -> Iterator[str]:
        for label, value in (*self.header(), *items(self.view)):
            yield label
            yield value

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        value_width = pdf.RIGHT - pdf.LEFT - LABEL_WIDTH
        y = self._page_top(c, font, first=True)
        for label, value in (*self.header(), *items(self.view)):
            label_lines = wrap(label, font.name, SIZE, LABEL_WIDTH - 3 * mm)
            value_lines = wrap(value, font.name, SIZE, value_width)
            for i in range(max(len(label_lines), len(value_lines))):
                if y < BOTTOM:
                    c.showPage()
                    y = self._page_top(c, font, first=False)
                c.setFont(font.name, SIZE)
                if i < len(label_lines):
                    c.drawString(pdf.LEFT, y, label_lines[i])
                if i < len(value_lines):
                    c.drawString(pdf.LEFT + LABEL_WIDTH, y, value_lines[i])
                y -= LEADING
            c.line(pdf.LEFT, y + 2 * mm, pdf.RIGHT, y + 2 * mm)
            y -= 2 * mm
        c.showPage()

    def _page_top(self, c: Canvas, font: RegisteredFont, *, first: bool) -> float:
        top = pdf.PAGE_H - 20 * mm
        c.setFont(font.name, 13 if first else 10)
        c.drawString(pdf.LEFT, top, "個人データの漏えい等の報告(事案の記録)" + ("" if first else "(続き)"))
        c.setFont(font.name, 8)
        c.drawString(pdf.LEFT, top - 6 * mm, f"{self.view.incident.number}  出力 {self.printed_at}")
        return top - 14 * mm


def incident_pdf(view: IncidentView, *, printed_at: str) -> bytes:
    font = register_font(font_dir())
    return pdf.render([BreachSheet(view, printed_at)], font, title="個人データの漏えい等の報告")
