"""Earthquake-premium deduction (地震保険料控除) rules: pure functions, no Django.

Reference: shared/domain/insurance.md §a. Every number lives in `DeductionRules` (effective-dated),
not in the formulas, so a change in the tax law is a new rules row, not a code change.

Terms
- E: earthquake premium (地震保険料) paid in the year, summed over all contracts where it is used.
- L: old long-term non-life premium (旧長期損害保険料) paid in the year, summed the same way.
- Amounts are whole yen (int). Halves (L/2, E/2) are rounded by `DeductionRules.rounding`.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction


class DeductionInputError(ValueError):
    """Bad input to a rule (negative premium, impossible period); the message is Japanese."""


class Rounding(enum.StrEnum):
    """How fractions of a yen are rounded. Not confirmed in the reference (Low confidence)."""

    UP = "up"  # 1円未満切上げ (default: common practice for premium deductions)
    DOWN = "down"  # 1円未満切捨て
    HALF_UP = "half_up"  # 1円未満四捨五入


class Category(enum.StrEnum):
    EARTHQUAKE = "earthquake"  # 地震保険料
    OLD_LONG_TERM = "old_long_term"  # 旧長期損害保険料


class Exclusion(enum.StrEnum):
    """Why a contract gets no certificate (stored with the record)."""

    CORPORATE_HOLDER = "corporate_holder"  # 法人契約 (§a.1: individuals only)
    GROUP_PAYROLL = "group_payroll"  # 団体扱・給与天引 (the employer's year-end adjustment gets the data)


EXCLUSION_LABELS = {
    Exclusion.CORPORATE_HOLDER: "契約者が法人のため控除の対象外",
    Exclusion.GROUP_PAYROLL: "団体扱(給与天引)のため勤務先の年末調整で控除",
}


@dataclass(frozen=True)
class DeductionRules:
    """One effective-dated set of thresholds (§a.3). All amounts in yen."""

    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    # 所得税 (income tax)
    it_earthquake_cap: int = 50_000
    it_old_full_up_to: int = 10_000
    it_old_half_up_to: int = 20_000
    it_old_half_add: int = 5_000
    it_old_cap: int = 15_000
    it_total_cap: int = 50_000
    # 住民税 (resident tax)
    rt_earthquake_half_up_to: int = 50_000
    rt_earthquake_cap: int = 25_000
    rt_old_full_up_to: int = 5_000
    rt_old_half_up_to: int = 15_000
    rt_old_half_add: int = 2_500
    rt_old_cap: int = 10_000
    rt_total_cap: int = 25_000
    rounding: Rounding = Rounding.UP

    def applies_to(self, tax_year: int) -> bool:
        start, end = dt.date(tax_year, 1, 1), dt.date(tax_year, 12, 31)
        return self.valid_from <= end and (self.valid_to is None or self.valid_to >= start)


# The deduction replaced the non-life premium deduction from tax year 2007 (平成19年分).
RULES_TABLE: tuple[DeductionRules, ...] = (
    DeductionRules(
        valid_from=dt.date(2007, 1, 1),
        valid_to=None,
        source="NTA No.1145 (所得税); 春日井市 (住民税) — shared/domain/insurance.md §a.3",
    ),
)
DEFAULT_RULES = RULES_TABLE[-1]


def rules_for(tax_year: int, table: Sequence[DeductionRules] = RULES_TABLE) -> DeductionRules:
    for rules in reversed(table):
        if rules.applies_to(tax_year):
            return rules
    raise DeductionInputError(f"{tax_year}年分の地震保険料控除の計算規則が登録されていません。")


def round_yen(value: Fraction | int, rounding: Rounding) -> int:
    value = Fraction(value)
    if value.denominator == 1:
        return int(value)
    if rounding is Rounding.UP:
        return -((-value.numerator) // value.denominator)
    if rounding is Rounding.DOWN:
        return value.numerator // value.denominator
    return int((value + Fraction(1, 2)) // 1)


def _check_premium(value: int, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeductionInputError(f"{label}は円単位の整数で指定してください。")
    if value < 0:
        raise DeductionInputError(f"{label}に負の金額は指定できません(指定値: {value:,}円)。")
    return value


# --- the four formulas (§a.3) -------------------------------------------------------------------


def income_tax_earthquake(e: int, rules: DeductionRules = DEFAULT_RULES) -> int:
    return min(_check_premium(e, "地震保険料"), rules.it_earthquake_cap)


def income_tax_old_long_term(l_: int, rules: DeductionRules = DEFAULT_RULES) -> int:
    _check_premium(l_, "旧長期損害保険料")
    if l_ <= rules.it_old_full_up_to:
        return l_
    if l_ <= rules.it_old_half_up_to:
        return round_yen(Fraction(l_, 2) + rules.it_old_half_add, rules.rounding)
    return rules.it_old_cap


def resident_tax_earthquake(e: int, rules: DeductionRules = DEFAULT_RULES) -> int:
    _check_premium(e, "地震保険料")
    if e <= rules.rt_earthquake_half_up_to:
        return round_yen(Fraction(e, 2), rules.rounding)
    return rules.rt_earthquake_cap


def resident_tax_old_long_term(l_: int, rules: DeductionRules = DEFAULT_RULES) -> int:
    _check_premium(l_, "旧長期損害保険料")
    if l_ <= rules.rt_old_full_up_to:
        return l_
    if l_ <= rules.rt_old_half_up_to:
        return round_yen(Fraction(l_, 2) + rules.rt_old_half_add, rules.rounding)
    return rules.rt_old_cap


@dataclass(frozen=True)
class Deduction:
    income_tax: int
    resident_tax: int

    def as_dict(self) -> dict[str, int]:
        return {"income_tax": self.income_tax, "resident_tax": self.resident_tax}


def deduction(earthquake: int, old_long_term: int, rules: DeductionRules = DEFAULT_RULES) -> Deduction:
    """Deductible amounts for yearly totals E and L (already summed by type), with the combined caps."""
    income = income_tax_earthquake(earthquake, rules) + income_tax_old_long_term(old_long_term, rules)
    resident = resident_tax_earthquake(earthquake, rules) + resident_tax_old_long_term(old_long_term, rules)
    return Deduction(min(income, rules.it_total_cap), min(resident, rules.rt_total_cap))


# --- aggregation across contracts ------------------------------------------------------------------


@dataclass(frozen=True)
class ContractPremiums:
    """Premiums of one contract paid (or deemed paid) in the tax year, by category."""

    contract: str
    earthquake: int = 0
    old_long_term: int = 0

    @property
    def is_mixed(self) -> bool:
        return self.earthquake > 0 and self.old_long_term > 0


@dataclass(frozen=True)
class DeductionPlan:
    deduction: Deduction
    earthquake_total: int
    old_long_term_total: int
    # For each contract holding both kinds, the category the taxpayer should declare.
    choices: dict[str, Category]


MAX_MIXED_CONTRACTS = 16  # 2**16 combinations at most; a household never has that many 旧長期 contracts


def best_deduction(contracts: Iterable[ContractPremiums], rules: DeductionRules = DEFAULT_RULES) -> DeductionPlan:
    """Sum premiums by type across contracts, choosing one category per mixed contract.

    A contract holding both an earthquake and an old long-term part counts for one of them only
    (§a.3); we try every choice and keep the one with the larger income-tax total, then the larger
    resident-tax total (the larger certificate figure is not always the better choice).
    """
    items = list(contracts)
    for item in items:
        _check_premium(item.earthquake, "地震保険料")
        _check_premium(item.old_long_term, "旧長期損害保険料")
    mixed = [c for c in items if c.is_mixed]
    if len(mixed) > MAX_MIXED_CONTRACTS:
        raise DeductionInputError(f"地震・旧長期の両方を含む契約が多すぎます({len(mixed)}件)。")
    base_e = sum(c.earthquake for c in items if not c.is_mixed)
    base_l = sum(c.old_long_term for c in items if not c.is_mixed)
    best: DeductionPlan | None = None
    for picks in itertools.product((Category.EARTHQUAKE, Category.OLD_LONG_TERM), repeat=len(mixed)):
        e = base_e + sum(c.earthquake for c, p in zip(mixed, picks, strict=True) if p is Category.EARTHQUAKE)
        l_ = base_l + sum(c.old_long_term for c, p in zip(mixed, picks, strict=True) if p is Category.OLD_LONG_TERM)
        result = deduction(e, l_, rules)
        plan = DeductionPlan(result, e, l_, {c.contract: p for c, p in zip(mixed, picks, strict=True)})
        if best is None or (result.income_tax, result.resident_tax) > (
            best.deduction.income_tax,
            best.deduction.resident_tax,
        ):
            best = plan
    assert best is not None  # product() of zero items yields one empty tuple
    return best


# --- which year a payment counts in ------------------------------------------------------------------


def deemed_payment_date(paid_on: dt.date, inception: dt.date) -> dt.date:
    """A premium paid before the inception date counts as paid on the inception date (§a.1)."""
    return max(paid_on, inception)


def lump_sum_share(lump: int, years: int, rules: DeductionRules = DEFAULT_RULES) -> int:
    """Yearly amount of a multi-year lump-sum premium (長期一括払): lump ÷ years (§a.1)."""
    _check_premium(lump, "一括払保険料")
    if years < 1:
        raise DeductionInputError(f"保険期間(年)は1以上で指定してください(指定値: {years})。")
    return round_yen(Fraction(lump, years), rules.rounding)


def lump_sum_amount_for_year(
    *, lump: int, years: int, deemed_paid_on: dt.date, tax_year: int, rules: DeductionRules = DEFAULT_RULES
) -> int:
    """The share deemed paid in `tax_year`: one share in each of the `years` years from the payment year."""
    if years < 2:
        return lump if deemed_paid_on.year == tax_year else 0
    first = deemed_paid_on.year
    return lump_sum_share(lump, years, rules) if first <= tax_year < first + years else 0


@dataclass(frozen=True)
class Payment:
    paid_on: dt.date
    amount: int


def amount_in_year(
    payments: Iterable[Payment],
    *,
    tax_year: int,
    inception: dt.date,
    lump_sum_years: int = 1,
    up_to: dt.date | None = None,
    rules: DeductionRules = DEFAULT_RULES,
) -> int:
    """Premium of one category counted for `tax_year`, from the payments received up to `up_to`.

    `lump_sum_years` >= 2 marks a multi-year lump-sum contract: each payment is spread over that many
    years from the year it is deemed paid.
    """
    total = 0
    for payment in payments:
        if up_to is not None and payment.paid_on > up_to:
            continue
        deemed = deemed_payment_date(payment.paid_on, inception)
        if lump_sum_years >= 2:
            total += lump_sum_amount_for_year(
                lump=payment.amount, years=lump_sum_years, deemed_paid_on=deemed, tax_year=tax_year, rules=rules
            )
        elif deemed.year == tax_year:
            total += _check_premium(payment.amount, "保険料")
    return total


# --- 申告額: expected full-year amount --------------------------------------------------------------


def _month_day(year: int, month: int, day: int) -> dt.date:
    """`day` of the month, clamped to the month's last day (a 31st due date in February → 28/29)."""
    for d in range(day, 27, -1):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, min(day, 28))


def monthly_due_dates(*, anchor: dt.date, after: dt.date, through: dt.date, until: dt.date) -> Iterator[dt.date]:
    """Monthly due dates on `anchor`'s day of month, strictly after `after`, up to `through` and before `until`."""
    year, month = after.year, after.month
    while True:
        due = _month_day(year, month, anchor.day)
        if due > through or due >= until:
            return
        if due > after and due >= anchor:
            yield due
        month += 1
        if month > 12:
            year, month = year + 1, 1


def declared_amount(*, certified: int, instalment: int, remaining_instalments: int) -> int:
    """申告額 = paid to date + the instalments still scheduled to 31 December (§a.4)."""
    _check_premium(certified, "証明額")
    _check_premium(instalment, "分割保険料")
    return certified + instalment * max(0, remaining_instalments)


# --- eligibility (§a.1, §a.2) ---------------------------------------------------------------------------

OLD_LONG_TERM_CUTOFF = dt.date(2006, 12, 31)


def old_long_term_eligible(
    *,
    concluded_on: dt.date,
    period_start: dt.date,
    period_years: int,
    has_maturity_refund: bool,
    last_change_on: dt.date | None,
) -> bool:
    """All three conditions of §a.2: concluded (and started) by 2006-12-31, maturity refund and
    10+ years, not changed on or after 2007-01-01."""
    return (
        concluded_on <= OLD_LONG_TERM_CUTOFF
        and period_start <= OLD_LONG_TERM_CUTOFF
        and has_maturity_refund
        and period_years >= 10
        and (last_change_on is None or last_change_on <= OLD_LONG_TERM_CUTOFF)
    )


def exclusion_for(*, holder_is_individual: bool, group_payroll: bool) -> Exclusion | None:
    """Why a contract gets no certificate, or None when it gets one."""
    if not holder_is_individual:
        return Exclusion.CORPORATE_HOLDER
    if group_payroll:
        return Exclusion.GROUP_PAYROLL
    return None
