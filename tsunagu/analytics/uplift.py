"""Uplift of a target list against its control group: pure arithmetic, no Django.

Conversion rate = converted ÷ customers in the group. Uplift = treatment rate − control rate, with a
Wald confidence interval for the difference of two independent proportions:
    d ± z · sqrt(p₁(1 − p₁)/n₁ + p₀(1 − p₀)/n₀)
(z = 1.96 for 95%). With an empty group there is no rate, hence no uplift. The interval is the
textbook one: with few conversions it is wide, which is the honest answer for a small list. When
neither group has any variance (no conversions in either, or all converted in both) the Wald width
is zero — a falsely exact 「0.0 〜 0.0」 — so no interval is given and `note` says why. When only one
group has no variance (0% or 100% converted, typical of a small control group) its Wald term is zero
and the interval falsely narrow (2 of 2 control customers converted made a 「有意」 difference); then the
Agresti–Caffo interval is used: one conversion and one non-conversion added to each group,
    (p̃₁ − p̃₀) ± z · sqrt(p̃₁(1 − p̃₁)/(n₁ + 2) + p̃₀(1 − p̃₀)/(n₀ + 2)),  p̃ = (x + 1)/(n + 2),
which stays honest at the boundary. The uplift shown is always the observed difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Group:
    customers: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.customers if self.customers else None

    @property
    def rate_percent(self) -> float | None:
        """The rate in percent (0.8 for 0.008), for the screens' one-decimal figures."""
        rate = self.rate
        return None if rate is None else rate * 100


@dataclass(frozen=True)
class Uplift:
    treatment: Group
    control: Group
    uplift: float | None  # treatment rate − control rate
    low: float | None
    high: float | None

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    # Uplift and its interval in percentage points (0.8 for 0.008), for the screens.
    @property
    def uplift_points(self) -> float | None:
        return None if self.uplift is None else self.uplift * 100

    @property
    def low_points(self) -> float | None:
        return None if self.low is None else self.low * 100

    @property
    def high_points(self) -> float | None:
        return None if self.high is None else self.high * 100

    @property
    def note(self) -> str:
        """Why there is no interval ("" when there is one)."""
        if self.low is not None:
            return ""
        if not self.control.customers:
            return "対照群がないため算出できません"
        if not self.treatment.customers:
            return "ワークリストのお客さまがいないため算出できません"
        if not self.treatment.converted and not self.control.converted:
            return "どちらの群にも成約がないため算出できません"
        return "成約率のばらつきがないため算出できません"


def uplift(treatment: Group, control: Group, *, z: float = Z_95) -> Uplift:
    p1, p0 = treatment.rate, control.rate
    if p1 is None or p0 is None:
        return Uplift(treatment, control, None, None, None)
    difference = p1 - p0
    variance = p1 * (1 - p1) / treatment.customers + p0 * (1 - p0) / control.customers
    if variance == 0:  # 0 or 100% in both groups: the Wald interval has no width to give
        return Uplift(treatment, control, difference, None, None)
    if p1 in (0, 1) or p0 in (0, 1):  # one group without variance: Agresti–Caffo (see the module)
        a1 = (treatment.converted + 1) / (treatment.customers + 2)
        a0 = (control.converted + 1) / (control.customers + 2)
        centre = a1 - a0
        half = z * math.sqrt(a1 * (1 - a1) / (treatment.customers + 2) + a0 * (1 - a0) / (control.customers + 2))
        return Uplift(treatment, control, difference, centre - half, centre + half)
    half = z * math.sqrt(variance)
    return Uplift(treatment, control, difference, difference - half, difference + half)


def control_size(customers: int, percent: int) -> int:
    """Customers held out: the percentage of the segment, rounded half up (at least one when the
    percentage is positive and the segment has two or more customers, so that there is a comparison)."""
    if customers <= 0 or percent <= 0:
        return 0
    size = math.floor(customers * percent / 100 + 0.5)
    return max(size, 1) if customers >= 2 else 0


def decile(rank: int, total: int) -> int:
    """1 = the top 10% of scores, 10 = the bottom; `rank` counts from 0 for the highest score."""
    return min(10, rank * 10 // total + 1) if total else 0
