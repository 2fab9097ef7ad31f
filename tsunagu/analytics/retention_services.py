"""The win-back (取り戻し) list becomes a target list: the same `TargetList`/`TargetEntry` rows, control
group, worklists, results and uplift as a segment-built list, drawn from the win-back selector instead of
a segment (target_services builds from segments; this is the "win-back" source, kept in its own module).

Built set-based like `target_services.target_list_create`: one read of the win-back rows, one read of
the customers' agency links, `core.bulk.insert_tuples` for the entries, "+" history rows copied by the
database, one audit event.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tsunagu.core import bulk, permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import CustomerAgency

from . import retention, retention_selectors
from .choices import EntryResult, ListBasis
from .models import TargetEntry, TargetList
from .target_services import (
    CONTROL_PERCENT_ERROR,
    ENTRY_COLUMNS,
    INSERT_BATCH,
    MAX_CONTROL_PERCENT,
    MIN_CONTROL_PERCENT,
)
from .uplift import control_size

DEFAULT_TALKING_POINTS = (
    "以前のご契約の解約から間もなく1年です。乗換え先のご契約の更新前に、補償内容とお見積りを比べていただけます。\n"
    "等級は7日以内(デメリット等級は13か月以内)の条件で引き継がれます。無理なお勧めはしません。"
)


def winback_list_create(
    *,
    actor: User,
    name: str,
    start: dt.date,
    end: dt.date,
    lead_days: int,
    today: dt.date,
    control_percent: int,
    talking_points: str = DEFAULT_TALKING_POINTS,
    seed: int | None = None,
) -> TargetList:
    """A target list of the win-back customers whose contact day is in [start, end] (see
    retention_selectors.winback_requests), with a seeded control group like every target list."""
    permissions.require(actor, permissions.ANALYTICS_MODELS)
    permissions.require(actor, permissions.ANALYTICS_RETENTION)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "リスト名を入力してください。"
    if not MIN_CONTROL_PERCENT <= control_percent <= MAX_CONTROL_PERCENT:
        errors["control_percent"] = CONTROL_PERCENT_ERROR  # every list holds out a control group
    if not 0 <= lead_days <= retention.MAX_LEAD_DAYS:
        errors["lead_days"] = f"連絡を始める日数は0〜{retention.MAX_LEAD_DAYS}日で指定してください。"
    if start > end:
        errors["end"] = "連絡開始日の範囲は、開始日以降の終了日にしてください。"
    if not talking_points.strip():
        errors["talking_points"] = "トークのポイントを入力してください。"
    if errors:
        raise ValidationError(errors)
    pairs = retention_selectors.winback_requests(user=actor, start=start, end=end, lead_days=lead_days, today=today)
    if not pairs:
        raise ValidationError("この期間に連絡の時期を迎える、連絡の同意がある解約のお客さまはいません。")
    pairs.sort(key=lambda p: p[0].case.customer_id)
    customer_ids = [request.case.customer_id for request, _ in pairs]
    links: dict[int, list[int]] = {}
    for customer_id, agency_id in (
        CustomerAgency.objects.filter(customer_id__in=customer_ids)
        .order_by("since", "id")
        .values_list("customer_id", "agency_id")
    ):
        links.setdefault(customer_id, []).append(agency_id)
    seed = int(seed if seed is not None else np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
    held_out = control_size(len(pairs), control_percent)
    control = np.zeros(len(pairs), dtype=bool)
    control[np.random.default_rng(seed).permutation(len(pairs))[:held_out]] = True
    json_field = TargetEntry._meta.get_field("proposal_points")
    criteria = [
        f"基準日: {today:%Y/%m/%d}",
        "連絡の同意あり(営業リストの必須条件)",
        f"取り戻し: 解約した(結果「解約」)お客さまで、連絡開始日(解約日+1年−{lead_days}日)が "
        f"{start:%Y/%m/%d}〜{end:%Y/%m/%d}",
        "同じ種目の有効な契約をお持ちのお客さまを除く",
        "他社への乗換え(理由が乗換え、または乗換え先の記録あり)の解約だけ",
        f"対照群: {control_percent}%",
    ]
    with transaction.atomic():
        # One creation at a time per user (a double click sends two posts), then the twin check.
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        _refuse_a_twin(name.strip(), customer_ids)
        target = writes.save(
            TargetList(
                name=name.strip(),
                basis=ListBasis.CAMPAIGN,
                talking_points=talking_points.strip(),
                filters={
                    "win_back": {
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "lead_days": lead_days,
                        "as_of": today.isoformat(),
                    }
                },
                criteria=criteria,
                as_of=today,
                control_percent=control_percent,
                seed=seed,
                treatment_count=len(pairs) - held_out,
                control_count=held_out,
                created_by=actor,
            ),
            actor=actor,
            reason="取り戻しリストの作成",
        )
        tuples = []
        for (request, contact), is_control in zip(pairs, control, strict=True):
            customer = request.case.customer
            policy = request.case.policy
            linked = links.get(customer.pk, [])
            assigned: int | None = (
                policy.agency_id if policy and policy.agency_id in linked else (linked[0] if linked else None)
            )
            points = _points(request.get_reason_display(), request.competitor, request.effective_date, contact)
            points += [{"feature": "", "text": line.strip()} for line in talking_points.splitlines() if line.strip()]
            tuples.append(
                (target.pk, customer.pk, assigned, customer.preferred_channel, bool(is_control), None, None,
                 policy.line if policy else "", json_field.get_db_prep_save(points, connection),
                 EntryResult.PENDING.value, "")
            )  # fmt: skip
        for first in range(0, len(tuples), INSERT_BATCH):
            bulk.insert_tuples(TargetEntry, ENTRY_COLUMNS, tuples[first : first + INSERT_BATCH])
        ids = list(TargetEntry.objects.filter(target_list=target).values_list("pk", flat=True))
        bulk.copy_to_history(TargetEntry, ids, user_id=actor.pk, reason="取り戻しリストの作成")
        record_event(
            actor=actor,
            action=AuditAction.ANALYTICS_TARGET_LIST_CREATE,
            target=target,
            summary=(
                f"取り戻しリスト「{target.name}」を作成した(対象 {target.treatment_count:,}人、対照群 {held_out:,}人)"
            ),
            data={"filters": target.filters, "seed": seed, "control_percent": control_percent, "entries": len(pairs)},
        )
    return target


def _refuse_a_twin(name: str, customer_ids: list[int]) -> None:
    """A list with this name and exactly these customers already exists (a second click, a reload of the
    form): a Japanese error naming it instead of a duplicate list with its own control group."""
    wanted = set(customer_ids)
    for target in TargetList.objects.filter(name=name).order_by("-created_at", "-id")[:20]:
        if target.treatment_count + target.control_count != len(wanted):
            continue
        if set(TargetEntry.objects.filter(target_list=target).values_list("customer_id", flat=True)) == wanted:
            created = timezone.localtime(target.created_at)
            raise ValidationError(
                {
                    "name": f"同じ名前で同じお客さま({len(wanted):,}人)のリスト「{target.name}」が"
                    f"{created:%Y/%m/%d %H:%M}に作成済みです。作成済みのリストを使うか、リスト名を変えてください。"
                }
            )


def _points(reason: str, competitor: str, cancelled_on: dt.date | None, contact: dt.date) -> list[dict[str, str]]:
    points = [{"feature": "", "text": f"前回の解約理由: {reason}"}]
    if competitor:
        points.append({"feature": "", "text": f"乗換え先: {competitor}"})
    if cancelled_on is not None:
        renewal = retention.likely_renewal(cancelled_on)
        points.append(
            {"feature": "", "text": f"解約日 {cancelled_on:%Y/%m/%d}・乗換え先の更新見込み {renewal:%Y/%m/%d}"}
        )
    points.append({"feature": "", "text": f"ご連絡の目安: {contact:%Y/%m/%d}以降"})
    return points
