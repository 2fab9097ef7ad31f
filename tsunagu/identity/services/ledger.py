"""The customer ledger as a source: every live customer is mirrored as a source record of the
built-in source `TSUNAGU` (tsunagu 顧客台帳), linked to that customer. A corporate customer is
mirrored with its 法人番号, when its name carries a legal form (株式会社… : how the matcher knows a
corporation; one without would be compared as a person, so it is left out). Imported records then
find existing customers through the same blocking-key index and model as any other record: linked
above the auto-link threshold, queued for review in between, a new customer only without a
candidate (docs/identity.md § Existing customers).

The mirror is brought up to date before each incremental match and each full run; a customer
whose values did not change is not touched (content hash, like an import)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from tsunagu.core import normalize, writes
from tsunagu.core.models import User
from tsunagu.customers.choices import CustomerKind, PhoneKind
from tsunagu.customers.models import Address, Customer, Email, Phone

from ..models import SourceRecord, SourceSystem
from ..records import content_hash, validate_row
from .keys import keys_refresh

LEDGER_CODE = "TSUNAGU"
LEDGER_NAME = "tsunagu 顧客台帳(既存顧客)"
LEDGER_PRIORITY = 1000  # a mirror of the customer: never outranks a real source in survivorship
CHUNK = 1000


def is_ledger(source: SourceSystem | None) -> bool:
    return source is not None and source.code == LEDGER_CODE


def ledger_source(actor: User) -> SourceSystem:
    source = SourceSystem.objects.filter(code=LEDGER_CODE).first()
    if source is None:
        source = SourceSystem(code=LEDGER_CODE, name=LEDGER_NAME, priority=LEDGER_PRIORITY)
        writes.save(source, actor=actor, reason="名寄せ: 既存顧客を照合の対象にする")
    return source


def customer_row(customer: Customer) -> dict[str, str]:
    """The customer as an import row {record field: text} (addresses, phones and e-mails prefetched,
    primary first)."""
    addresses = sorted(customer.addresses.all(), key=lambda a: (not a.is_primary, a.pk))
    phones = sorted(customer.phones.all(), key=lambda p: (not p.is_primary, p.pk))
    emails = sorted(customer.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    mobile = next((p for p in phones if p.kind == PhoneKind.MOBILE), None)
    home = next((p for p in phones if p.kind != PhoneKind.MOBILE), None)
    row = {
        "record_id": customer.number,
        "name_kanji": customer.name,
        "family_name": customer.family_name,
        "given_name": customer.given_name,
        "name_kana": customer.name_kana,
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else "",
        "gender": customer.gender,
        "corporate_number": customer.corporate_number if customer.kind == CustomerKind.CORPORATE else "",
    }
    if addresses:
        a = addresses[0]
        row["postal_code"] = a.postal_code
        row["address"] = f"{a.prefecture}{a.city}{a.street} {a.building}".strip()
    if home is not None:
        row["phone"] = home.digits
    if mobile is not None:
        row["mobile"] = mobile.digits
    if emails:
        row["email"] = emails[0].address
    return {k: v for k, v in row.items() if v}


def _checked(row: dict[str, str]) -> Any:
    """Validated like an import row; a value the import would refuse is left out (the customer is
    still matched on the rest)."""
    today = timezone.localdate()
    checked = validate_row(row, today=today)
    if checked.errors:
        bad = {e.column for e in checked.errors}
        from ..records import FIELD_LABELS

        keep = {k: v for k, v in row.items() if FIELD_LABELS.get(k) not in bad and k not in bad}
        checked = validate_row(keep, today=today)
    return checked


def ledger_sync(*, actor: User) -> list[int]:
    """Mirror every live customer without a record of a real source (a mirror whose customer later
    got such a record is left as it was; a corporate customer without a legal form in its name is
    not mirrored); returns the ids created or changed."""
    source = ledger_source(actor)
    existing = {r.external_id: r for r in SourceRecord.objects.filter(source=source)}
    # A customer with a record of a real source is found through that record; the others (typed
    # in the CRM, or loaded before 名寄せ) through their ledger record.
    customers = (
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(name_kana="")
        .exclude(pk__in=SourceRecord.objects.exclude(source=source).filter(customer__isnull=False).values("customer"))
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("pk")),
            Prefetch("phones", queryset=Phone.objects.order_by("pk")),
            Prefetch("emails", queryset=Email.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    now = timezone.now()
    new: list[SourceRecord] = []
    changed: list[SourceRecord] = []
    for customer in customers.iterator(chunk_size=CHUNK):
        corporate = customer.kind == CustomerKind.CORPORATE
        if corporate and not normalize.is_corporate_name(customer.name, customer.name_kana):
            continue
        row = customer_row(customer)
        digest = content_hash(row)
        record = existing.get(customer.number)
        if record is not None and record.content_hash == digest:
            continue
        checked = _checked(row)
        if checked.errors:
            continue
        if record is None:
            record = SourceRecord(source=source, external_id=customer.number, customer=customer)
            new.append(record)
        else:
            changed.append(record)
        record.values, record.features, record.content_hash, record.changed_at = row, checked.features, digest, now
    if new:
        writes.bulk_create(new, actor=actor, reason="名寄せ: 既存顧客を照合の対象にする", batch_size=CHUNK)
        if any(r.pk is None for r in new):  # backends without RETURNING
            ids = dict(
                SourceRecord.objects.filter(source=source, external_id__in=[r.external_id for r in new]).values_list(
                    "external_id", "pk"
                )
            )
            for r in new:
                r.pk = ids[r.external_id]
    if changed:
        fields = ["values", "features", "content_hash", "changed_at"]
        writes.bulk_update(changed, fields, actor=actor, reason="名寄せ: 顧客台帳の変更を反映", batch_size=CHUNK)
    for r in new + changed:
        r.source = source
    keys_refresh(new + changed)
    return [r.pk for r in new + changed]
