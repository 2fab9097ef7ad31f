"""Thresholds chosen from the trained model's own scores, without labels.

The model gives every candidate pair a match probability p. Taking the probabilities at face
value, the expected number of true matches above a threshold t is the sum of p over the pairs
above t, and the expected false positives the sum of 1 - p. So:

- auto_link: the threshold that maximises the *expected* F1 (from the model's probabilities),
  kept within [AUTO_LINK_MIN, AUTO_LINK_MAX] and raised, if needed, until the expected precision
  of the auto-linked pairs is at least TARGET_PRECISION;
- review: the lowest threshold above which the model expects REVIEW_RECALL of all its matches
  (what is below is, by the model's own account, noise), at most REVIEW_MAX: a pair the model
  holds more likely a match than not is never dropped unseen (and the rules' "review at most"
  cap stays below auto_link).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AUTO_LINK_MIN = 0.9
AUTO_LINK_MAX = 0.999
TARGET_PRECISION = 0.995
REVIEW_RECALL = 0.999
REVIEW_MIN = 0.05
REVIEW_MAX = 0.5


@dataclass(frozen=True)
class Thresholds:
    auto_link: float
    review: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.auto_link <= 1.0:
            raise ValueError("しきい値は 0 ≤ 確認 ≤ 自動統合 ≤ 1 で指定してください。")


def choose_thresholds(probabilities: np.ndarray) -> Thresholds:
    p = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    if len(p) == 0 or p.sum() <= 0:
        return Thresholds(auto_link=AUTO_LINK_MAX, review=0.5)
    expected_tp = np.cumsum(p)
    expected_fp = np.cumsum(1.0 - p)
    total = expected_tp[-1]
    f1 = 2 * expected_tp / (expected_tp + expected_fp + total)
    best = int(np.argmax(f1))
    auto = float(np.clip(p[best], AUTO_LINK_MIN, AUTO_LINK_MAX))
    precision = expected_tp / (expected_tp + expected_fp)
    # Raise auto-link until the expected precision above it reaches the target.
    while auto < AUTO_LINK_MAX:
        above = p >= auto
        if not above.any() or precision[int(above.sum()) - 1] >= TARGET_PRECISION:
            break
        auto = min(AUTO_LINK_MAX, 1 - (1 - auto) / 2)
    index = int(np.searchsorted(expected_tp, REVIEW_RECALL * total))
    review = float(p[min(index, len(p) - 1)])
    review = float(np.clip(review, REVIEW_MIN, min(REVIEW_MAX, auto)))
    return Thresholds(auto_link=round(auto, 6), review=round(review, 6))
