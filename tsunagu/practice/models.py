"""Agency practice records: 意向把握 (IntentRecord), 高齢者対応 (ElderlySolicitation + ElderlyMeasure),
満期管理 (RenewalProgress), training (TrainingSession, Attendance, RolePlayScore, Qualification,
GuidanceRecord) and the per-agency rule (PracticeRule) that configures them.

Every row carries its agency (denormalised from the policy where there is one) so scoping and the
KPI pack (tsunagu.kpis) count by one indexed column. `complete` / `missing` are maintained by the
services from the pure rules (intent.py, elderly.py); never set them elsewhere.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from tsunagu.core import scoping
from tsunagu.core.models import Agency, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer, Relative
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

from .choices import (
    ConfirmationMethod,
    ElderlyTier,
    IntentKind,
    MeasureKind,
    QualificationKind,
    RenewalOutcome,
    SessionKind,
)


class AgencyScopedQuerySet(scoping.ScopedQuerySet):
    scope_rule = scoping.AgencyField("agency")


class SolicitationChildQuerySet(scoping.ScopedQuerySet):
    scope_rule = scoping.Via("solicitation")


class SessionChildQuerySet(scoping.ScopedQuerySet):
    scope_rule = scoping.Via("session")


def _default_any_of() -> list[str]:
    return [MeasureKind.RELATIVE_PRESENT, MeasureKind.MULTIPLE_AGENTS, MeasureKind.MULTIPLE_MEETINGS]


def _default_enhanced_required() -> list[str]:
    return [MeasureKind.CONFIRMATION_CALL]


class PracticeRule(models.Model):
    """The practice rule of one agency; the row without an agency is the company default."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="practice_rule", verbose_name="代理店"
    )
    elderly_basic_age = models.PositiveSmallIntegerField("高齢者(基本)の年齢", default=70)
    elderly_enhanced_age = models.PositiveSmallIntegerField("高齢者(強化)の年齢", default=80)
    basic_required = models.JSONField("基本: 必須の対応", default=list, blank=True)
    basic_any_of = models.JSONField("基本: いずれか1つ以上の対応", default=_default_any_of, blank=True)
    enhanced_required = models.JSONField("強化: 必須の対応", default=_default_enhanced_required, blank=True)
    enhanced_any_of = models.JSONField("強化: いずれか1つ以上の対応", default=_default_any_of, blank=True)
    early_renewal_days = models.PositiveSmallIntegerField("早期更改の日数(始期の何日前まで)", default=28)
    renewal_start_months = models.PositiveSmallIntegerField("満期管理の着手(満期の何か月前)", default=2)
    first_contact_days = models.PositiveSmallIntegerField("満期案内から初回接触までの日数", default=7)
    roleplay_max = models.PositiveSmallIntegerField("ロールプレイの満点", default=36)
    roleplay_pass = models.PositiveSmallIntegerField("ロールプレイの合格点", default=25)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "募集品質のルール"
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(agency__isnull=True),
                name="practice_rule_one_default",
                violation_error_message="全社共通のルールは1件だけです。",
            )
        ]

    def __str__(self) -> str:
        return f"募集品質のルール({self.agency or '全社共通'})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.elderly_enhanced_age < self.elderly_basic_age:
            errors["elderly_enhanced_age"] = "強化の年齢は基本の年齢以上にしてください。"
        if self.roleplay_pass > self.roleplay_max:
            errors["roleplay_pass"] = "合格点は満点以下にしてください。"
        valid = set(MeasureKind.values)
        for field in ("basic_required", "basic_any_of", "enhanced_required", "enhanced_any_of"):
            value = getattr(self, field)
            if not isinstance(value, list) or any(item not in valid for item in value):
                errors[field] = "対応の種類が正しくありません。"
        if errors:
            raise ValidationError(errors)


class IntentRecord(models.Model):
    """意向把握・意向確認の記録: one per application (new or renewal policy)."""

    policy = models.OneToOneField(Policy, on_delete=models.PROTECT, related_name="intent_record", verbose_name="契約")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    kind = models.CharField("種別", max_length=10, choices=IntentKind.choices)
    line = models.CharField("保険種目", max_length=20, choices=LineOfBusiness.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    initial_intent = models.JSONField("当初意向", default=dict, blank=True)
    final_intent = models.JSONField("最終意向", default=dict, blank=True)
    intent_changed = models.BooleanField("意向の変化あり", default=False)
    change_difference = models.TextField("当初意向との違い", blank=True)
    change_reason = models.TextField("変化の理由", blank=True)
    products_presented = models.JSONField("提示した商品", default=list, blank=True)
    narrowing_reason = models.TextField("絞り込みの基準・理由", blank=True)
    recommended_product = models.CharField("推奨商品", max_length=200, blank=True)
    recommendation_reason = models.TextField("推奨理由", blank=True)
    chose_recommended = models.BooleanField("推奨商品を選択", default=True)
    chosen_product = models.CharField("申込商品", max_length=200, blank=True)
    non_recommended_reason = models.TextField("推奨商品以外を選んだ理由", blank=True)
    double_checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="ダブルチェック者"
    )
    double_checked_at = models.DateTimeField("ダブルチェック日時", null=True, blank=True)
    double_check_note = models.TextField("ダブルチェックの所見", blank=True)
    confirmed_on = models.DateField("お客さまの意向確認日", null=True, blank=True)
    confirmation_method = models.CharField(
        "意向確認の方法", max_length=10, choices=ConfirmationMethod.choices, blank=True
    )
    other_insurer = models.BooleanField("他社商品", default=False)
    complete = models.BooleanField("完了", default=False, db_index=True)
    missing = models.JSONField("不足項目", default=list, blank=True)
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "意向把握の記録"
        ordering = ["-id"]
        indexes = [models.Index(fields=["agency", "complete"])]

    def __str__(self) -> str:
        return f"意向把握({self.policy})"


class ElderlySolicitation(models.Model):
    """高齢者対応: a solicitation of a customer of an elderly tier, gated by the required measures."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="elderly_solicitations", verbose_name="契約"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    solicited_on = models.DateField("募集日")
    age = models.PositiveSmallIntegerField("募集日の年齢")
    tier = models.CharField("区分", max_length=10, choices=ElderlyTier.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    complete = models.BooleanField("完了", default=False, db_index=True)
    missing = models.JSONField("未実施の対応", default=list, blank=True)
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "高齢者対応"
        ordering = ["-solicited_on", "-id"]
        indexes = [models.Index(fields=["agency", "solicited_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "customer"],
                name="elderly_one_per_policy_customer",
                violation_error_message="この契約・顧客の高齢者対応は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"高齢者対応({self.policy})"


class ElderlyMeasure(models.Model):
    """One measure taken for an elderly solicitation."""

    solicitation = models.ForeignKey(
        ElderlySolicitation, on_delete=models.CASCADE, related_name="measures", verbose_name="高齢者対応"
    )
    kind = models.CharField("対応", max_length=20, choices=MeasureKind.choices)
    done_on = models.DateField("実施日")
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実施者")
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="同席した登録親族"
    )
    second_agent = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="同行した募集人"
    )
    call_answers = models.JSONField("確認電話の回答", default=dict, blank=True)
    recording_ref = models.CharField("録音・録画の参照", max_length=200, blank=True)
    notes = models.TextField("メモ", blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = SolicitationChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "高齢者対応の実施記録"
        ordering = ["done_on", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class RenewalProgress(models.Model):
    """満期管理: the renewal work on one expiring policy."""

    policy = models.OneToOneField(
        Policy, on_delete=models.PROTECT, related_name="renewal_progress", verbose_name="満期契約"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当者"
    )
    expiry = models.DateField("満期日")  # the policy's, denormalised for the worklist
    started_on = models.DateField("着手日", null=True, blank=True)
    notice_sent_on = models.DateField("満期案内の送付日", null=True, blank=True)
    first_contact_on = models.DateField("初回接触日", null=True, blank=True)
    completed_on = models.DateField("更改手続の完了日", null=True, blank=True)
    renewal_policy = models.OneToOneField(
        Policy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_of_progress",
        verbose_name="更改後の契約",
    )
    outcome = models.CharField("結果", max_length=10, choices=RenewalOutcome.choices, default=RenewalOutcome.PENDING)
    reviewed_coverage = models.BooleanField("補償の見直しを実施", default=False)
    notes = models.TextField("メモ", blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "満期管理"
        ordering = ["expiry", "id"]
        indexes = [models.Index(fields=["agency", "expiry"]), models.Index(fields=["agent", "expiry"])]

    def __str__(self) -> str:
        return f"満期管理({self.policy})"


class TrainingSession(models.Model):
    """勉強会 / 品質向上会議 of an agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    kind = models.CharField("種類", max_length=20, choices=SessionKind.choices)
    date = models.DateField("開催日")
    topic = models.CharField("テーマ", max_length=200)
    notes = models.TextField("内容", blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登録者"
    )
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "研修・会議"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["agency", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.topic}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name="研修"
    )
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="参加者")
    history = HistoricalRecords()
    objects = SessionChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "出席"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="attendance_once",
                violation_error_message="この参加者は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} / {self.person}"


class RolePlayScore(models.Model):
    """ロールプレイの採点; the maximum and pass mark are the agency's rule at the time of scoring."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    session = models.ForeignKey(
        TrainingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="scores", verbose_name="研修"
    )
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="募集人")
    scored_on = models.DateField("採点日")
    theme = models.CharField("テーマ", max_length=200, blank=True)
    score = models.PositiveSmallIntegerField("点数", validators=[MinValueValidator(0)])
    max_score = models.PositiveSmallIntegerField("満点", default=36, validators=[MinValueValidator(1)])
    pass_mark = models.PositiveSmallIntegerField("合格点", default=25)
    passed = models.BooleanField("合格", default=False)
    evaluator = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="評価者"
    )
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "ロールプレイ評価"
        ordering = ["-scored_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person} {self.score}/{self.max_score}"

    def clean(self) -> None:
        if self.score is not None and self.max_score is not None and self.score > self.max_score:
            raise ValidationError({"score": f"点数は満点({self.max_score}点)以下にしてください。"})


class Qualification(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="取得者")
    kind = models.CharField("資格", max_length=20, choices=QualificationKind.choices)
    acquired_on = models.DateField("取得日")
    expires_on = models.DateField("有効期限", null=True, blank=True)
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "資格"
        ordering = ["person_id", "kind"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.expires_on and self.acquired_on and self.expires_on < self.acquired_on:
            raise ValidationError({"expires_on": "有効期限は取得日以降にしてください。"})


class GuidanceRecord(models.Model):
    """新人指導の記録."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="代理店")
    trainee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="指導を受けた人")
    mentor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="指導者")
    given_on = models.DateField("指導日")
    topic = models.CharField("テーマ", max_length=200)
    content = models.TextField("内容", blank=True)
    history = HistoricalRecords()
    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "新人指導"
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.trainee} {self.topic}"

    def clean(self) -> None:
        if self.trainee_id and self.trainee_id == self.mentor_id:
            raise ValidationError({"mentor": "指導者は指導を受けた人と別の人にしてください。"})
