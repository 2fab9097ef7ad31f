"""Issued documents, deduction-certificate data and the batch runs that produce them."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tsunagu.cases.models import Case
from tsunagu.core import scoping
from tsunagu.core.jobs import JobSpec
from tsunagu.core.models import User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import InsuredObject
from tsunagu.policies.models import Policy

from .choices import (
    BatchStatus,
    CertificateCategory,
    CertificatePaymentMode,
    CertificateStatus,
    DeliveryChannel,
    DocumentStatus,
    DocumentType,
)
from .deduction import EXCLUSION_LABELS, Exclusion

EXCLUSION_CHOICES = [(e.value, EXCLUSION_LABELS[e]) for e in Exclusion]


class DocumentQuerySet(scoping.ScopedQuerySet):
    """A document is visible exactly when its policy is; without a policy, when its case is; with
    neither, when its customer is (a contract notice names one agency's premiums and sums insured)."""

    scope_rule = scoping.FirstOf(("policy", "case"), otherwise=scoping.CustomerLink("customer"))


class DocumentBatch(models.Model):
    """One run of a document batch; a resumed run is a new row, earlier rows keep their counts."""

    kind = models.CharField("種別", max_length=30, choices=DocumentType.choices)
    tax_year = models.PositiveSmallIntegerField("対象年分", null=True, blank=True)
    issue_date = models.DateField("証明日・発行日")
    status = models.CharField("状態", max_length=12, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実行者")
    started_at = models.DateTimeField("開始日時", auto_now_add=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    documents_issued = models.PositiveIntegerField("発行件数", default=0)
    certificates_written = models.PositiveIntegerField("証明データ件数", default=0)
    excluded = models.PositiveIntegerField("対象外件数", default=0)
    skipped = models.PositiveIntegerField("除外(例外)件数", default=0)
    exceptions_key = models.CharField("例外レポート", max_length=300, blank=True)
    target_month = models.CharField("対象月", max_length=7, blank=True)  # contract notices: YYYY-MM
    total = models.PositiveIntegerField("処理対象件数", default=0)
    processed = models.PositiveIntegerField("処理済件数", default=0)
    error = models.TextField("中断の理由", blank=True)

    job_spec = JobSpec()  # the default names: running/completed/failed, `error` (tsunagu.core.jobs)

    class Meta:
        verbose_name = verbose_name_plural = "帳票バッチ"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tax_year or self.target_month} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == BatchStatus.COMPLETED:
            return 100
        return min(100, int(100 * self.processed / self.total)) if self.total else 0


class Document(models.Model):
    """One issued document. Files are immutable; a reissue is a new row with the next version."""

    number = models.CharField("帳票番号", max_length=40, unique=True)
    doc_type = models.CharField("帳票種類", max_length=30, choices=DocumentType.choices)
    status = models.CharField("状態", max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="documents", verbose_name="顧客")
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="documents", verbose_name="契約"
    )
    tax_year = models.PositiveSmallIntegerField("対象年分", null=True, blank=True)
    version = models.PositiveSmallIntegerField("版", default=1)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="発行者")
    issued_at = models.DateTimeField("発行日時")
    delivery_channel = models.CharField("送付方法", max_length=12, choices=DeliveryChannel.choices)
    # Snapshot of where it went: later address changes must not rewrite history.
    delivery_name = models.CharField("宛名", max_length=200)
    delivery_postal_code = models.CharField("送付先郵便番号", max_length=8, blank=True)
    delivery_address = models.CharField("送付先住所", max_length=400, blank=True)
    storage_backend = models.CharField("保存先", max_length=30)
    storage_key = models.CharField("保存キー", max_length=300)
    page = models.PositiveIntegerField("印刷ファイル内の開始ページ", null=True, blank=True)
    page_count = models.PositiveSmallIntegerField("ページ数", default=1)
    sha256 = models.CharField("SHA-256", max_length=64)
    size_bytes = models.PositiveBigIntegerField("ファイルサイズ", default=0)
    batch = models.ForeignKey(
        DocumentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="documents", verbose_name="バッチ"
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes", verbose_name="差替後"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="issued_documents", verbose_name="案件"
    )
    notice_for = models.DateField("応当日(契約内容のお知らせ)", null=True, blank=True)
    note = models.CharField("発行理由", max_length=200, blank=True)
    # Set by retention when the file was deleted and its reference (storage_key, page) cleared.
    file_erased_at = models.DateTimeField("ファイル削除日時(保存期間満了)", null=True, blank=True)
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "発行帳票"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "doc_type", "tax_year"]),
            # retention: is a deleted document's file still referred to (a shared print file)?
            models.Index(fields=["storage_key"], name="document_storage_key"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "tax_year", "version"],
                condition=Q(doc_type=DocumentType.DEDUCTION_CERTIFICATE),
                name="document_certificate_version_unique",
            ),
            models.UniqueConstraint(
                fields=["customer", "tax_year"],
                condition=Q(doc_type=DocumentType.DEDUCTION_CERTIFICATE, status=DocumentStatus.ISSUED),
                name="document_one_current_certificate",
            ),
            models.UniqueConstraint(
                fields=["policy", "version"],
                condition=Q(doc_type=DocumentType.POLICY),
                name="document_policy_version_unique",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(doc_type=DocumentType.POLICY, status=DocumentStatus.ISSUED),
                name="document_one_current_policy",
            ),
            models.UniqueConstraint(
                fields=["policy", "notice_for"],
                condition=Q(doc_type=DocumentType.CONTRACT_NOTICE),
                name="document_one_notice_per_anniversary",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number}"

    @property
    def is_reissue(self) -> bool:
        return self.version > 1

    @property
    def file_erased(self) -> bool:
        """The file was deleted by retention (保存期間満了): the row keeps number and dates only. A stored
        document always has a key, so an empty one means erased (even where no date was recorded)."""
        return self.file_erased_at is not None or not self.storage_key


class DeductionCertificate(models.Model):
    """Certificate data for one contract, tax year and category (地震 / 旧長期)."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="deduction_certificates", verbose_name="契約"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="deduction_certificates", verbose_name="契約者"
    )
    tax_year = models.PositiveSmallIntegerField("対象年分")
    category = models.CharField("区分", max_length=20, choices=CertificateCategory.choices)
    status = models.CharField("状態", max_length=20, choices=CertificateStatus.choices)
    excluded = models.BooleanField("対象外", default=False)
    exclusion_reason = models.CharField("対象外の理由", max_length=30, choices=EXCLUSION_CHOICES, blank=True)
    issue_date = models.DateField("証明日")
    certified_amount = models.BigIntegerField("証明額(円)")
    declared_amount = models.BigIntegerField("申告額(円)")
    product_name = models.CharField("保険種類", max_length=100)
    insured_object = models.CharField("保険の対象", max_length=12, choices=InsuredObject.choices, blank=True)
    location = models.CharField("所在地", max_length=300, blank=True)
    period_start = models.DateField("保険期間(始期)")
    period_end = models.DateField("保険期間(終期)")
    payment_mode = models.CharField("払込方法", max_length=2, choices=CertificatePaymentMode.choices)
    version = models.PositiveSmallIntegerField("版", default=1)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name="発行帳票",
    )
    batch = models.ForeignKey(
        DocumentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="バッチ"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "地震保険料控除証明データ"
        ordering = ["customer_id", "policy_id", "category"]
        indexes = [models.Index(fields=["tax_year", "customer"])]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "tax_year", "category"],
                condition=~Q(status=CertificateStatus.SUPERSEDED),
                name="certificate_one_current_per_policy_year",
            ),
            models.UniqueConstraint(
                fields=["policy", "tax_year", "category", "version"], name="certificate_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(certified_amount__gte=0) & Q(declared_amount__gte=models.F("certified_amount")),
                name="certificate_amounts_ordered",
            ),
            models.CheckConstraint(
                condition=Q(excluded=False, exclusion_reason="") | (Q(excluded=True) & ~Q(exclusion_reason="")),
                name="certificate_exclusion_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tax_year}年分 {self.policy_id} {self.get_category_display()}"


def new_link_public_id() -> str:
    return secrets.token_urlsafe(16)


class DownloadLink(models.Model):
    """An expiring link to one electronically delivered document. Only the signed token opens it.

    The token names the link by `public_id`, a random value, never by the sequential primary key:
    a token must not tell how many links exist or which one was issued before it.
    """

    public_id = models.CharField("公開ID", max_length=32, unique=True, default=new_link_public_id, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="links", verbose_name="帳票")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="発行者")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    expires_at = models.DateTimeField("有効期限")
    open_count = models.PositiveIntegerField("ダウンロード回数", default=0)
    last_opened_at = models.DateTimeField("最終ダウンロード日時", null=True, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ダウンロードリンク"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document.number} 〜{self.expires_at:%Y-%m-%d %H:%M}"


class ContractNoticeReply(models.Model):
    """The customer's answer to a 契約内容のお知らせ; 変更あり opens a 異動 case."""

    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="notice_reply", verbose_name="お知らせ"
    )
    has_changes = models.BooleanField("変更あり")
    triggers = models.JSONField("該当する変更", default=list, blank=True)
    note = models.TextField("お客さまの記入内容", blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="異動案件"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="記録者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "契約内容のお知らせへの回答"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document.number} {'変更あり' if self.has_changes else '変更なし'}"
