"""Every write of the compliance app: rule runs, the review of alerts, managers' answers, threshold
settings and access-right review campaigns (keyword-only, `actor` required, atomic, history through
core.writes, an audit event each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.jobs import Job
from tsunagu.core.models import AccessLog, User

from . import detection
from .choices import AlertStatus, CampaignStatus, Conclusion, ReviewDecision, RunKind, RunStatus
from .models import Alert, ReasonRequest, ReviewCampaign, ReviewItem, RuleRun, RuleSetting

REASON_DAYS = 7  # a manager answers a business-reason request within a week


@dataclass
class RunResult:
    run: RuleRun
    alerts: list[Alert] = field(default_factory=list)  # every alert of the period the rules found
    created: list[Alert] = field(default_factory=list)  # of which new in this run


def _raise(run: RuleRun, findings: list[detection.Finding]) -> tuple[list[Alert], list[Alert]]:
    existing = Alert.objects.in_bulk([f.key for f in findings], field_name="key")
    # The evidence of every new finding, one query per rule (not one per alert).
    frozen = detection.evidence_many([f for f in findings if f.key not in existing])
    alerts, created = [], []
    for finding in findings:
        alert = existing.get(finding.key)
        if alert is None:
            data = frozen[finding.key]
            alert = Alert(
                key=finding.key,
                rule=finding.rule,
                user_id=finding.user_id,
                day=finding.day,
                period_start=detection.day_start(finding.day),
                period_end=detection.day_start(finding.day + dt.timedelta(days=1)),
                customers=data["customer_count"],
                rows=data["rows"],
                score=finding.score,
                explanation=finding.explanation,
                evidence=data,
                run=run,
            )
            created.append(alert)
        alerts.append(alert)
    if created:
        writes.bulk_create(created, actor=run.started_by)
        fresh = Alert.objects.in_bulk([a.key for a in created], field_name="key")
        alerts = [fresh.get(a.key, a) for a in alerts]
        created = [fresh[a.key] for a in created]
    return alerts, created


def rules_run(
    *,
    actor: User,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    only: list[str] | None = None,
) -> RunResult:
    """Evaluate the rules. With dates: over those monitoring days (idempotent: a finding already
    raised is returned, not raised again). Without: the scheduled run, over the days touched by
    log rows appended since the last scheduled run (it remembers the last log id it covered)."""
    if date_from is not None and date_to is not None:
        if date_from > date_to:
            raise ValidationError({"date_to": "終了日は開始日と同じか、それより後の日付にしてください。"})
        kind = RunKind.PERIOD
        rows = AccessLog.objects.filter(at__gte=detection.day_start(date_from))
        rows = rows.filter(at__lt=detection.day_start(date_to + dt.timedelta(days=1)))
        span = {"first": rows.aggregate(v=Min("id"))["v"] or 0, "last": rows.aggregate(v=Max("id"))["v"] or 0}
    else:
        kind = RunKind.SCHEDULED
        previous = RuleRun.objects.filter(kind=RunKind.SCHEDULED, status=RunStatus.COMPLETED).order_by("-pk").first()
        after = previous.last_log_id if previous else 0
        new = AccessLog.objects.filter(id__gt=after).aggregate(
            first=Min("id"), last=Max("id"), at_min=Min("at"), at_max=Max("at")
        )
        span = {"first": new["first"] or 0, "last": new["last"] or after}
        if new["first"] is None:
            today = detection.monitoring_day(timezone.now())
            date_from = date_to = today
        else:
            date_from, date_to = detection.monitoring_day(new["at_min"]), detection.monitoring_day(new["at_max"])
    run = RuleRun.objects.create(
        kind=kind,
        started_by=actor,
        period_start=detection.day_start(date_from),
        period_end=detection.day_start(date_to + dt.timedelta(days=1)),
        first_log_id=span["first"],
        last_log_id=span["last"],
    )
    job = Job.start(run)
    with job.running():
        ctx = detection.load_context(date_from, date_to, stored_norms=kind == RunKind.SCHEDULED)
        findings = detection.evaluate(ctx, only) if span["first"] else []
        with transaction.atomic():
            alerts, created = _raise(run, findings)
            job.set(processed=len(ctx.days), alerts_created=len(created), alerts_existing=len(alerts) - len(created))
    job.set(total=max(0, span["last"] - span["first"] + 1) if span["first"] else 0)
    job.complete(
        actor=actor,
        action=AuditAction.COMPLIANCE_RULE_RUN,
        summary=lambda row: f"アクセス監視ルールを実行した(新しいアラート {row.alerts_created}件)",
        data={"from": date_from.isoformat(), "to": date_to.isoformat(), "kind": kind},
    )
    return RunResult(run=run, alerts=alerts, created=created)


# --- review --------------------------------------------------------------------------------------------


def _alert_for_update(actor: User, alert: Alert) -> Alert:
    permissions.require(actor, permissions.COMPLIANCE_ALERTS)
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_assign(*, actor: User, alert: Alert, assignee: User) -> Alert:
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        if not permissions.has(assignee, permissions.COMPLIANCE_ALERTS):
            raise ValidationError({"assignee": "担当者にはコンプライアンス監査担当を選んでください。"})
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError("結論済みのアラートは変更できません。")
        alert.assignee = assignee
        if alert.status == AlertStatus.NEW:
            alert.status = AlertStatus.IN_REVIEW
        writes.save(alert, actor=actor, reason="担当者割当")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_ALERT_ASSIGN,
            target=alert,
            summary=f"アラートの担当者を{assignee}にした",
            data={"assignee": assignee.username},
        )
    return alert


def alert_ask_reason(*, actor: User, alert: Alert, question: str) -> ReasonRequest:
    """Ask the alerted user's manager for the business reason (they answer on their own screen)."""
    question = question.strip()
    if not question:
        raise ValidationError({"question": "照会内容を入力してください。"})
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError("結論済みのアラートには照会できません。")
        manager = alert.user.manager
        if manager is None:
            raise ValidationError(
                f"{alert.user}さんには上長が登録されていません。管理画面でユーザーの「上長」を登録してください。"
            )
        request = ReasonRequest(
            alert=alert,
            manager=manager,
            asked_by=actor,
            question=question,
            due_on=timezone.localdate() + dt.timedelta(days=REASON_DAYS),
        )
        writes.save(request, actor=actor)
        alert.status = AlertStatus.WAITING_REASON
        if alert.assignee is None:
            alert.assignee = actor
        writes.save(alert, actor=actor, reason="上長へ照会")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_ALERT_ASK_REASON,
            target=alert,
            summary=f"{manager}さんに業務上の理由を照会した",
            data={"request": request.pk, "manager": manager.username},
        )
    return request


def reason_answer(*, actor: User, request: ReasonRequest, answer: str) -> ReasonRequest:
    """The manager's answer; only the manager asked may answer (others get 404)."""
    answer = answer.strip()
    with transaction.atomic():
        request = ReasonRequest.objects.select_for_update().get(pk=request.pk)
        if request.manager_id != actor.pk:
            raise Http404
        if request.answered_at is not None:
            raise ValidationError("この照会にはすでに回答済みです。")
        if not answer:
            raise ValidationError({"answer": "業務上の理由を入力してください。"})
        request.answer = answer
        request.answered_at = timezone.now()
        writes.save(request, actor=actor)
        alert = Alert.objects.select_for_update().get(pk=request.alert_id)
        if alert.status == AlertStatus.WAITING_REASON:
            alert.status = AlertStatus.IN_REVIEW
            writes.save(alert, actor=actor, reason="上長の回答")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_REASON_ANSWER,
            target=request,
            summary="業務上の理由を回答した",
            data={"alert": alert.pk},
        )
    return request


def alert_conclude(*, actor: User, alert: Alert, conclusion: str, comment: str) -> Alert:
    comment = comment.strip()
    if conclusion not in Conclusion.values:
        raise ValidationError({"conclusion": "結論を選んでください。"})
    if not comment:
        raise ValidationError({"comment": "結論の理由をコメントに入力してください。"})
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError("このアラートはすでに結論済みです。")
        alert.status = AlertStatus.CLOSED
        alert.conclusion = conclusion
        alert.conclusion_comment = comment
        alert.concluded_at = timezone.now()
        if alert.assignee is None:
            alert.assignee = actor
        writes.save(alert, actor=actor, reason="結論")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_ALERT_CONCLUDE,
            target=alert,
            summary=f"アラートを「{Conclusion(conclusion).label}」と結論した",
            data={"conclusion": conclusion},
        )
    return alert


# --- thresholds ----------------------------------------------------------------------------------------


# The values a rule setting may take (inclusive): a factor of 0 or below, or a window of 0 days,
# would make a rule fire on every user or look at nothing.
RULE_LIMITS: dict[str, tuple[Any, Any]] = {
    "threshold": (1, 1_000_000),
    "factor": (Decimal("0.01"), Decimal("100")),
    "window_days": (1, 730),
}
RULE_LIMIT_MESSAGES = {
    "threshold": "閾値は 1 以上 1,000,000 以下の整数で入力してください。",
    "factor": "倍率は 0.01 以上 100 以下の数値で入力してください。",
    "window_days": "日数は 1 以上 730 以下の整数で入力してください。",
}


def rule_setting_save(*, actor: User, setting: RuleSetting) -> RuleSetting:
    permissions.require(actor, permissions.COMPLIANCE_ALERTS)
    out_of_range = {
        name: message
        for name, message in RULE_LIMIT_MESSAGES.items()
        if not RULE_LIMITS[name][0] <= getattr(setting, name) <= RULE_LIMITS[name][1]
    }
    if out_of_range:
        raise ValidationError(out_of_range)
    if setting.business_start >= setting.business_end or setting.business_end > 24:
        raise ValidationError({"business_end": "業務終了は業務開始より後、24時までで入力してください。"})
    with transaction.atomic():
        created = setting.pk is None
        writes.save(setting, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_RULE_SETTING_SAVE,
            target=setting,
            summary=f"監視ルール「{setting.get_rule_display()}」の閾値を{'登録' if created else '変更'}した",
            data={"threshold": setting.threshold, "factor": str(setting.factor), "enabled": setting.enabled},
        )
    return setting


# --- access-right review -------------------------------------------------------------------------------


REVIEW_MAX_DAYS = 366


def review_open(*, actor: User, title: str, deadline: dt.date) -> ReviewCampaign:
    """A campaign over every active member of staff's roles; each item goes to the staff's manager."""
    permissions.require(actor, permissions.COMPLIANCE_REVIEWS_MANAGE)
    today = timezone.localdate()
    if deadline <= today:
        raise ValidationError({"deadline": "期限は明日以降の日付にしてください。"})
    if deadline > today + dt.timedelta(days=REVIEW_MAX_DAYS):
        raise ValidationError({"deadline": f"期限は今日から{REVIEW_MAX_DAYS}日以内の日付にしてください。"})
    if not title.strip():
        raise ValidationError({"title": "名称を入力してください。"})
    with transaction.atomic():
        # One open campaign at a time: two would ask a manager about the same role twice and could
        # record 取消 in one and 継続 in the other. The lock orders two concurrent openings.
        open_ones = list(ReviewCampaign.objects.select_for_update().filter(status=CampaignStatus.OPEN))
        if open_ones:
            raise ValidationError(
                f"実施中のアクセス権レビュー「{open_ones[0].title}」があります。締め切ってから新しいレビューを開始してください。"
            )
        campaign = ReviewCampaign(title=title.strip(), deadline=deadline, opened_by=actor)
        writes.save(campaign, actor=actor)
        items = [
            ReviewItem(campaign=campaign, staff=user, role=group.name, reviewer=user.manager)
            for user in User.objects.filter(is_active=True).select_related("manager").prefetch_related("groups")
            for group in user.groups.all()
        ]
        writes.bulk_create(items, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_REVIEW_OPEN,
            target=campaign,
            summary=f"アクセス権レビュー「{campaign.title}」を開始した({len(items)}件)",
            data={"deadline": deadline.isoformat(), "items": len(items)},
        )
    return campaign


def _item_for_reviewer(actor: User, item: ReviewItem) -> ReviewItem:
    item = ReviewItem.objects.select_for_update().select_related("campaign", "staff").get(pk=item.pk)
    may_manage = permissions.has(actor, permissions.COMPLIANCE_REVIEWS_MANAGE)
    if item.reviewer_id != actor.pk and not may_manage:
        raise Http404
    if item.campaign.status != CampaignStatus.OPEN:
        raise ValidationError("締切済みのレビューは変更できません。")
    if item.decision != ReviewDecision.PENDING:
        raise ValidationError("この項目はすでに判断済みです。")
    return item


def review_decide(*, actor: User, item: ReviewItem, keep: bool, comment: str = "") -> ReviewItem:
    """Confirm a role, or revoke it (the role leaves the user's groups at once)."""
    with transaction.atomic():
        item = _item_for_reviewer(actor, item)
        if item.staff_id == actor.pk:
            raise ValidationError("自分自身のアクセス権は確認できません。上長または他の監査担当者が確認します。")
        if not keep and not comment.strip():
            raise ValidationError({"comment": "取消の理由を入力してください。"})
        item.decision = ReviewDecision.CONFIRMED if keep else ReviewDecision.REVOKED
        item.decided_by = actor
        item.decided_at = timezone.now()
        item.comment = comment.strip()[:300]
        writes.save(item, actor=actor)
        if not keep:
            user_role_revoke(actor=actor, user=item.staff, role=item.role, reason=item.comment)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_REVIEW_CONFIRM if keep else AuditAction.COMPLIANCE_REVIEW_REVOKE,
            target=item,
            summary=f"{item.staff}さんのロール「{item.get_role_display()}」を{'継続' if keep else '取消'}とした",
            data={"staff": item.staff.username, "role": item.role},
        )
    return item


def user_role_revoke(*, actor: User, user: User, role: str, reason: str) -> None:
    """Take a role (a group) away from a user. Group membership has no row history, so the audit
    event is the record (with the reason)."""
    with transaction.atomic():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            user.groups.remove(group)
        user.__dict__.pop("roles", None)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_REVIEW_REVOKE,
            target=user,
            summary=f"ロール「{role}」を取り消した",
            data={"role": role, "reason": reason},
        )


def review_close(*, actor: User, campaign: ReviewCampaign) -> ReviewCampaign:
    """Close a campaign: roles still unconfirmed are flagged (they stay until someone decides)."""
    permissions.require(actor, permissions.COMPLIANCE_REVIEWS_MANAGE)
    with transaction.atomic():
        campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != CampaignStatus.OPEN:
            raise ValidationError("このレビューはすでに締切済みです。")
        pending = list(campaign.items.filter(decision=ReviewDecision.PENDING))
        for item in pending:
            item.decision = ReviewDecision.FLAGGED
        writes.bulk_update(pending, ["decision"], actor=actor)
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = timezone.now()
        writes.save(campaign, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_REVIEW_CLOSE,
            target=campaign,
            summary=f"アクセス権レビュー「{campaign.title}」を締め切った(未確認 {len(pending)}件)",
            data={"flagged": len(pending)},
        )
    return campaign


def close_overdue_reviews(*, actor: User, on: dt.date) -> list[ReviewCampaign]:
    """The daily command: campaigns whose deadline has passed are closed and their open items flagged."""
    overdue = ReviewCampaign.objects.filter(status=CampaignStatus.OPEN, deadline__lt=on)
    return [review_close(actor=actor, campaign=c) for c in overdue]


def describe(alert: Alert) -> dict[str, Any]:
    """The JSON the access_alerts command prints for an alert."""
    return {
        "id": alert.pk,
        "user": alert.user.username,
        "rule": alert.rule,
        "rule_label": alert.get_rule_display(),
        "day": alert.day.isoformat(),
        "customers": alert.customers,
        "rows": alert.rows,
        "score": float(alert.score),
        "status": alert.status,
        "explanation": alert.explanation,
    }
