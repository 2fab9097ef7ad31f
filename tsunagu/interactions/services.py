"""Writes for the contact history: log a contact, or correct one with a new entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.events import customer_changed
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.policies.models import Claim, Policy

from .choices import Channel, Direction
from .models import Interaction


def interaction_log(
    *,
    actor: User,
    customer: Customer,
    channel: Channel | str,
    subject: str,
    notes: str = "",
    direction: Direction | str = Direction.INBOUND,
    occurred_at: dt.datetime | None = None,
    policy: Policy | None = None,
    claim: Claim | None = None,
    corrects: Interaction | None = None,
) -> Interaction:
    with transaction.atomic():
        if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
            raise PermissionDenied("この顧客のコンタクト履歴を登録する権限がありません。")
        # Agency staff may see a shared customer but not another agency's policies and claims.
        if policy is not None and not Policy.objects.visible_to(actor).filter(pk=policy.pk).exists():
            raise PermissionDenied("この契約を参照する権限がありません。")
        if claim is not None and not Claim.objects.visible_to(actor).filter(pk=claim.pk).exists():
            raise PermissionDenied("この事故を参照する権限がありません。")
        errors: dict[str, str] = {}
        if policy is not None and policy.policyholder_id != customer.pk:
            errors["policy"] = "関連契約はこの顧客の契約から選んでください。"
        if claim is not None and claim.policy.policyholder_id != customer.pk:
            errors["claim"] = "関連事故はこの顧客の事故から選んでください。"
        if occurred_at is not None and occurred_at > timezone.now() + dt.timedelta(minutes=5):
            errors["occurred_at"] = "未来の日時は登録できません。"
        if corrects is not None and corrects.customer_id != customer.pk:
            errors["corrects"] = "訂正対象は同じ顧客のコンタクト履歴から選んでください。"
        if errors:
            raise ValidationError(errors)
        interaction = Interaction(
            customer=customer,
            channel=channel,
            direction=direction,
            occurred_at=occurred_at or timezone.now(),
            staff=actor,
            subject=subject.strip(),
            notes=notes.strip(),
            policy=policy,
            claim=claim,
            corrects=corrects,
        )
        interaction.full_clean()
        interaction.save()
        customer_changed([customer.pk])
    return interaction


def interaction_correct(*, actor: User, original: Interaction, subject: str, notes: str) -> Interaction:
    """A correction is a new entry that points at the one it corrects; the original stays."""
    if not Interaction.objects.visible_to(actor).filter(pk=original.pk).exists():
        raise PermissionDenied("このコンタクト履歴を訂正する権限がありません。")
    if Interaction.objects.filter(corrects=original).exists():
        raise ValidationError("この記録は既に訂正されています。最新の訂正記録を訂正してください。")
    return interaction_log(
        actor=actor,
        customer=original.customer,
        channel=original.channel,
        direction=original.direction,
        occurred_at=original.occurred_at,
        subject=subject,
        notes=notes,
        policy=original.policy,
        claim=original.claim,
        corrects=original,
    )
