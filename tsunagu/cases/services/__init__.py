"""Every write to cases. Views, API and commands call these; they never save models themselves."""

from .adr import adr_advance, adr_conclude, adr_refer, adr_reminders_create, complaint_report_to_insurer
from .adr import referral_of as adr_referral_of
from .common import CONFLICT_MESSAGE, CaseConflict
from .create import CaseInput, case_create
from .overdue import overdue_snapshot_record
from .progress import (
    assignable_users,
    case_add_note,
    case_add_task,
    case_assign,
    case_handoff,
    case_log_call,
    case_transition,
    document_receive,
    document_report_deficiency,
    document_resolve_deficiency,
    task_complete,
)
from .reassign import cases_move_to_customer
from .types import (
    can_see_complaint_sensitive,
    cancellation_record,
    change_update,
    changes_apply_due,
    complaint_update,
    identity_verify,
    inquiry_answer,
    inquiry_link_article,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "CaseConflict",
    "CaseInput",
    "adr_advance",
    "adr_conclude",
    "adr_refer",
    "adr_referral_of",
    "adr_reminders_create",
    "assignable_users",
    "can_see_complaint_sensitive",
    "cancellation_record",
    "case_add_note",
    "case_add_task",
    "case_assign",
    "case_create",
    "case_handoff",
    "case_log_call",
    "case_transition",
    "cases_move_to_customer",
    "change_update",
    "changes_apply_due",
    "complaint_report_to_insurer",
    "complaint_update",
    "document_receive",
    "document_report_deficiency",
    "document_resolve_deficiency",
    "identity_verify",
    "inquiry_answer",
    "inquiry_link_article",
    "overdue_snapshot_record",
    "task_complete",
]
