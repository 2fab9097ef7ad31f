"""Server-rendered SVG of the gains curve (pure: numbers in, SVG coordinates out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD = 320, 220, 30


@dataclass(frozen=True)
class GainsChart:
    width: int
    height: int
    model_points: str  # "x,y x,y …" for <polyline>
    random_points: str
    ticks: list[dict[str, Any]]  # axis labels at 0, 50 and 100 %


def gains_chart(gains: list[dict[str, float]]) -> GainsChart:
    """The cumulative share of positives found (y) against the share of customers contacted in
    score order (x), with the diagonal of a random order."""

    def point(share: float, gain: float) -> str:
        x = PAD + share * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - gain * (HEIGHT - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    points = [point(0.0, 0.0)] + [point(row["top_share"], row["gain"]) for row in gains]
    ticks = [
        {"label": f"{int(v * 100)}%", "x": PAD + v * (WIDTH - 2 * PAD), "y": HEIGHT - PAD - v * (HEIGHT - 2 * PAD)}
        for v in (0.0, 0.5, 1.0)
    ]
    return GainsChart(WIDTH, HEIGHT, " ".join(points), f"{point(0, 0)} {point(1, 1)}", ticks)
