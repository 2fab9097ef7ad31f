from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import FollowUp, Invitation, Question, Response, Survey, SurveyOptOut, SurveyVersion, TriggerRule


class ReadOnlyMixin:
    """Survey rows change through the services (screens, import, triggers), never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "purpose", "is_active"]


@admin.register(SurveyVersion)
class SurveyVersionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["survey", "number", "is_current", "created_at"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["version", "code", "kind", "text", "order"]


@admin.register(TriggerRule)
class TriggerRuleAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["survey", "event", "line", "delay_days", "sampling_rate", "channel", "is_active"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["version", "event", "event_date", "customer", "channel", "status", "suppression_reason"]
    list_filter = ["status", "suppression_reason", "channel"]
    raw_id_fields = ["customer", "policy", "claim", "case"]
    show_full_result_count = False


@admin.register(Response)
class ResponseAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["survey", "answered_on", "customer", "channel", "nps", "satisfaction"]
    list_filter = ["survey", "channel"]
    raw_id_fields = ["customer", "policy", "claim", "case", "invitation"]
    show_full_result_count = False


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["customer", "since"]
    raw_id_fields = ["customer"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["reason", "customer", "agency", "department", "due_date", "status"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["customer", "policy", "response"]
    show_full_result_count = False
