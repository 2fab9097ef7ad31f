"""Surveys: versioned definitions, trigger rules, invitations (and suppressions), responses, the
monthly aggregates the dashboard reads, opt-outs and follow-ups.

A response keeps its own copy of what the dashboard filters on (line, agency, trigger, channel,
case type) and of the two headline answers (nps, satisfaction), so results stay comparable when a
policy moves agency or a survey gets a new version; every answer is in `answers` by question code.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from tsunagu.core import scoping
from tsunagu.core.models import Agency, Department, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Claim, Policy

from .choices import (
    Channel,
    FollowUpReason,
    FollowUpStatus,
    InvitationStatus,
    QuestionKind,
    SuppressionReason,
    SurveyPurpose,
    TriggerEvent,
)

NPS_RANGE = [MinValueValidator(0), MaxValueValidator(10)]


class Survey(models.Model):
    code = models.SlugField("アンケートコード", max_length=40, unique=True)
    name = models.CharField("アンケート名", max_length=100)
    purpose = models.CharField("種類", max_length=20, choices=SurveyPurpose.choices)
    description = models.TextField("説明", blank=True)
    is_active = models.BooleanField("実施中", default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="作成者")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケート"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SurveyVersion(models.Model):
    """The questions as customers saw them. Editing a survey that has answers adds a version."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions", verbose_name="アンケート")
    number = models.PositiveIntegerField("版")
    is_current = models.BooleanField("現行版", default=True)
    intro = models.TextField("冒頭の案内文", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="作成者")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケートの版"
        ordering = ["survey", "-number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")]

    def __str__(self) -> str:
        return f"{self.survey} 第{self.number}版"


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions", verbose_name="版")
    code = models.SlugField("設問コード", max_length=40)  # "nps", "satisfaction", "clarity", …
    kind = models.CharField("形式", max_length=12, choices=QuestionKind.choices)
    text = models.CharField("設問文", max_length=300)
    choices = models.JSONField("選択肢", default=list, blank=True)  # for CHOICE: ["良い", "普通", "悪い"]
    is_driver = models.BooleanField("満足度の要因", default=False)  # clarity, speed, updates, attitude, ease
    required = models.BooleanField("必須", default=False)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "設問"
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="survey_question_code_unique")]

    def __str__(self) -> str:
        return self.text


class TriggerRule(models.Model):
    """Which event sends which survey, after how many days, to what share of customers, by what channel."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="triggers", verbose_name="アンケート")
    event = models.CharField("契機", max_length=30, choices=TriggerEvent.choices)
    line = models.CharField("保険種目", max_length=20, choices=LineOfBusiness.choices, blank=True)  # blank: all
    case_type = models.CharField("案件種別", max_length=30, blank=True)  # for CASE_CLOSED; blank: all
    delay_days = models.PositiveSmallIntegerField("送付までの日数", default=7)
    sampling_rate = models.DecimalField(
        "抽出率",
        max_digits=4,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    channel = models.CharField("送付方法", max_length=10, choices=Channel.choices, default=Channel.WEB)
    quiet_days = models.PositiveSmallIntegerField("再送付しない日数", default=90)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "送付ルール"
        ordering = ["survey", "event", "line"]

    def __str__(self) -> str:
        return f"{self.survey}: {self.get_event_display()}"


class PersonalQuerySet(scoping.ScopedQuerySet):
    """Rows about a customer and maybe one of their policies: agency staff see those of their
    agency's customers, except rows about another agency's policy (the rule of cases and contacts)."""

    scope_rule = scoping.All((scoping.CustomerLink("customer"), scoping.Via("policy", optional=True)))


class Invitation(models.Model):
    """One decision to survey a customer about one event: scheduled, sent, answered, expired — or
    suppressed / sampled out, with the reason, so that response rates can be explained."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="invitations", verbose_name="版")
    trigger = models.ForeignKey(
        TriggerRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="送付ルール",
    )
    event = models.CharField("契機", max_length=30, choices=TriggerEvent.choices)
    event_date = models.DateField("契機の日付")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_invitations", verbose_name="顧客"
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="契約"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="事故"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="案件"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    channel = models.CharField("送付方法", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状態", max_length=12, choices=InvitationStatus.choices, default=InvitationStatus.SCHEDULED
    )
    suppression_reason = models.CharField("抑止理由", max_length=20, choices=SuppressionReason.choices, blank=True)
    scheduled_for = models.DateField("送付予定日")
    sent_at = models.DateTimeField("送付日時", null=True, blank=True)
    expires_on = models.DateField("回答期限", null=True, blank=True)
    # sha256 of the single-use web token; the token itself is only in the link sent to the customer
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケート送付"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-event_date"], name="survey_inv_customer"),
            models.Index(fields=["status", "scheduled_for"], name="survey_inv_due"),
            # the dashboard's response rate: one covering range scan per survey version and period
            models.Index(fields=["version", "sent_at", "status", "agency", "event", "channel"], name="survey_inv_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.customer_id}"


class Response(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses", verbose_name="版")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", verbose_name="アンケート")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response", verbose_name="送付"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_responses", verbose_name="顧客"
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="契約"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="事故"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="案件"
    )
    # What results are cut by, as it was when the customer answered.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    line = models.CharField("保険種目", max_length=20, choices=LineOfBusiness.choices, blank=True)
    case_type = models.CharField("案件種別", max_length=30, blank=True)
    event = models.CharField("契機", max_length=30, choices=TriggerEvent.choices, blank=True)
    channel = models.CharField("回答方法", max_length=10, choices=Channel.choices)
    answered_on = models.DateField("回答日")
    nps = models.PositiveSmallIntegerField("推奨度", null=True, blank=True, validators=NPS_RANGE)
    satisfaction = models.PositiveSmallIntegerField("総合満足度", null=True, blank=True, validators=NPS_RANGE)
    comment = models.TextField("自由記述", blank=True)
    contact_consent = models.BooleanField("連絡の同意", null=True, blank=True)
    answers = models.JSONField("回答", default=dict)  # {question code: value}, every question answered
    entered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="入力者"
    )  # staff entry (post, phone) and imports; empty for the web
    import_batch = models.ForeignKey(
        "surveys.SurveyImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name="取込",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケート回答"
        ordering = ["-answered_on", "-id"]
        indexes = [
            models.Index(fields=["survey", "answered_on"], name="survey_resp_date"),
            models.Index(fields=["agency", "survey", "answered_on"], name="survey_resp_agency"),
            models.Index(fields=["customer", "-answered_on"], name="survey_resp_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.answered_on}"


class SurveyImport(models.Model):
    """One import of results of a survey the insurer or a vendor ran (a job: core.jobs)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="imports", verbose_name="アンケート")
    file_name = models.CharField("ファイル名", max_length=255)
    status = models.CharField("状態", max_length=20, default="queued")
    total = models.PositiveIntegerField("行数", default=0)
    processed = models.PositiveIntegerField("処理済", default=0)
    imported = models.PositiveIntegerField("取込件数", default=0)
    rejected = models.PositiveIntegerField("エラー件数", default=0)
    errors = models.JSONField("エラー", default=list)  # [{"row": 3, "reason": "…"}]; the first 1,000
    failure_reason = models.TextField("失敗理由", blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実行者")
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "アンケート結果の取込"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.file_name


class ResponseAggregate(models.Model):
    """Counts per survey, month and cut, kept with the responses by the services that write them
    (tests compare them with the rows). Not personal data: the dashboard reads only these."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month answered
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    line = models.CharField(max_length=20, blank=True)
    case_type = models.CharField(max_length=30, blank=True)
    event = models.CharField(max_length=30, blank=True)
    channel = models.CharField(max_length=10)
    responses = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    satisfaction_n = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_sumsq = models.PositiveBigIntegerField(default=0)
    # {question code: {"n": …, "sum": …} for ratings, {"choices": {label: count}} for choices}
    answer_stats = models.JSONField(default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "アンケート集計"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "month", "agency", "line", "case_type", "event", "channel"],
                name="survey_aggregate_cut",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["survey", "month"], name="survey_agg_month")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.month:%Y-%m}"


class CustomerRowQuerySet(scoping.ScopedQuerySet):
    scope_rule = scoping.CustomerLink("customer")


class SurveyOptOut(models.Model):
    """The customer asked not to receive surveys (アンケート辞退)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="survey_opt_out", verbose_name="顧客"
    )
    since = models.DateField("辞退日")
    note = models.CharField("備考", max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="記録者")
    history = HistoricalRecords()
    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケート辞退"

    def __str__(self) -> str:
        return f"{self.customer_id} {self.since}"


class FollowUp(models.Model):
    """Closing the loop: a detractor (or a low driver answer, or a request to be contacted) gets a
    call from the owning agency or department by a due date on the business calendar."""

    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="follow_up", verbose_name="回答")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="契約"
    )
    reason = models.CharField("理由", max_length=20, choices=FollowUpReason.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当部署"
    )
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当者"
    )
    due_date = models.DateField("対応期限")
    status = models.CharField("状態", max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    outcome = models.TextField("対応結果", blank=True)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="完了者"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アンケートのフォローアップ"
        ordering = ["status", "due_date"]
        indexes = [models.Index(fields=["status", "due_date"], name="survey_followup_due")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.due_date}"


ROLLUP_SLOTS = 32  # numbers of `answer_stats` a rollup row carries (see RollupSlot)
ROLLED_UP = "*"  # a cut summed over all its values in a ResponseRollup row
ROLLED_UP_AGENCY = -1  # agency_key of a row summed over all agencies (0: responses with no agency)


class ResponseRollup(models.Model):
    """The dashboard's read model: counts per survey, month and every combination of the five cuts
    (agency, line, case type, trigger, channel), each either one value or summed over all of them
    (`dims` is the bit mask of the cuts kept: 1 agency, 2 line, 4 case type, 8 trigger, 16 channel).
    Kept with `ResponseAggregate` by `aggregates` (SQL upserts that add), so any filter is answered
    by an index seek over a few hundred rows. The answer statistics the dashboard shows are numbered
    columns s0…s31, whose meaning per survey is in `RollupSlot`."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    dims = models.PositiveSmallIntegerField()
    agency_key = models.BigIntegerField()  # the agency's id; 0: no agency; -1: all agencies
    line = models.CharField(max_length=20)
    case_type = models.CharField(max_length=30)
    event = models.CharField(max_length=30)
    channel = models.CharField(max_length=10)
    responses = models.BigIntegerField(default=0)
    nps_n = models.BigIntegerField(default=0)
    promoters = models.BigIntegerField(default=0)
    detractors = models.BigIntegerField(default=0)
    satisfaction_n = models.BigIntegerField(default=0)
    satisfaction_sum = models.BigIntegerField(default=0)
    satisfaction_sumsq = models.BigIntegerField(default=0)
    for _slot in range(ROLLUP_SLOTS):
        locals()[f"s{_slot}"] = models.BigIntegerField(default=0)
    del _slot
    # The response rate: invitations sent (送付済・回答済・期限切れ) and answered, by the month and the
    # invitation's own cut they were sent in (`month` is then the month sent; aggregates.count_invitations).
    invitations_sent = models.BigIntegerField(default=0)
    invitations_answered = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "アンケート集計(ダッシュボード用)"
        constraints = [
            models.UniqueConstraint(
                fields=["dims", "agency_key", "line", "case_type", "event", "channel", "survey", "month"],
                name="survey_rollup_cut",
            )
        ]
        indexes = [
            models.Index(
                fields=["dims", "line", "case_type", "event", "channel", "agency_key", "survey", "month"],
                name="survey_rollup_by_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.month:%Y-%m} {self.dims}"


class RollupSlot(models.Model):
    """Which number of `answer_stats` a survey's ResponseRollup column s<slot> holds: `path` is the
    JSON list of keys (["nps", "choices", "9"], ["clarity", "sum"], ["impression", "choices", "良い"])."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    slot = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "アンケート集計の列"
        constraints = [
            models.UniqueConstraint(fields=["survey", "path"], name="survey_rollup_slot_path"),
            models.UniqueConstraint(fields=["survey", "slot"], name="survey_rollup_slot_number"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} s{self.slot} {self.path}"
