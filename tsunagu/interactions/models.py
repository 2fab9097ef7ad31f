"""Contact history (コンタクト履歴). Append-only: a correction is a new entry pointing at the old."""

from __future__ import annotations

from typing import Any

from django.db import models

from tsunagu.core import scoping
from tsunagu.core.models import AppendOnlyError, AppendOnlyQuerySet, User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Claim, Policy

from .choices import Channel, Direction


class InteractionQuerySet(AppendOnlyQuerySet, scoping.ScopedQuerySet):  # type: ignore[override]  # both bases get a generated as_manager
    """Agency staff see their customers' contacts, except those about other agencies' policies or claims."""

    scope_rule = scoping.All(
        (scoping.CustomerLink("customer"), scoping.Via("policy", optional=True), scoping.Via("claim", optional=True))
    )


class Interaction(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name="顧客")
    channel = models.CharField("チャネル", max_length=12, choices=Channel.choices)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    occurred_at = models.DateTimeField("日時")
    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="対応者")
    subject = models.CharField("件名", max_length=200)
    notes = models.TextField("内容", blank=True)
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="関連契約"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="関連事故"
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name="訂正対象",
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "コンタクト履歴"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"]), models.Index(fields=["-occurred_at"])]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("コンタクト履歴は変更できません。訂正は新しい記録として登録してください。")
        kwargs["force_insert"] = True  # a new instance given an existing id must not overwrite that row
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("コンタクト履歴は削除できません。")
