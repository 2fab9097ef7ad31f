"""Reads of the survey app, always taking the user (except the token lookup of the public page,
where the token is the authority). Definitions are not personal data; responses are, and are
read through the logged customer read (`customers.selectors.customer_get`) or logged here."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch
from django.http import Http404

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.core.normalize import identifier_key
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read

from .models import Invitation, Question, Response, Survey, SurveyImport, SurveyVersion
from .services.responses import token_hash

CUSTOMER_PANEL_LIMIT = 20


def survey_list(*, user: User) -> list[Survey]:
    """Every survey with its number of versions and of answers (no personal data)."""
    permissions.require(user, permissions.SURVEYS_VIEW)
    return list(
        Survey.objects.annotate(
            response_count=Count("responses", distinct=True),
            version_count=Count("versions", distinct=True),
        ).order_by("-is_active", "code")
    )


def survey_get(*, user: User, code: str) -> Survey:
    permissions.require(user, permissions.SURVEYS_VIEW)
    survey = Survey.objects.filter(code=code).first()
    if survey is None:
        raise Http404("アンケートが見つかりません。")
    return survey


def versions_of(survey: Survey) -> list[SurveyVersion]:
    """The survey's versions, newest first, each with its questions and answer/invitation counts."""
    return list(
        survey.versions.select_related("created_by")
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order", "id")))
        .annotate(
            response_count=Count("responses", distinct=True), invitation_count=Count("invitations", distinct=True)
        )
        .order_by("-number")
    )


def current_version(survey: Survey) -> SurveyVersion:
    return survey.versions.prefetch_related("questions").get(is_current=True)


def active_surveys() -> list[Survey]:
    """Surveys staff may enter answers for (the entry screen's choice)."""
    return list(Survey.objects.filter(is_active=True).order_by("code"))


def response_list_for_customer(*, user: User, customer: Customer, limit: int = CUSTOMER_PANEL_LIMIT) -> list[Response]:
    """The customer's survey answers the user may see, newest first. The customer page fetched the
    customer through customer_get (scoped and logged), so this read is not logged again."""
    require_logged_read(user=user, customer=customer)
    return list(
        Response.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("survey", "version", "policy")
        .order_by("-answered_on", "-id")[:limit]
    )


def invitation_for_entry(*, user: User, customer: Customer, pk: int) -> Invitation:
    """A postcard/phone invitation of this (logged) customer that the user may see; 404 otherwise."""
    require_logged_read(user=user, customer=customer)
    invitation = (
        Invitation.objects.visible_to(user)
        .filter(pk=pk, customer=customer)
        .select_related("version__survey", "policy", "claim", "case")
        .first()
    )
    if invitation is None:
        raise Http404("アンケートの送付が見つかりません。")
    return invitation


def invitation_customer_id(*, user: User, pk: int) -> int:
    """The customer of an invitation the user may see (404 otherwise), to read it through customer_get."""
    customer_id = Invitation.objects.visible_to(user).filter(pk=pk).values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise Http404("アンケートの送付が見つかりません。")
    return int(customer_id)


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a web link names (by the sha256 of its token), with its questions; None when
    no invitation has that token. No user: the token is the authority, and the page shows nothing
    personal."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.filter(token_hash=token_hash(token))
        .select_related("version__survey", "customer", "policy", "claim", "case")
        .prefetch_related(Prefetch("version__questions", queryset=Question.objects.order_by("order", "id")))
        .first()
    )


def import_list(*, user: User, limit: int = 50) -> list[SurveyImport]:
    permissions.require(user, permissions.SURVEYS_IMPORT)
    return list(SurveyImport.objects.select_related("survey", "started_by").order_by("-id")[:limit])


def import_get(*, user: User, pk: int) -> SurveyImport:
    permissions.require(user, permissions.SURVEYS_IMPORT)
    row = SurveyImport.objects.select_related("survey", "started_by").filter(pk=pk).first()
    if row is None:
        raise Http404("取込が見つかりません。")
    return row


def import_error_rows(*, user: User, survey_import: SurveyImport, screen: str) -> list[dict[str, Any]]:
    """The import's rejected rows (row number, policy number, reason). The policy numbers point at
    customers: the read is logged for the customers they name."""
    permissions.require(user, permissions.SURVEYS_IMPORT)
    errors = list(survey_import.errors)
    # Numbers as written in the file; policies store the normalized form (as the import matched them).
    numbers = {identifier_key(str(e.get("policy_number", ""))) for e in errors if e.get("policy_number")}
    if numbers:
        from tsunagu.policies.models import Policy

        holders = list(
            Policy.objects.filter(number__in=list(numbers)[:1000]).values_list("policyholder_id", flat=True).distinct()
        )
        if holders:
            log_access(
                user=user,
                customer_ids=holders,
                purpose=AccessPurpose.EXPORT,
                screen=screen,
                detail={"survey_import": survey_import.pk},
            )
    return errors
