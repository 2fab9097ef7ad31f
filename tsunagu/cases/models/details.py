"""Type-specific panels of a case: one row per case of that type."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from tsunagu.core.fields import EncryptedTextField
from tsunagu.core.models import Department, User
from tsunagu.core.writes import HistoryQuerySet

from ..choices import (
    AdrResult,
    AdrStage,
    CancellationOutcome,
    CancellationReason,
    IdentityDocument,
    InquiryCategory,
    VerificationMethod,
)
from .case import Case
from .config import ComplaintCategory, KnowledgeArticle, RetentionGuidance


class ChangeRequest(models.Model):
    """異動: the requested new values, applied through customers/policies services on completion."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="change", verbose_name="案件")
    new_values = models.JSONField("変更後の内容", default=dict, blank=True)
    effective_date = models.DateField("異動日", null=True, blank=True)
    premium_difference = models.BigIntegerField("保険料差額(円, +追徴/−返戻)", null=True, blank=True)
    applied_at = models.DateTimeField("反映日時", null=True, blank=True)
    # What the change replaced (address, name, payment), kept when it is applied: before → after.
    # Nullable so that bulk loaders that name their columns (demo data) need not know it.
    previous_values = models.JSONField("変更前の内容", null=True, blank=True, default=dict)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "異動内容"

    def __str__(self) -> str:
        return f"{self.case.number} 異動"

    @property
    def premium_difference_label(self) -> str:
        if self.premium_difference is None:
            return "未算出"
        if self.premium_difference > 0:
            return f"追徴 ¥{self.premium_difference:,}"
        if self.premium_difference < 0:
            return f"返戻 ¥{-self.premium_difference:,}"
        return "差額なし"


class AccidentReport(models.Model):
    """事故受付 (first notice of loss)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="accident", verbose_name="案件")
    occurred_at = models.DateTimeField("事故日時")
    place = models.CharField("事故場所", max_length=200)
    line = models.CharField("保険種目", max_length=20)
    accident_type = models.CharField("事故の種類", max_length=40)
    description = models.TextField("事故状況")
    parties = models.TextField("相手方・関係者", blank=True)
    # 機微情報 (health): encrypted at rest, shown to roles with a purpose only (core.masking.SENSITIVE).
    injuries = EncryptedTextField("けが人の状況", blank=True)
    police_report_number = models.CharField("警察届出番号", max_length=50, blank=True)
    agency_first_contact = models.BooleanField("代理店が一次受付", default=False)
    coverage_warnings = models.JSONField("補償確認の注意", default=list, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事故受付"

    def __str__(self) -> str:
        return f"{self.case.number} {self.accident_type}"


class IdentityVerification(models.Model):
    """本人確認 before a reissue."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="identity", verbose_name="案件")
    method = models.CharField("確認方法", max_length=20, choices=VerificationMethod.choices)
    document_type = models.CharField("確認書類", max_length=20, choices=IdentityDocument.choices, blank=True)
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="確認者")
    verified_at = models.DateTimeField("確認日時")
    note = models.CharField("備考", max_length=200, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "本人確認"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_method_display()}"


class InquiryDetail(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="inquiry", verbose_name="案件")
    category = models.CharField("分類", max_length=20, choices=InquiryCategory.choices)
    question = models.TextField("お問い合わせ内容")
    answer = models.TextField("回答", blank=True)
    articles = models.ManyToManyField(KnowledgeArticle, blank=True, related_name="+", verbose_name="参照したFAQ")
    history = HistoricalRecords(m2m_fields=[articles])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "問い合わせ内容"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_category_display()}"


class ComplaintDetail(models.Model):
    """苦情 (§d.4). fact_finding and the ADR fields are sensitive: complaints/compliance only."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="complaint", verbose_name="案件")
    category = models.ForeignKey(ComplaintCategory, on_delete=models.PROTECT, related_name="+", verbose_name="苦情分類")
    customer_request = models.TextField("お客さまのご要望")
    fact_finding = EncryptedTextField("事実確認メモ(機微)", blank=True)
    departments_involved = models.ManyToManyField(Department, blank=True, related_name="+", verbose_name="関係部署")
    cause = models.TextField("原因", blank=True)
    countermeasure = models.TextField("対策", blank=True)
    explained_on = models.DateField("お客さまへの説明日", null=True, blank=True)
    explained_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="説明者"
    )
    apologized = models.BooleanField("お詫び", default=False)
    # The ADR path (§d.2), written only by services/adr.py. db_default keeps bulk loaders that name
    # their columns (demo data) working without knowing these.
    adr_stage = models.CharField(
        "ADR手続の段階", max_length=12, choices=AdrStage.choices, blank=True, default="", db_default=""
    )
    adr_referred_on = models.DateField("ADRセンターからの通知日", null=True, blank=True)
    adr_lodged_on = models.DateField("お客さまのADR申出日", null=True, blank=True)
    adr_reference = EncryptedTextField("ADR受付番号", max_length=50, blank=True)
    adr_dispute_filed_on = models.DateField("紛争解決手続の申立日", null=True, blank=True)
    adr_result = models.CharField(
        "ADRの結果", max_length=24, choices=AdrResult.choices, blank=True, default="", db_default=""
    )
    adr_concluded_on = models.DateField("ADRの終了日", null=True, blank=True)
    adr_outcome = EncryptedTextField("ADRの結果の詳細", blank=True)
    # Agency-origin complaints (the case names an agency) are reported to the insurer (§d.4).
    reported_to_insurer_on = models.DateField("保険会社への報告日", null=True, blank=True)
    recurrence_prevention = models.TextField("再発防止策", blank=True)
    history = HistoricalRecords(m2m_fields=[departments_involved])
    objects = HistoryQuerySet.as_manager()

    # Encrypted at rest (EncryptedTextField) and shown to complaints officers and compliance only.
    SENSITIVE_FIELDS = ("fact_finding", "adr_reference", "adr_outcome")

    class Meta:
        verbose_name = verbose_name_plural = "苦情内容"
        indexes = [
            # The reminder command and the home panel read the open ADR referrals only.
            models.Index(
                fields=["adr_stage"],
                condition=~models.Q(adr_stage="") & models.Q(adr_result=""),
                name="complaint_adr_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.category}"


class CancellationRequest(models.Model):
    """解約申出 (§e.3)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="cancellation", verbose_name="案件")
    reason = models.CharField("解約理由", max_length=30, choices=CancellationReason.choices)
    reason_text = models.TextField("理由の詳細", blank=True)
    competitor = models.CharField("乗換え先(判明していれば)", max_length=100, blank=True)
    offer_made = models.TextField("ご提案した内容", blank=True)
    # The retention guidance (talk point) the operator mainly used: the 解約防止分析 counts retention per
    # talk point. Set on the case page through services.cancellation_record (history kept).
    guidance_used = models.ForeignKey(
        RetentionGuidance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="使用したご案内(解約防止ガイド)",
    )
    outcome = models.CharField("結果", max_length=20, choices=CancellationOutcome.choices, blank=True)
    effective_date = models.DateField("解約日", null=True, blank=True)
    refund_note = models.TextField("返戻金について", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "解約申出"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_reason_display()}"
