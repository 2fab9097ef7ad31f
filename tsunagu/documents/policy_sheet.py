"""The reissued policy document (保険証券, 再発行) as drawn on A4. No Django: plain data in, PDF out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import RegisteredFont
from .formatting import yen
from .pdf import LEFT, PAGE_H, PAGE_W, RIGHT, draw_recipient, fit

COVERAGE_ROWS_FIRST_PAGE = 14


@dataclass(frozen=True)
class CoverageRow:
    name: str
    sum_insured: int | None
    premium: int
    is_earthquake: bool = False


@dataclass(frozen=True)
class PolicySheet:
    document_number: str
    insurer_name: str
    policy_number: str
    product_name: str
    line: str
    holder_name: str
    postal_code: str
    address: str
    insured: tuple[str, ...]  # "氏名(続柄)"
    period: str
    term_years: int
    coverages: tuple[CoverageRow, ...]
    annual_premium: int
    payment: str  # 払込方法・回数
    agency: str  # name and code, or ダイレクト
    reissue_label: str  # 再発行(2回目) 2026年10月15日
    issue_date_text: str
    insured_object: str = ""  # building/vehicle line, optional
    status: str = ""

    def texts(self) -> Iterator[str]:
        yield from (self.document_number, self.insurer_name, self.policy_number, self.product_name, self.line)
        yield from (self.holder_name, self.postal_code, self.address, self.period, self.payment, self.agency)
        yield from (self.reissue_label, self.issue_date_text, self.insured_object, self.status)
        yield from self.insured
        yield from (row.name for row in self.coverages)

    @property
    def page_count(self) -> int:
        extra = max(0, len(self.coverages) - COVERAGE_ROWS_FIRST_PAGE)
        return 1 + -(-extra // 40)

    def draw(self, c: Canvas, font: RegisteredFont) -> None:
        f = font.name
        y = draw_recipient(
            c,
            f,
            postal_code=self.postal_code,
            address=self.address,
            name=self.holder_name,
            number_label=f"帳票番号 {self.document_number}",
        )
        c.setFont(f, 18)
        c.drawCentredString(PAGE_W / 2, y, "保 険 証 券")
        c.setFont(f, 10)
        c.drawRightString(RIGHT, y, self.reissue_label)
        y -= 8 * mm
        c.setFont(f, 9)
        c.drawString(LEFT, y, "本証券は再発行したものです。以前に発行した証券は無効となります。")
        c.drawRightString(RIGHT, y, self.insurer_name)
        y -= 9 * mm
        rows: list[tuple[str, str]] = [
            ("証券番号", self.policy_number),
            ("保険種類", f"{self.product_name}({self.line})"),
            ("契約者", self.holder_name),
            ("被保険者", "、".join(self.insured) or "契約者と同じ"),
            ("保険期間", f"{self.period}({self.term_years}年)"),
            ("払込方法", self.payment),
            ("年間保険料", yen(self.annual_premium)),
            ("取扱代理店", self.agency),
        ]
        if self.insured_object:
            rows.append(("保険の対象", self.insured_object))
        if self.status:
            rows.append(("契約の状態", self.status))
        c.setLineWidth(0.6)
        for label, value in rows:
            c.rect(LEFT, y - 7 * mm, RIGHT - LEFT, 7 * mm)
            c.line(LEFT + 32 * mm, y, LEFT + 32 * mm, y - 7 * mm)
            c.setFont(f, 9)
            c.drawString(LEFT + 2 * mm, y - 5 * mm, label)
            c.setFont(f, fit(c, value, f, 9.5, RIGHT - LEFT - 36 * mm))
            c.drawString(LEFT + 34 * mm, y - 5 * mm, value)
            y -= 7 * mm
        y -= 6 * mm
        c.setFont(f, 11)
        c.drawString(LEFT, y, "補償内容")
        y -= 3 * mm
        y = self._coverage_header(c, f, y)
        for index, row in enumerate(self.coverages):
            if index >= COVERAGE_ROWS_FIRST_PAGE and (index - COVERAGE_ROWS_FIRST_PAGE) % 40 == 0:
                c.showPage()
                y = self._coverage_header(c, f, PAGE_H - 20 * mm)
            name = row.name + ("(地震保険)" if row.is_earthquake and "地震" not in row.name else "")
            c.setFont(f, fit(c, name, f, 9, 95 * mm))
            c.drawString(LEFT + 2 * mm, y - 5 * mm, name)
            c.setFont(f, 9)
            c.drawRightString(LEFT + 140 * mm, y - 5 * mm, yen(row.sum_insured) if row.sum_insured else "—")
            c.drawRightString(RIGHT - 2 * mm, y - 5 * mm, yen(row.premium))
            c.line(LEFT, y - 7 * mm, RIGHT, y - 7 * mm)
            y -= 7 * mm
        y -= 8 * mm
        c.setFont(f, 8.5)
        for note in (
            f"再発行日 {self.issue_date_text}。記載内容は再発行日現在のご契約内容です。",
            "ご契約内容に変更がある場合は、取扱代理店またはコールセンターまでご連絡ください。",
        ):
            c.drawString(LEFT, y, note)
            y -= 4.5 * mm
        c.showPage()

    @staticmethod
    def _coverage_header(c: Canvas, f: str, y: float) -> float:
        c.setFont(f, 9)
        c.rect(LEFT, y - 7 * mm, RIGHT - LEFT, 7 * mm)
        c.drawString(LEFT + 2 * mm, y - 5 * mm, "補償")
        c.drawRightString(LEFT + 140 * mm, y - 5 * mm, "保険金額")
        c.drawRightString(RIGHT - 2 * mm, y - 5 * mm, "保険料")
        return y - 7 * mm
