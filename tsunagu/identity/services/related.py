"""Related candidates (関連候補(法人と代表者)): storing the person × corporation pairs a full run
(or an import) finds (matching/related.py), a steward's decision on one: 関連として登録 (a
CustomerRelation between the two customers, role 代表者 or 関係者) or 関連なし, and ending a
registered relation (関連の解除: the row stays, ended, with its reason). Never a merge: nothing
here moves a record or joins two customers, and resolution never reads these pairs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from ..choices import PairKind, PairStatus, RelationRole
from ..models import CandidatePair, CustomerRelation, MatchRun, SourceRecord
from .common import ensure_steward
from .resolution import current_customer_ids

# Key of the finder's result in CandidatePair.evidence: which record is the person, which the
# corporation (the pair itself is stored in id order), and the reasons (matching/related.REASONS).
RELATED_EVIDENCE = "related"
CHUNK = 5000

# A side of a related pair: its live customer, or its record while it has no customer yet.
Side = tuple[str, int]


def related_evidence(pair: CandidatePair) -> dict[str, Any]:
    """{'person': record pk, 'corporation': record pk, 'reasons': [...]} of a related pair."""
    value = (pair.evidence or {}).get(RELATED_EVIDENCE)
    return value if isinstance(value, dict) else {}


def _live_customers(record_ids: Iterable[int]) -> dict[int, int | None]:
    """Each record's live customer (resolution.current_customer_ids: merges followed in memory)."""
    live = current_customer_ids()
    ids = sorted(set(record_ids))
    out: dict[int, int | None] = {}
    for start in range(0, len(ids), CHUNK):
        rows = SourceRecord.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "customer_id")
        out.update((pk, live(customer_id)) for pk, customer_id in rows)
    return out


def _side(record_id: int, customers: dict[int, int | None]) -> Side:
    customer_id = customers.get(record_id)
    return ("customer", customer_id) if customer_id is not None else ("record", record_id)


def related_store(*, actor: User, run: MatchRun | None, found: Any) -> int:
    """Store the finder's pairs (columns record_id_person, record_id_corporation, reasons) after
    the run's resolution, in review: one pair per person customer and corporate customer (a
    household's records, the ledger's copy and the source records of one customer are one
    question to the steward). Skipped: two records of one customer, two customers already related,
    and two customers whose related pair was decided (関連なし is kept like 別人). Returns the
    pairs stored (new or refreshed)."""
    if found is None or len(found) == 0:
        return 0
    columns = (found["record_id_person"], found["record_id_corporation"], found["reasons"])
    rows = [(int(p), int(c), str(reasons).split("|")) for p, c, reasons in zip(*columns, strict=True)]
    existing = list(CandidatePair.objects.filter(kind=PairKind.RELATED))
    record_ids = {r for p, c, _ in rows for r in (p, c)}
    for pair in existing:
        record_ids |= {pair.record_l_id, pair.record_r_id}
    customers = _live_customers(record_ids)
    related = set(CustomerRelation.objects.filter(ended_at__isnull=True).values_list("person_id", "corporation_id"))

    by_sides: dict[tuple[Side, Side], CandidatePair] = {}
    for pair in sorted(existing, key=lambda p: (not p.is_decided, p.pk)):  # a decided pair speaks first
        evidence = related_evidence(pair)
        if "person" in evidence and "corporation" in evidence:
            sides = (_side(int(evidence["person"]), customers), _side(int(evidence["corporation"]), customers))
            by_sides.setdefault(sides, pair)

    best: dict[tuple[Side, Side], tuple[int, int, list[str]]] = {}
    for person, corporation, reasons in rows:
        sides = (_side(person, customers), _side(corporation, customers))
        if sides[0] == sides[1]:
            continue  # one customer (a mixed cluster, a steward's doing): nothing to relate
        if sides[0][0] == "customer" and (sides[0][1], sides[1][1]) in related:
            continue
        kept = best.get(sides)
        if kept is None or (-len(reasons), person, corporation) < (-len(kept[2]), kept[0], kept[1]):
            best[sides] = (person, corporation, reasons)

    new: list[CandidatePair] = []
    changed: list[CandidatePair] = []
    for sides, (person, corporation, reasons) in best.items():
        evidence = {RELATED_EVIDENCE: {"person": person, "corporation": corporation, "reasons": reasons}}
        asked = by_sides.get(sides)
        if asked is not None:
            if not asked.is_decided and {asked.record_l_id, asked.record_r_id} == {person, corporation}:
                asked.evidence, asked.run = evidence, run
                changed.append(asked)
            continue  # decided, or asked already through other records of the same two customers
        left, right = sorted((person, corporation))
        new.append(
            CandidatePair(
                kind=PairKind.RELATED,
                record_l_id=left,
                record_r_id=right,
                match_probability=0.0,  # no model score: the finder's reasons are the evidence
                match_weight=0.0,
                evidence=evidence,
                status=PairStatus.REVIEW,
                run=run,
            )
        )
    reason = f"関連候補(名寄せ全件照合 #{run.pk})" if run is not None else "関連候補"
    writes.bulk_create(new, actor=actor, reason=reason, batch_size=2000)
    writes.bulk_update(changed, ["evidence", "run"], actor=actor, reason=reason, batch_size=2000)
    return len(new) + len(changed)


def related_decide(
    *, actor: User, pair: CandidatePair, related: bool, role: str = RelationRole.REPRESENTATIVE, note: str = ""
) -> CandidatePair:
    """関連として登録 (the two customers get a CustomerRelation with the role) or 関連なし (later
    runs do not ask again). Either way the records and customers stay as they are."""
    ensure_steward(actor)
    with transaction.atomic():
        pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
        if pair.kind != PairKind.RELATED:
            raise ValidationError("この候補は名寄せ候補です。同一人物か別人かを判定してください。")
        if pair.is_decided:
            raise ValidationError(f"この関連候補は判定済みです({pair.get_status_display()})。")
        if related and role not in RelationRole.values:
            raise ValidationError({"role": "関係は「代表者」か「関係者」を選んでください。"})
        evidence = related_evidence(pair)
        person_record = int(evidence.get("person") or pair.record_l_id)
        corporation_record = int(evidence.get("corporation") or pair.record_r_id)
        customers = _live_customers([person_record, corporation_record])
        person_id, corporation_id = customers.get(person_record), customers.get(corporation_record)
        relation: CustomerRelation | None = None
        note = note.strip()[:300]
        if related:
            if person_id is None or corporation_id is None:
                raise ValidationError(
                    "顧客がまだ登録されていないレコードがあるため、関連を登録できません。"
                    "名寄せ候補の確認か全件照合で顧客が決まってから、もう一度判定してください。"
                )
            if person_id == corporation_id:
                raise ValidationError(
                    "この2件は同じ顧客に統合されています。個人と法人を別の顧客に分けてから関連を登録してください。"
                )
            relation = CustomerRelation.objects.filter(
                person_id=person_id, corporation_id=corporation_id, ended_at__isnull=True
            ).first()
            if relation is None:
                relation = CustomerRelation(
                    person=Customer.objects.get(pk=person_id),
                    corporation=Customer.objects.get(pk=corporation_id),
                    role=role,
                    pair=pair,
                    note=note,
                    created_by=actor,
                )
                writes.save(relation, actor=actor, reason=f"関連候補 #{pair.pk} の確認で関連として登録")
        pair.status = PairStatus.RELATED if related else PairStatus.UNRELATED
        pair.decided_by, pair.decided_at, pair.note = actor, timezone.now(), note
        writes.save(pair, actor=actor, reason="関連候補の判定")
        label = f"関連として登録した({RelationRole(relation.role).label})" if relation else "関連なしと判定した"
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_PAIR_RELATED if related else AuditAction.IDENTITY_PAIR_UNRELATED,
            target=pair,
            summary=f"関連候補 #{pair.pk} を{label}",
            data={
                "note": note,
                "records": [person_record, corporation_record],
                "customers": [person_id, corporation_id],
                "relation": relation.pk if relation else None,
                "role": relation.role if relation else None,
            },
        )
    return pair


def relation_end(*, actor: User, relation: CustomerRelation, reason: str) -> CustomerRelation:
    """関連の解除: a steward ends a registered relation with a reason (required). The row stays,
    ended (who, when, why; its history row and an audit event say so); the customer pages no
    longer show it. Only a relation whose two customers the steward may see (else 404)."""
    ensure_steward(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "関連を解除する理由を入力してください。"})
    if len(reason) > 300:
        raise ValidationError({"reason": "解除の理由は300文字以内で入力してください。"})
    with transaction.atomic():
        locked = CustomerRelation.objects.visible_to(actor).select_for_update().filter(pk=relation.pk).first()
        if locked is None:
            raise Http404("関連が見つかりません。")
        if locked.ended_at is not None:
            raise ValidationError("この関連は既に解除されています。")
        for relation in (locked, *_shown_as_one(actor, locked)):
            _end(actor, relation, reason)
    return locked


def _shown_as_one(actor: User, relation: CustomerRelation) -> list[CustomerRelation]:
    """The other active relations the customer pages show as this one: between the same two
    customers as they live now (a customer merged into one of them kept its own relation to the
    other; the page shows one of them). Ending one ends them all, or the next would take its place."""
    from ..selectors import live_customers, own_customers

    live = live_customers([relation.person, relation.corporation])
    person, corporation = live[relation.person_id], live[relation.corporation_id]
    return list(
        CustomerRelation.objects.visible_to(actor)
        .select_for_update()
        .filter(
            ended_at__isnull=True,
            person_id__in=own_customers(person.pk),
            corporation_id__in=own_customers(corporation.pk),
        )
        .exclude(pk=relation.pk)
        .order_by("pk")
    )


def _end(actor: User, relation: CustomerRelation, reason: str) -> None:
    relation.ended_at, relation.ended_by, relation.end_reason = timezone.now(), actor, reason
    writes.save(relation, actor=actor, reason=f"関連の解除: {reason}")
    role = RelationRole(relation.role).label
    record_event(
        actor=actor,
        action=AuditAction.IDENTITY_RELATION_END,
        target=relation,
        summary=f"{relation.person.number} と {relation.corporation.number} の関連({role})を解除した",
        data={
            "reason": reason,
            "relation": relation.pk,
            "customers": [relation.person_id, relation.corporation_id],
            "role": relation.role,
            "pair": relation.pair_id,
        },
    )
