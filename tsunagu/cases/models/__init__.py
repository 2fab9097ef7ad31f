from .case import Case, CaseDocument, CaseEvent, CasePause, CaseQuerySet, CaseTask, OverdueSnapshot
from .config import (
    CalendarException,
    CaseNumberSequence,
    CaseTypeRule,
    ComplaintCategory,
    KnowledgeArticle,
    RequiredDocument,
    RetentionGuidance,
    faq_key,
)
from .details import (
    AccidentReport,
    CancellationRequest,
    ChangeRequest,
    ComplaintDetail,
    IdentityVerification,
    InquiryDetail,
)

__all__ = [
    "AccidentReport",
    "CalendarException",
    "CancellationRequest",
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseNumberSequence",
    "CasePause",
    "CaseQuerySet",
    "CaseTask",
    "CaseTypeRule",
    "ChangeRequest",
    "ComplaintCategory",
    "ComplaintDetail",
    "IdentityVerification",
    "InquiryDetail",
    "KnowledgeArticle",
    "OverdueSnapshot",
    "RequiredDocument",
    "RetentionGuidance",
    "faq_key",
]
