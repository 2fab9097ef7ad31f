from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import (
    CalendarException,
    Case,
    CaseTypeRule,
    ComplaintCategory,
    KnowledgeArticle,
    OverdueSnapshot,
    RequiredDocument,
    RetentionGuidance,
)


@admin.register(CaseTypeRule)
class CaseTypeRuleAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["case_type", "sub_type", "sla_business_days", "queue_kind"]
    list_editable = ["sla_business_days", "queue_kind"]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["case_type", "sub_type", "name", "order", "is_active"]
    list_filter = ["case_type", "is_active"]


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "parent", "order", "is_active"]
    list_filter = ["parent", "is_active"]


@admin.register(RetentionGuidance)
class RetentionGuidanceAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["reason", "line", "title", "order", "is_active"]
    list_filter = ["reason", "line", "is_active"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["title", "category", "is_published", "updated_at"]
    list_filter = ["category", "is_published"]
    search_fields = ["title", "keywords"]


@admin.register(CalendarException)
class CalendarExceptionAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["date", "is_closed", "note"]


@admin.register(Case)
class CaseAdmin(ScopedHistoryAdmin):
    """Read-only: cases change through the services (screens and API)."""

    customer_field = "customer"
    list_display = ["number", "case_type", "status", "customer", "department", "assignee", "due_date"]
    list_filter = ["case_type", "status", "is_open"]
    search_fields = ["=number"]
    raw_id_fields = ["customer", "policy", "claim", "assignee", "created_by"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OverdueSnapshot)
class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
