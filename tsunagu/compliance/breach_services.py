"""Every write of the breach register (漏えい等): open an incident (from scratch or from an alert
concluded as an incident), edit its facts and report items, find the affected persons in the access
log, record the reports and the notifications to persons, close it. Keyword-only, `actor`
required, atomic, history through core.writes, an audit event each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer

from . import breach
from .choices import AffectedSource, BreachStatus, Conclusion, NotificationMethod
from .models import Alert, BreachAffectedPerson, BreachIncident
from .numbering import next_number

# Reads that put the data in the reader's hands beyond the screen: CSV exports and printed PDFs.
EXPORT_PURPOSES = (AccessPurpose.EXPORT,)
EDITABLE_FIELDS = (
    "title",
    "cause_kind",
    "aware_on",
    "occurred_from",
    "occurred_to",
    "suspect_user",
    "sensitive",
    "financial_harm",
    "malicious",
    "encrypted",
    "persons_estimate",
    "summary",
    "data_items",
    "cause",
    "secondary_damage",
    "action_to_persons",
    "publication",
    "prevention",
    "other",
)


def _check_dates(values: dict[str, Any]) -> None:
    today = timezone.localdate()
    aware_on = values.get("aware_on")
    if aware_on is not None and aware_on > today:
        raise ValidationError({"aware_on": "認識日に未来の日付は指定できません。"})
    start, end = values.get("occurred_from"), values.get("occurred_to")
    if start is not None and end is not None and start > end:
        raise ValidationError({"occurred_to": "発生期間の終了は開始と同じか、それより後の日付にしてください。"})


def breach_open(*, actor: User, alert: Alert | None = None, **values: Any) -> BreachIncident:
    """Register an incident. From an alert concluded as an incident, the alerted user and the
    alert's day are taken over as the suspect and the period (the caller's values win)."""
    permissions.require(actor, permissions.COMPLIANCE_BREACHES)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if alert is not None:
        if alert.conclusion != Conclusion.INCIDENT:
            raise ValidationError("結論が「インシデント」のアラートからだけ事案を登録できます。")
        values.setdefault("suspect_user", alert.user)
        values.setdefault("occurred_from", alert.day)
        values.setdefault("occurred_to", alert.day)
        values.setdefault("title", f"{alert.get_rule_display()}({alert.user} {alert.day:%Y/%m/%d})")
        values.setdefault("summary", alert.explanation)
    _check_dates(values)
    with transaction.atomic():
        incident = BreachIncident(
            number=next_number(BreachIncident, f"{(values.get('aware_on') or timezone.localdate()).year}-"),
            alert=alert,
            opened_by=actor,
            **values,
        )
        writes.save(incident, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_BREACH_OPEN,
            target=incident,
            summary=f"漏えい等事案 {incident.number} を登録した",
            data={"alert": alert.pk if alert else None},
        )
    return incident


def _for_update(actor: User, incident: BreachIncident) -> BreachIncident:
    permissions.require(actor, permissions.COMPLIANCE_BREACHES)
    return BreachIncident.objects.select_for_update().get(pk=incident.pk)


def breach_update(*, actor: User, incident: BreachIncident, **values: Any) -> BreachIncident:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    _check_dates(values)
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if incident.status == BreachStatus.CLOSED:
            raise ValidationError("完了した事案は変更できません。")
        changed = [name for name, value in values.items() if getattr(incident, name) != value]
        for name in changed:
            setattr(incident, name, values[name])
        if changed:
            writes.save(incident, actor=actor, reason="事案の更新")
            record_event(
                actor=actor,
                action=AuditAction.COMPLIANCE_BREACH_UPDATE,
                target=incident,
                summary=f"漏えい等事案 {incident.number} を更新した",
                data={"fields": changed},
            )
    return incident


def _reads_in_hours(rows: Any, hours: tuple[int, int], tz: Any) -> dict[int, Any]:
    """Per customer, the count and first/last time of the reads whose local hour is in [from, to)
    (wrapping midnight). One user's rows of a period are few; the hour is taken in Python so that
    SQL computes no local time per row on either database."""
    start, stop = hours
    found: dict[int, Any] = {}
    for customer_id, at in rows.values_list("customer_id", "at").order_by("at").iterator(chunk_size=5000):
        hour = at.astimezone(tz).hour
        if not (start <= hour < stop if start < stop else hour >= start or hour < stop):
            continue
        entry = found.setdefault(int(customer_id), {"n": 0, "first": at, "last": at})
        entry["n"] += 1
        entry["last"] = at
    return found


def breach_find_affected(
    *,
    actor: User,
    incident: BreachIncident,
    user: User | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    exports_only: bool = False,
    client_address: str = "",
    hours: tuple[int, int] | None = None,
) -> int:
    """Add, as affected persons, every customer the user read (or exported / printed, with
    `exports_only`) in the period, from the one access log; already listed customers are updated, not
    duplicated. Returns how many persons were added. Defaults: the incident's suspect and period.

    The period's reads can be narrowed to one client address and to a time of day (local hours
    [from, to), wrapping midnight when from > to: 20–5 is 20:00–04:59), so that a night's misuse does not
    list every customer of the user's ordinary daytime work."""
    user = user or incident.suspect_user
    date_from = date_from or incident.occurred_from
    date_to = date_to or incident.occurred_to or date_from
    if user is None:
        raise ValidationError({"user": "対象者を特定する利用者を指定してください。"})
    if date_from is None or date_to is None:
        raise ValidationError({"date_from": "対象者を特定する期間を指定してください。"})
    if date_from > date_to:
        raise ValidationError({"date_to": "終了日は開始日と同じか、それより後の日付にしてください。"})
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = AccessLog.objects.filter(user=user, at__gte=start, at__lt=end, customer_id__isnull=False)
    if exports_only:
        rows = rows.filter(purpose__in=[p.value for p in EXPORT_PURPOSES])
    if client_address:
        rows = rows.filter(client_address=client_address)
    if hours is None:
        found: dict[int, Any] = {
            int(r["customer_id"] or 0): r
            for r in rows.values("customer_id").annotate(n=Count("id"), first=Min("at"), last=Max("at")).order_by()
        }
    else:
        found = _reads_in_hours(rows, hours, tz)
    # Rows of customers since deleted or merged away name no customer that can be listed.
    existing_customers = set(Customer.objects.filter(pk__in=found).values_list("pk", flat=True))
    source = AffectedSource.EXPORT if exports_only else AffectedSource.ACCESS_LOG
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if incident.status == BreachStatus.CLOSED:
            raise ValidationError("完了した事案は変更できません。")
        listed = set(incident.affected.values_list("customer_id", flat=True))
        new = [
            BreachAffectedPerson(
                incident=incident,
                customer_id=customer_id,
                source=source,
                first_at=found[customer_id]["first"],
                last_at=found[customer_id]["last"],
                rows=found[customer_id]["n"],
            )
            for customer_id in sorted(existing_customers - listed)
        ]
        writes.bulk_create(new, actor=actor, reason="アクセスログから特定")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_BREACH_AFFECTED,
            target=incident,
            summary=f"漏えい等事案 {incident.number} の対象者をアクセスログから{len(new)}人特定した",
            data={
                "user": user.username,
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "exports_only": exports_only,
                "client_address": client_address,
                "hours": list(hours) if hours else None,
                "found": len(found),
                "added": len(new),
            },
        )
    return len(new)


def breach_add_affected(*, actor: User, incident: BreachIncident, customers: Iterable[Customer]) -> int:
    """Add persons known otherwise (a mis-sent letter's addressee, a lost file's list)."""
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if incident.status == BreachStatus.CLOSED:
            raise ValidationError("完了した事案は変更できません。")
        listed = set(incident.affected.values_list("customer_id", flat=True))
        new = [
            BreachAffectedPerson(incident=incident, customer=c, source=AffectedSource.MANUAL)
            for c in {c.pk: c for c in customers}.values()
            if c.pk not in listed
        ]
        writes.bulk_create(new, actor=actor, reason="個別に登録")
        if new:
            record_event(
                actor=actor,
                action=AuditAction.COMPLIANCE_BREACH_AFFECTED,
                target=incident,
                summary=f"漏えい等事案 {incident.number} の対象者を{len(new)}人登録した",
                data={"added": len(new), "source": AffectedSource.MANUAL},
            )
    return len(new)


def breach_record_report(*, actor: User, incident: BreachIncident, kind: str, reported_on: dt.date) -> BreachIncident:
    """The preliminary (速報) or final (確報) report was made on `reported_on`."""
    fields = {"preliminary": "preliminary_reported_on", "final": "final_reported_on"}
    if kind not in fields:
        raise ValidationError({"kind": "報告の種類は速報か確報を選んでください。"})
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": "報告日に未来の日付は指定できません。"})
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if reported_on < incident.aware_on:
            raise ValidationError({"reported_on": "報告日は認識日より前にはできません。"})
        if kind == "final" and incident.preliminary_reported_on is None:
            raise ValidationError("確報の前に速報の報告日を記録してください。")
        setattr(incident, fields[kind], reported_on)
        label = "速報" if kind == "preliminary" else "確報"
        writes.save(incident, actor=actor, reason=f"{label}の報告")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_BREACH_REPORT,
            target=incident,
            summary=f"漏えい等事案 {incident.number} の{label}を{reported_on:%Y/%m/%d}に報告した",
            data={"kind": kind, "on": reported_on.isoformat()},
        )
    return incident


def breach_notify(
    *,
    actor: User,
    incident: BreachIncident,
    person_ids: Iterable[int],
    method: str,
    notified_on: dt.date,
) -> int:
    """Record that these affected persons were notified (one method, one date). Returns the count."""
    if method not in NotificationMethod.values:
        raise ValidationError({"method": "通知方法を選んでください。"})
    if notified_on > timezone.localdate():
        raise ValidationError({"notified_on": "通知日に未来の日付は指定できません。"})
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        raise ValidationError({"persons": "通知した対象者を選んでください。"})
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if notified_on < incident.aware_on:
            raise ValidationError({"notified_on": "通知日は認識日より前にはできません。"})
        rows = BreachAffectedPerson.objects.filter(incident=incident, pk__in=ids)
        if rows.count() != len(ids):
            raise ValidationError({"persons": "この事案の対象者ではない人が含まれています。"})
        count = writes.update_rows(
            rows, actor=actor, reason="本人通知", notified_on=notified_on, notification_method=method
        )
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_BREACH_NOTIFY,
            target=incident,
            summary=f"漏えい等事案 {incident.number} の対象者{count}人への通知を記録した",
            data={"count": count, "method": method, "on": notified_on.isoformat()},
        )
    return count


def breach_close(*, actor: User, incident: BreachIncident) -> BreachIncident:
    """Close when the required reports are made and every listed person was notified."""
    with transaction.atomic():
        incident = _for_update(actor, incident)
        if incident.status == BreachStatus.CLOSED:
            raise ValidationError("この事案はすでに完了しています。")
        persons = incident.affected.count()
        problems = []
        if incident.preliminary_reported_on is None:
            problems.append("速報の報告日が記録されていません。")
        if breach.reportable_reasons(incident.facts(persons)) and incident.final_reported_on is None:
            problems.append("報告対象の事案ですが、確報の報告日が記録されていません。")
        unnotified = incident.affected.filter(notified_on__isnull=True).count()
        if unnotified:
            problems.append(f"本人に通知していない対象者が{unnotified}人います。")
        if problems:
            raise ValidationError(problems)
        incident.status = BreachStatus.CLOSED
        incident.closed_at = timezone.now()
        writes.save(incident, actor=actor, reason="完了")
        record_event(
            actor=actor,
            action=AuditAction.COMPLIANCE_BREACH_CLOSE,
            target=incident,
            summary=f"漏えい等事案 {incident.number} を完了した",
        )
    return incident
