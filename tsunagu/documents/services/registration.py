"""Registering a drawn chunk (the archive step): documents, certificate rows, their history, one
audit event and the access-log rows in one transaction, after the files exist. A crash before it
leaves only unreferenced files; a crash inside it leaves nothing (the chunk is planned again)."""

from __future__ import annotations

from django.db import transaction

from tsunagu.core import bulk, writes
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.jobs import Job
from tsunagu.core.models import AuditEvent, User

from ..choices import DeliveryChannel
from ..models import DeductionCertificate, Document, DocumentBatch
from ..printing import PrintResult
from .records import AuditRecord, ChunkPlan


def register_chunk(plan: ChunkPlan, result: PrintResult | None, batch: DocumentBatch | None, actor: User) -> int:
    """Register the chunk's documents and certificate rows in one transaction, after the files exist."""
    with transaction.atomic():
        for document in plan.documents:
            if document.delivery_channel == DeliveryChannel.ELECTRONIC:
                stored = result.electronic[document.number] if result else None
                document.page = None
            else:  # mailed: a page of the print file, or (vendor composes) records of the data file
                stored = (result.print_file or result.data_file) if result else None
                document.storage_key = stored.key if stored else ""
                document.page = result.pages[document.number][0] if result and result.print_file else None
            if stored is None:
                raise RuntimeError(f"帳票ファイルが作成されていません: {document.number}")
            document.sha256, document.size_bytes = stored.sha256, stored.size
        bulk.insert_records(Document, plan.documents, returning=("number",))
        bulk.copy_to_history(Document, [doc.id for doc in plan.documents if doc.id], user_id=actor.pk)
        ids = {doc.number: doc.id for doc in plan.documents}
        rows = []
        for number, row in plan.certificates:
            row.document_id = ids[number] if number else None
            rows.append(row)
        bulk.insert_records(DeductionCertificate, rows, returning=("policy_id", "category"))
        bulk.copy_to_history(DeductionCertificate, [row.id for row in rows if row.id], user_id=actor.pk)
        if plan.attach:
            for number, certificate_ids in plan.attach:
                attached = DeductionCertificate.objects.filter(pk__in=certificate_ids)
                writes.update_rows(attached, actor=actor, document_id=ids[number])
        batch_id = batch.pk if batch else None
        if plan.documents:
            # One event per registered chunk, naming its documents (each document's own history
            # row already records who issued it and when).
            mailed = sum(1 for doc in plan.documents if doc.delivery_channel == DeliveryChannel.POST)
            target = (
                (DocumentBatch._meta.label_lower, batch_id)
                if batch
                else (Document._meta.label_lower, ids[plan.documents[0].number])
            )
            event = AuditRecord(
                actor_id=actor.pk,
                action=AuditAction.DOCUMENT_ISSUE_DEDUCTION_CERTIFICATES,
                target_type=target[0],
                target_id=str(target[1]),
                summary=f"地震保険料控除証明書 {len(plan.documents):,}件を発行した"
                f"(郵送 {mailed:,}件・電子 {len(plan.documents) - mailed:,}件)",
                data={
                    "batch": batch_id,
                    "tax_year": plan.documents[0].tax_year,
                    "documents": [doc.number for doc in plan.documents],
                },
            )
            bulk.insert_records(AuditEvent, [event])
        readers = {doc.customer_id for doc in plan.documents}
        readers.update(row.customer_id for _, row in plan.certificates if not row.excluded)
        if readers:
            log_access(
                user=actor,
                customer_ids=sorted(readers),
                purpose=AccessPurpose.COMMAND,
                screen="deduction_certificates",
                detail={"batch": batch_id, "purpose": "地震保険料控除証明書の作成"},
            )
        if batch is not None:
            Job(batch).add(
                documents_issued=len(plan.documents),
                certificates_written=sum(1 for _, r in plan.certificates if not r.excluded),
                excluded=sum(1 for _, r in plan.certificates if r.excluded),
                skipped=len(plan.skipped),
                processed=plan.holders,
            )
    return len(plan.documents)
