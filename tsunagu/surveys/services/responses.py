"""The one write path for survey answers, whatever the channel (web, postcard, phone, import).

`responses_record` validates every answer against its question (`surveys.answers`), copies what
the results are cut by onto the response (agency, line, case type, event, the headline answers),
marks the invitation answered, writes rows and history with set-based inserts (`core.bulk`: an
import of 100,000 rows stays within the benchmark's minute), records one audit event and tells the
subscribers (`events.responses_recorded`: aggregates, follow-ups) inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import bulk, permissions, scoping, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.core.services import SYSTEM_USERNAME
from tsunagu.customers.models import Customer, CustomerAgency
from tsunagu.policies.models import Claim, Policy

from .. import config, events
from ..answers import clean_answers, headline
from ..choices import Channel, InvitationStatus, SuppressionReason
from ..models import Invitation, Response, SurveyImport, SurveyOptOut, SurveyVersion

TOKEN_DAYS = config.TOKEN_DAYS  # the default of `config.token_days()` (TSUNAGU_SURVEY_TOKEN_DAYS)
# Invitations in these states can no longer be answered.
CLOSED_INVITATION = {
    InvitationStatus.ANSWERED: "このアンケートは回答済みです。",
    InvitationStatus.EXPIRED: "このアンケートは回答期限が過ぎています。",
    InvitationStatus.SUPPRESSED: "このアンケートは送付が抑止されています。",
    InvitationStatus.SAMPLED_OUT: "このアンケートは送付の対象外です。",
}


@dataclass
class ResponseInput:
    customer: Customer
    answers: dict[str, Any]
    answered_on: dt.date
    policy: Policy | None = None
    claim: Claim | None = None
    case: Any = None  # cases.Case
    invitation: Invitation | None = None


def is_batch_actor(actor: User | None) -> bool:
    """The `system` user commands run as (core.services.system_user): it holds no role."""
    return actor is not None and actor.username == SYSTEM_USERNAME and not actor.is_active


def _require_channel_permission(actor: User | None, channel: str) -> None:
    if channel == Channel.WEB:
        return  # the customer answers through the token; no staff permission involved
    if actor is None:
        raise PermissionDenied("回答を入力した担当者が必要です。")
    if is_batch_actor(actor):
        return
    name = permissions.SURVEYS_IMPORT if channel == Channel.IMPORT else permissions.SURVEYS_ENTER
    permissions.require(actor, name)


def _ensure_visible(actor: User | None, customer_ids: set[int]) -> None:
    """Staff enter answers only for customers they can see (re-checked inside the transaction)."""
    if actor is None or scoping.reach(actor) is scoping.Reach.ALL:
        return
    ids = list(customer_ids)
    visible = 0
    for start in range(0, len(ids), 900):
        visible += Customer.objects.visible_to(actor).filter(pk__in=ids[start : start + 900]).count()
    if visible != len(ids):
        raise PermissionDenied("この顧客のアンケート回答を登録する権限がありません。")


def _row_problems(version: SurveyVersion, row: ResponseInput, today: dt.date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if row.answered_on > today:
        problems["answered_on"] = f"回答日({row.answered_on:%Y-%m-%d})が未来の日付です。"
    invitation = row.invitation
    if invitation is not None:
        if invitation.version_id != version.pk:
            problems["__all__"] = "送付と回答のアンケート(版)が一致しません。"
        elif invitation.customer_id != row.customer.pk:
            problems["__all__"] = "送付先と回答者の顧客が一致しません。"
        elif invitation.status in CLOSED_INVITATION:
            problems["__all__"] = CLOSED_INVITATION[InvitationStatus(invitation.status)]
    if row.policy is not None and row.claim is not None and row.claim.policy_id != row.policy.pk:
        problems["__all__"] = "事故と契約が一致しません。"
    return problems


def _raise(errors: list[tuple[int, dict[str, str]]], single: bool) -> None:
    if single:
        raise ValidationError({code: [message] for code, message in errors[0][1].items()})
    raise ValidationError([f"{index}件目: {message}" for index, problems in errors for message in problems.values()])


def _primary_agencies(customer_ids: set[int]) -> dict[int, int]:
    """The agency a customer has been served by longest (its first link), for answers not about a policy."""
    first: dict[int, int] = {}
    ids = list(customer_ids)
    for start in range(0, len(ids), 900):
        links = (
            CustomerAgency.objects.filter(customer_id__in=ids[start : start + 900])
            .order_by("customer_id", "since", "id")
            .values_list("customer_id", "agency_id")
        )
        for customer_id, agency_id in links:
            first.setdefault(customer_id, agency_id)
    return first


def _insert(responses: list[Response]) -> None:
    """Multi-row INSERT … RETURNING, ids matched by customer: each statement group holds a customer
    at most once (a customer answering twice in one import goes into the next group)."""
    groups: list[list[Response]] = []
    seen_in: dict[int, int] = defaultdict(int)
    for response in responses:
        index = seen_in[response.customer_id]
        seen_in[response.customer_id] += 1
        if index == len(groups):
            groups.append([])
        groups[index].append(response)
    for group in groups:
        bulk.insert_records(Response, group, returning=("customer_id",))
    for response in responses:
        response._state.adding = False
        response._state.db = "default"


def responses_record(
    *,
    actor: User | None,
    version: SurveyVersion,
    channel: str,
    rows: Sequence[ResponseInput],
    import_batch: SurveyImport | None = None,
) -> list[Response]:
    """Record answers; all rows or none (a ValidationError names every problem, in Japanese).

    `actor` is the staff member who entered or imported them; None for the customer's own web answer."""
    _require_channel_permission(actor, channel)
    if not rows:
        return []
    survey = version.survey
    if not survey.is_active and channel in (Channel.WEB, Channel.POST, Channel.PHONE):
        raise ValidationError("このアンケートは停止中のため、回答を受け付けていません。")
    questions = list(version.questions.all())
    today = timezone.localdate()
    cleaned_rows: list[dict[str, Any]] = []
    errors: list[tuple[int, dict[str, str]]] = []
    for index, row in enumerate(rows, start=1):
        cleaned, problems = clean_answers(questions, row.answers)
        problems.update(_row_problems(version, row, today))
        if problems:
            errors.append((index, problems))
        cleaned_rows.append(cleaned)
    if errors:
        _raise(errors, single=len(rows) == 1)

    with transaction.atomic():
        _ensure_visible(actor, {row.customer.pk for row in rows})
        invitation_ids = [row.invitation.pk for row in rows if row.invitation is not None]
        if invitation_ids:
            locked = Invitation.objects.select_for_update().filter(pk__in=invitation_ids)
            for status in locked.values_list("status", flat=True):
                if status in CLOSED_INVITATION:
                    raise ValidationError(CLOSED_INVITATION[InvitationStatus(status)])
        agencies = _primary_agencies({row.customer.pk for row in rows if row.policy is None})
        entered_by = actor if channel != Channel.WEB and actor is not None else None
        responses = []
        for row, answers in zip(rows, cleaned_rows, strict=True):
            head = headline(questions, answers)
            invitation = row.invitation
            claim = row.claim or (invitation.claim if invitation is not None else None)
            case = row.case or (invitation.case if invitation is not None else None)
            policy = row.policy or (invitation.policy if invitation is not None else None)
            policy = policy or (claim.policy if claim is not None else None)
            # Foreign keys by id: assigning instances goes through the related descriptors, a
            # fifth of a 100,000-row import's Python time (profiled).
            responses.append(
                Response(
                    version_id=version.pk,
                    survey_id=survey.pk,
                    invitation_id=invitation.pk if invitation is not None else None,
                    customer_id=row.customer.pk,
                    policy_id=policy.pk if policy is not None else None,
                    claim_id=claim.pk if claim is not None else None,
                    case_id=case.pk if case is not None else None,
                    agency_id=policy.agency_id if policy is not None else agencies.get(row.customer.pk),
                    line=policy.line if policy is not None else "",
                    case_type=case.case_type if case is not None else "",
                    event=invitation.event if invitation is not None else "",
                    channel=channel,
                    answered_on=row.answered_on,
                    nps=head.nps,
                    satisfaction=head.satisfaction,
                    comment=head.comment,
                    contact_consent=head.contact_consent,
                    answers=answers,
                    entered_by_id=entered_by.pk if entered_by is not None else None,
                    import_batch_id=import_batch.pk if import_batch is not None else None,
                )
            )
        _insert(responses)
        bulk.copy_to_history(Response, [r.pk for r in responses], user_id=actor.pk if actor is not None else None)
        if invitation_ids:
            writes.update_rows(
                Invitation.objects.filter(pk__in=invitation_ids),
                actor=actor,
                reason="アンケートに回答",
                status=InvitationStatus.ANSWERED,
                answered_at=timezone.now(),
            )
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_RECORD_RESPONSES,
            target=survey,
            summary=_summary(survey.name, version.number, channel, responses),
            data={"version": version.number, "channel": channel, "responses": [r.pk for r in responses[:100]]},
        )
        events.responses_recorded(responses, actor)
    return responses


def _summary(name: str, number: int, channel: str, responses: list[Response]) -> str:
    label = Channel(channel).label
    if len(responses) == 1:
        return f"「{name}」第{number}版の回答を登録した({label}、回答日 {responses[0].answered_on:%Y/%m/%d})"
    return f"「{name}」第{number}版の回答を{len(responses)}件登録した({label})"


# --- the web link -------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_issue_token(*, invitation: Invitation, actor: User | None = None) -> str:
    """A new single-use token for a web invitation; only its sha256 is stored (the link in the
    message is the only copy). Issuing again replaces the old token. The invitation's expiry
    (`expires_on`, else `config.token_days()` from today) ends the link."""
    token = secrets.token_urlsafe(24)
    values: dict[str, Any] = {"token_hash": token_hash(token)}
    if invitation.expires_on is None:
        values["expires_on"] = timezone.localdate() + dt.timedelta(days=config.token_days())
    writes.update_rows(Invitation.objects.filter(pk=invitation.pk), actor=actor, reason="回答URLの発行", **values)
    for name, value in values.items():
        setattr(invitation, name, value)
    return token


# --- opting out (アンケート辞退) -----------------------------------------------------------------


def _ensure_can_write(actor: User, customer: Customer) -> None:
    if not is_batch_actor(actor):
        permissions.require(actor, permissions.SURVEYS_ENTER)
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied("この顧客を更新する権限がありません。")


NOTE_MAX = 200  # SurveyOptOut.note
LINK_NOTE = "お客さまが回答ページで辞退"


def _suppress_scheduled(customer: Customer, actor: User) -> int:
    """Invitations planned but not yet sent to the customer are suppressed as 「アンケート辞退」
    (planning applies the reason to new events; these were planned before the customer asked)."""
    return writes.update_rows(
        Invitation.objects.filter(customer=customer, status=InvitationStatus.SCHEDULED),
        actor=actor,
        reason="アンケート辞退",
        status=InvitationStatus.SUPPRESSED,
        suppression_reason=SuppressionReason.OPTED_OUT,
    )


def _opt_out_write(*, actor: User, customer: Customer, since: dt.date, note: str, summary: str) -> SurveyOptOut:
    opt_out = SurveyOptOut.objects.select_for_update().filter(customer=customer).first()
    if opt_out is None:
        opt_out = SurveyOptOut(customer=customer, since=since, note=note, recorded_by=actor)
    else:
        opt_out.since, opt_out.note, opt_out.recorded_by = since, note, actor
    writes.save(opt_out, actor=actor)
    suppressed = _suppress_scheduled(customer, actor)
    record_event(
        actor=actor,
        action=AuditAction.SURVEY_OPT_OUT,
        target=customer,
        summary=summary,
        data={"note": note, "since": since.isoformat(), "suppressed_invitations": suppressed},
    )
    return opt_out


def survey_opt_out(*, actor: User, customer: Customer, since: dt.date, note: str = "") -> SurveyOptOut:
    """The customer asked not to receive surveys (recorded by staff): no invitation is planned from
    now on, and those planned but not yet sent are suppressed. Recording it again updates the date
    and note. `since` is the day the customer asked (the screen refuses a future day; the demo
    records past opt-outs as of its own date)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [f"備考は{NOTE_MAX}文字以内で入力してください(現在 {len(note)}文字)。"]})
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        return _opt_out_write(
            actor=actor,
            customer=customer,
            since=since,
            note=note,
            summary=f"アンケート辞退を記録した({since:%Y/%m/%d}から)",
        )


def survey_opt_out_from_link(*, invitation: Invitation) -> SurveyOptOut:
    """The customer pressed 「今後アンケートを受け取らない」 on the web page of a survey sent to them
    (the link's token is the authority, as for answering). Recorded as the `system` user with the
    answer number in the note; pressing it again changes nothing."""
    from tsunagu.core.services import system_user

    actor = system_user()
    with transaction.atomic():
        existing = SurveyOptOut.objects.select_for_update().filter(customer_id=invitation.customer_id).first()
        if existing is not None:
            return existing
        number = f"Q{invitation.pk:09d}"  # the invitation's 回答番号 (services.invitations.answer_number)
        return _opt_out_write(
            actor=actor,
            customer=invitation.customer,
            since=timezone.localdate(),
            note=f"{LINK_NOTE}(回答番号 {number})",
            summary=f"お客さまがアンケートの回答ページで辞退した(回答番号 {number})",
        )


def survey_opt_in(*, actor: User, customer: Customer, note: str = "") -> None:
    """The customer agrees to surveys again (the opt-out row is removed; its history remains)."""
    with transaction.atomic():
        _ensure_can_write(actor, customer)
        opt_out = SurveyOptOut.objects.select_for_update().filter(customer=customer).first()
        if opt_out is None:
            return
        writes.delete(opt_out, actor=actor, reason=note or "アンケート辞退の取消")
        record_event(
            actor=actor,
            action=AuditAction.SURVEY_OPT_IN,
            target=customer,
            summary="アンケート辞退を取り消した",
            data={"note": note},
        )
