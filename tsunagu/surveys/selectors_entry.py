"""Reads of the postcard/phone entry screen and the opt-out screen, always taking the user.

Staff holding a returned postcard look it up by the 回答番号 printed on it (`Q` + 9 digits, the
invitation) or by the policy number written on it. Both are scoped: a number outside the user's
scope is "not found", the same as a number that does not exist (no hint that it exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu.core import normalize
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read
from tsunagu.policies.models import Policy

from .choices import Channel, InvitationStatus
from .models import Invitation, SurveyOptOut
from .services.invitations import invitation_id_from_answer_number

OPEN = (InvitationStatus.SCHEDULED, InvitationStatus.SENT)
STAFF_CHANNELS = (Channel.POST, Channel.PHONE)


@dataclass
class Lookup:
    """What a number found: an invitation (by 回答番号) or a policy (by number), else a reason."""

    invitation_id: int | None = None
    policy: Policy | None = None
    problem: str = ""


@dataclass
class PolicyHit:
    policy: Policy
    customer: Customer
    invitations: list[Invitation] = field(default_factory=list)  # open postcard/phone surveys of the customer


def is_answer_number(text: str) -> bool:
    key = normalize.identifier_key(text or "").upper()
    return key.startswith("Q") and key[1:].isdigit()


def entry_lookup(*, user: User, text: str) -> Lookup:
    """Find what the postcard's number names, within the user's scope (no personal data is read
    here: the caller reads the customer through customer_get, which logs it)."""
    text = (text or "").strip()
    if is_answer_number(text):
        pk = invitation_id_from_answer_number(text)
        row = (
            Invitation.objects.visible_to(user).filter(pk=pk).values("pk", "status", "channel").first()
            if pk is not None
            else None
        )
        if row is None:
            return Lookup(problem=f"回答番号「{text}」のアンケートは見つかりません。番号を確かめてください。")
        if row["status"] == InvitationStatus.ANSWERED:
            return Lookup(problem=f"回答番号「{text}」のアンケートは回答済みです(二重の入力はできません)。")
        if row["status"] not in (InvitationStatus.SENT, InvitationStatus.EXPIRED, InvitationStatus.SCHEDULED):
            return Lookup(problem=f"回答番号「{text}」のアンケートは送付されていません(抑止または対象外)。")
        return Lookup(invitation_id=row["pk"])
    key = normalize.identifier_key(text)
    policy = Policy.objects.visible_to(user).filter(number=key).select_related("policyholder").first() if key else None
    if policy is None:
        return Lookup(problem=f"証券番号「{text}」の契約は見つかりません。番号を確かめてください。")
    return Lookup(policy=policy)


def open_staff_invitations(*, user: User, customer: Customer) -> list[Invitation]:
    """The customer's postcard/phone surveys not yet answered (sent or past their date), newest first."""
    require_logged_read(user=user, customer=customer)
    return list(
        Invitation.objects.visible_to(user)
        .filter(
            customer=customer,
            channel__in=STAFF_CHANNELS,
            status__in=(InvitationStatus.SENT, InvitationStatus.EXPIRED),
        )
        .select_related("version__survey", "policy")
        .order_by("-scheduled_for", "-id")[:20]
    )


def opt_out_of(*, user: User, customer: Customer) -> SurveyOptOut | None:
    """The customer's opt-out, if any (the caller read the customer through customer_get)."""
    require_logged_read(user=user, customer=customer)
    return SurveyOptOut.objects.filter(customer=customer).select_related("recorded_by").first()


def scheduled_count(*, customer: Customer) -> int:
    """Surveys planned for the customer but not yet sent (an opt-out suppresses them)."""
    return Invitation.objects.filter(customer=customer, status=InvitationStatus.SCHEDULED).count()
