"""Merging two customers and undoing it.

A merge moves the absorbed customer's policies (claims follow their policy), insured-person rows,
contact history, cases, contact points, relatives, former names and source records to the
survivor, adds the absorbed customer's agencies to the survivor, and re-runs survivorship on the
survivor's identity fields. Nothing is deleted: the absorbed customer stays, marked merged-into by
the active `CustomerMerge`, which also keeps what is needed to restore the state before the merge.

Unmerge restores exactly that state: every row the merge moved and that is still on the survivor
goes back, with its primary flag; the agency links the merge added are removed unless a policy on
the survivor still needs them; each identity field the merge changed gets its old value back and
its lineage — unless the field was edited after the merge, in which case the later edit stays on
the survivor (and the result says so). Rows created on the survivor after the merge stay there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.cases.services import cases_move_to_customer
from tsunagu.core import normalize, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.events import customer_changed
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Address, Customer, CustomerAgency, Email, FormerName, Phone, Relative
from tsunagu.customers.services import (
    GOLDEN_FIELDS,
    customer_apply_golden,
    customer_details_move,
    customer_link_agency,
    customer_set_merged_into,
    customer_unlink_agency,
)
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.services import interactions_move_to_customer
from tsunagu.policies.models import InsuredPerson, Policy
from tsunagu.policies.services import policies_move_to_customer

from ..choices import MergeStatus, PairKind, PairStatus
from ..models import CandidatePair, CustomerMerge, SourceRecord
from .common import ensure_steward, one_index_update, save_customer_link
from .golden import golden_refresh, lineage_restore, lineage_snapshot

DETAIL_KINDS = ("addresses", "phones", "emails", "relatives", "former_names")
FIELD_GROUP = {
    "name": "name",
    "family_name": "name",
    "given_name": "name",
    "name_kana": "name_kana",
    "birth_date": "birth_date",
    "gender": "gender",
    "corporate_number": "corporate_number",
}  # "kind" has no lineage group


def _value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def customer_state(customer: Customer) -> dict[str, Any]:
    """Everything a merge may change about one customer (used for the snapshot and by tests)."""
    customer.refresh_from_db()
    return {
        "fields": {name: _value(getattr(customer, name)) for name in GOLDEN_FIELDS},
        "merged_into": customer.merged_into_id,
        "policies": sorted(Policy.objects.filter(policyholder=customer).values_list("pk", flat=True)),
        "insured": sorted(InsuredPerson.objects.filter(customer=customer).values_list("pk", flat=True)),
        "interactions": sorted(Interaction.objects.filter(customer=customer).values_list("pk", flat=True)),
        "cases": sorted(Case.objects.filter(customer=customer).values_list("pk", flat=True)),
        "addresses": sorted(Address.objects.filter(customer=customer).values_list("pk", "is_primary")),
        "phones": sorted(Phone.objects.filter(customer=customer).values_list("pk", "is_primary")),
        "emails": sorted(Email.objects.filter(customer=customer).values_list("pk", "is_primary")),
        "relatives": sorted(Relative.objects.filter(customer=customer).values_list("pk", flat=True)),
        "former_names": sorted(FormerName.objects.filter(customer=customer).values_list("pk", flat=True)),
        "agencies": sorted(CustomerAgency.objects.filter(customer=customer).values_list("agency_id", flat=True)),
        "records": sorted(SourceRecord.objects.filter(customer=customer).values_list("pk", flat=True)),
        "lineage": lineage_snapshot(customer),
    }


def active_merge_of(customer: Customer | int) -> CustomerMerge | None:
    """The merge that absorbed this customer, if it is merged into another one."""
    pk = customer if isinstance(customer, int) else customer.pk
    return CustomerMerge.objects.filter(absorbed_id=pk, status=MergeStatus.ACTIVE).first()


def _lock_visible(actor: User, pk: int) -> Customer:
    customer = Customer.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
    if customer is None:
        raise Http404("顧客が見つかりません。")
    return customer


def _duplicates(kind: str, absorbed: Customer, survivor: Customer) -> set[int]:
    """Contact points of the absorbed customer that the survivor already has (they stay behind)."""
    if kind == "phones":
        digits = set(Phone.objects.filter(customer=survivor).values_list("digits", flat=True))
        return {p.pk for p in Phone.objects.filter(customer=absorbed) if p.digits in digits}
    if kind == "emails":
        keys = set(Email.objects.filter(customer=survivor).values_list("key", flat=True))
        return {e.pk for e in Email.objects.filter(customer=absorbed) if e.key in keys}
    if kind == "addresses":
        have = {(a.postal_code, normalize.address_key(a.street)) for a in Address.objects.filter(customer=survivor)}
        return {
            a.pk
            for a in Address.objects.filter(customer=absorbed)
            if (a.postal_code, normalize.address_key(a.street)) in have
        }
    return set()


def merge_check(*, survivor: Customer, absorbed: Customer) -> None:
    """Why the two customers cannot be merged (ValidationError), for the confirmation step and
    again under the lock before the merge."""
    if survivor.pk == absorbed.pk:
        raise ValidationError("同じ顧客どうしは統合できません。")
    for customer in (survivor, absorbed):
        if (merge := active_merge_of(customer)) is not None:
            raise ValidationError(f"顧客 {customer.number} は既に顧客 {merge.survivor.number} に統合されています。")
    if survivor.kind != absorbed.kind:
        raise ValidationError("個人と法人は統合できません。")


def customer_merge(
    *, actor: User, survivor: Customer, absorbed: Customer, reason: str, pair: CandidatePair | None = None
) -> CustomerMerge:
    ensure_steward(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "統合の理由を入力してください。"})
    merge_check(survivor=survivor, absorbed=absorbed)
    with transaction.atomic(), one_index_update():
        survivor = _lock_visible(actor, survivor.pk)
        absorbed = _lock_visible(actor, absorbed.pk)
        merge_check(survivor=survivor, absorbed=absorbed)
        before = {"survivor": customer_state(survivor), "absorbed": customer_state(absorbed)}
        why = f"名寄せ統合: {absorbed.number} → {survivor.number}"
        changes: dict[str, Any] = {}
        a_state = before["absorbed"]
        changes["policies"], changes["insured"] = policies_move_to_customer(
            actor=actor,
            to_customer=survivor,
            policy_ids=a_state["policies"],
            insured_ids=a_state["insured"],
            reason=why,
        )
        changes["interactions"] = interactions_move_to_customer(
            actor=actor, to_customer=survivor, ids=a_state["interactions"], reason=why
        )
        changes["cases"] = cases_move_to_customer(
            actor=actor, to_customer=survivor, case_ids=a_state["cases"], reason=why
        )
        rows: dict[str, list[int]] = {}
        for kind in DETAIL_KINDS:
            ids = [row[0] if isinstance(row, list | tuple) else row for row in a_state[kind]]
            keep = _duplicates(kind, absorbed, survivor)
            rows[kind] = [pk for pk in ids if pk not in keep]
        changes["details"] = customer_details_move(actor=actor, to_customer=survivor, rows=rows)
        records = list(SourceRecord.objects.filter(customer=absorbed).order_by("pk"))
        for record in records:
            record.customer = survivor
            save_customer_link(record, actor, why)
        changes["records"] = [r.pk for r in records]
        added: list[int] = []
        for agency_id in a_state["agencies"]:
            if agency_id not in before["survivor"]["agencies"]:
                customer_link_agency(actor=actor, customer=survivor, agency=Agency.objects.get(pk=agency_id))
                added.append(agency_id)
        changes["agencies_added"] = added
        changes["fields"] = golden_refresh(
            actor=actor, customer=survivor, others=[absorbed], add_contacts=False, summary=f"{why}(名寄せの採用値)"
        )
        changes["lineage_after"] = lineage_snapshot(survivor)
        customer_set_merged_into(actor=actor, customer=absorbed, into=survivor, reason=why)
        merge = CustomerMerge(
            survivor=survivor,
            absorbed=absorbed,
            reason=reason[:300],
            pair=pair,
            snapshot=before,
            changes=changes,
            merged_by=actor,
        )
        writes.save(merge, actor=actor)
        data = {"merge": merge.pk, "reason": reason, "fields": changes["fields"]}
        summary = f"顧客 {absorbed.number} を {survivor.number} に統合した"
        record_event(actor=actor, action=AuditAction.IDENTITY_MERGE, target=survivor, summary=summary, data=data)
        record_event(actor=actor, action=AuditAction.IDENTITY_MERGED_INTO, target=absorbed, summary=summary, data=data)
        customer_changed([survivor.pk, absorbed.pk])
    return merge


@dataclass
class UnmergeResult:
    merge: CustomerMerge
    kept_on_survivor: dict[str, list[Any]] = field(default_factory=dict)  # later edits left in place


def customer_unmerge(*, actor: User, merge: CustomerMerge, reason: str) -> UnmergeResult:
    ensure_steward(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "統合解除の理由を入力してください。"})
    with transaction.atomic(), one_index_update():
        merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.status != MergeStatus.ACTIVE:
            raise ValidationError("この統合は既に解除されています。")
        survivor = _lock_visible(actor, merge.survivor_id)
        absorbed = _lock_visible(actor, merge.absorbed_id)
        if (later := active_merge_of(survivor)) is not None:
            raise ValidationError(
                f"統合先の顧客 {survivor.number} がその後 {later.survivor.number} に統合されています。"
                "先にその統合を解除してください。"
            )
        result = UnmergeResult(merge=merge)
        changes, before = merge.changes, merge.snapshot
        why = f"名寄せ統合の解除: {survivor.number} → {absorbed.number}"
        policies = list(
            Policy.objects.filter(pk__in=changes["policies"], policyholder=survivor).values_list("pk", flat=True)
        )
        insured = list(
            InsuredPerson.objects.filter(pk__in=changes["insured"], customer=survivor).values_list("pk", flat=True)
        )
        policies_move_to_customer(
            actor=actor, to_customer=absorbed, policy_ids=policies, insured_ids=insured, reason=why
        )
        interactions = list(
            Interaction.objects.filter(pk__in=changes["interactions"], customer=survivor).values_list("pk", flat=True)
        )
        interactions_move_to_customer(actor=actor, to_customer=absorbed, ids=interactions, reason=why)
        cases = list(Case.objects.filter(pk__in=changes["cases"], customer=survivor).values_list("pk", flat=True))
        cases_move_to_customer(actor=actor, to_customer=absorbed, case_ids=cases, reason=why)
        primary = {
            kind: [pk for pk, is_primary in before["absorbed"][kind] if is_primary]
            for kind in ("addresses", "phones", "emails")
        }
        customer_details_move(actor=actor, to_customer=absorbed, rows=changes["details"], primary=primary)
        for record in SourceRecord.objects.filter(pk__in=changes["records"], customer=survivor):
            record.customer = absorbed
            save_customer_link(record, actor, why)
        for agency_id in changes["agencies_added"]:
            still_needed = Policy.objects.filter(policyholder=survivor, agency_id=agency_id).exists()
            if not still_needed:
                customer_unlink_agency(actor=actor, customer=survivor, agency=Agency.objects.get(pk=agency_id))
        survivor.refresh_from_db()
        restore: dict[str, Any] = {}
        restored_groups: set[str] = set()
        for name, (old, new) in changes["fields"].items():
            current = _value(getattr(survivor, name))
            if str(current or "") == new:
                restore[name] = _parse(name, old)
                if name in FIELD_GROUP:
                    restored_groups.add(FIELD_GROUP[name])
            else:
                result.kept_on_survivor[name] = [old, new, str(current or "")]
        if restore:
            customer_apply_golden(actor=actor, customer=survivor, values=restore, summary=why)
        after_lineage = changes.get("lineage_after", {})
        current_lineage = lineage_snapshot(survivor)
        for group in set(after_lineage) | set(before["survivor"]["lineage"]):
            if group in restored_groups or current_lineage.get(group) == after_lineage.get(group):
                restored_groups.add(group)
        lineage_restore(actor=actor, customer=survivor, snapshot=before["survivor"]["lineage"], fields=restored_groups)
        # The steward says these are two people: later runs must not link them again. Only merge
        # candidates: a related pair (a person and a corporation) keeps its own status.
        a_records = set(before["absorbed"]["records"])
        s_records = set(before["survivor"]["records"])
        now = timezone.now()
        for pair in CandidatePair.objects.filter(
            kind=PairKind.MATCH, record_l__in=a_records | s_records, record_r__in=a_records | s_records
        ):
            if {pair.record_l_id, pair.record_r_id} & a_records and {pair.record_l_id, pair.record_r_id} & s_records:
                pair.status, pair.decided_by, pair.decided_at = PairStatus.NOT_LINKED, actor, now
                pair.note = f"統合解除: {reason}"[:300]
                writes.save(pair, actor=actor, reason="統合解除")
        customer_set_merged_into(actor=actor, customer=absorbed, into=None, reason=why)
        merge.status, merge.undone_by, merge.undone_at, merge.undo_reason = MergeStatus.UNDONE, actor, now, reason
        writes.save(merge, actor=actor)
        data = {"merge": merge.pk, "reason": reason, "kept_on_survivor": result.kept_on_survivor}
        summary = f"顧客 {absorbed.number} と {survivor.number} の統合を解除した"
        record_event(actor=actor, action=AuditAction.IDENTITY_UNMERGE, target=survivor, summary=summary, data=data)
        record_event(actor=actor, action=AuditAction.IDENTITY_UNMERGED, target=absorbed, summary=summary, data=data)
        customer_changed([survivor.pk, absorbed.pk])
    return result


def _parse(name: str, text: str) -> Any:
    if name == "birth_date":
        return dt.date.fromisoformat(text) if text else None
    return text
