"""Certificate amounts for one contract and tax year, from plain facts (pure, no Django).

証明額 (certified): premium received up to the issue date and counted for the tax year.
申告額 (declared): certified + instalments still scheduled between the issue date and 31 December.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import deduction as d

# policies.choices values, repeated here so this module stays free of Django.
FREQ_LUMP_SUM, FREQ_ANNUAL, FREQ_MONTHLY = "lump_sum", "annual", "monthly"
METHOD_PAYROLL = "payroll"
IN_FORCE = "in_force"

PAYMENT_MODE_BY_FREQUENCY = {FREQ_ANNUAL: "1", FREQ_LUMP_SUM: "2", FREQ_MONTHLY: "3"}


@dataclass(frozen=True)
class PaymentFact:
    paid_on: dt.date
    amount: int
    earthquake_portion: int
    period_from: dt.date
    period_to: dt.date


@dataclass(frozen=True)
class ContractFacts:
    policy_id: int
    number: str
    holder_is_individual: bool
    payment_method: str
    payment_frequency: str
    status: str
    contract_date: dt.date
    inception: dt.date
    expiry: dt.date
    term_years: int
    has_maturity_refund: bool
    last_changed_on: dt.date | None
    earthquake_annual_premium: int  # sum of the earthquake coverages' yearly premium
    payments: tuple[PaymentFact, ...] = field(default_factory=tuple)

    @property
    def old_long_term(self) -> bool:
        return d.old_long_term_eligible(
            concluded_on=self.contract_date,
            period_start=self.inception,
            period_years=self.term_years,
            has_maturity_refund=self.has_maturity_refund,
            last_change_on=self.last_changed_on,
        )

    @property
    def has_earthquake(self) -> bool:
        return self.earthquake_annual_premium > 0 or any(p.earthquake_portion > 0 for p in self.payments)


@dataclass(frozen=True)
class CategoryAmounts:
    category: d.Category
    certified: int
    declared: int


@dataclass(frozen=True)
class ContractResult:
    amounts: tuple[CategoryAmounts, ...] = ()
    exclusion: d.Exclusion | None = None
    skip_reason: str = ""  # set when the record goes to the exceptions report instead


def _anniversary(inception: dt.date, year: int) -> dt.date:
    try:
        return inception.replace(year=year)
    except ValueError:  # 29 February
        return dt.date(year, 2, 28)


def _remaining_instalments(facts: ContractFacts, tax_year: int, issue_date: dt.date) -> int:
    if facts.status != IN_FORCE:
        return 0
    year_end = dt.date(tax_year, 12, 31)
    if facts.payment_frequency == FREQ_MONTHLY:
        dues = d.monthly_due_dates(anchor=facts.inception, after=issue_date, through=year_end, until=facts.expiry)
        return sum(1 for _ in dues)
    if facts.payment_frequency == FREQ_ANNUAL:
        due = _anniversary(facts.inception, tax_year)
        paid_this_term = any(p.period_from >= due for p in facts.payments)
        return int(issue_date < due <= year_end and facts.inception < due < facts.expiry and not paid_this_term)
    return 0


def contract_certificate(
    facts: ContractFacts, *, tax_year: int, issue_date: dt.date, rules: d.DeductionRules = d.DEFAULT_RULES
) -> ContractResult:
    """Amounts per category for one contract; an exclusion or a skip reason instead when they apply."""
    flags = ((d.Category.EARTHQUAKE, facts.has_earthquake), (d.Category.OLD_LONG_TERM, facts.old_long_term))
    categories = [category for category, applies in flags if applies]
    if not categories:
        return ContractResult(skip_reason="地震保険・旧長期損害保険のいずれにも該当しません")
    if not facts.payments:
        return ContractResult(skip_reason="保険料の入金データがありません")
    for p in facts.payments:
        if p.period_from > p.period_to or not (0 <= p.earthquake_portion <= p.amount):
            return ContractResult(skip_reason=f"入金データが不正です(入金日 {p.paid_on:%Y-%m-%d})")
    if facts.inception >= facts.expiry:
        return ContractResult(skip_reason="保険期間が不正です(始期が終期以降)")
    lump_years = facts.term_years if facts.payment_frequency == FREQ_LUMP_SUM and facts.term_years >= 2 else 1
    remaining = _remaining_instalments(facts, tax_year, issue_date)
    amounts: list[CategoryAmounts] = []
    for category in categories:

        def portion(p: PaymentFact, category: d.Category = category) -> int:
            return p.earthquake_portion if category is d.Category.EARTHQUAKE else p.amount - p.earthquake_portion

        paid = [d.Payment(p.paid_on, portion(p)) for p in facts.payments]
        certified = d.amount_in_year(
            paid, tax_year=tax_year, inception=facts.inception, lump_sum_years=lump_years, up_to=issue_date, rules=rules
        )
        instalment = portion(max(facts.payments, key=lambda p: (p.paid_on, p.period_from))) if remaining else 0
        declared = d.declared_amount(certified=certified, instalment=instalment, remaining_instalments=remaining)
        if declared > 0:
            amounts.append(CategoryAmounts(category, certified, declared))
    if not amounts:
        return ContractResult(skip_reason=f"{tax_year}年分として払い込まれた保険料がありません")
    exclusion = d.exclusion_for(
        holder_is_individual=facts.holder_is_individual, group_payroll=facts.payment_method == METHOD_PAYROLL
    )
    return ContractResult(amounts=tuple(amounts), exclusion=exclusion)
