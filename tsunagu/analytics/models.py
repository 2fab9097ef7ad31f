"""Trained model versions and the customers' latest scores."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tsunagu.core import scoping
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from .choices import ModelKind


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

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name="顧客")
    kind = models.CharField("種類", max_length=20, choices=ModelKind.choices)
    model = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="scores", verbose_name="モデル")
    score = models.FloatField("スコア")
    product_line = models.CharField("提案する種目", max_length=20, blank=True)
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
