"""お客様の声: categories (two levels), voices, the words' index, monthly circulations (回覧) with
their read receipts, and improvements.

A voice is scoped like a case: agency staff see the voices of their agency's customers (and not
those about another agency's policy); a voice without a customer belongs to the agency that
recorded it (head-office voices without a customer are head office's). The words are indexed at
write time (`VoiceTerm`, `VoiceTermStat`, see voice.text and voice.similarity).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tsunagu.cases.models import Case
from tsunagu.core import scoping
from tsunagu.core.models import Agency, Department, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Policy
from tsunagu.surveys.models import Response

from .choices import ComplaintDecision, ImprovementStatus, VoiceChannel, VoiceKind


class VoiceCategory(models.Model):
    """Two-level category list, maintained in the admin; level 1 names the kind (感謝・不満・要望・その他)."""

    code = models.CharField("コード", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種類", max_length=20, choices=VoiceKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="大分類"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "お客様の声の分類"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id and self.parent else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent:
            if self.parent.parent_id:
                raise ValidationError({"parent": "お客様の声の分類は2階層までです。大分類を親に指定してください。"})
            if self.kind != self.parent.kind:
                raise ValidationError({"kind": "小分類の種類は大分類と同じにしてください。"})


class VoiceQuerySet(scoping.ScopedQuerySet):
    # With a customer: the customer's agency link, and not about another agency's policy (as cases);
    # without one: the agency that recorded it.
    scope_rule = scoping.All(
        (scoping.FirstOf(("customer",), otherwise=scoping.AgencyField("agency")), scoping.Via("policy", optional=True))
    )


# The text retention leaves in a voice whose period ended (compliance.retention_steps; the same words as
# retention.CLEARED_TEXT), with no words in the index and a norm of 0. Staff cannot record this text
# (services._check), so it marks a cleared voice.
ERASED_TEXT = "(保存期間満了により消去)"


def erased() -> Q:
    """Voices cleared by retention."""
    return Q(text=ERASED_TEXT)


class Voice(models.Model):
    received_on = models.DateField("受付日")
    channel = models.CharField("受付経路", max_length=10, choices=VoiceChannel.choices)
    category = models.ForeignKey(VoiceCategory, on_delete=models.PROTECT, related_name="voices", verbose_name="分類")
    kind = models.CharField("種類", max_length=20, choices=VoiceKind.choices, editable=False)  # the category's
    text = models.TextField("お客様の声(言葉のまま)")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="voices", verbose_name="顧客"
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="契約"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="voices", verbose_name="関連する案件"
    )
    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="対応した担当者"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="部署"
    )
    survey_response = models.OneToOneField(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="voice", verbose_name="アンケート回答"
    )
    complaint_decision = models.CharField(
        "苦情として扱うか", max_length=10, choices=ComplaintDecision.choices, default=ComplaintDecision.UNDECIDED
    )
    complaint_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="苦情案件"
    )
    term_norm = models.FloatField("語の重みのノルム", default=0, editable=False)  # sqrt(Σ tf²), for similarity
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="記録者")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["term_norm"])  # derived from the text (the index)
    objects = VoiceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "お客様の声"
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["-received_on", "-id"], name="voice_received"),
            models.Index(fields=["kind", "received_on"], name="voice_kind_date"),
            models.Index(fields=["agency", "received_on"], name="voice_agency_date"),
            models.Index(fields=["customer", "-received_on"], name="voice_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on:%Y/%m/%d} {self.category}"

    @property
    def is_dissatisfaction(self) -> bool:
        return self.kind == VoiceKind.DISSATISFACTION

    @property
    def is_erased(self) -> bool:
        """Cleared by retention (保存期間満了): the words are gone; date, category and links remain."""
        return self.text == ERASED_TEXT


class VoiceTerm(models.Model):
    """The inverted index of the words: one row per voice and normalised content word."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=50)
    tf = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "お客様の声の語"
        indexes = [models.Index(fields=["term", "-voice"], name="voice_term_postings")]
        constraints = [models.UniqueConstraint(fields=["voice", "term"], name="voice_term_unique")]

    def __str__(self) -> str:
        return self.term


class VoiceTermStat(models.Model):
    """How many voices contain the term (document frequency), kept with the index."""

    term = models.CharField(max_length=50, unique=True)
    df = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "語の出現数"

    def __str__(self) -> str:
        return f"{self.term} {self.df}"


class OrgQuerySet(scoping.ScopedQuerySet):
    """Rows of an agency (agency staff see their agency's) or of head office (agency is empty)."""

    scope_rule = scoping.AgencyField("agency")


def _one_owner(row: Circulation | Improvement) -> None:
    if bool(row.agency_id) == bool(row.department_id):
        raise ValidationError("代理店か部署のどちらか一方を指定してください。")


class Circulation(models.Model):
    """回覧: an agency's or a department's voices of one month, which everyone confirms as read."""

    month = models.DateField("対象月")  # the first day of the month
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="部署"
    )
    voices = models.ManyToManyField(Voice, related_name="circulations", verbose_name="お客様の声")
    note = models.TextField("連絡事項", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="作成者")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "回覧"
        ordering = ["-month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "department"], name="voice_circulation_unique", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}の回覧({self.owner_name})"

    @property
    def owner_name(self) -> str:
        owner = self.agency or self.department
        return owner.name if owner else ""

    def clean(self) -> None:
        _one_owner(self)
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "対象月は月の初日で指定してください。"})


class CirculationRead(models.Model):
    """「確認しました」: who read a circulation, and when."""

    circulation = models.ForeignKey(Circulation, on_delete=models.CASCADE, related_name="reads", verbose_name="回覧")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="確認者")
    read_at = models.DateTimeField("確認日時")
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "回覧の確認"
        ordering = ["read_at"]
        constraints = [models.UniqueConstraint(fields=["circulation", "user"], name="voice_circulation_read_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.read_at}"


class Improvement(models.Model):
    """An improvement action the voices led to, with its owner, status and result."""

    title = models.CharField("改善内容", max_length=200)
    description = models.TextField("取組の詳細", blank=True)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="責任者")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="部署"
    )
    status = models.CharField(
        "状態", max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.PLANNED
    )
    planned_on = models.DateField("計画日")
    completed_on = models.DateField("完了日", null=True, blank=True)
    result = models.TextField("結果", blank=True)
    voices = models.ManyToManyField(Voice, related_name="improvements", blank=True, verbose_name="きっかけの声")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登録者")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "改善"
        ordering = ["-planned_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        _one_owner(self)
        if self.status == ImprovementStatus.DONE and not self.completed_on:
            raise ValidationError({"completed_on": "完了した改善には完了日を入力してください。"})
        if self.status != ImprovementStatus.DONE and self.completed_on:
            raise ValidationError({"completed_on": "完了日は状態が「完了」のときだけ入力してください。"})
        if self.completed_on and self.planned_on and self.completed_on < self.planned_on:
            raise ValidationError({"completed_on": "完了日は計画日以降の日付にしてください。"})
