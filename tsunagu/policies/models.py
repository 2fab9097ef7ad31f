"""Policies, what they cover, premiums paid, and claims."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tsunagu.core import normalize, scoping
from tsunagu.core.models import Agency, Agent, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer

from . import refund
from .choices import (
    BuildingUse,
    ClaimStatus,
    InsuredObject,
    InsuredRelation,
    LineOfBusiness,
    PaymentFrequency,
    PaymentMethod,
    PolicyStatus,
    RefundMethod,
    ReportChannel,
    SalesChannel,
    StructureClass,
)

# 旧長期損害保険料: only contracts concluded by this date can qualify (shared/domain §a.2).
OLD_LONG_TERM_CUTOFF = dt.date(2006, 12, 31)


class PolicyQuerySet(scoping.ScopedQuerySet):
    """Agency staff see the policies their agency handles, not a shared customer's other policies."""

    scope_rule = scoping.AgencyField("agency")


class Product(models.Model):
    code = models.CharField("商品コード", max_length=20, unique=True)
    name = models.CharField("商品名", max_length=100)
    line = models.CharField("保険種目", max_length=20, choices=LineOfBusiness.choices)
    refund_method = models.CharField(
        "解約時の返戻方法", max_length=12, choices=RefundMethod.choices, default=RefundMethod.SHORT_RATE
    )
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "商品"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    number = models.CharField("証券番号", max_length=30, unique=True)
    line = models.CharField("保険種目", max_length=20, choices=LineOfBusiness.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name="商品")
    status = models.CharField("状態", max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE)
    contract_date = models.DateField("契約日")
    inception = models.DateField("保険始期")
    expiry = models.DateField("保険終期")
    term_years = models.PositiveSmallIntegerField("保険期間(年)", validators=[MinValueValidator(1)])
    annual_premium = models.BigIntegerField("年間保険料(円)")
    payment_method = models.CharField("払込方法", max_length=20, choices=PaymentMethod.choices)
    payment_frequency = models.CharField("払込回数", max_length=12, choices=PaymentFrequency.choices)
    policyholder = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="policies", verbose_name="契約者")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="policies", verbose_name="代理店"
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, null=True, blank=True, related_name="policies", verbose_name="募集人"
    )
    sales_channel = models.CharField("販売チャネル", max_length=12, choices=SalesChannel.choices)
    face_to_face = models.BooleanField("対面募集", default=True)
    previous_policy = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_policy",
        verbose_name="前契約(更改元)",
    )
    has_maturity_refund = models.BooleanField("満期返戻金あり", default=False)
    last_changed_on = models.DateField("最終異動日", null=True, blank=True)
    # 解約日: set when a cancellation is decided; the status becomes 解約 on this date (see
    # effective_status and services.policies_apply_due_cancellations), not when it is decided.
    cancellation_date = models.DateField("解約日", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "契約"
        ordering = ["-inception", "id"]
        indexes = [models.Index(fields=["expiry", "status"]), models.Index(fields=["agency", "expiry"])]
        constraints = [
            models.CheckConstraint(condition=Q(annual_premium__gte=0), name="policy_premium_not_negative"),
            models.CheckConstraint(condition=Q(inception__lt=models.F("expiry")), name="policy_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.number

    def effective_status(self, today: dt.date | None = None) -> str:
        """The status on `today`: 解約 from the cancellation date on, even before the daily job ran."""
        today = today or timezone.localdate()
        if (
            self.cancellation_date is not None
            and self.cancellation_date <= today
            and self.status == PolicyStatus.IN_FORCE
        ):
            return PolicyStatus.CANCELLED
        return self.status

    @property
    def status_label(self) -> str:
        """状態 as staff read it: 解約 from the cancellation date, 有効(解約予定 2026/12/20) before it."""
        status = self.effective_status()
        if status == PolicyStatus.IN_FORCE and self.cancellation_date is not None:
            return f"有効(解約予定 {self.cancellation_date:%Y/%m/%d})"
        return str(PolicyStatus(status).label)

    @property
    def cancellation_pending(self) -> bool:
        return self.effective_status() == PolicyStatus.IN_FORCE and self.cancellation_date is not None

    @property
    def period_end(self) -> dt.date:
        """The last day of cover: the cancellation date when the policy ends early, else the expiry."""
        if self.cancellation_date is not None and self.cancellation_date < self.expiry:
            return self.cancellation_date
        return self.expiry

    def refund_basis_on(self, cancellation_date: dt.date) -> refund.RefundBasis:
        """返戻保険料の算出根拠 for cancelling on that date, with the product's method (短期率/月割)."""
        return refund.refund_basis(
            annual_premium=self.annual_premium,
            inception=self.inception,
            expiry=self.expiry,
            cancellation_date=cancellation_date,
            method=self.product.refund_method,
            payment_frequency=self.payment_frequency,
            term_years=self.term_years,
        )

    @property
    def cancellation_refund(self) -> refund.RefundBasis | None:
        """The refund basis of the recorded cancellation, if any (shown on the policy page)."""
        return self.refund_basis_on(self.cancellation_date) if self.cancellation_date is not None else None

    @property
    def old_long_term_eligible(self) -> bool:
        """旧長期損害保険料 conditions (§a.2), derived from stored facts, never stored."""
        return (
            self.contract_date <= OLD_LONG_TERM_CUTOFF
            and self.inception <= OLD_LONG_TERM_CUTOFF
            and self.has_maturity_refund
            and self.term_years >= 10
            and (self.last_changed_on is None or self.last_changed_on <= OLD_LONG_TERM_CUTOFF)
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.number = normalize.identifier_key(self.number)
        if not self.number:
            errors["number"] = "証券番号を入力してください。"
        elif Policy.objects.filter(number=self.number).exclude(pk=self.pk).exists():
            errors["number"] = f"証券番号「{self.number}」は既に登録されています。"
        if self.inception and self.expiry and self.inception >= self.expiry:
            errors["expiry"] = "保険終期は保険始期より後の日付にしてください。"
        if self.contract_date and self.inception and self.contract_date > self.inception:
            errors["contract_date"] = "契約日は保険始期以前の日付にしてください。"
        if self.annual_premium is not None and self.annual_premium < 0:
            errors["annual_premium"] = "保険料に負の金額は指定できません。"
        if self.cancellation_date and self.contract_date and self.cancellation_date < self.contract_date:
            errors["cancellation_date"] = "解約日は契約日以降の日付にしてください。"
        if self.product_id and self.line and self.product.line != self.line:
            errors["product"] = "商品の保険種目と契約の保険種目が一致しません。"
        if self.sales_channel == SalesChannel.AGENCY and self.agency_id is None:
            errors["agency"] = "代理店扱の契約には代理店を指定してください。"
        if self.agent is not None and self.agency_id and self.agent.agency_id != self.agency_id:
            errors["agent"] = "募集人は契約の代理店に所属している必要があります。"
        if errors:
            raise ValidationError(errors)


class InsuredPerson(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="insured_persons")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="insured_under", verbose_name="被保険者"
    )
    relation = models.CharField("契約者との関係", max_length=12, choices=InsuredRelation.choices)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "被保険者"
        constraints = [models.UniqueConstraint(fields=["policy", "customer"], name="insured_once_per_policy")]

    def __str__(self) -> str:
        return str(self.customer)


class Coverage(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="coverages")
    name = models.CharField("補償名", max_length=100)
    sum_insured = models.BigIntegerField("保険金額(円)", null=True, blank=True)
    premium = models.BigIntegerField("保険料(円)")
    is_earthquake = models.BooleanField("地震保険", default=False)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "補償"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(premium__gte=0), name="coverage_premium_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.premium is not None and self.premium < 0:
            raise ValidationError({"premium": "保険料に負の金額は指定できません。"})
        if self.sum_insured is not None and self.sum_insured < 0:
            raise ValidationError({"sum_insured": "保険金額に負の金額は指定できません。"})


class Vehicle(models.Model):
    policy = models.OneToOneField(Policy, on_delete=models.CASCADE, related_name="vehicle")
    model_name = models.CharField("車名・型式", max_length=100)
    registration_number = models.CharField("登録番号", max_length=40)
    nonfleet_grade = models.PositiveSmallIntegerField(
        "ノンフリート等級", validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    accident_coefficient_years = models.PositiveSmallIntegerField(
        "事故有係数適用期間(年)", default=0, validators=[MaxValueValidator(6)]
    )
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "被保険自動車"

    def __str__(self) -> str:
        return f"{self.model_name} {self.registration_number}"


class Building(models.Model):
    policy = models.OneToOneField(Policy, on_delete=models.CASCADE, related_name="building")
    location = models.CharField("所在地", max_length=300)
    postal_code = models.CharField("郵便番号", max_length=7, blank=True)
    structure_class = models.CharField("構造級別", max_length=2, choices=StructureClass.choices)
    use = models.CharField("用途", max_length=12, choices=BuildingUse.choices, default=BuildingUse.DWELLING)
    insured_object = models.CharField(
        "保険の対象", max_length=12, choices=InsuredObject.choices, default=InsuredObject.BUILDING
    )
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "保険の対象(建物・家財)"

    def __str__(self) -> str:
        return self.location

    def clean(self) -> None:
        code = self.postal_code
        if code and not (len(code) == 7 and code.isascii() and code.isdigit()):
            raise ValidationError({"postal_code": "郵便番号は7桁の数字で入力してください(例: 100-0001)。"})


class PremiumPayment(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField("入金日")
    amount = models.BigIntegerField("金額(円)")
    earthquake_portion = models.BigIntegerField("うち地震保険料(円)", default=0)
    period_from = models.DateField("対象期間(自)")
    period_to = models.DateField("対象期間(至)")
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "保険料入金"
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["policy", "paid_on"])]

    def __str__(self) -> str:
        return f"{self.policy} {self.paid_on} ¥{self.amount:,}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "入金額に負の金額は指定できません。"
        if (
            self.earthquake_portion is not None
            and self.amount is not None
            and not (0 <= self.earthquake_portion <= self.amount)
        ):
            errors["earthquake_portion"] = "地震保険料は0円以上、入金額以下にしてください。"
        if self.period_from and self.period_to and self.period_from > self.period_to:
            errors["period_to"] = "対象期間の終わりは始まり以降にしてください。"
        if errors:
            raise ValidationError(errors)


class ClaimQuerySet(scoping.ScopedQuerySet):
    scope_rule = scoping.Via("policy")


class Claim(models.Model):
    number = models.CharField("事故番号", max_length=30, unique=True)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims", verbose_name="契約")
    accident_date = models.DateField("事故日")
    accident_place = models.CharField("事故場所", max_length=200)
    accident_type = models.CharField("事故種類", max_length=40)
    reported_on = models.DateField("受付日")
    reported_via = models.CharField("受付経路", max_length=12, choices=ReportChannel.choices)
    status = models.CharField("状態", max_length=15, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED)
    handler = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name="担当者"
    )
    amount_paid = models.BigIntegerField("支払保険金(円)", default=0)
    closed_on = models.DateField("完了日", null=True, blank=True)
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事故"
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.number = normalize.identifier_key(self.number)
        if self.accident_date and self.reported_on and self.accident_date > self.reported_on:
            errors["accident_date"] = "事故日は受付日以前の日付にしてください。"
        if self.amount_paid is not None and self.amount_paid < 0:
            errors["amount_paid"] = "支払保険金に負の金額は指定できません。"
        if self.closed_on and self.reported_on and self.closed_on < self.reported_on:
            errors["closed_on"] = "完了日は受付日以降にしてください。"
        if errors:
            raise ValidationError(errors)
