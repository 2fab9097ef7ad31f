"""The keyword-trend chart's geometry (pure): the template draws it as inline SVG (no JavaScript)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 220, 36, 24, 10, 10
COLOURS = ("#1f5fbf", "#c0392b", "#2e8b57", "#b8860b", "#6a3d9a")  # with a label each: never colour alone


class Series(Protocol):
    term: str
    counts: list[int]


def trend_chart(months: Sequence[dt.date], rows: Sequence[Series]) -> dict[str, Any]:
    top = max((c for row in rows for c in row.counts), default=0) or 1
    span = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * i / span, 1)

    def y(n: int) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * n / top, 1)

    series = [
        {
            "term": row.term,
            "colour": COLOURS[i % len(COLOURS)],
            "points": " ".join(f"{x(j)},{y(n)}" for j, n in enumerate(row.counts)),
        }
        for i, row in enumerate(rows)
    ]
    ticks = [{"x": x(i), "label": f"{m.month}月"} for i, m in enumerate(months)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "series": series,
        "ticks": ticks,
        "max": top,
        "axis_y": HEIGHT - BOTTOM,
        "label_y": HEIGHT - 6,
        "top_y": TOP + 4,
        "left": LEFT,
        "right": WIDTH - RIGHT,
    }
