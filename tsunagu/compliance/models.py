"""Compliance monitoring: rule thresholds, rule runs over the access log, alerts and their review,
managers' business-reason requests, and access-right review campaigns.

None of these tables holds customers' personal data: an alert's evidence is the access-log rows'
ids, counts and customer ids (numbers, the same the log itself holds), frozen when the alert is
raised; names are shown only through scoped, logged reads.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from tsunagu.core.choices import Role
from tsunagu.core.jobs import JobSpec
from tsunagu.core.models import Agency, Branch, Department, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer

from . import breach
from .choices import (
    AffectedSource,
    AlertStatus,
    AuditMethod,
    BreachCause,
    BreachStatus,
    CampaignStatus,
    ChecklistResult,
    Conclusion,
    ContractorRating,
    ContractorStatus,
    DataLocation,
    DsrChannel,
    DsrDecision,
    DsrKind,
    DsrResponseChannel,
    DsrStatus,
    FindingSeverity,
    FindingStatus,
    IdentityDocument,
    InternalAuditStatus,
    NotificationMethod,
    ReviewDecision,
    RuleCode,
    RunKind,
    RunStatus,
    SafeguardCategory,
)
from .retention_choices import HoldKind, RecordType, ReminderKind, RetentionRunStatus


class RuleSetting(models.Model):
    """A rule's thresholds for a role and/or organisation (blank = any). The most specific row wins
    (organisation and role, then organisation, then role, then the row for everyone); without any row
    the defaults in compliance.rules apply. Edited by the auditor, with history."""

    rule = models.CharField("ルール", max_length=30, choices=RuleCode.choices)
    role = models.CharField("ロール", max_length=30, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="部署"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    enabled = models.BooleanField("有効", default=True)
    threshold = models.PositiveIntegerField("閾値(件数)")
    factor = models.DecimalField("平常値に対する倍率", max_digits=5, decimal_places=2)
    window_days = models.PositiveSmallIntegerField("平常値・担当範囲を見る日数")
    business_start = models.PositiveSmallIntegerField("業務開始(時)", default=8)
    business_end = models.PositiveSmallIntegerField("業務終了(時)", default=20)
    note = models.CharField("メモ", max_length=200, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "監視ルールの閾値"
        ordering = ["rule", "role", "department", "agency"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "role", "department", "agency"],
                name="compliance_rulesetting_one_per_scope",
                nulls_distinct=False,
                violation_error_message="同じルール・ロール・組織の閾値はすでに登録されています。",
            ),
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(agency__isnull=True),
                name="compliance_rulesetting_department_xor_agency",
                violation_error_message="部署と代理店の両方は指定できません。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}({self.scope_label})"

    @property
    def scope_label(self) -> str:
        parts = [self.get_role_display() if self.role else "", str(self.department or self.agency or "")]
        return " / ".join(p for p in parts if p) or "全体"


class RuleRun(models.Model):
    """One evaluation of the rules over a stretch of the access log (a job row: no row history;
    the audit event carries the meaning). A scheduled run continues after the last row the previous
    scheduled run covered (`last_log_id`)."""

    kind = models.CharField("種別", max_length=12, choices=RunKind.choices)
    status = models.CharField("状態", max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実行者")
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    period_start = models.DateTimeField("対象期間(開始)")
    period_end = models.DateTimeField("対象期間(終了)")
    first_log_id = models.BigIntegerField("対象ログID(最初)", default=0)
    last_log_id = models.BigIntegerField("対象ログID(最後)", default=0)
    total = models.PositiveIntegerField("対象行数", default=0)
    processed = models.PositiveIntegerField("評価した日数", default=0)
    alerts_created = models.PositiveIntegerField("新しいアラート", default=0)
    alerts_existing = models.PositiveIntegerField("既存のアラート", default=0)
    error = models.TextField("エラー", blank=True)

    job_spec = JobSpec(exceptions_key=None)

    class Meta:
        verbose_name = verbose_name_plural = "監視ルールの実行"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AlertQuerySet(HistoryQuerySet):
    def open(self) -> AlertQuerySet:
        return self.exclude(status=AlertStatus.CLOSED)


class Alert(models.Model):
    """What a rule found: one user, one rule, one monitoring day (05:00–05:00 local). `key` makes a
    rule run idempotent: the same finding over the same day is never raised twice."""

    key = models.CharField("識別キー", max_length=120, unique=True)
    rule = models.CharField("ルール", max_length=30, choices=RuleCode.choices, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="対象の利用者")
    day = models.DateField("監視日")
    period_start = models.DateTimeField("期間(開始)")
    period_end = models.DateTimeField("期間(終了)")
    customers = models.PositiveIntegerField("関係する顧客数")
    rows = models.PositiveIntegerField("ログ行数")
    score = models.DecimalField("スコア", max_digits=8, decimal_places=2, help_text="閾値に対する倍率")
    explanation = models.TextField("説明")
    evidence = models.JSONField("証跡(固定)", default=dict)
    run = models.ForeignKey(RuleRun, on_delete=models.PROTECT, related_name="alerts", verbose_name="検出した実行")
    raised_at = models.DateTimeField("検出日時", auto_now_add=True)
    status = models.CharField("状態", max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当者"
    )
    conclusion = models.CharField("結論", max_length=20, choices=Conclusion.choices, blank=True)
    conclusion_comment = models.TextField("結論のコメント", blank=True)
    concluded_at = models.DateTimeField("結論日時", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["evidence"])
    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アラート"
        ordering = ["-day", "-score", "pk"]
        indexes = [models.Index(fields=["status", "day"]), models.Index(fields=["user", "day"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.user} {self.day:%Y/%m/%d}"


class ReasonRequest(models.Model):
    """The auditor asks the user's manager for the business reason behind an alert; the manager
    answers on their own screen."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="reason_requests", verbose_name="アラート")
    manager = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="回答する上長")
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="照会者")
    question = models.TextField("照会内容")
    asked_at = models.DateTimeField("照会日時", auto_now_add=True)
    due_on = models.DateField("回答期限")
    answer = models.TextField("回答", blank=True)
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "業務上の理由の照会"
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["manager", "answered_at"])]

    def __str__(self) -> str:
        return f"照会 #{self.pk}({self.alert})"


class ReviewCampaign(models.Model):
    """A periodic access-right review: every manager confirms or revokes their staff's roles by the deadline."""

    title = models.CharField("名称", max_length=100)
    deadline = models.DateField("期限")
    status = models.CharField("状態", max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.OPEN)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="開始者")
    opened_at = models.DateTimeField("開始日時", auto_now_add=True)
    closed_at = models.DateTimeField("締切日時", null=True, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アクセス権レビュー"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title


class ReviewItem(models.Model):
    """One role of one member of staff in a campaign, for their manager to confirm or revoke."""

    campaign = models.ForeignKey(
        ReviewCampaign, on_delete=models.CASCADE, related_name="items", verbose_name="レビュー"
    )
    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="職員")
    role = models.CharField("ロール", max_length=30, choices=Role.choices)
    reviewer = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="確認する上長"
    )
    decision = models.CharField("判断", max_length=12, choices=ReviewDecision.choices, default=ReviewDecision.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="判断者"
    )
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    comment = models.CharField("コメント", max_length=300, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アクセス権レビューの項目"
        ordering = ["staff__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "staff", "role"], name="compliance_reviewitem_one_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_role_display()}"


class BreachIncident(models.Model):
    """A leak, loss or damage of personal data that occurred or may have occurred (漏えい等), with
    the facts that decide whether it is reportable, the nine report items and the dates the reports
    were made. The affected persons are `affected` rows (generated from the access log or added)."""

    number = models.CharField("管理番号", max_length=20, unique=True)
    title = models.CharField("件名", max_length=200)
    cause_kind = models.CharField("発生の態様", max_length=30, choices=BreachCause.choices)
    aware_on = models.DateField("認識日", help_text="漏えい等を知った日。報告の期限はこの日から数えます。")
    occurred_from = models.DateField("発生期間(開始)", null=True, blank=True)
    occurred_to = models.DateField("発生期間(終了)", null=True, blank=True)
    suspect_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="関係した利用者"
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="breaches", verbose_name="発端のアラート"
    )
    sensitive = models.BooleanField("要配慮個人情報(機微情報)を含む", default=False)
    financial_harm = models.BooleanField("財産的被害のおそれ", default=False)
    malicious = models.BooleanField("不正の目的によるおそれ", default=False)
    encrypted = models.BooleanField("高度な暗号化で保護されていた", default=False)
    persons_estimate = models.PositiveIntegerField(
        "本人の数(推計)", null=True, blank=True, help_text="特定できない本人を含む場合の推計値。"
    )
    summary = models.TextField("概要", blank=True)
    data_items = models.TextField("漏えい等の対象となった個人データの項目", blank=True)
    cause = models.TextField("原因", blank=True)
    secondary_damage = models.TextField("二次被害又はそのおそれの有無及びその内容", blank=True)
    action_to_persons = models.TextField("本人への対応の実施状況", blank=True)
    publication = models.TextField("公表の実施状況", blank=True)
    prevention = models.TextField("再発防止のための措置", blank=True)
    other = models.TextField("その他参考となる事項", blank=True)
    preliminary_reported_on = models.DateField("速報の報告日", null=True, blank=True)
    final_reported_on = models.DateField("確報の報告日", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=BreachStatus.choices, default=BreachStatus.OPEN)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登録者")
    opened_at = models.DateTimeField("登録日時", auto_now_add=True)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "漏えい等事案"
        ordering = ["-aware_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occurred_from__isnull=True)
                | models.Q(occurred_to__isnull=True)
                | models.Q(occurred_from__lte=models.F("occurred_to")),
                name="compliance_breach_period_ordered",
                violation_error_message="発生期間の終了は開始と同じか、それより後の日付にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def facts(self, persons: int) -> breach.Facts:
        return breach.Facts(
            aware_on=self.aware_on,
            persons=max(persons, self.persons_estimate or 0),
            sensitive=self.sensitive,
            financial_harm=self.financial_harm,
            malicious=self.malicious,
            encrypted=self.encrypted,
        )


class BreachAffectedPerson(models.Model):
    """A customer whose data the incident touched, and whether (and how) they were notified."""

    incident = models.ForeignKey(BreachIncident, on_delete=models.CASCADE, related_name="affected", verbose_name="事案")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    source = models.CharField("特定の根拠", max_length=20, choices=AffectedSource.choices)
    first_at = models.DateTimeField("最初の記録", null=True, blank=True)
    last_at = models.DateTimeField("最後の記録", null=True, blank=True)
    rows = models.PositiveIntegerField("ログ行数", default=0)
    notified_on = models.DateField("本人通知日", null=True, blank=True)
    notification_method = models.CharField("通知方法", max_length=20, choices=NotificationMethod.choices, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "漏えい等の対象者"
        ordering = ["incident", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="compliance_affected_once_per_incident")
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} 顧客#{self.customer_id}"


class DataSubjectRequest(models.Model):
    """A person's request about their retained personal data (開示・訂正・利用停止・第三者提供記録),
    from receipt through the identity check to the answer, with the clock the company answers by.
    Only the kind of identity document is kept, never its number; a disclosure's answer is the export
    (`exported_at`, `export_rows`: when it was last made and what it held)."""

    number = models.CharField("受付番号", max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="本人(顧客)")
    kind = models.CharField("請求の種類", max_length=20, choices=DsrKind.choices)
    channel = models.CharField("受付方法", max_length=10, choices=DsrChannel.choices)
    received_on = models.DateField("受付日")
    requester_name = models.CharField("請求者の氏名", max_length=100)
    by_proxy = models.BooleanField("代理人による請求", default=False)
    scope = models.TextField("請求の内容・範囲", blank=True)
    response_channel = models.CharField(
        "回答の方法(本人の希望)", max_length=12, choices=DsrResponseChannel.choices, default=DsrResponseChannel.POST
    )
    due_on = models.DateField("回答期限")
    identity_document = models.CharField("本人確認の方法", max_length=20, choices=IdentityDocument.choices, blank=True)
    verified_on = models.DateField("本人確認日", null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="本人確認者"
    )
    status = models.CharField("状態", max_length=10, choices=DsrStatus.choices, default=DsrStatus.RECEIVED)
    exported_at = models.DateTimeField("開示データの出力日時", null=True, blank=True)
    export_rows = models.PositiveIntegerField("出力した行数", null=True, blank=True)
    decision = models.CharField("対応の判断", max_length=10, choices=DsrDecision.choices, blank=True)
    decision_reason = models.TextField("理由(一部対応・対応しない場合)", blank=True)
    completed_on = models.DateField("回答日", null=True, blank=True)
    completion_note = models.TextField("回答の記録(送付物・送付先・特記事項)", blank=True)
    withdrawn_reason = models.CharField("取下げの理由", max_length=300, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="受付者")
    opened_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "開示等の請求"
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="compliance_dsr_status_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"


# --- registers: contractors (委託先) and internal audits (拠点・代理店の内部監査) ------------------------
# No customer's personal data lives here: a contractor record says which *kinds* of data it receives and
# for how many persons, an audit records checklist answers and findings about an organisation.


class Contractor(models.Model):
    """委託先: a company that handles customers' personal data on our behalf. APPI Art. 25 makes us
    supervise it: an agreement with the safety clauses, periodic audits, and what happens to the data
    when the work ends."""

    name = models.CharField("委託先名", max_length=200)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    contact = models.CharField("窓口(部署・担当者・連絡先)", max_length=300, blank=True)
    service = models.TextField("委託する業務の内容")
    data_items = models.TextField("提供する個人データの項目")
    persons = models.PositiveIntegerField("対象となる本人の数(概数)", null=True, blank=True)
    sensitive = models.BooleanField("機微情報・要配慮個人情報を含む", default=False)
    location = models.CharField(
        "取扱いの場所", max_length=10, choices=DataLocation.choices, default=DataLocation.DOMESTIC
    )
    country = models.CharField("国名(外国の場合)", max_length=100, blank=True)
    subcontracting = models.BooleanField("再委託あり", default=False)
    subcontractors = models.TextField("再委託先と再委託する業務", blank=True)
    owner_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所管部署"
    )
    audit_interval_months = models.PositiveSmallIntegerField("監査の間隔(月)", default=12)
    status = models.CharField("状態", max_length=10, choices=ContractorStatus.choices, default=ContractorStatus.ACTIVE)
    started_on = models.DateField("委託開始日")
    ended_on = models.DateField("委託終了日", null=True, blank=True)
    data_disposal = models.TextField("終了時のデータの返却・消去の記録", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "委託先"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ContractorAgreement(models.Model):
    """An agreement with a contractor, with the clauses the guidelines expect in it."""

    contractor = models.ForeignKey(
        Contractor, on_delete=models.CASCADE, related_name="agreements", verbose_name="委託先"
    )
    title = models.CharField("契約名", max_length=200)
    signed_on = models.DateField("締結日")
    valid_from = models.DateField("有効期間の開始日")
    valid_to = models.DateField("有効期間の終了日", null=True, blank=True)
    safety_clause = models.BooleanField("安全管理措置の条項", default=False)
    confidentiality_clause = models.BooleanField("秘密保持・目的外利用の禁止", default=False)
    subcontract_clause = models.BooleanField("再委託の条件(事前の承認)", default=False)
    audit_clause = models.BooleanField("監査・報告を求める権利", default=False)
    breach_clause = models.BooleanField("漏えい等の発生時の報告義務", default=False)
    return_clause = models.BooleanField("終了時の返却・消去", default=False)
    note = models.TextField("備考", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "委託契約"
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return self.title


class ContractorAudit(models.Model):
    """One audit of a contractor's handling of the data, with the follow-up it asked for."""

    contractor = models.ForeignKey(Contractor, on_delete=models.CASCADE, related_name="audits", verbose_name="委託先")
    audited_on = models.DateField("監査日")
    method = models.CharField("方法", max_length=10, choices=AuditMethod.choices)
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="監査担当")
    rating = models.CharField("評価", max_length=1, choices=ContractorRating.choices)
    findings = models.TextField("指摘事項", blank=True)
    follow_up = models.TextField("是正の要請", blank=True)
    follow_up_due = models.DateField("是正の期限", null=True, blank=True)
    follow_up_done_on = models.DateField("是正の確認日", null=True, blank=True)
    follow_up_note = models.TextField("是正の確認内容", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "委託先の監査"
        ordering = ["-audited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contractor} {self.audited_on}"


class AuditChecklistItem(models.Model):
    """One question of the internal-audit checklist of 安全管理措置 (seeded; edited in the admin)."""

    code = models.CharField("項目番号", max_length=10, unique=True)
    category = models.CharField("区分", max_length=20, choices=SafeguardCategory.choices)
    text = models.TextField("確認事項")
    order = models.PositiveSmallIntegerField("表示順", default=0)
    active = models.BooleanField("使用中", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "内部監査のチェック項目"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class InternalAudit(models.Model):
    """An internal audit of one branch (営業拠点) or one agency (代理店): the checklist answered,
    findings with their follow-up, a report, and closing once every finding is put right."""

    number = models.CharField("監査番号", max_length=20, unique=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="営業拠点"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代理店"
    )
    planned_on = models.DateField("実施予定日")
    performed_on = models.DateField("実施日", null=True, blank=True)
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="監査担当")
    status = models.CharField(
        "状態", max_length=12, choices=InternalAuditStatus.choices, default=InternalAuditStatus.PLANNED
    )
    summary = models.TextField("総評", blank=True)
    reported_on = models.DateField("報告日", null=True, blank=True)
    closed_on = models.DateField("完了日", null=True, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登録者")
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "内部監査"
        ordering = ["-planned_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(branch__isnull=False, agency__isnull=True)
                | models.Q(branch__isnull=True, agency__isnull=False),
                name="compliance_internal_audit_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.target}"

    @property
    def target(self) -> str:
        return str(self.branch or self.agency)


class InternalAuditAnswer(models.Model):
    audit = models.ForeignKey(InternalAudit, on_delete=models.CASCADE, related_name="answers", verbose_name="内部監査")
    item = models.ForeignKey(AuditChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name="項目")
    result = models.CharField("結果", max_length=12, choices=ChecklistResult.choices, blank=True)
    comment = models.TextField("確認内容・所見", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "内部監査の回答"
        ordering = ["item__order", "item__code"]
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="compliance_audit_answer_once")]

    def __str__(self) -> str:
        return f"{self.audit.number} {self.item.code}"


class AuditFinding(models.Model):
    """A finding of an internal audit and its corrective action (是正措置), followed up to done."""

    audit = models.ForeignKey(InternalAudit, on_delete=models.CASCADE, related_name="findings", verbose_name="内部監査")
    item = models.ForeignKey(
        AuditChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="項目"
    )
    severity = models.CharField("重要度", max_length=10, choices=FindingSeverity.choices)
    description = models.TextField("指摘内容")
    action = models.TextField("是正措置")
    owner = models.CharField("是正の責任者", max_length=100)
    due_on = models.DateField("是正期限")
    status = models.CharField("状態", max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    done_on = models.DateField("是正完了日", null=True, blank=True)
    done_note = models.TextField("是正の確認内容", blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "内部監査の指摘事項"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.audit.number} {self.get_severity_display()}"


# --- Retention (保存期間と廃棄・匿名化), legal holds, and DSR reminders: see docs/compliance.md -----


class RetentionPeriod(models.Model):
    """How long a record type is kept after the customer's relationship ends, from a date on.

    Effective-dated: a change is a new row from its date; the row in effect on a day is the one with
    the latest `effective_from` on or before it (retention.period_on)."""

    record_type = models.CharField("記録の種類", max_length=20, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField("保存期間(年)")
    effective_from = models.DateField("適用開始日")
    basis = models.CharField("根拠・理由", max_length=300)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登録者"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "保存期間"
        ordering = ["record_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "effective_from"], name="retention_period_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} {self.years}年({self.effective_from:%Y/%m/%d}〜)"


class LegalHold(models.Model):
    """A legal hold (訴訟・紛争・ADR・当局照会): while active, nothing of the customer is anonymised or
    deleted. On a case, it still holds the whole customer (the case's data is the customer's)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="案件"
    )
    kind = models.CharField("種類", max_length=12, choices=HoldKind.choices)
    reason = models.TextField("理由")
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日", null=True, blank=True)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登録者")
    placed_at = models.DateTimeField("登録日時", auto_now_add=True)
    released_on = models.DateField("解除日", null=True, blank=True)
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="解除者"
    )
    release_reason = models.CharField("解除の理由", max_length=300, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "リーガルホールド"
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["customer", "released_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}({self.starts_on:%Y/%m/%d}〜)"


class RetentionRun(models.Model):
    """One run of `retention_run` (or of the screen's 実行): the date, dry run or not, counts per type."""

    run_on = models.DateField("基準日")
    dry_run = models.BooleanField("試行(変更なし)", default=False)
    status = models.CharField(
        "状態", max_length=10, choices=RetentionRunStatus.choices, default=RetentionRunStatus.RUNNING
    )
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="実行者")
    started_at = models.DateTimeField("開始日時", auto_now_add=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    counts = models.JSONField("種類別の件数", default=dict)  # {record type: {"customers": n, "rows": n}}
    skipped = models.JSONField("対象外の理由別件数", default=dict)  # {reason: customers}
    error = models.CharField("失敗の理由", max_length=300, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "保存期間の処理"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run_on:%Y/%m/%d}{'(試行)' if self.dry_run else ''}"

    def count_lines(self) -> list[tuple[str, int, int]]:
        """The counts for the history: (the record type's Japanese name, customers, rows), in the
        record types' order (PostgreSQL's jsonb does not keep the stored key order)."""
        labels = {value: str(label).split("(")[0] for value, label in RecordType.choices}
        order = {value: i for i, value in enumerate(labels)}
        counts = sorted((self.counts or {}).items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
        return [(labels.get(code, code), int(c.get("customers", 0)), int(c.get("rows", 0))) for code, c in counts]


class RetentionDone(models.Model):
    """The ledger: a customer's records of one type were anonymised or deleted by a run (once)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name="顧客")
    record_type = models.CharField("記録の種類", max_length=20, choices=RecordType.choices)
    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="done", verbose_name="処理")
    rows = models.PositiveIntegerField("行数", default=0)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "保存期間の処理済み記録"
        constraints = [models.UniqueConstraint(fields=["customer", "record_type"], name="retention_done_once")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.record_type}"


class DsrReminder(models.Model):
    """A reminder of a data-subject request's answer clock, addressed to one member of staff (the
    person who received the request, and each compliance auditor); one per request, kind and person."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="reminders", verbose_name="請求"
    )
    kind = models.CharField("種類", max_length=10, choices=ReminderKind.choices)
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="宛先")
    due_on = models.DateField("回答期限")
    created_on = models.DateField("通知日")
    read_at = models.DateTimeField("既読日時", null=True, blank=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "開示等の請求のリマインダー"
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "recipient"], name="dsr_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.kind}:{self.recipient_id}"


class DailyFigure(models.Model):
    """Per user and monitoring day, the figure a norm rule compares (bulk viewing: distinct customers
    viewed; exports: customers exported), derived from the access log by the rule runs so that a run's
    norms read the weeks before its days from here instead of re-reading the log (docs/compliance.md,
    "Speed"). Derived data, not a record: no history; a run rewrites the days it computed. A row with
    user_id 0 marks a day as computed (a user with no reads that day has no row)."""

    rule = models.CharField(max_length=30)
    user_id = models.BigIntegerField()
    day = models.DateField()
    value = models.PositiveIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "監視ルールの日次集計"
        constraints = [models.UniqueConstraint(fields=["rule", "day", "user_id"], name="daily_figure_once")]

    def __str__(self) -> str:
        return f"{self.rule}:{self.user_id}:{self.day}"
