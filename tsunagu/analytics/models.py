"""Trained model versions and the customers' latest scores."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tsunagu.core import scoping
from tsunagu.core.models import Agency, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.choices import ContactChannel
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

from .choices import EntryResult, ListBasis, ModelKind


class ModelVersion(models.Model):
    """A trained model: the one-file artifact (JSON, see analytics.modeling.artifact) with its data
    window, features and held-out metrics. Immutable except `is_active` (one per kind) and the latest
    drift report; activation is an audit event."""

    kind = models.CharField("種類", max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField("バージョン")
    artifact = models.TextField("モデル(JSON)")
    data_window = models.JSONField("データ期間", default=dict)
    features = models.JSONField("特徴量", default=list)
    metrics = models.JSONField("評価指標", default=dict)
    trained_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="学習実行者")
    trained_at = models.DateTimeField("学習日時", auto_now_add=True)
    is_active = models.BooleanField("使用中", default=False)
    drift = models.JSONField("ドリフト(直近の採点時)", default=list, blank=True)
    drift_as_of = models.DateField("ドリフトの基準日", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "予測モデル"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="analytics_model_kind_version"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_active=True), name="analytics_one_active_model"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def auc(self) -> float | None:
        return (self.metrics.get("lightgbm") or {}).get("auc")

    @property
    def baseline_auc(self) -> float | None:
        return (self.metrics.get("baseline") or {}).get("auc")


class ScoreQuerySet(scoping.ScopedQuerySet):
    """Scores are personal data: scoped exactly like the customer they belong to."""

    scope_rule = scoping.CustomerLink("customer")


class Score(models.Model):
    """A customer's latest score of one kind (replaced by every scoring run), with its reasons."""

    # No single-column indexes on the two keys: the unique (customer, kind) serves lookups by customer,
    # and scores are found by model only when a model version is deleted. Every scoring run replaces
    # up to a million rows, and each index is written for each of them (1M customers on SQLite: the
    # insert was 22 s of a 58 s churn run with four indexes).
    # No foreign-key constraints in the database either (Django's CASCADE / PROTECT still apply to
    # deletions through the ORM): the rows are derived from the book by the scoring run alone, and the
    # deferred checks of a run cost two lookups per score at commit (PostgreSQL: a trigger query each).
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name="顧客", db_index=False, db_constraint=False
    )
    kind = models.CharField("種類", max_length=20, choices=ModelKind.choices)
    model = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name="モデル",
        db_index=False,
        db_constraint=False,
    )
    score = models.FloatField("スコア")
    product_line = models.CharField("提案する種目", max_length=20, blank=True, choices=LineOfBusiness.choices)
    reasons = models.JSONField("理由", default=list)
    marketing_allowed = models.BooleanField("営業利用の同意", default=False)
    as_of = models.DateField("基準日")
    scored_at = models.DateTimeField("採点日時")

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "予測スコア"
        constraints = [models.UniqueConstraint(fields=["customer", "kind"], name="analytics_score_one_per_kind")]
        indexes = [models.Index(fields=["kind", "-score"], name="analytics_score_rank")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score:.3f}"


class TargetList(models.Model):
    """A target list built by an analyst from a segment (the filters are kept as entered), with a
    seeded random control group held out of the worklist so that the list's effect can be measured.
    The counts and the seed are fixed at creation; the list itself holds no personal data."""

    name = models.CharField("リスト名", max_length=100)
    basis = models.CharField("提案の根拠", max_length=20, choices=ListBasis.choices)
    talking_points = models.TextField("トークのポイント", blank=True)
    filters = models.JSONField("抽出条件", default=dict)
    criteria = models.JSONField("抽出条件(表示用)", default=list)
    as_of = models.DateField("基準日")
    control_percent = models.PositiveSmallIntegerField(
        "対照群の割合(%)", validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    seed = models.PositiveIntegerField("乱数シード")
    treatment_count = models.PositiveIntegerField("対象(ワークリスト)", default=0)
    control_count = models.PositiveIntegerField("対照群", default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="作成者")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ターゲットリスト"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class TargetEntryQuerySet(scoping.ScopedQuerySet):
    """Agency staff see the entries assigned to their agency, and only of customers it serves."""

    scope_rule = scoping.All((scoping.CustomerLink("customer"), scoping.AgencyField("agency")))


# Derived or fixed-at-creation values the entry's row history does not need to repeat.
HISTORY_EXCLUDED = ["proposal_points", "score", "decile", "product_line", "channel",
                    "conversion_score", "conversion_reasons", "conversion_model", "conversion_as_of"]  # fmt: skip


class TargetEntry(models.Model):
    """One customer of a target list: in the worklist (treatment) or held out (control), with the
    proposal points shown to the agency and the activity result that comes back."""

    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="entries", verbose_name="リスト")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    # The agency that works the entry (the customer's first serving agency when the list was built);
    # none for customers no agency serves (head office works those).
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当代理店"
    )
    # The customer's preferred contact channel when the list was built: known for control entries too,
    # so uplift per channel compares like with like.
    channel = models.CharField("連絡方法", max_length=12, choices=ContactChannel.choices)
    is_control = models.BooleanField("対照群", default=False)
    score = models.FloatField("スコア", null=True, blank=True)
    decile = models.PositiveSmallIntegerField("デシル", null=True, blank=True)
    product_line = models.CharField("提案する種目", max_length=20, blank=True)
    proposal_points = models.JSONField("提案のポイント", default=list, blank=True)  # none before a model scored
    result = models.CharField("結果", max_length=12, choices=EntryResult.choices, default=EntryResult.PENDING)
    won_policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="成約した契約"
    )
    result_note = models.CharField("メモ", max_length=200, blank=True)
    result_at = models.DateTimeField("結果の記録日時", null=True, blank=True)
    result_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="結果の記録者"
    )
    # The conversion model's latest score of an open entry (analytics.conversion): derived values,
    # replaced by each scoring run (its audit event records the run), so kept out of the row history.
    conversion_score = models.FloatField("成約見込み", null=True, blank=True)
    conversion_reasons = models.JSONField("成約見込みの理由", null=True, blank=True)
    conversion_model = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="成約予測モデル"
    )
    conversion_as_of = models.DateField("成約見込みの基準日", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED)

    objects = TargetEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ターゲットリストの顧客"
        constraints = [models.UniqueConstraint(fields=["target_list", "customer"], name="analytics_entry_once")]
        indexes = [models.Index(fields=["target_list", "agency", "is_control"], name="analytics_entry_worklist")]

    def __str__(self) -> str:
        return f"{self.target_list} / {self.customer_id}"
