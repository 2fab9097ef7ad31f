"""Server-rendered SVG charts of the 解約防止分析 (the project's chart approach, surveys/charts.py): no
JavaScript, no library; each `<svg role="img">` has a Japanese title and the table with the same
figures is printed beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
RETAINED, CANCELLED, OTHER = "#2e7d32", "#c62828", "#9e9e9e"
TEXT, GRID = "#333333", "#dddddd"


def _svg(title: str, body: list[str], height: int = HEIGHT) -> SafeString:
    label = escape(title)
    return mark_safe(  # every text inside is escaped where the body was built
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{label}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text class="chart-label" font-size="{size}" fill="{TEXT}" x="{x:.1f}" y="{y:.1f}" '
        f'text-anchor="{anchor}">{escape(content)}</text>'
    )


def monthly_outcomes(months: Sequence[tuple[str, int, int, int]], *, title: str = "月別の解約申出と結果") -> SafeString:
    """Stacked bars per month: (label, retained, cancelled, undecided)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max((r + c + u for _, r, c, u in months), default=0) or 1
    slot = plot_w / max(len(months), 1)
    base = TOP + plot_h
    body = [f'<line stroke="{TEXT}" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>']
    body.append(_text(LEFT - 4, TOP + 4, f"{top:,}", anchor="end"))
    for i, (label, retained, cancelled, undecided) in enumerate(months):
        x = LEFT + i * slot + slot * 0.15
        y: float = base
        for value, colour, name in (
            (retained, RETAINED, "継続"),
            (cancelled, CANCELLED, "解約"),
            (undecided, OTHER, "未定"),
        ):
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="chart-bar" fill="{colour}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)} {name}: {value:,}件</title></rect>'
            )
        body.append(_text(LEFT + i * slot + slot / 2, base + 16, label[2:] if len(months) > 8 else label, size=10))
    body.append(_text(LEFT, HEIGHT - 6, "緑: 継続(条件変更含む) / 赤: 解約 / 灰: 未定", anchor="start"))
    return _svg(title, body)


def rate_bars(items: Sequence[tuple[str, float | None, int]], *, title: str) -> SafeString:
    """Horizontal bars of a rate (0–100%) per label, with the number of requests: (label, rate, n)."""
    row_h = 22
    height = TOP + row_h * max(len(items), 1) + 24
    label_w = 200
    plot_w = WIDTH - label_w - 80
    body = []
    for i, (label, value, n) in enumerate(items):
        y = TOP + i * row_h
        body.append(_text(label_w - 6, y + 14, label[:18], anchor="end"))
        width = plot_w * (value or 0)
        body.append(
            f'<rect class="chart-bar" fill="{RETAINED}" x="{label_w}" y="{y + 3}" width="{width:.1f}" '
            f'height="{row_h - 8}">'
            f"<title>{escape(label)}: {'—' if value is None else f'{value * 100:.1f}%'}({n:,}件)</title></rect>"
        )
        shown = "—" if value is None else f"{value * 100:.1f}%"
        body.append(_text(label_w + width + 4, y + 14, f"{shown}({n:,}件)", anchor="start", size=10))
    return _svg(title, body, height=height)
