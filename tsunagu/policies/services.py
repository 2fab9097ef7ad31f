"""Writes for policies, premium payments and claims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import normalize, scoping, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.events import customer_changed
from tsunagu.core.models import Agency, Agent, User
from tsunagu.customers.models import Customer
from tsunagu.customers.services import customer_link_agency

from .choices import ClaimStatus, PolicyStatus, ReportChannel
from .models import Building, Claim, Coverage, InsuredPerson, Policy, PremiumPayment, Product, Vehicle


@dataclass
class CoverageInput:
    name: str
    premium: int
    sum_insured: int | None = None
    is_earthquake: bool = False


@dataclass
class PolicyInput:
    number: str
    product: Product
    contract_date: dt.date
    inception: dt.date
    expiry: dt.date
    annual_premium: int
    payment_method: str
    payment_frequency: str
    sales_channel: str
    agency: Agency | None = None
    agent: Agent | None = None
    face_to_face: bool = True
    has_maturity_refund: bool = False
    previous_policy: Policy | None = None
    coverages: list[CoverageInput] = field(default_factory=list)
    insured: list[tuple[Customer, str]] = field(default_factory=list)  # (customer, relation)
    vehicle: dict[str, Any] | None = None
    building: dict[str, Any] | None = None


def _term_years(inception: dt.date, expiry: dt.date) -> int:
    return max(1, round((expiry - inception).days / 365.25))


def policy_create(*, actor: User, policyholder: Customer, data: PolicyInput) -> Policy:
    """Register a policy with its coverages and insured objects; the agency then serves the holder."""
    if scoping.sees_part(actor) and (data.agency is None or not scoping.covers_agency(actor, data.agency.pk)):
        raise PermissionDenied("自代理店以外の契約は登録できません。")
    with transaction.atomic():
        # The policy links its customers to the agency, which makes them visible to its staff:
        # only customers (and a previous policy) the actor already sees may be used.
        customer_ids = {policyholder.pk, *(customer.pk for customer, _ in data.insured)}
        if Customer.objects.visible_to(actor).filter(pk__in=customer_ids).count() != len(customer_ids):
            raise PermissionDenied("この顧客の契約を登録する権限がありません。")
        if data.previous_policy is not None and not _visible(actor, data.previous_policy):
            raise PermissionDenied("この前契約を参照する権限がありません。")
        policy = Policy(
            number=data.number,
            line=data.product.line,
            product=data.product,
            contract_date=data.contract_date,
            inception=data.inception,
            expiry=data.expiry,
            term_years=_term_years(data.inception, data.expiry) if data.inception < data.expiry else 1,
            annual_premium=data.annual_premium,
            payment_method=data.payment_method,
            payment_frequency=data.payment_frequency,
            policyholder=policyholder,
            agency=data.agency,
            agent=data.agent,
            sales_channel=data.sales_channel,
            face_to_face=data.face_to_face,
            has_maturity_refund=data.has_maturity_refund,
            previous_policy=data.previous_policy,
        )
        writes.save(policy, actor=actor)
        for coverage in data.coverages:
            writes.save(Coverage(policy=policy, **coverage.__dict__), actor=actor)
        for customer, relation in data.insured:
            writes.save(InsuredPerson(policy=policy, customer=customer, relation=relation), actor=actor)
        if data.vehicle is not None:
            writes.save(Vehicle(policy=policy, **data.vehicle), actor=actor)
        if data.building is not None:
            building = dict(data.building)
            building["postal_code"] = normalize.postal_code_digits(building.get("postal_code", ""))
            writes.save(Building(policy=policy, **building), actor=actor)
        if data.agency is not None:
            customer_link_agency(actor=actor, customer=policyholder, agency=data.agency)
            for customer, _relation in data.insured:
                customer_link_agency(actor=actor, customer=customer, agency=data.agency)
        record_event(
            actor=actor, action=AuditAction.POLICY_CREATE, target=policy, summary=f"契約「{policy.number}」を登録した"
        )
        customer_changed([policyholder.pk, *(customer.pk for customer, _ in data.insured)])
    return policy


def _visible(actor: User, policy: Policy) -> bool:
    return Policy.objects.visible_to(actor).filter(pk=policy.pk).exists()


def policy_change_status(*, actor: User, policy: Policy, status: PolicyStatus, on: dt.date) -> Policy:
    with transaction.atomic():
        if not _visible(actor, policy):
            raise PermissionDenied("この契約を更新する権限がありません。")
        old = policy.get_status_display()
        policy.status = status
        policy.last_changed_on = on
        writes.save(policy, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.POLICY_CHANGE_STATUS,
            target=policy,
            summary=f"契約状態を「{old}」から「{policy.get_status_display()}」に変更した",
        )
        customer_changed([policy.policyholder_id])
    return policy


def policy_schedule_cancellation(
    *, actor: User, policy: Policy, on: dt.date, today: dt.date | None = None, reason: str = ""
) -> Policy:
    """Record a decided cancellation (解約) effective on `on` (解約日).

    The date is stored on the policy. A policy cancelled today or earlier becomes 解約 now; one
    cancelled later stays 有効 (shown as 解約予定) until its date, when the daily job
    `policies_apply_due_cancellations` (manage.py apply_cancellations) sets the status. Until the
    job has run, `Policy.effective_status` already reads 解約 from the date, so no screen shows a
    stale status.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        if not _visible(actor, policy):
            raise PermissionDenied("この契約を更新する権限がありません。")
        policy = Policy.objects.select_for_update().select_related("product").get(pk=policy.pk)
        if policy.status == PolicyStatus.CANCELLED and policy.cancellation_date == on:
            return policy  # the same decision recorded again
        if policy.status != PolicyStatus.IN_FORCE:
            raise ValidationError(f"状態が「{policy.get_status_display()}」の契約は解約できません。")
        if on >= policy.expiry:
            raise ValidationError(f"解約日は保険終期({policy.expiry:%Y/%m/%d})より前の日付にしてください。")
        old_status, old_date = policy.status_label, policy.cancellation_date
        policy.cancellation_date = on
        if on <= today:
            policy.status = PolicyStatus.CANCELLED
            policy.last_changed_on = on
        writes.save(policy, actor=actor, reason=reason)
        basis = policy.refund_basis_on(on)
        if on <= today:
            summary = f"契約を解約にした(解約日 {on:%Y/%m/%d}、状態「{old_status}」→「解約」)"
        elif old_date not in (None, on):
            summary = f"解約日を {old_date:%Y/%m/%d} から {on:%Y/%m/%d} に変更した(解約予定)"
        else:
            summary = f"解約日を {on:%Y/%m/%d} とした(解約予定。その日から解約)"
        record_event(
            actor=actor,
            action=AuditAction.POLICY_CHANGE_STATUS,
            target=policy,
            summary=f"{summary}。返戻保険料 {basis.refund:,}円({basis.method_label})",
        )
        customer_changed([policy.policyholder_id])
    return policy


def policies_apply_due_cancellations(*, actor: User, today: dt.date | None = None) -> list[Policy]:
    """The daily job: policies whose cancellation date has come become 解約 (history and audit kept).

    Idempotent: a second run the same day finds nothing to do."""
    today = today or timezone.localdate()
    applied: list[Policy] = []
    with transaction.atomic():
        due = (
            Policy.objects.select_for_update()
            .filter(status=PolicyStatus.IN_FORCE, cancellation_date__lte=today)
            .order_by("cancellation_date", "pk")
        )
        for policy in due:
            policy.status = PolicyStatus.CANCELLED
            policy.last_changed_on = policy.cancellation_date
            writes.save(policy, actor=actor, reason="解約日の到来による解約")
            record_event(
                actor=actor,
                action=AuditAction.POLICY_CHANGE_STATUS,
                target=policy,
                summary=f"解約日({policy.cancellation_date:%Y/%m/%d})が来たため契約状態を「有効」から「解約」に変更した",
            )
            applied.append(policy)
        if applied:
            customer_changed(sorted({p.policyholder_id for p in applied}))
    return applied


def premium_payment_record(
    *,
    actor: User,
    policy: Policy,
    paid_on: dt.date,
    amount: int,
    period_from: dt.date,
    period_to: dt.date,
    earthquake_portion: int = 0,
) -> PremiumPayment:
    with transaction.atomic():
        if not _visible(actor, policy):
            raise PermissionDenied("この契約の入金を記録する権限がありません。")
        payment = PremiumPayment(
            policy=policy,
            paid_on=paid_on,
            amount=amount,
            earthquake_portion=earthquake_portion,
            period_from=period_from,
            period_to=period_to,
        )
        writes.save(payment, actor=actor)
    return payment


def claim_register(
    *,
    actor: User,
    policy: Policy,
    number: str,
    accident_date: dt.date,
    accident_place: str,
    accident_type: str,
    reported_on: dt.date,
    reported_via: ReportChannel,
    handler: User | None = None,
) -> Claim:
    with transaction.atomic():
        if not _visible(actor, policy):
            raise PermissionDenied("この契約の事故を登録する権限がありません。")
        claim = Claim(
            number=number,
            policy=policy,
            accident_date=accident_date,
            accident_place=accident_place,
            accident_type=accident_type,
            reported_on=reported_on,
            reported_via=reported_via,
            status=ClaimStatus.REPORTED,
            handler=handler,
        )
        writes.save(claim, actor=actor)
        record_event(
            actor=actor, action=AuditAction.CLAIM_REGISTER, target=claim, summary=f"事故「{claim.number}」を受け付けた"
        )
        customer_changed([policy.policyholder_id])
    return claim


def policy_change_payment(
    *, actor: User, policy: Policy, payment_method: str, payment_frequency: str | None = None, on: dt.date
) -> Policy:
    """口座・支払方法変更: change how the premium is paid (history kept, audit event written)."""
    with transaction.atomic():
        if not Policy.objects.visible_to(actor).filter(pk=policy.pk).exists():
            raise PermissionDenied("この契約を更新する権限がありません。")
        old = f"{policy.get_payment_method_display()}・{policy.get_payment_frequency_display()}"
        policy.payment_method = payment_method
        if payment_frequency:
            policy.payment_frequency = payment_frequency
        policy.last_changed_on = on
        try:
            writes.save(policy, actor=actor)
        except Exception:
            policy.refresh_from_db()
            raise
        record_event(
            actor=actor,
            action=AuditAction.POLICY_CHANGE_PAYMENT,
            target=policy,
            summary=f"払込方法を「{old}」から「{policy.get_payment_method_display()}・"
            f"{policy.get_payment_frequency_display()}」に変更した",
        )
        customer_changed([policy.policyholder_id])
    return policy


def policies_move_to_customer(
    *, actor: User, to_customer: Customer, policy_ids: list[int], insured_ids: list[int], reason: str
) -> tuple[list[int], list[int]]:
    """Make `to_customer` the policyholder of the policies (claims follow their policy) and the
    insured person of the insured rows; used by identity merge and unmerge. Each moved row gets a
    history row. Insured rows that would insure the same customer twice on one policy stay.
    Returns the policy ids and insured ids moved."""
    moved_policies: list[int] = []
    moved_insured: list[int] = []
    with transaction.atomic():
        if not Customer.objects.visible_to(actor).filter(pk=to_customer.pk).exists():
            raise PermissionDenied("この顧客を更新する権限がありません。")
        touched = {to_customer.pk}
        for policy in Policy.objects.visible_to(actor).filter(pk__in=policy_ids).order_by("pk"):
            touched.add(policy.policyholder_id)
            policy.policyholder = to_customer
            writes.save(policy, actor=actor, reason=reason)
            moved_policies.append(policy.pk)
        for insured in InsuredPerson.objects.filter(pk__in=insured_ids).order_by("pk"):
            if InsuredPerson.objects.filter(policy_id=insured.policy_id, customer=to_customer).exists():
                continue
            touched.add(insured.customer_id)
            insured.customer = to_customer
            writes.save(insured, actor=actor, reason=reason)
            moved_insured.append(insured.pk)
        if len(moved_policies) != len(set(policy_ids)):
            raise PermissionDenied("この契約を更新する権限がありません。")
        customer_changed(touched)
    return moved_policies, moved_insured
