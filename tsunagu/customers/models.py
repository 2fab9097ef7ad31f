"""Customers and their contact points. Readings are stored as full-width katakana."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tsunagu.core import normalize, scoping
from tsunagu.core.models import Agency
from tsunagu.core.writes import HistoryQuerySet

from .choices import (
    PREFECTURE_CHOICES,
    AddressKind,
    ContactChannel,
    CustomerKind,
    EmailKind,
    Gender,
    KanaSource,
    NameChangeReason,
    PhoneKind,
    Relation,
)

PHONE_MESSAGE = "電話番号は0から始まる10桁または11桁で入力してください(例: 03-1234-5678)。"


def validate_reading(value: str) -> None:
    if not normalize.is_kana_reading(value):
        raise ValidationError("フリガナはカタカナまたはひらがなで入力してください。")


def _served_by(customer_path: str, agencies: scoping.AgencySet) -> Q:
    """The customer at `customer_path` is served by one of the agencies (see core.scoping)."""
    links = CustomerAgency.objects.filter(customer=OuterRef(customer_path))
    return Q(Exists(links.filter(scoping.agency_condition("agency_id", agencies))))


scoping.register_customer_link(_served_by)


class CustomerQuerySet(scoping.ScopedQuerySet):
    """Agency staff see exactly the customers their agency serves (core.scoping holds the ladder)."""

    scope_rule = scoping.CustomerLink("pk")


class Customer(models.Model):
    kind = models.CharField("区分", max_length=12, choices=CustomerKind.choices)
    name = models.CharField("氏名・名称", max_length=200)
    family_name = models.CharField("姓", max_length=100, blank=True)
    given_name = models.CharField("名", max_length=100, blank=True)
    name_kana = models.CharField("フリガナ", max_length=200, validators=[validate_reading])
    kana_source = models.CharField(
        "フリガナの確認元", max_length=12, choices=KanaSource.choices, default=KanaSource.SELF_DECLARED
    )
    birth_date = models.DateField("生年月日", null=True, blank=True)
    gender = models.CharField("性別", max_length=10, choices=Gender.choices, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    contact_consent = models.BooleanField("連絡の同意", default=True)
    dm_consent = models.BooleanField("DM送付の同意", default=False)
    preferred_channel = models.CharField(
        "希望連絡方法", max_length=12, choices=ContactChannel.choices, default=ContactChannel.PHONE
    )
    note = models.TextField("備考", blank=True)
    # Set only by identity resolution (customer_set_merged_into): this customer was merged into
    # another one and is kept for history; it is no longer a live customer (not searchable).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed_customers",
        verbose_name="統合先の顧客",
        editable=False,
    )
    # Derived keys for search and matching (normalize.py); never shown.
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    kana_key = models.CharField(max_length=200, editable=False, db_index=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["name_key", "kana_key"])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "顧客"
        ordering = ["id"]
        indexes = [models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_keys()
        super().save(*args, **kwargs)

    @property
    def number(self) -> str:
        """Customer number shown to staff and customers."""
        return f"K{self.pk:09d}" if self.pk else ""

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        return normalize.age_on(self.birth_date, timezone.localdate())

    @property
    def is_elderly(self) -> bool:
        """Derived on every read so it is never stale (threshold: TSUNAGU_ELDERLY_AGE)."""
        age = self.age
        return self.kind == CustomerKind.INDIVIDUAL and age is not None and age >= settings.TSUNAGU_ELDERLY_AGE

    def refresh_keys(self) -> None:
        self.name_kana = normalize.to_katakana_reading(self.name_kana)
        self.name_key = normalize.name_key(self.name)
        self.kana_key = normalize.kana_key(self.name_kana)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if not self.name.strip():
            errors["name"] = "氏名・名称を入力してください。"
        if self.birth_date is not None and self.birth_date > today:
            errors["birth_date"] = "生年月日に未来の日付は指定できません。"
        elif self.birth_date is not None and self.birth_date < dt.date(1900, 1, 1):
            errors["birth_date"] = "生年月日が古すぎます(1900年以降を入力してください)。"
        if self.kind == CustomerKind.CORPORATE:
            if self.birth_date is not None:
                errors["birth_date"] = "法人には生年月日を登録できません。"
            if self.gender:
                errors["gender"] = "法人には性別を登録できません。"
            if self.corporate_number and not normalize.is_valid_corporate_number(self.corporate_number):
                errors["corporate_number"] = "法人番号は13桁の数字で、チェックデジットが正しいものを入力してください。"
            elif self.corporate_number:
                self.corporate_number = normalize.digits_only(self.corporate_number)  # full-width → ASCII
        elif self.corporate_number:
            errors["corporate_number"] = "個人のお客さまには法人番号を登録できません。"
        if errors:
            raise ValidationError(errors)


class CustomerAgency(models.Model):
    """Which agencies serve a customer; agency staff see exactly these customers."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="agency_links")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="customer_links")
    since = models.DateField("担当開始日", default=timezone.localdate)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "担当代理店"
        constraints = [
            models.UniqueConstraint(fields=["customer", "agency"], name="customer_agency_unique"),
        ]
        indexes = [models.Index(fields=["agency", "customer"])]

    def __str__(self) -> str:
        return f"{self.customer} - {self.agency}"


class PrimaryFlagModel(models.Model):
    """Contact points with a type and at most one primary per customer."""

    is_primary = models.BooleanField("主", default=False)

    class Meta:
        abstract = True


class Address(PrimaryFlagModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField("種別", max_length=12, choices=AddressKind.choices, default=AddressKind.HOME)
    postal_code = models.CharField("郵便番号", max_length=8)
    prefecture = models.CharField("都道府県", max_length=4, choices=PREFECTURE_CHOICES)
    city = models.CharField("市区町村", max_length=100)
    street = models.CharField("町域・番地", max_length=200)
    building = models.CharField("建物名・部屋番号", max_length=200, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "住所"
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_primary=True), name="address_one_primary"
            )
        ]
        indexes = [models.Index(fields=["postal_code"])]

    def __str__(self) -> str:
        return self.full_text

    @property
    def full_text(self) -> str:
        postal = normalize.format_postal_code(self.postal_code)
        return f"〒{postal} {self.prefecture}{self.city}{self.street} {self.building}".strip()

    @property
    def summary(self) -> str:
        return f"{self.prefecture}{self.city}"

    def clean(self) -> None:
        if not (len(self.postal_code) == 7 and self.postal_code.isascii() and self.postal_code.isdigit()):
            raise ValidationError({"postal_code": "郵便番号は7桁の数字で入力してください(例: 100-0001)。"})


class Phone(PrimaryFlagModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField("種別", max_length=12, choices=PhoneKind.choices, default=PhoneKind.HOME)
    number = models.CharField("電話番号", max_length=30)
    digits = models.CharField(max_length=15, editable=False, db_index=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "電話番号"
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True), name="phone_one_primary")
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.digits = normalize.phone_digits(self.number)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        digits = normalize.phone_digits(self.number)
        if not normalize.is_valid_phone(digits):
            raise ValidationError({"number": PHONE_MESSAGE})
        self.digits = digits


class Email(PrimaryFlagModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField("種別", max_length=12, choices=EmailKind.choices, default=EmailKind.PERSONAL)
    address = models.EmailField("メールアドレス", max_length=254)
    key = models.CharField(max_length=254, editable=False, db_index=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "メールアドレス"
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True), name="email_one_primary")
        ]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = normalize.email_key(self.address)
        super().save(*args, **kwargs)


class Relative(models.Model):
    """A registered relative (親族登録) to contact for an elderly customer, with consent."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relatives")
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("フリガナ", max_length=100, blank=True, validators=[validate_reading])
    relation = models.CharField("続柄", max_length=12, choices=Relation.choices)
    phone = models.CharField("電話番号", max_length=30)
    consent_date = models.DateField("同意日")
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "登録親族"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}({self.get_relation_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not normalize.is_valid_phone(normalize.phone_digits(self.phone)):
            errors["phone"] = PHONE_MESSAGE
        if self.consent_date and self.consent_date > timezone.localdate():
            errors["consent_date"] = "同意日に未来の日付は指定できません。"
        if self.name_kana:
            self.name_kana = normalize.to_katakana_reading(self.name_kana)
        if errors:
            raise ValidationError(errors)


class FormerName(models.Model):
    """A name the customer used before (旧姓, former trade name); kept for search and matching."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField("旧氏名・旧名称", max_length=200)
    name_kana = models.CharField("旧フリガナ", max_length=200)
    reason = models.CharField("変更理由", max_length=20, choices=NameChangeReason.choices)
    changed_on = models.DateField("変更日")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "旧氏名"
        ordering = ["-changed_on", "-id"]

    def __str__(self) -> str:
        return self.name
