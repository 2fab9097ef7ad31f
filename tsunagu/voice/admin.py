from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import Circulation, Improvement, Voice, VoiceCategory


class ReadOnlyMixin:
    """Voices, 回覧 and improvements change through the services (the words' index, audit events)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(VoiceCategory)
class VoiceCategoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """The two-level category list is maintained here (configurable in the product)."""

    list_display = ["code", "name", "kind", "parent", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Voice)
class VoiceAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["received_on", "category", "channel", "customer", "agency", "complaint_decision"]
    list_filter = ["kind", "channel", "complaint_decision"]
    raw_id_fields = ["customer", "policy", "case", "complaint_case", "survey_response", "agent"]
    show_full_result_count = False


@admin.register(Circulation)
class CirculationAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "voices__customer"
    list_display = ["month", "agency", "department", "created_by"]


@admin.register(Improvement)
class ImprovementAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "voices__customer"
    list_display = ["title", "status", "owner", "agency", "department", "planned_on", "completed_on"]
    list_filter = ["status"]
