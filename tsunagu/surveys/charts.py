"""Server-rendered SVG charts for the results dashboard: no JavaScript, no chart library, no CDN.

Each chart is a small `<svg role="img">` with a Japanese `<title>`/`aria-label`; the dashboard prints
the same figures in a table beside it, so the chart is never the only way to read a number.
Colours are presentation attributes (no stylesheet needed); the classes name the parts for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 220
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
BAND_COLOURS = {"promoter": "#2e7d32", "passive": "#9e9e9e", "detractor": "#c62828"}
LINE = "#1565c0"
GRID = "#dddddd"
TEXT = "#333333"


def _svg(title: str, body: list[str], height: int = HEIGHT) -> SafeString:
    label = escape(title)
    # every text inside is escaped here or where the body was built
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{label}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{"".join(body)}</svg>'
    )


def nps_distribution(counts: Sequence[tuple[int, int]], *, title: str = "推奨度(0〜10)の分布") -> SafeString:
    """Bars for the answers 0–10, coloured as detractors (0–6), passives (7–8), promoters (9–10)."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = max((n for _, n in counts), default=0) or 1
    slot = plot_w / max(len(counts), 1)
    baseline = MARGIN_TOP + plot_h
    body = [_line("chart-axis", TEXT, MARGIN_LEFT, baseline, WIDTH - MARGIN_RIGHT, baseline)]
    for index, (score, n) in enumerate(counts):
        bar_h = plot_h * n / top
        x = MARGIN_LEFT + index * slot + slot * 0.15
        y = baseline - bar_h
        band = "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"
        body.append(
            f'<rect class="chart-{band}" fill="{BAND_COLOURS[band]}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}"><title>{score}点: {n:,}件</title></rect>'
        )
        centre = MARGIN_LEFT + index * slot + slot / 2
        body.append(_text(centre, baseline + 16, str(score)))
        if n:
            body.append(_text(centre, y - 3, f"{n:,}", css="chart-value"))
    body.append(_text(MARGIN_LEFT, HEIGHT - 6, "批判者 0〜6 / 中立者 7〜8 / 推奨者 9〜10", anchor="start"))
    return _svg(title, body)


def _text(x: float, y: float, content: str, *, anchor: str = "middle", css: str = "chart-label") -> str:
    size = 10 if css == "chart-value" else 11
    return (
        f'<text class="{css}" font-size="{size}" fill="{TEXT}" x="{x:.1f}" y="{y:.1f}" '
        f'text-anchor="{anchor}">{content}</text>'
    )


def _line(css: str, colour: str, x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line class="{css}" stroke="{colour}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'


@dataclass(frozen=True)
class Point:
    label: str  # the month, 2026/04
    value: float | None  # None: suppressed (回答数不足), drawn as a gap


def trend(points: Sequence[Point], *, title: str, low: float = -100, high: float = 100) -> SafeString:
    """A monthly line on a fixed scale (NPS −100..100); suppressed months break the line."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    span = (high - low) or 1
    step = plot_w / max(len(points) - 1, 1)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h * (high - value) / span

    grid: list[str] = []
    for tick in (low, (low + high) / 2, high):
        y = y_of(tick)
        grid.append(_line("chart-grid", GRID, MARGIN_LEFT, y, WIDTH - MARGIN_RIGHT, y))
        grid.append(_text(MARGIN_LEFT - 4, y + 4, f"{tick:+.0f}", anchor="end"))
    marks: list[str] = []
    segments: list[list[str]] = [[]]
    label_every = max(1, len(points) // 8)
    for index, point in enumerate(points):
        x = MARGIN_LEFT + index * step if len(points) > 1 else MARGIN_LEFT + plot_w / 2
        if index % label_every == 0 or index == len(points) - 1:
            marks.append(_text(x, HEIGHT - MARGIN_BOTTOM + 16, escape(point.label)))
        if point.value is None:
            segments.append([])
            continue
        y = y_of(point.value)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        marks.append(
            f'<circle class="chart-point" fill="{LINE}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(point.label)}: {point.value:+.0f}</title></circle>"
        )
    lines = [
        f'<polyline class="chart-line" fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(part)}"/>'
        for part in segments
        if len(part) > 1
    ]
    if not any(point.value is not None for point in points):
        marks.append(_text(WIDTH / 2, HEIGHT / 2, "回答数不足"))
    return _svg(title, grid + lines + marks)
