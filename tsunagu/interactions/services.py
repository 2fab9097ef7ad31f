"""Writes for the contact history: log a contact, or correct one with a new entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.choices import AuditAction
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


def interactions_move_to_customer(*, actor: User, to_customer: Customer, ids: list[int], reason: str) -> list[int]:
    """Re-attach contact history entries to another customer (identity merge and unmerge).

    The entries' content stays untouched (append-only); only the customer they belong to changes,
    and each move is written as an audit event, this table having no row history of its own."""
    from tsunagu.core.audit import record_event

    with transaction.atomic():
        if not Customer.objects.visible_to(actor).filter(pk=to_customer.pk).exists():
            raise PermissionDenied("この顧客を更新する権限がありません。")
        rows = list(Interaction.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", "customer_id"))
        if len(rows) != len(set(ids)):
            raise PermissionDenied("このコンタクト履歴を更新する権限がありません。")
        # The base manager bypasses the append-only queryset: this is a change of owner, not of content.
        Interaction._base_manager.filter(pk__in=[pk for pk, _ in rows]).update(customer=to_customer)
        for pk, from_customer in rows:
            record_event(
                actor=actor,
                action=AuditAction.INTERACTION_REASSIGN,
                target=Interaction(pk=pk),
                summary=f"コンタクト履歴の顧客を付け替えた({reason})",
                data={"from_customer": from_customer, "to_customer": to_customer.pk},
            )
        customer_changed({to_customer.pk, *(c for _, c in rows)})
    return [pk for pk, _ in rows]
