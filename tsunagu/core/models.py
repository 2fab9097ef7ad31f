"""Organization, users, audit events and the hash-chained access log."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import AccessPurpose, DepartmentKind, EmploymentStatus, Role
from .writes import HistoryQuerySet


class Department(models.Model):
    """An insurer department (お客様相談室, コールセンター, 損害サービス …)."""

    code = models.CharField("部署コード", max_length=20, unique=True)
    name = models.CharField("部署名", max_length=100)
    kind = models.CharField("種別", max_length=30, choices=DepartmentKind.choices)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "部署"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """A sales branch (営業拠点) that supervises agencies."""

    code = models.CharField("拠点コード", max_length=20, unique=True)
    name = models.CharField("拠点名", max_length=100)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "営業拠点"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An agency (代理店). Agency staff see only this agency's customers and policies."""

    code = models.CharField("代理店コード", max_length=20, unique=True)
    name = models.CharField("代理店名", max_length=200)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="agencies", verbose_name="営業拠点")
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "代理店"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class Agent(models.Model):
    """A registered solicitor (募集人) of an agency."""

    registration_number = models.CharField("募集人登録番号", max_length=20, unique=True)
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("フリガナ", max_length=100, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="agents", verbose_name="代理店")
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "募集人"
        ordering = ["registration_number"]

    def __str__(self) -> str:
        return self.name


class StaffManager(UserManager.from_queryset(HistoryQuerySet)):  # type: ignore[misc]
    """Django's user manager whose bulk writes keep row history (core.writes)."""

    use_in_migrations = True


class User(AbstractUser):
    """A member of staff: belongs to an insurer department, an agency or a branch (営業拠点), at most one."""

    display_name = models.CharField("表示名", max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="部署",
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="代理店",
    )
    # Branch staff (営業拠点) see the customers of every agency of their branch (core.scoping).
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="営業拠点",
    )
    agent = models.OneToOneField(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name="募集人",
    )
    # Compliance (access monitoring, access-right reviews): whom the user reports to, and whether the
    # account should still be in use (left / moved / seconded since `status_since`).
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="上長",
    )
    employment_status = models.CharField(
        "在籍状況", max_length=12, choices=EmploymentStatus.choices, default=EmploymentStatus.ACTIVE
    )
    status_since = models.DateField("在籍状況の開始日", null=True, blank=True)
    # Where known: the staff member's home postal code, to notice reads of their own family's records.
    home_postal_code = models.CharField("自宅の郵便番号", max_length=8, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects: ClassVar[StaffManager] = StaffManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = verbose_name_plural = "ユーザー"
        constraints = [
            # At most one organisation: the scoping ladder (core.scoping) reads exactly one of them.
            models.CheckConstraint(
                condition=(
                    models.Q(department__isnull=True, agency__isnull=True)
                    | models.Q(department__isnull=True, branch__isnull=True)
                    | models.Q(agency__isnull=True, branch__isnull=True)
                ),
                name="user_one_organisation",
                violation_error_message="ユーザーの所属は部署・代理店・営業拠点のいずれか一つだけにしてください。",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        """The manager (上長) answers business-reason requests and reviews roles: an active login user,
        never the user themself (they would confirm their own access) nor the system actor."""
        super().clean()
        if self.manager_id is None:
            return
        from django.core.exceptions import ValidationError

        from .services import SYSTEM_USERNAME  # services imports models

        if self.pk is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": "本人を自分の上長にすることはできません。"})
        manager = self.manager
        if manager is None or not manager.is_active or manager.username == SYSTEM_USERNAME:
            message = "上長には、ログインできる有効なユーザーを選んでください(システム・無効なユーザーは選べません)。"
            raise ValidationError({"manager": message})

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role codes held by the user (roles are Django groups named by code)."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: Role) -> bool:
        return self.is_superuser or any(role.value in self.roles for role in roles)

    @property
    def is_agency_bound(self) -> bool:
        """Agency and branch staff are restricted to their agencies' book (core.scoping)."""
        return self.agency_id is not None or self.branch_id is not None

    @property
    def role_labels(self) -> list[str]:
        return [label for value, label in Role.choices if value in self.roles]


class AuditEvent(models.Model):
    """A business event written by a service ("顧客を登録した"), with the acting user."""

    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="実行者")
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("対象種別", max_length=60)
    target_id = models.CharField("対象ID", max_length=40)
    summary = models.CharField("内容", max_length=300)
    data = models.JSONField("詳細", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "監査イベント"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return self.summary


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Bulk updates and deletes bypass Model.save/delete; refuse them for append-only tables."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.verbose_name}は変更できません。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.verbose_name}は削除できません。")


class AccessLog(models.Model):
    """One read of personal data. Append-only; each row carries the keyed hash of the one before.

    Rows belong to one of several independent chains (`chain`, numbered from 0) so that concurrent
    readers do not all wait for one lock; `seq` counts 1, 2, 3 … within a chain. `hash` is an
    HMAC-SHA256 with the key named by `key_id` (the key itself is never in the database); see
    `core.access_log` and docs/access-log.md.
    """

    # Allocated by the database (sequence / AUTOINCREMENT), so chains never collide; it orders rows
    # roughly by time across chains but is not part of the hash (the chain position is).
    id = models.BigAutoField(primary_key=True)
    chain = models.PositiveSmallIntegerField("チェーン", default=0)
    seq = models.BigIntegerField("チェーン内番号")
    at = models.DateTimeField("日時")
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="利用者")
    username = models.CharField("ユーザー名", max_length=150)
    # Plain ids, not foreign keys: the log outlives merges and must not cascade.
    customer_id = models.BigIntegerField("顧客ID", null=True, db_index=True)
    purpose = models.CharField("目的", max_length=20, choices=AccessPurpose.choices)
    screen = models.CharField("画面・経路", max_length=100)
    detail = models.JSONField("詳細", default=dict, blank=True)
    client_address = models.CharField("接続元", max_length=64, blank=True)
    key_id = models.CharField("鍵ID", max_length=16)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "アクセスログ"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "at"]),
            # Compliance: rule runs and reports read periods (at) and "who saw this customer" (customer, at).
            models.Index(fields=["at"], name="core_accesslog_at"),
            models.Index(fields=["customer_id", "at"], name="core_accesslog_customer_at"),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="core_accesslog_chain_seq")]

    def __str__(self) -> str:
        return f"#{self.id} {self.username} → {self.customer_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("アクセスログは変更できません。")
        # INSERT only: a new instance given an existing id must fail, not overwrite that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("アクセスログは削除できません。")


class AccessLogHead(models.Model):
    """The tip of one chain (id = chain number), locked only while appending to that chain."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "アクセスログ先頭"

    def __str__(self) -> str:
        return f"チェーン {self.id} #{self.last_seq}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="ユーザー")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("先頭8文字", max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("発行日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])
    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "APIトークン"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
