"""The case tables the demo writes, their columns in insert order (parents first)."""

from __future__ import annotations

from typing import Any

from tsunagu.cases.models import (
    AccidentReport,
    CancellationRequest,
    Case,
    CaseDocument,
    CaseEvent,
    CasePause,
    CaseTask,
    ChangeRequest,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
)

CASE_COLUMNS = (
    "id", "number", "case_type", "sub_type", "channel", "customer_id", "policy_id", "claim_id", "subject",
    "description", "priority", "status", "is_open", "assignee_id", "department_id", "agency_id", "opened_on",
    "due_date", "paused_since", "paused_business_days", "closed_at", "resolution_summary", "created_by_id",
    "created_at", "updated_at", "version",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "at", "actor_id", "kind", "summary", "body", "data")
DOCUMENT_COLUMNS = ("id", "case_id", "name", "is_required", "received_on", "deficiency_note", "deficiency_resolved")
TASK_COLUMNS = ("id", "case_id", "title", "department_id", "assignee_id", "due_date", "done_at", "created_at")
PAUSE_COLUMNS = ("id", "case_id", "status", "started_on", "ended_on", "business_days")
CHANGE_COLUMNS = (
    "id", "case_id", "new_values", "effective_date", "premium_difference", "applied_at", "previous_values",
)  # fmt: skip
ACCIDENT_COLUMNS = (
    "id", "case_id", "occurred_at", "place", "line", "accident_type", "description", "parties", "injuries",
    "police_report_number", "agency_first_contact", "coverage_warnings",
)  # fmt: skip
IDENTITY_COLUMNS = ("id", "case_id", "method", "document_type", "verified_by_id", "verified_at", "note")
INQUIRY_COLUMNS = ("id", "case_id", "category", "question", "answer")
COMPLAINT_COLUMNS = (
    "id", "case_id", "category_id", "customer_request", "fact_finding", "cause", "countermeasure", "explained_on",
    "explained_by_id", "apologized", "adr_referred_on", "adr_reference", "adr_outcome", "recurrence_prevention",
    "adr_stage", "adr_lodged_on", "adr_dispute_filed_on", "adr_result", "adr_concluded_on", "reported_to_insurer_on",
)  # fmt: skip
CANCELLATION_COLUMNS = (
    "id", "case_id", "reason", "reason_text", "competitor", "offer_made", "outcome", "effective_date", "refund_note",
    "guidance_used_id",
)  # fmt: skip

# Table name → (model, columns, whether it has history), in insert order (parents first).
TABLES: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "cases": (Case, CASE_COLUMNS),
    "case_events": (CaseEvent, EVENT_COLUMNS),
    "case_documents": (CaseDocument, DOCUMENT_COLUMNS),
    "case_tasks": (CaseTask, TASK_COLUMNS),
    "case_pauses": (CasePause, PAUSE_COLUMNS),
    "change_requests": (ChangeRequest, CHANGE_COLUMNS),
    "accident_reports": (AccidentReport, ACCIDENT_COLUMNS),
    "identity_verifications": (IdentityVerification, IDENTITY_COLUMNS),
    "inquiries": (InquiryDetail, INQUIRY_COLUMNS),
    "complaints": (ComplaintDetail, COMPLAINT_COLUMNS),
    "cancellations": (CancellationRequest, CANCELLATION_COLUMNS),
}
ID_TABLES = tuple(name for name in TABLES if name != "case_events")
