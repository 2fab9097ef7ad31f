from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from .models import Alert, BreachIncident, ReasonRequest, ReviewCampaign, ReviewItem, RuleRun, RuleSetting


class ViewOnly:
    """Rows only the services write (runs, alerts with their frozen evidence, reason requests, review
    decisions): the admin shows them and nothing more, so no change bypasses the audit events."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, **kw: Any) -> HttpResponse:
        # simple-history's version page saves the old version on POST (a revert) whatever the
        # change permission says; the page itself may be looked at.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, **kw)  # type: ignore[misc,no-any-return]


@admin.register(RuleSetting)
class RuleSettingAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["rule", "role", "department", "agency", "enabled", "threshold", "factor", "window_days"]
    list_filter = ["rule", "enabled"]


@admin.register(RuleRun)
class RuleRunAdmin(ViewOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "kind", "status", "period_start", "period_end", "total", "alerts_created", "finished_at"]
    list_filter = ["kind", "status"]


@admin.register(Alert)
class AlertAdmin(ViewOnly, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["day", "rule", "user", "customers", "score", "status", "assignee"]
    list_filter = ["rule", "status", "conclusion"]


@admin.register(ReasonRequest)
class ReasonRequestAdmin(ViewOnly, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["alert", "manager", "asked_at", "due_on", "answered_at"]


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["title", "deadline", "status", "opened_at"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ViewOnly, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["campaign", "staff", "role", "reviewer", "decision", "decided_at"]
    list_filter = ["decision"]


@admin.register(BreachIncident)
class BreachIncidentAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = [
        "number",
        "title",
        "cause_kind",
        "aware_on",
        "status",
        "preliminary_reported_on",
        "final_reported_on",
    ]
    list_filter = ["status", "cause_kind"]
    readonly_fields = ["number", "alert", "opened_by"]
