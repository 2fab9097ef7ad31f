"""Reads of target lists: the lists a user may open, the worklist (scoped, access-logged, masked per
role), one entry with its history, the export rows, and conversion and uplift against the control
group per list, agency, branch and channel.

Entries are personal data: every read goes through `TargetEntry.objects.visible_to(user)` (agency
staff: their agency's entries of customers it serves) and every list, export or detail of customers
is access-logged. Branch staff scoping waits for `core.Branch` users (docs/analytics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from tsunagu.core import masking, permissions
from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.history import ChangeRow, change_rows
from tsunagu.core.models import User
from tsunagu.core.templatetags.tsunagu import ymd_hm
from tsunagu.customers.choices import ContactChannel
from tsunagu.customers.models import Customer, Phone
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

from .choices import EntryResult
from .models import TargetEntry, TargetList
from .selectors import MASKED_REASONS, MASKED_TEXT
from .uplift import Group, Uplift, uplift

WORKLIST_SCREEN = "分析: ワークリスト"
EXPORT_SCREEN = "分析: ワークリストの出力"
ENTRY_SCREEN = "分析: ワークリストの顧客"
EXPORT_HEADER = ("顧客番号", "氏名・名称", "フリガナ", "電話番号", "担当代理店", "連絡方法", "スコア", "デシル",
                 "提案する種目", "提案のポイント", "結果", "成約証券番号", "メモ")  # fmt: skip


def target_lists(*, user: User) -> QuerySet[TargetList]:
    """Analysts see every list; staff who work lists (analytics.scores) see the lists holding at
    least one worklist entry in their scope."""
    if permissions.has(user, permissions.ANALYTICS_MODELS):
        return TargetList.objects.select_related("created_by")
    permissions.require(user, permissions.ANALYTICS_SCORES)
    mine = TargetEntry.objects.visible_to(user).filter(target_list=OuterRef("pk"), is_control=False)
    return TargetList.objects.filter(Exists(mine)).select_related("created_by")


def target_lists_with_counts(*, user: User) -> QuerySet[TargetList]:
    """`target_lists` with `shown_treatment` / `shown_control`: the list's counts as this user may
    see them — the stored totals for analysts, the entries in their scope for branch and agency
    staff (their part of the list, not its whole size)."""
    lists = target_lists(user=user)
    if permissions.has(user, permissions.ANALYTICS_MODELS):
        return lists.annotate(shown_treatment=F("treatment_count"), shown_control=F("control_count"))

    def count(is_control: bool) -> Coalesce:
        mine = (
            TargetEntry.objects.visible_to(user)
            .filter(target_list=OuterRef("pk"), is_control=is_control)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        return Coalesce(Subquery(mine, output_field=IntegerField()), Value(0))

    return lists.annotate(shown_treatment=count(False), shown_control=count(True))


def target_list_get(*, user: User, pk: int) -> TargetList:
    found = target_lists(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("ターゲットリストが見つかりません。")
    return found


def _entries(user: User, target: TargetList) -> QuerySet[TargetEntry]:
    permissions.require(user, permissions.ANALYTICS_SCORES)
    return TargetEntry.objects.visible_to(user).filter(target_list=target)


def worklist(*, user: User, target: TargetList, result: str = "") -> QuerySet[TargetEntry]:
    """The worklist (control entries are held out), highest score first; not yet logged: the view
    logs the page it shows (`worklist_rows`)."""
    entries = _entries(user, target).filter(is_control=False)
    if result:
        entries = entries.filter(result=result)
    primary_phone = Phone.objects.filter(customer=OuterRef("customer_id")).order_by("-is_primary", "id")
    return (
        entries.select_related("customer", "agency", "won_policy")
        .annotate(phone=Subquery(primary_phone.values("number")[:1]))
        .order_by("decile", "-score", "customer_id")
    )


@dataclass(frozen=True)
class WorkRow:
    entry: TargetEntry
    customer: Customer
    phone: str  # as this user may see it
    points: list[str]
    conversion_reasons: list[str]  # the conversion model's reasons, masked like the points


def _points(user: User, points: list[dict[str, Any]]) -> list[str]:
    """The points as this user may read them, each once (lists drawn before the proposed line was
    dropped from the model's reasons hold 「提案する種目」 twice)."""
    shown: list[str] = []
    for point in points:
        field = MASKED_REASONS.get(point.get("feature", ""))
        text = MASKED_TEXT if field and not masking.sees_full(user, field) else point["text"]
        if text not in shown:
            shown.append(text)
    return shown


def _row(user: User, entry: Any) -> WorkRow:
    return WorkRow(
        entry=entry,
        customer=entry.customer,
        phone=masking.display(user, "customer.phone", getattr(entry, "phone", "") or ""),
        points=_points(user, entry.proposal_points),
        conversion_reasons=_points(user, entry.conversion_reasons or []),
    )


def worklist_rows(*, user: User, entries: list[TargetEntry], target: TargetList) -> list[WorkRow]:
    """One page of the worklist as shown, logged as a list read of those customers."""
    log_list(user=user, customer_ids=[e.customer_id for e in entries], screen=WORKLIST_SCREEN,
             detail={"target_list": target.pk})  # fmt: skip
    return [_row(user, e) for e in entries]


def worklist_export_rows(*, user: User, target: TargetList, file_format: str) -> list[list[object]]:
    """The whole worklist in the user's scope as rows (header first), masked per role, logged as an
    export of every customer in it. The columns 顧客番号・結果・成約証券番号・メモ are the import's.
    XLSX gets スコア and デシル as numbers; CSV as text (the score with three decimals)."""
    entries = list(worklist(user=user, target=target))
    log_access(
        user=user,
        customer_ids=[e.customer_id for e in entries],
        purpose=AccessPurpose.EXPORT,
        screen=EXPORT_SCREEN,
        detail={"target_list": target.pk, "format": file_format, "rows": len(entries)},
    )
    rows: list[list[object]] = [list(EXPORT_HEADER)]
    numbers = file_format == "xlsx"
    for entry in entries:
        row = _row(user, entry)
        score: object = "" if entry.score is None else round(entry.score, 3) if numbers else f"{entry.score:.3f}"
        decile: object = "" if not entry.decile else entry.decile if numbers else str(entry.decile)
        rows.append([
            row.customer.number, row.customer.name, row.customer.name_kana, row.phone,
            entry.agency.name if entry.agency else "本社", entry.get_channel_display(), score, decile,
            str(LineOfBusiness(entry.product_line).label) if entry.product_line else "", " / ".join(row.points),
            entry.get_result_display(), entry.won_policy.number if entry.won_policy else "", entry.result_note,
        ])  # fmt: skip
    return rows


def entry_get(*, user: User, pk: int) -> WorkRow:
    """One entry of a worklist (scoped; 404 outside the user's scope), logged as a view of the customer."""
    permissions.require(user, permissions.ANALYTICS_SCORES)
    primary_phone = Phone.objects.filter(customer=OuterRef("customer_id")).order_by("-is_primary", "id")
    entry = (
        TargetEntry.objects.visible_to(user)
        .select_related("customer", "agency", "target_list", "won_policy")
        .annotate(phone=Subquery(primary_phone.values("number")[:1]))
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("リストの顧客が見つかりません。")
    log_access(user=user, customer_ids=[entry.customer_id], purpose=AccessPurpose.VIEW, screen=ENTRY_SCREEN,
               detail={"target_list": entry.target_list_id})  # fmt: skip
    return _row(user, entry)


_TIME_FIELDS = {str(TargetEntry._meta.get_field("result_at").verbose_name)}


def entry_history(*, entry: TargetEntry) -> list[ChangeRow]:
    """The result's changes (who, when, before → after), times in Japan time as the screens show them
    (2026/12/06 17:18, not the stored UTC with microseconds). The caller read the entry through
    `entry_get`."""
    rows = change_rows(entry.history.all())  # type: ignore[attr-defined]
    for row in rows:
        for change in row.changes:
            if change.field in _TIME_FIELDS:
                change.old, change.new = ymd_hm(change.old), ymd_hm(change.new)
    return rows


def customer_policies(*, user: User, entry: TargetEntry) -> QuerySet[Policy]:
    """The customer's policies (in the user's scope) that may be named as won: new contracts (not
    renewals) from the list's as-of date on, of the proposed line when the entry has one — what
    `target_entry_record_result` accepts. The caller read the entry through `entry_get` (scoped, logged)."""
    policies = Policy.objects.visible_to(user).filter(
        policyholder_id=entry.customer_id, contract_date__gte=entry.target_list.as_of, previous_policy__isnull=True
    )
    if entry.product_line:
        policies = policies.filter(line=entry.product_line)
    return policies.order_by("-contract_date")


# --- results and uplift ----------------------------------------------------------------------


def result_counts(*, user: User, target: TargetList) -> list[tuple[str, int]]:
    """Worklist entries per activity result (in the user's scope)."""
    counts = dict(
        _entries(user, target).filter(is_control=False).values_list("result").annotate(n=Count("id")).order_by()
    )
    return [(str(choice.label), counts.get(choice.value, 0)) for choice in EntryResult]


def _converted(target: TargetList) -> Case:
    """Converted = a won result with its policy, or any new contract (not a renewal) the customer made
    from the list's as-of date on: measured from the policies, the same way for the control group,
    which nobody contacts. An entry with a proposed line (next-product lists) converts by a new
    contract of that line only, as a 成約 result must be (`target_services._check_result`): an
    automobile policy bought by a customer proposed 火災 is no conversion of the proposal."""
    new_contract = Policy.objects.filter(
        policyholder_id=OuterRef("customer_id"), contract_date__gte=target.as_of, previous_policy__isnull=True
    )
    return Case(
        When(
            Q(won_policy__isnull=False)
            | (Q(product_line="") & Q(Exists(new_contract)))
            | (~Q(product_line="") & Q(Exists(new_contract.filter(line=OuterRef("product_line"))))),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class UpliftRow:
    label: str
    result: Uplift


BREAKDOWNS = {
    "list": ("リスト全体", None),
    "branch": ("営業拠点別", "agency__branch__name"),
    "agency": ("代理店別", "agency__name"),
    "channel": ("連絡方法別", "channel"),
}


def uplift_report(*, user: User, target: TargetList, by: str) -> list[UpliftRow]:
    """Conversion in the worklist (treatment) and in the control group, and the uplift with its 95%
    interval, for the list as a whole or per branch / agency / channel (within the user's scope)."""
    _label, key = BREAKDOWNS[by]
    entries = _entries(user, target).annotate(converted=_converted(target))
    keys = [key, "is_control"] if key else ["is_control"]
    groups: dict[Any, dict[bool, Group]] = {}
    for values in entries.values(*keys).annotate(n=Count("id"), won=Sum("converted")).order_by():
        group_key = values[key] if key else None
        groups.setdefault(group_key, {})[values["is_control"]] = Group(values["n"], values["won"] or 0)
    rows = []
    for group_key, pair in groups.items():
        if key is None:
            label = "リスト全体"
        elif by == "channel":
            label = str(ContactChannel(group_key).label) if group_key in ContactChannel.values else str(group_key)
        else:
            label = group_key or "本社(代理店なし)"
        rows.append(UpliftRow(label, uplift(pair.get(False, Group(0, 0)), pair.get(True, Group(0, 0)))))
    return sorted(rows, key=lambda r: r.label)
