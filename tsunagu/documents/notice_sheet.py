"""契約内容のお知らせ (annual contract notice for long-term policies) as drawn on A4. No Django."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import RegisteredFont
from .formatting import yen
from .pdf import LEFT, PAGE_W, RIGHT, draw_recipient, fit

# The change triggers the customer is asked to check (shared/domain §f), key → label and hint.
CHANGE_TRIGGERS: dict[str, tuple[str, str]] = {
    "moved": ("転居", "ご住所・保険の対象の所在地が変わった"),
    "name": ("氏名変更", "ご結婚などで契約者・被保険者のお名前が変わった"),
    "extension": ("増改築", "建物を増築・改築・一部取り壊しした"),
    "use": ("用途変更", "住宅を店舗・事務所などに使うようになった(またはその逆)"),
    "vacant": ("空き家", "建物に人が住まなくなった・長期間不在になる"),
    "no_earthquake": (
        "地震保険未付帯",
        "地震保険が付いていない(地震・噴火・津波による損害は火災保険では補償されません)",
    ),
    "mortgage": ("住宅ローン完済", "質権設定・ローンを完済した"),
    "other": ("その他", "上記以外にご契約内容と異なる点がある"),
}

HOW_TO_REPORT = (
    "変更がある場合は、同封のはがきの「変更あり」に印を付けてご返送いただくか、",
    "取扱代理店またはコールセンターまでご連絡ください。変更がない場合はご返送不要です。",
)


@dataclass(frozen=True)
class NoticeCoverage:
    name: str
    sum_insured: int | None


@dataclass(frozen=True)
class NoticeSheet:
    document_number: str
    insurer_name: str
    holder_name: str
    postal_code: str
    address: str
    issue_date_text: str
    policy_number: str
    product_name: str
    period: str
    anniversary_text: str  # 応当日 and the policy year, e.g. 2026年5月1日(3年目)
    coverages: tuple[NoticeCoverage, ...]
    annual_premium: int
    payment: str
    location: str
    building_use: str
    has_earthquake: bool
    agency: str

    def texts(self) -> Iterator[str]:
        yield from (self.document_number, self.insurer_name, self.holder_name, self.postal_code, self.address)
        yield from (self.issue_date_text, self.policy_number, self.product_name, self.period)
        yield from (self.anniversary_text, self.payment, self.location, self.building_use, self.agency)
        yield from (c.name for c in self.coverages)

    @property
    def page_count(self) -> int:
        return 1

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
        c.setFont(f, 17)
        c.drawCentredString(PAGE_W / 2, y, "契約内容のお知らせ")
        y -= 7 * mm
        c.setFont(f, 9)
        c.drawRightString(RIGHT, y, f"{self.issue_date_text} {self.insurer_name}")
        y -= 6 * mm
        c.setFont(f, 9.5)
        c.drawString(LEFT, y, "長期契約のお客さまに、毎年ご契約内容をお知らせしています。内容をご確認ください。")
        y -= 8 * mm
        rows = [
            ("証券番号", self.policy_number),
            ("保険種類", self.product_name),
            ("保険期間", self.period),
            ("応当日", self.anniversary_text),
            ("保険の対象の所在地", self.location or "—"),
            ("建物の用途", self.building_use or "—"),
            ("年間保険料", f"{yen(self.annual_premium)}({self.payment})"),
            ("地震保険", "付帯あり" if self.has_earthquake else "付帯なし"),
            ("取扱代理店", self.agency),
        ]
        c.setLineWidth(0.6)
        for label, value in rows:
            c.rect(LEFT, y - 6.5 * mm, RIGHT - LEFT, 6.5 * mm)
            c.line(LEFT + 36 * mm, y, LEFT + 36 * mm, y - 6.5 * mm)
            c.setFont(f, 8.5)
            c.drawString(LEFT + 2 * mm, y - 4.6 * mm, label)
            c.setFont(f, fit(c, value, f, 9, RIGHT - LEFT - 40 * mm))
            c.drawString(LEFT + 38 * mm, y - 4.6 * mm, value)
            y -= 6.5 * mm
        y -= 3 * mm
        c.setFont(f, 8.5)
        for coverage in self.coverages[:8]:
            amount = yen(coverage.sum_insured) if coverage.sum_insured else "—"
            c.drawString(LEFT + 2 * mm, y, f"・{coverage.name} 保険金額 {amount}")
            y -= 4.5 * mm
        if len(self.coverages) > 8:
            c.drawString(LEFT + 2 * mm, y, f"ほか{len(self.coverages) - 8}件の補償")
            y -= 4.5 * mm
        y -= 4 * mm
        c.setFont(f, 11)
        c.drawString(LEFT, y, "ご確認いただきたいこと(該当するものはありませんか)")
        y -= 6 * mm
        for key, (label, hint) in CHANGE_TRIGGERS.items():
            mark = "■" if key == "no_earthquake" and not self.has_earthquake else "□"
            c.setFont(f, 9)
            c.drawString(LEFT + 2 * mm, y, f"{mark} {label}")
            c.setFont(f, 8.5)
            c.drawString(LEFT + 32 * mm, y, hint)
            y -= 5.2 * mm
        if not self.has_earthquake:
            y -= 1 * mm
            c.setFont(f, 9)
            c.drawString(LEFT, y, "このご契約には地震保険が付いていません。ご検討の際は取扱代理店までご相談ください。")
            y -= 5 * mm
        y -= 4 * mm
        c.setFont(f, 11)
        c.drawString(LEFT, y, "変更があるときのご連絡方法")
        y -= 6 * mm
        c.setFont(f, 9)
        for line in HOW_TO_REPORT:
            c.drawString(LEFT + 2 * mm, y, line)
            y -= 5 * mm
        c.drawString(LEFT + 2 * mm, y, f"取扱代理店: {self.agency}")
        c.showPage()
