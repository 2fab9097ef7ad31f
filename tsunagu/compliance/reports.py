"""The auditor's reports over the access log and the change history, as one shape (a title, column
headers and rows) so that each shows on a screen and downloads as XLSX (documents.xlsx) and PDF
(documents.pdf) the same way. Every report is permission-checked; one that names a customer logs the
read of that customer (the access history is the customer's personal data too)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Model, Q
from django.http import Http404
from django.utils import timezone

from tsunagu.core import permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.core.services import SYSTEM_USERNAME
from tsunagu.customers.models import Customer

from .choices import Conclusion, RuleCode
from .models import Alert, ReviewItem, RuleRun

SCREEN = "監査レポート"
WHO_SAW_LIMIT = 5_000  # rows of one customer's access history on one report
SENSITIVE_MARK = "【機微】"  # marks the reads that showed 機微情報 in clear text (purpose `sensitive`)
SYSTEM = "システム"  # rows without a user and rows of the `system` actor (core.services.system_user)


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)  # customers the report names (logged on export)
    note: str = ""


KINDS = {
    "who_saw": "顧客別アクセス(この顧客を見たのは誰か)",
    "by_user": "利用者別アクセス",
    "by_screen": "画面・目的別アクセス",
    "exports": "エクスポート・帳票出力",
    "changes": "更新・削除の点検(運用点検)",
    "monthly": "月次サマリー(コンプライアンス委員会)",
}


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period(date_from: dt.date, date_to: dt.date) -> dict[str, dt.datetime]:
    return {"at__gte": _start(date_from), "at__lt": _start(date_to + dt.timedelta(days=1))}


def _label(date_from: dt.date, date_to: dt.date) -> str:
    return f"{date_from:%Y/%m/%d}〜{date_to:%Y/%m/%d}"


def _hm(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y/%m/%d %H:%M") if value else ""


def _names() -> dict[int, tuple[str, str]]:
    return {u.pk: (u.username, str(u)) for u in User.objects.all()}


def who_saw_rows(customer_id: int, date_from: dt.date, date_to: dt.date) -> Any:
    """One customer's readers grouped by user and purpose: a range read of the (customer_id, at) index."""
    return (
        AccessLog.objects.filter(customer_id=customer_id, **_period(date_from, date_to))
        .order_by()
        .values("user_id", "username", "purpose")
        .annotate(n=Count("*"), first=Min("at"), last=Max("at"))
    )


def who_saw(*, user: User, customer_id: int, date_from: dt.date, date_to: dt.date) -> Report:
    """Every reader of one customer in the period, one row per user (the (customer_id, at) index)."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    by_user: dict[tuple[int | None, str], dict[str, Any]] = {}
    for row in who_saw_rows(customer_id, date_from, date_to)[:WHO_SAW_LIMIT]:
        entry = by_user.setdefault(
            (row["user_id"], row["username"]),
            {"n": 0, "purposes": Counter(), "first": row["first"], "last": row["last"]},
        )
        entry["n"] += row["n"]
        entry["purposes"][AccessPurpose(row["purpose"]).label] += row["n"]
        entry["first"], entry["last"] = min(entry["first"], row["first"]), max(entry["last"], row["last"])
    sensitive = sensitive_fields_by_user(customer_id, date_from, date_to)
    # Only the readers' names (not every user's: thousands of staff).
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[uid for uid, _name in by_user if uid])}
    log_access(
        user=user,
        customer_ids=[customer_id],
        purpose=AccessPurpose.VIEW,
        screen=f"{SCREEN}:顧客別アクセス",
        detail={"from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    report = Report(
        "who_saw",
        KINDS["who_saw"],
        f"{customer.number} {customer.name} / {_label(date_from, date_to)}",
        ["利用者", "ユーザー名", "回数", "目的", "機微情報の閲覧", "最初", "最後"],
        customer_ids=[customer_id],
    )
    for (uid, username), e in sorted(by_user.items(), key=lambda kv: -kv[1]["n"]):
        name = names.get(uid, username) if uid else SYSTEM
        purposes = "、".join(f"{label} {n}" for label, n in e["purposes"].most_common())
        seen = sensitive.get((uid, username))
        marker = f"{SENSITIVE_MARK} " + "、".join(seen) if seen else ""
        report.rows.append([name, username, e["n"], purposes, marker, _hm(e["first"]), _hm(e["last"])])
    if sensitive:
        report.note = (
            f"{SENSITIVE_MARK}: 機微情報(けが人の状況・苦情の事実確認メモ・ADRの記録)を平文で表示した利用者と項目です。"
        )
    return report


def sensitive_fields_by_user(
    customer_id: int, date_from: dt.date, date_to: dt.date
) -> dict[tuple[int | None, str], list[str]]:
    """{(user id, username): names of the 機微情報 fields shown} for one customer in the period, from the
    rows of purpose `sensitive` (the (customer_id, at) index; core.access_log_sensitive)."""
    found: dict[tuple[int | None, str], dict[str, None]] = {}
    rows = AccessLog.objects.filter(
        customer_id=customer_id, purpose=AccessPurpose.SENSITIVE, **_period(date_from, date_to)
    ).values_list("user_id", "username", "detail")
    for uid, username, detail in rows.order_by()[:WHO_SAW_LIMIT]:
        labels = found.setdefault((uid, username), {})
        for label in (detail or {}).get("labels", []):
            labels[str(label)] = None
    return {key: sorted(labels) for key, labels in found.items()}


def by_user(*, user: User, date_from: dt.date, date_to: dt.date) -> Report:
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    rows = (
        AccessLog.objects.filter(**_period(date_from, date_to))
        .order_by()
        .values("user_id", "username")
        .annotate(n=Count("*"), customers=Count("customer_id", distinct=True), last=Max("at"))
    )
    exports = dict(
        AccessLog.objects.filter(purpose=AccessPurpose.EXPORT, **_period(date_from, date_to))
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("*"))
        .values_list("user_id", "n")
    )
    sensitive = dict(
        AccessLog.objects.filter(purpose=AccessPurpose.SENSITIVE, **_period(date_from, date_to))
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("user_id", "n")
    )
    names = _names()
    report = Report(
        "by_user",
        KINDS["by_user"],
        _label(date_from, date_to),
        ["利用者", "ユーザー名", "行数", "顧客数", "エクスポート行数", "機微情報の閲覧(顧客数)", "最終アクセス"],
    )
    for row in sorted(rows, key=lambda r: -r["n"]):
        name = names.get(row["user_id"], ("", row["username"]))[1] if row["user_id"] else SYSTEM
        seen = sensitive.get(row["user_id"], 0)
        report.rows.append(
            [
                name,
                row["username"],
                row["n"],
                row["customers"],
                exports.get(row["user_id"], 0),
                f"{SENSITIVE_MARK} {seen:,}" if seen else 0,
                _hm(row["last"]),
            ]
        )
    return report


def by_screen(*, user: User, date_from: dt.date, date_to: dt.date) -> Report:
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    rows = (
        AccessLog.objects.filter(**_period(date_from, date_to))
        .order_by()
        .values("screen", "purpose")
        .annotate(n=Count("*"), users=Count("user_id", distinct=True), customers=Count("customer_id", distinct=True))
    )
    report = Report(
        "by_screen",
        KINDS["by_screen"],
        _label(date_from, date_to),
        ["画面・経路", "目的", "行数", "利用者数", "顧客数"],
    )
    for row in sorted(rows, key=lambda r: (-r["n"], r["screen"])):
        report.rows.append(
            [row["screen"], AccessPurpose(row["purpose"]).label, row["n"], row["users"], row["customers"]]
        )
    return report


def exports(*, user: User, date_from: dt.date, date_to: dt.date) -> Report:
    """Each export or download (one log call = one file): who, when, which screen, how many customers."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    rows = (
        AccessLog.objects.filter(purpose=AccessPurpose.EXPORT, **_period(date_from, date_to))
        .order_by()
        .values("chain", "username", "screen", "client_address", "at")
        .annotate(n=Count("*"))
    )
    files = sorted(rows, key=lambda r: r["at"])
    report = Report(
        "exports",
        KINDS["exports"],
        _label(date_from, date_to),
        ["日時", "ユーザー名", "画面・経路", "接続元", "顧客数"],
    )
    for row in files:
        report.rows.append([_hm(row["at"]), row["username"], row["screen"], row["client_address"], row["n"]])
    return report


def _history_models() -> list[type[Model]]:
    from tsunagu.cases.models import Case
    from tsunagu.customers.models import Address, Email, Phone
    from tsunagu.policies.models import Claim, Policy

    return [Customer, Address, Phone, Email, Policy, Claim, Case, User]


def changes(*, user: User, date_from: dt.date, date_to: dt.date) -> Report:
    """運用点検: the history rows of the main tables in the period — creations, updates and deletions
    by table and user — and every deletion listed on its own."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    period = {"history_date__gte": _start(date_from), "history_date__lt": _start(date_to + dt.timedelta(days=1))}
    names = _names()
    system_ids = {uid for uid, (username, _name) in names.items() if username == SYSTEM_USERNAME}

    def who(uid: int | None) -> str:
        # The system actor and rows written without one are the same "user": shown once, as SYSTEM.
        return SYSTEM if uid is None or uid in system_ids else names.get(uid, ("", SYSTEM))[1]

    report = Report("changes", KINDS["changes"], _label(date_from, date_to), ["対象", "利用者", "登録", "変更", "削除"])
    deletions = []
    for model in _history_models():
        history = model.history.model  # type: ignore[attr-defined]
        counts: dict[int | None, Counter[str]] = defaultdict(Counter)
        for uid, kind, n in (
            history.objects.filter(**period)
            .order_by()
            .values_list("history_user_id", "history_type")
            .annotate(n=Count("*"))
        ):
            counts[None if uid in system_ids else uid][kind] += n
        label = str(model._meta.verbose_name)
        for uid, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
            report.rows.append([label, who(uid), c["+"], c["~"], c["-"]])
        for row in history.objects.filter(history_type="-", **period).order_by("history_date")[:200]:
            deletions.append(f"{_hm(row.history_date)} {label} #{row.id} {who(row.history_user_id)}")
    report.note = ("削除: " + " / ".join(deletions)) if deletions else "期間中の削除はありません。"
    return report


def monthly(*, user: User, month: dt.date) -> Report:
    """The compliance committee's month: log volume, alerts by rule and conclusion, open items, reviews."""
    permissions.require(user, permissions.COMPLIANCE_ALERTS)
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    period = _period(first, last)
    log = AccessLog.objects.filter(**period)
    report = Report("monthly", KINDS["monthly"], f"{first:%Y年%m月}", ["項目", "件数"])
    report.rows.append(["アクセスログ行数", log.count()])
    report.rows.append(["うちエクスポート", log.filter(purpose=AccessPurpose.EXPORT).count()])
    report.rows.append(["うち機微情報の閲覧", log.filter(purpose=AccessPurpose.SENSITIVE).count()])
    report.rows.append(
        [
            "監視ルールの実行",
            RuleRun.objects.filter(started_at__gte=period["at__gte"], started_at__lt=period["at__lt"]).count(),
        ]
    )
    alerts = Alert.objects.filter(day__gte=first, day__lte=last)
    by_rule = Counter(alerts.values_list("rule", flat=True))
    for code, label in RuleCode.choices:
        report.rows.append([f"アラート: {label}", by_rule.get(code, 0)])
    # Conclusions by the day they were made (an alert of the 30th concluded on the 2nd counts next month);
    # the open ones as they stood at the month's end: raised by then and not concluded by then.
    concluded_in_month = Alert.objects.filter(concluded_at__gte=period["at__gte"], concluded_at__lt=period["at__lt"])
    concluded = Counter(concluded_in_month.exclude(conclusion="").values_list("conclusion", flat=True))
    for code, label in Conclusion.choices:
        report.rows.append([f"結論: {label}", concluded.get(code, 0)])
    month_end = period["at__lt"]
    open_at_end = Alert.objects.filter(raised_at__lt=month_end).filter(
        Q(concluded_at__isnull=True) | Q(concluded_at__gte=month_end)
    )
    report.rows.append(["未結論のアラート(月末時点の全件)", open_at_end.count()])
    report.rows.append(
        [
            "アクセス権の取消",
            ReviewItem.objects.filter(
                decision="revoked", decided_at__gte=period["at__gte"], decided_at__lt=period["at__lt"]
            ).count(),
        ]
    )
    report.rows.append(["レビュー期限までに未確認のロール", ReviewItem.objects.filter(decision="flagged").count()])
    return report
