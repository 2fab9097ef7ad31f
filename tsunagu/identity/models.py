"""Identity resolution (名寄せ): source systems, imported source records, match candidates,
merges of customers with their lineage. Source records keep the original values; features and
blocking keys are derived from them and never overwrite them."""

from __future__ import annotations

import math
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from tsunagu.core import scoping
from tsunagu.core.jobs import JobSpec
from tsunagu.core.models import User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer

from .choices import (
    DECIDED_STATUSES,
    BatchStatus,
    LineageRule,
    MergeStatus,
    PairKind,
    PairStatus,
    RelationRole,
    RunKind,
    RunStatus,
)
from .records import CONVENTIONS

code_validator = RegexValidator(
    r"^[A-Za-z0-9_\-]{1,20}$", "ソースコードは半角英数字・_・- の20文字以内で入力してください。"
)


class SourceSystem(models.Model):
    """A system customer records come from (代理店システム, 契約システム, 事故システム, Web …)."""

    code = models.CharField("ソースコード", max_length=20, unique=True, validators=[code_validator])
    name = models.CharField("ソース名", max_length=100)
    priority = models.PositiveSmallIntegerField("優先度(小さいほど優先)", default=100)
    # Fields this system verifies against identity documents: its values win survivorship.
    verified_fields = models.JSONField("本人確認済みの項目", default=list, blank=True)
    # A customer master with one record per person (a policy system's customer numbers): its
    # records are never matched with each other, and a record links to at most one of them.
    deduplicated = models.BooleanField(
        "重複なし(1人1レコード)",
        default=False,
        help_text="このシステムでは同じ人が2件以上登録されないとき。システム内どうしは照合せず、"
        "他のシステムのレコードはこのシステムのうち最も確からしい1件とだけ統合します。",
    )
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ソースシステム"
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class MappingProfile(models.Model):
    """How one source's file columns map onto the record fields (source column → field)."""

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="profiles")
    name = models.CharField("プロファイル名", max_length=100, default="標準")
    columns = models.JSONField("列の対応", default=dict)
    encoding = models.CharField("文字コード(空欄は自動判定)", max_length=20, blank=True)
    # What the source's data is like (records.CONVENTIONS: kana-only names, era-coded birth dates,
    # old postal codes, phones without the leading 0, no e-mail): the import accepts such values.
    conventions = models.JSONField(
        "データの慣習",
        default=list,
        blank=True,
        help_text="このソースのデータの書き方(カナ氏名のみ、元号コードの生年月日、旧郵便番号、先頭の0がない電話番号、"
        "メールアドレスなし)。指定した書き方の値はエラーにせず取り込みます。",
    )
    is_default = models.BooleanField("既定", default=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "列マッピング"
        ordering = ["source", "name"]
        constraints = [models.UniqueConstraint(fields=["source", "name"], name="mapping_profile_unique")]

    def __str__(self) -> str:
        return f"{self.source.code}: {self.name}"

    @property
    def convention_labels(self) -> list[str]:
        """The declared conventions' Japanese labels, in the order of records.CONVENTIONS."""
        declared = set(self.conventions or [])
        return [c.label for code, c in CONVENTIONS.items() if code in declared]


class ImportBatch(models.Model):
    """One imported file; its invalid rows are kept as staged rows (the error report)."""

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="batches")
    profile = models.ForeignKey(MappingProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file_name = models.CharField("ファイル名", max_length=255)
    file_sha256 = models.CharField("ファイルのSHA-256", max_length=64)
    file_format = models.CharField("形式", max_length=10)
    encoding = models.CharField("文字コード", max_length=20, blank=True)
    status = models.CharField("状態", max_length=20, choices=BatchStatus.choices)
    total_rows = models.PositiveIntegerField("行数", default=0)
    created_count = models.PositiveIntegerField("新規", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("変更なし", default=0)
    invalid_count = models.PositiveIntegerField("エラー", default=0)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="取込者")
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "取込バッチ"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class StagedRow(models.Model):
    """An invalid row, kept with its original values and the reasons (never silently dropped)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="staged_rows")
    row_number = models.PositiveIntegerField("行番号")
    source_id = models.CharField("ソースID", max_length=100, blank=True)
    raw = models.JSONField("元の値", default=dict)
    errors = models.JSONField("エラー", default=list)  # [{"column": ..., "message": ...}]

    class Meta:
        verbose_name = verbose_name_plural = "取込エラー行"
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class SourceRecord(models.Model):
    """One customer record as a source system holds it, upserted by (source, source id)."""

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records")
    external_id = models.CharField("ソースID", max_length=100)  # the source system's own id
    values = models.JSONField("元の値", default=dict)  # original strings per record field
    features = models.JSONField("照合用の正規化値", default=dict)  # derived, never shown as data
    content_hash = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_records",
        verbose_name="顧客",
    )
    last_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    changed_at = models.DateTimeField("内容の更新日時", db_index=True)
    history = HistoricalRecords(excluded_fields=["features"])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ソースレコード"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="source_record_unique")]

    def __str__(self) -> str:
        return f"{self.source.code}:{self.external_id}"

    @property
    def record_id(self) -> str:
        """The id the matcher knows this record by."""
        return str(self.pk)

    def value(self, field: str) -> str:
        return str(self.values.get(field) or "")


class BlockingKey(models.Model):
    """Indexed blocking keys, so a new record finds its candidates without a full run."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="blocking_keys")
    key = models.CharField(max_length=200)

    class Meta:
        verbose_name = verbose_name_plural = "ブロッキングキー"
        indexes = [models.Index(fields=["key"])]
        constraints = [models.UniqueConstraint(fields=["record", "key"], name="blocking_key_unique")]

    def __str__(self) -> str:
        return self.key


class MatchModel(models.Model):
    """A trained matcher (JSON), with the thresholds chosen from the model itself."""

    version = models.PositiveIntegerField("バージョン", unique=True)
    model_json = models.TextField("モデル")
    auto_link = models.FloatField("自動統合のしきい値")
    review = models.FloatField("要確認のしきい値")
    trained_on = models.PositiveIntegerField("学習レコード数", default=0)
    trained_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="学習実行者")
    trained_at = models.DateTimeField("学習日時", auto_now_add=True)
    is_active = models.BooleanField("使用中", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "照合モデル"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_match_model")
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class MatchRun(models.Model):
    """A full match run (background task or command), with progress for the screen."""

    kind = models.CharField("種別", max_length=10, choices=RunKind.choices, default=RunKind.FULL)
    status = models.CharField("状態", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    model = models.ForeignKey(MatchModel, on_delete=models.PROTECT, null=True, blank=True, related_name="runs")
    total = models.PositiveIntegerField("対象数", default=0)
    processed = models.PositiveIntegerField("処理済み", default=0)
    pairs_found = models.PositiveIntegerField("候補ペア", default=0)
    auto_linked = models.PositiveIntegerField("自動統合", default=0)
    queued_for_review = models.PositiveIntegerField("要確認", default=0)
    related_found = models.PositiveIntegerField("関連候補(法人と代表者)", default=0)
    message = models.TextField("メッセージ", blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実行者")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    # Its lifecycle is core.jobs' (start, progress, fail with a Japanese reason, complete).
    job_spec = JobSpec(done=RunStatus.DONE, reason="message", exceptions_key=None)

    class Meta:
        verbose_name = verbose_name_plural = "照合実行"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.status == RunStatus.DONE else 0)


class CandidatePair(models.Model):
    """Two source records the matcher thinks may be one person (kind 名寄せ候補), or a person and
    a corporation that look related (kind 関連候補: owner and company, never merged), and what was
    decided."""

    kind = models.CharField("種類", max_length=10, choices=PairKind.choices, default=PairKind.MATCH, db_index=True)
    record_l = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="+")
    record_r = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField("一致確率")
    match_weight = models.FloatField("一致重み")
    evidence = models.JSONField("項目ごとの根拠", default=dict)
    status = models.CharField("状態", max_length=12, choices=PairStatus.choices, db_index=True)
    model_version = models.PositiveIntegerField("モデル", null=True, blank=True)
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="判定者"
    )
    decided_at = models.DateTimeField("判定日時", null=True, blank=True)
    note = models.CharField("判定メモ", max_length=300, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords(excluded_fields=["evidence"])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "名寄せ候補"
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_l", "record_r"], name="candidate_pair_unique"),
            models.CheckConstraint(condition=Q(record_l__lt=F("record_r")), name="candidate_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.record_l_id}~{self.record_r_id} ({self.match_probability:.3f})"

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    @property
    def is_related(self) -> bool:
        return self.kind == PairKind.RELATED

    @property
    def model_probability(self) -> float:
        """The matcher's own probability; `match_probability` is after the rule layer, which
        may have lifted or capped it (to the review threshold, say) and decides the status."""
        value = (self.evidence or {}).get(MODEL_PROBABILITY)
        return float(value) if isinstance(value, int | float) else self.match_probability

    @property
    def model_weight(self) -> float:
        """The match weight (log2 odds, bits) of `model_probability`."""
        p = min(max(self.model_probability, 1e-12), 1 - 1e-12)
        return math.log2(p / (1 - p))

    @property
    def ruled(self) -> bool:
        """A rule set the probability that decides the status (not the model's own)."""
        return abs(self.model_probability - self.match_probability) > 1e-9


# Key of the model's own probability in CandidatePair.evidence (the other keys are comparisons).
MODEL_PROBABILITY = "model_probability"


def with_model_probability(evidence: dict[str, Any] | None, probability: float | None) -> dict[str, Any]:
    """`evidence` with the model's own probability (before the rule layer) kept beside it."""
    out = dict(evidence or {})
    if probability is not None and probability == probability:  # not NaN
        out[MODEL_PROBABILITY] = float(probability)
    return out


class CustomerMerge(models.Model):
    """`absorbed` merged into `survivor`. The absorbed customer is kept (marked merged-into here)
    and `snapshot` holds what is needed to restore the state before the merge."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="統合先")
    absorbed = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="統合元")
    status = models.CharField("状態", max_length=10, choices=MergeStatus.choices, default=MergeStatus.ACTIVE)
    reason = models.CharField("統合の理由", max_length=300)
    pair = models.ForeignKey(CandidatePair, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    snapshot = models.JSONField("統合前の状態", default=dict)
    changes = models.JSONField("統合で行った変更", default=dict)
    merged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="統合者")
    merged_at = models.DateTimeField("統合日時", auto_now_add=True)
    undone_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="解除者"
    )
    undone_at = models.DateTimeField("解除日時", null=True, blank=True)
    undo_reason = models.CharField("解除の理由", max_length=300, blank=True)
    history = HistoricalRecords(excluded_fields=["snapshot", "changes"])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "顧客の統合"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["absorbed"], condition=Q(status=MergeStatus.ACTIVE), name="one_active_merge_per_absorbed"
            ),
            models.CheckConstraint(condition=~Q(survivor=F("absorbed")), name="merge_not_into_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"


class FieldLineage(models.Model):
    """Which source record gave a golden customer's field its value, and by which rule."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="lineage")
    field = models.CharField("項目", max_length=30)
    value = models.TextField("値", blank=True)
    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="出典"
    )
    rule = models.CharField("採用ルール", max_length=10, choices=LineageRule.choices)
    verified = models.BooleanField("確認済み", default=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "採用値の出典"
        ordering = ["customer", "field"]
        constraints = [models.UniqueConstraint(fields=["customer", "field"], name="lineage_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}.{self.field}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "source_record": self.source_record_id,
            "rule": self.rule,
            "verified": self.verified,
        }


class CustomerRelationQuerySet(scoping.ScopedQuerySet):
    # A relation names two customers: visible only to whoever may see both.
    scope_rule = scoping.All((scoping.CustomerLink("person"), scoping.CustomerLink("corporation")))


class CustomerRelation(models.Model):
    """A person and a corporation registered as related (代表者・関係者) by a steward: two
    customers that stay two customers (issue 16: "linked as related, never merged")."""

    person = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="個人")
    corporation = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="法人")
    role = models.CharField("関係", max_length=20, choices=RelationRole.choices, default=RelationRole.REPRESENTATIVE)
    pair = models.ForeignKey(
        CandidatePair, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="関連候補"
    )
    note = models.CharField("メモ", max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登録者")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    # 関連の解除 (services.related.relation_end): the row stays, ended, with who, when and why; an
    # ended relation is no longer shown, and the two customers may be related again (a new row).
    ended_at = models.DateTimeField("解除日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="解除者"
    )
    end_reason = models.CharField("解除の理由", max_length=300, blank=True)
    history = HistoricalRecords()
    objects = CustomerRelationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "顧客の関連(法人と代表者)"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "corporation"],
                condition=Q(ended_at__isnull=True),
                name="customer_relation_unique_active",
            ),
            models.CheckConstraint(condition=~Q(person=F("corporation")), name="customer_relation_two_customers"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} – {self.corporation_id} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
