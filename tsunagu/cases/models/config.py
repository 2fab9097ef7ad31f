"""Editable reference data: routing and SLA, required documents, complaint categories, retention
guidance, FAQ articles and calendar exceptions. Seeded by migration, edited in the admin."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from tsunagu.core import normalize
from tsunagu.core.choices import DepartmentKind
from tsunagu.core.writes import HistoryQuerySet

from ..choices import CancellationReason, CaseType


class CaseTypeRule(models.Model):
    """SLA in business days and the owning queue, per type (and optionally sub-type)."""

    case_type = models.CharField("案件種別", max_length=30, choices=CaseType.choices)
    sub_type = models.CharField("区分(空欄=既定)", max_length=30, blank=True)
    sla_business_days = models.PositiveSmallIntegerField("対応期限(営業日)")
    queue_kind = models.CharField("担当部署の種別", max_length=30, choices=DepartmentKind.choices)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "案件種別ルール(SLA・担当部署)"
        ordering = ["case_type", "sub_type"]
        constraints = [models.UniqueConstraint(fields=["case_type", "sub_type"], name="case_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()} {self.sub_type} {self.sla_business_days}営業日"


class RequiredDocument(models.Model):
    """A document a case of this type/sub-type needs before it can be completed."""

    case_type = models.CharField("案件種別", max_length=30, choices=CaseType.choices)
    sub_type = models.CharField("区分(空欄=全区分)", max_length=30, blank=True)
    name = models.CharField("書類名", max_length=100)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "必要書類"
        ordering = ["case_type", "sub_type", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ComplaintCategory(models.Model):
    """Two-level complaint code list (§d.3): level 1 has no parent."""

    code = models.CharField("コード", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="大分類"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "苦情分類"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id and self.parent else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent and self.parent.parent_id:
            raise ValidationError({"parent": "苦情分類は2階層までです。大分類を親に指定してください。"})


class RetentionGuidance(models.Model):
    """Talk points and offers shown to the operator for a cancellation reason (§e.3).

    The guidance informs; it never pressures: the customer's decision is respected.
    """

    reason = models.CharField("解約理由", max_length=30, choices=CancellationReason.choices)
    line = models.CharField("保険種目(空欄=全種目)", max_length=20, blank=True)
    title = models.CharField("見出し", max_length=100)
    talk_points = models.TextField("お伝えすること")
    offers = models.TextField("ご提案できること(1行に1つ)", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "解約防止ガイド"
        ordering = ["reason", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def offer_list(self) -> list[str]:
        return [line.strip() for line in self.offers.splitlines() if line.strip()]


class KnowledgeArticle(models.Model):
    """An FAQ answer operators search while answering inquiries."""

    title = models.CharField("質問", max_length=200)
    body = models.TextField("回答")
    category = models.CharField("分類", max_length=20, blank=True)
    keywords = models.CharField("キーワード", max_length=300, blank=True)
    search_key = models.TextField(editable=False, default="")
    is_published = models.BooleanField("公開", default=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords(excluded_fields=["search_key"])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "FAQ"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = faq_key(f"{self.title} {self.keywords} {self.body}")
        super().save(*args, **kwargs)


def faq_key(text: str) -> str:
    """Search key for Japanese full-text matching: NFKC, katakana, variant-folded, no spaces, lower."""
    return normalize.name_key(text).lower()


class CalendarException(models.Model):
    """A one-off closed day (臨時休業) or an open day on a holiday (臨時営業)."""

    date = models.DateField("日付", unique=True)
    is_closed = models.BooleanField("休業日", default=True)
    note = models.CharField("理由", max_length=100, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "営業日カレンダー例外"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'休業' if self.is_closed else '営業'}"


class CaseNumberSequence(models.Model):
    """The last case number used per year (locked while numbering)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "案件番号採番"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
