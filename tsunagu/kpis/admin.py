from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import KpiReport, KpiReportVersion, KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["fiscal_year", "kpi", "agency", "value", "starts_on", "ends_on", "updated_by"]
    list_filter = ["fiscal_year", "kpi"]


@admin.register(KpiReport)
class KpiReportAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """Texts are edited and published on the report screen (services: audit events, versions)."""

    list_display = ["agency", "fiscal_year", "status", "updated_at"]
    list_filter = ["fiscal_year", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KpiReportVersion)
class KpiReportVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Published versions are frozen: read only."""

    list_display = ["report", "number", "published_at", "published_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
