"""A steward's decision on a candidate pair: link (same person) or not-link (two people)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from ..choices import PairKind, PairStatus
from ..models import CandidatePair, SourceRecord
from .common import ensure_steward, one_index_update
from .golden import golden_create, golden_refresh
from .merging import customer_merge
from .resolution import _attach, current_customer_id, open_review_on_customer


def pair_decide(
    *, actor: User, pair: CandidatePair, link: bool, note: str = "", survivor: Customer | None = None
) -> CandidatePair:
    """Record the decision and apply it: a link joins the two records' customers (merging two
    customers, the survivor chosen by the steward or the older one); a not-link is kept so that
    later runs never link the pair automatically."""
    ensure_steward(actor)
    with transaction.atomic(), one_index_update():
        pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
        if pair.kind != PairKind.MATCH:
            # A person and a corporation are never one customer (services.related decides these).
            raise ValidationError(
                "この候補は関連候補(法人と代表者)です。統合はできません。「関連として登録」か「関連なし」を選んでください。"
            )
        left = SourceRecord.objects.select_related("source").get(pk=pair.record_l_id)
        right = SourceRecord.objects.select_related("source").get(pk=pair.record_r_id)
        cl, cr = current_customer_id(left.customer_id), current_customer_id(right.customer_id)
        if not link and cl is not None and cl == cr:
            raise ValidationError(
                "この2件は既に同じ顧客に統合されています。別人の場合は、顧客の名寄せ画面で統合を解除するか、ソースレコードを切り離してください。"
            )
        if link and survivor is not None and survivor.pk not in {cl, cr}:
            raise ValidationError(
                {"survivor": f"残す顧客 {survivor.number} はこの候補の顧客ではありません。どちらかを選んでください。"}
            )
        pair.status = PairStatus.LINKED if link else PairStatus.NOT_LINKED
        pair.decided_by, pair.decided_at, pair.note = actor, timezone.now(), note.strip()[:300]
        writes.save(pair, actor=actor, reason="名寄せ候補の判定")
        if link:
            reason = f"名寄せ候補 #{pair.pk} の確認で同一人物と判定" + (f": {pair.note}" if pair.note else "")
            if cl is None and cr is None:
                golden_create(actor=actor, records=[left, right])
            elif cl is None or cr is None:
                target_pk = cl if cl is not None else cr
                assert target_pk is not None
                target = Customer.objects.get(pk=target_pk)
                _attach(actor, target, [left if cl is None else right])
            elif cl != cr:
                ids = sorted((cl, cr))
                keep = survivor.pk if survivor is not None else ids[0]
                gone = ids[1] if keep == ids[0] else ids[0]
                customer_merge(
                    actor=actor,
                    survivor=Customer.objects.get(pk=keep),
                    absorbed=Customer.objects.get(pk=gone),
                    reason=reason,
                    pair=pair,
                )
        else:
            # A record that waited for this decision (an import's candidate of an existing
            # customer) gets a customer of its own once no other candidate is left in review.
            for record in (left, right):
                if record.customer_id is None and not open_review_on_customer(record):
                    golden_create(actor=actor, records=[record])
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_PAIR_LINK if link else AuditAction.IDENTITY_PAIR_NOT_LINK,
            target=pair,
            summary=f"名寄せ候補 #{pair.pk} を{'同一人物' if link else '別人'}と判定した",
            data={"note": pair.note, "records": [left.pk, right.pk]},
        )
    return pair


def record_detach(*, actor: User, record: SourceRecord, reason: str) -> SourceRecord:
    """Take a source record off its customer (it was linked by mistake, without a merge): it gets a
    customer of its own, the old customer's golden values are re-derived, and its pairs with the
    old customer's records become not-link so that later runs keep them apart."""
    from django.db.models import Q

    ensure_steward(actor)
    if not reason.strip():
        raise ValidationError({"reason": "理由を入力してください。"})
    with transaction.atomic(), one_index_update():
        record = SourceRecord.objects.select_for_update().select_related("source").get(pk=record.pk)
        if record.customer_id is None:
            raise ValidationError("このソースレコードはどの顧客にも紐付いていません。")
        old = Customer.objects.get(pk=record.customer_id)
        others = set(SourceRecord.objects.filter(customer=old).exclude(pk=record.pk).values_list("pk", flat=True))
        if not others:
            raise ValidationError("この顧客のソースレコードはこの1件だけです。切り離す必要はありません。")
        record.customer = None
        writes.save(record, actor=actor, reason=f"名寄せ: 顧客 {old.number} から切り離し")
        now = timezone.now()
        pairs = CandidatePair.objects.filter(
            Q(record_l=record, record_r__in=others) | Q(record_r=record, record_l__in=others), kind=PairKind.MATCH
        )
        for pair in pairs:
            pair.status, pair.decided_by, pair.decided_at = PairStatus.NOT_LINKED, actor, now
            pair.note = f"切り離し: {reason.strip()}"[:300]
            writes.save(pair, actor=actor, reason="切り離し")
        golden_refresh(actor=actor, customer=old)
        created = golden_create(actor=actor, records=[record])
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_RECORD_DETACH,
            target=old,
            summary=f"ソースレコード {record} を顧客 {old.number} から切り離した",
            data={"record": record.pk, "new_customer": created.pk if created else None, "reason": reason.strip()},
        )
    record.refresh_from_db()
    return record
