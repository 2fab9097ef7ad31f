"""Targets, the precomputed monthly counts, and the published 取組状況 report with its versions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tsunagu.core.models import Agency, User
from tsunagu.core.writes import HistoryQuerySet


class KpiTarget(models.Model):
    """目標: per KPI, fiscal year and agency (no agency: the company's target, which an agency without
    its own target adopts). The dates say when the target applies within the year."""

    kpi = models.CharField("KPI", max_length=60)  # a key of definitions.REGISTRY (checked by target_save)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("目標値", max_digits=10, decimal_places=2)
    starts_on = models.DateField("適用開始日")
    ends_on = models.DateField("適用終了日")
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="更新者")
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "KPI目標"
        ordering = ["fiscal_year", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "agency", "fiscal_year"], condition=Q(agency__isnull=False), name="kpi_target_agency"
            ),
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year"], condition=Q(agency__isnull=True), name="kpi_target_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.kpi} {self.value}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValidationError({"ends_on": "適用終了日は適用開始日以降の日付にしてください。"})


class KpiMonthly(models.Model):
    """Counts of one KPI for one agency and month, rebuilt from the records (`kpi_rebuild`); the
    dashboards read these. No agency: records not handled by an agency (not part of any figure)."""

    kpi = models.CharField("KPI", max_length=60)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, related_name="+")
    month = models.DateField("月")  # the first day
    numerator = models.BigIntegerField("分子", default=0)
    denominator = models.BigIntegerField("分母", default=0)
    extra = models.BigIntegerField("補助", default=0)  # NPS: detractors
    built_at = models.DateTimeField("集計日時", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "KPI月次集計"
        constraints = [models.UniqueConstraint(fields=["kpi", "agency", "month"], name="kpi_monthly_key")]
        indexes = [models.Index(fields=["agency", "month"], name="kpi_monthly_agency_month")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.agency_id} {self.month:%Y-%m}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    PUBLISHED = "published", "公表済"


class KpiReport(models.Model):
    """「お客さま本位の業務運営に関する取組状況」 of one agency and fiscal year: the editable texts (the
    KPI table is computed). Publishing freezes a `KpiReportVersion`; editing afterwards starts the next."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    principles = models.TextField("取組方針", blank=True)
    measures = models.TextField("主な取組", blank=True)
    comments = models.TextField("KPIへのコメント(振り返り)", blank=True)
    status = models.CharField("状態", max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="更新者")
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "取組状況の公表"
        constraints = [models.UniqueConstraint(fields=["agency", "fiscal_year"], name="kpi_report_once")]

    def __str__(self) -> str:
        return f"{self.agency} {self.fiscal_year}年度"


class KpiReportVersion(models.Model):
    """A published version: the texts and the KPI table as published (JSON), frozen; never changed."""

    report = models.ForeignKey(KpiReport, on_delete=models.PROTECT, related_name="versions", verbose_name="公表")
    number = models.PositiveIntegerField("版")
    published_at = models.DateTimeField("公表日時")
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="公表者")
    content = models.JSONField("公表内容")

    class Meta:
        verbose_name = verbose_name_plural = "取組状況の公表版"
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="kpi_report_version_once")]

    def __str__(self) -> str:
        return f"{self.report} 第{self.number}版"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValidationError("公表済みの版は変更できません。")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
