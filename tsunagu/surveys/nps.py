"""NPS and satisfaction figures from counts: the formulas, their 95% intervals and the minimum-n rule.

No Django here: the dashboard (from `ResponseAggregate` counts), `voice_report` (from response rows)
and the benchmark compute with the same functions, and the tests check them against hand-computed
values.

- NPS = round(100 × (promoters − detractors) / n); promoters answer 9–10, detractors 0–6, passives 7–8.
  The per-response score is +1 / 0 / −1, so with shares p+ and p− its variance is
  p+ + p− − (p+ − p−)², and the 95% interval is NPS ± 1.96·sqrt(var / n)·100, clipped to −100..100.
- Mean satisfaction (0–10) from n, Σx and Σx²: the sample variance (n − 1) gives the interval
  mean ± 1.96·s/sqrt(n), clipped to 0..10.
- A figure from fewer than `min_n` answers is *suppressed*: it carries the counts but no value, and
  screens show 「回答数不足」.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Z_95 = 1.96
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
INSUFFICIENT = "回答数不足"
DEFAULT_MIN_N = 30


def nps_band(score: int) -> str:
    """ "promoter", "passive" or "detractor" for an answer 0–10 (ValueError outside)."""
    if not 0 <= score <= 10:
        raise ValueError(f"推奨度は0〜10で回答されます(値: {score})。")
    if score >= PROMOTER_MIN:
        return "promoter"
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "passive"


def _half_up(value: float) -> int:
    """Round half away from zero (Python's round() rounds half to even: 12.5 → 12)."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


@dataclass(frozen=True)
class NpsResult:
    n: int
    promoters: int
    detractors: int
    min_n: int
    score: int | None  # None when suppressed (n < min_n) or n == 0
    low: float | None
    high: float | None

    @property
    def passives(self) -> int:
        return self.n - self.promoters - self.detractors

    @property
    def suppressed(self) -> bool:
        return self.score is None

    @property
    def promoter_share(self) -> float | None:
        return self.promoters / self.n if self.n else None

    @property
    def detractor_share(self) -> float | None:
        return self.detractors / self.n if self.n else None

    @property
    def display(self) -> str:
        """+42 / -8 / 0, or 「回答数不足」."""
        if self.score is None:
            return INSUFFICIENT
        return f"{self.score:+d}" if self.score else "0"


def nps(promoters: int, detractors: int, n: int, *, min_n: int = DEFAULT_MIN_N) -> NpsResult:
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError(f"件数が矛盾しています(推奨者 {promoters}、批判者 {detractors}、回答 {n})。")
    if n == 0 or n < min_n:
        return NpsResult(n, promoters, detractors, min_n, None, None, None)
    p_plus, p_minus = promoters / n, detractors / n
    variance = max(p_plus + p_minus - (p_plus - p_minus) ** 2, 0.0)
    centre = 100 * (p_plus - p_minus)
    half_width = Z_95 * math.sqrt(variance / n) * 100
    return NpsResult(
        n=n,
        promoters=promoters,
        detractors=detractors,
        min_n=min_n,
        score=_half_up(centre),
        low=max(-100.0, centre - half_width),
        high=min(100.0, centre + half_width),
    )


def nps_from_scores(scores: Iterable[int], *, min_n: int = DEFAULT_MIN_N) -> NpsResult:
    promoters = detractors = n = 0
    for score in scores:
        band = nps_band(score)
        n += 1
        promoters += band == "promoter"
        detractors += band == "detractor"
    return nps(promoters, detractors, n, min_n=min_n)


@dataclass(frozen=True)
class MeanResult:
    n: int
    mean: float | None  # None when suppressed
    low: float | None
    high: float | None
    min_n: int

    @property
    def suppressed(self) -> bool:
        return self.mean is None

    @property
    def display(self) -> str:
        return INSUFFICIENT if self.mean is None else f"{self.mean:.2f}"


def mean(
    n: int, total: float, sum_of_squares: float, *, min_n: int = DEFAULT_MIN_N, lower: float = 0, upper: float = 10
) -> MeanResult:
    """Mean with a 95% interval from n, Σx and Σx² (a rating of `lower`..`upper`)."""
    if n == 0 or n < min_n:
        return MeanResult(n, None, None, None, min_n)
    value = total / n
    if n > 1:
        variance = max((sum_of_squares - n * value * value) / (n - 1), 0.0)
        half_width = Z_95 * math.sqrt(variance / n)
    else:
        half_width = 0.0
    return MeanResult(n, value, max(lower, value - half_width), min(upper, value + half_width), min_n)


def simple_mean(n: int, total: float, *, min_n: int = DEFAULT_MIN_N) -> float | None:
    """A mean without an interval (driver ratings), None below min_n."""
    if n == 0 or n < min_n:
        return None
    return total / n


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    share: float | None  # of all answers to the question; None when suppressed


def shares(counts: Mapping[str, int], *, order: Iterable[str] = (), min_n: int = DEFAULT_MIN_N) -> list[Share]:
    """The share of each choice, in the question's order (then any other label seen), suppressed
    together when the question has fewer than min_n answers."""
    total = sum(counts.values())
    labels = list(dict.fromkeys([*order, *sorted(counts)]))
    suppressed = total == 0 or total < min_n
    return [
        Share(label, counts.get(label, 0), None if suppressed else counts.get(label, 0) / total) for label in labels
    ]


def response_rate(answered: int, sent: int) -> float | None:
    """Answered ÷ sent invitations; None when nothing was sent."""
    if sent <= 0:
        return None
    return answered / sent
