from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Alert, BreachIncident, ReasonRequest, ReviewCampaign, ReviewItem, RuleRun, RuleSetting


@admin.register(RuleSetting)
class RuleSettingAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["rule", "role", "department", "agency", "enabled", "threshold", "factor", "window_days"]
    list_filter = ["rule", "enabled"]


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "kind", "status", "period_start", "period_end", "total", "alerts_created", "finished_at"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # a run's record is written by the run itself


@admin.register(Alert)
class AlertAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["day", "rule", "user", "customers", "score", "status", "assignee"]
    list_filter = ["rule", "status", "conclusion"]
    readonly_fields = ["key", "evidence", "explanation", "run"]


@admin.register(ReasonRequest)
class ReasonRequestAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["alert", "manager", "asked_at", "due_on", "answered_at"]


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["title", "deadline", "status", "opened_at"]


@admin.register(ReviewItem)
class ReviewItemAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
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
