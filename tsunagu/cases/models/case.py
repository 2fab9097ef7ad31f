"""The case, its timeline, documents checklist, follow-up tasks and SLA pauses."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tsunagu.core import scoping
from tsunagu.core.models import Agency, AppendOnlyError, Department, User
from tsunagu.core.writes import HistoryQuerySet
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Claim, Policy

from ..choices import CaseChannel, CaseStatus, CaseType, EventKind, Priority
from ..workflow import SUB_TYPES

OPEN = Q(is_open=True)


class CaseQuerySet(scoping.ScopedQuerySet):
    """Agency staff see cases of their agency's customers, except those about another agency's
    policy (the same rule as the contact history)."""

    scope_rule = scoping.All((scoping.CustomerLink("customer"), scoping.Via("policy", optional=True)))


class Case(models.Model):
    number = models.CharField("案件番号", max_length=20, unique=True)
    case_type = models.CharField("案件種別", max_length=30, choices=CaseType.choices)
    sub_type = models.CharField("区分", max_length=30, blank=True)
    channel = models.CharField("受付チャネル", max_length=12, choices=CaseChannel.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases", verbose_name="顧客")
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="契約"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="事故"
    )
    subject = models.CharField("件名", max_length=200)
    description = models.TextField("内容", blank=True)
    priority = models.CharField("優先度", max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField("状態", max_length=30, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    is_open = models.BooleanField("未完了", default=True, editable=False)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases", verbose_name="担当者"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="担当部署"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="代理店"
    )
    opened_on = models.DateField("受付日")
    due_date = models.DateField("対応期限")
    paused_since = models.DateField("期限停止開始日", null=True, blank=True)
    paused_business_days = models.PositiveIntegerField("期限停止した営業日数", default=0)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    resolution_summary = models.TextField("対応結果", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="受付者")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    # Optimistic concurrency: every service that changes the case (or its type panel, documents,
    # tasks) adds 1; screens and the API send back the version the user saw, and a write based on
    # an older version is refused (services.common.lock_case) instead of silently replacing another's.
    version = models.PositiveIntegerField("版", default=1, editable=False)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-id"]
        indexes = [
            # Queue, my cases, agency and overdue lists read only open cases ordered by due date;
            # paused_since makes the overdue counts on home pages index-only.
            models.Index(
                fields=["department", "due_date", "id", "paused_since"], condition=OPEN, name="case_open_dept_due"
            ),
            models.Index(
                fields=["assignee", "due_date", "id", "paused_since"], condition=OPEN, name="case_open_assignee_due"
            ),
            models.Index(
                fields=["agency", "due_date", "id", "paused_since"], condition=OPEN, name="case_open_agency_due"
            ),
            # The overdue list orders by (due_date, id); its counts and per-department/person/agency
            # breakdown read the remaining columns from the index itself (no row lookups at 1M cases).
            models.Index(
                fields=["due_date", "id", "paused_since", "department", "assignee", "agency"],
                condition=OPEN,
                name="case_open_due",
            ),
            models.Index(fields=["customer", "-opened_on"], name="case_customer_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def sub_type_label(self) -> str:
        return dict(SUB_TYPES.get(self.case_type, ())).get(self.sub_type, self.sub_type)

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.paused_since is None and self.due_date < timezone.localdate()

    @property
    def overdue_label(self) -> str:
        """期限超過 with the number of days (calendar days past the due date), or ""."""
        if not self.is_overdue:
            return ""
        return f"期限超過 {(timezone.localdate() - self.due_date).days}日"


class CaseEvent(models.Model):
    """One entry on the case timeline. Append-only: the table is its own history."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name="案件")
    at = models.DateTimeField("日時", auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="実行者")
    kind = models.CharField("種別", max_length=12, choices=EventKind.choices)
    summary = models.CharField("内容", max_length=300)
    body = models.TextField("詳細", blank=True)
    data = models.JSONField("データ", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件タイムライン"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("案件のタイムラインは変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("案件のタイムラインは削除できません。")


class CaseDocument(models.Model):
    """One line of the documents checklist."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name="案件")
    name = models.CharField("書類名", max_length=100)
    is_required = models.BooleanField("必須", default=True)
    received_on = models.DateField("受領日", null=True, blank=True)
    deficiency_note = models.TextField("不備内容", blank=True)
    deficiency_resolved = models.BooleanField("不備解消", default=False)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "案件書類"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_open_deficiency(self) -> bool:
        return bool(self.deficiency_note) and not self.deficiency_resolved

    @property
    def state_label(self) -> str:
        if self.has_open_deficiency:
            return "不備あり"
        return "受領済" if self.received_on else "未着"


class CaseTask(models.Model):
    """A follow-up (e.g. chase a deficient document, look at a handed-off case)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", verbose_name="案件")
    title = models.CharField("内容", max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="担当部署"
    )
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="case_tasks", verbose_name="担当者"
    )
    due_date = models.DateField("期限")
    done_at = models.DateTimeField("完了日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    # Set by daily reminder commands (e.g. "adr_day60"): one task per case and key, so a rerun of the
    # command for the same or a later date creates nothing twice.
    reminder_key = models.CharField("リマインダー種別", max_length=40, blank=True, default="", db_default="")
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "案件タスク"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["due_date"], condition=Q(done_at__isnull=True), name="case_task_open_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reminder_key"], condition=~Q(reminder_key=""), name="case_task_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CasePause(models.Model):
    """A period the SLA clock stood still while waiting for the customer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses", verbose_name="案件")
    status = models.CharField("待ち状態", max_length=30, choices=CaseStatus.choices)
    started_on = models.DateField("開始日")
    ended_on = models.DateField("終了日", null=True, blank=True)
    business_days = models.PositiveIntegerField("停止した営業日数", default=0)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "期限停止"
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.started_on}〜{self.ended_on or ''}"


class OverdueSnapshot(models.Model):
    """The daily count of 対応漏れ per scope, for the KPI history (derived, rewritten per day)."""

    on = models.DateField("集計日")
    scope = models.CharField("単位", max_length=12)  # total / department / agency / user
    scope_id = models.BigIntegerField("単位ID", null=True, blank=True)
    scope_name = models.CharField("名称", max_length=200, blank=True)
    overdue_cases = models.PositiveIntegerField("期限超過案件")
    overdue_tasks = models.PositiveIntegerField("期限超過タスク")

    class Meta:
        verbose_name = verbose_name_plural = "対応漏れ件数の推移"
        ordering = ["-on", "scope", "scope_id"]
        constraints = [models.UniqueConstraint(fields=["on", "scope", "scope_id"], name="overdue_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.on} {self.scope} {self.scope_name}: {self.overdue_cases}"
