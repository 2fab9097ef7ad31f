from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tsunagu.core import permissions
from tsunagu.core.admin import ScopedHistoryAdmin

from .models import ModelVersion, TargetEntry, TargetList


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: versions are written by the analytics services (train, activate)."""

    list_display = ["kind", "version", "auc", "baseline_auc", "trained_by", "trained_at", "is_active"]
    list_filter = ["kind", "is_active"]
    exclude = ["artifact"]  # the trained trees; large, and read by the scorer only

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.has(request.user, permissions.ANALYTICS_MODELS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.has(request.user, permissions.ANALYTICS_MODELS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly:
    """Target lists and their entries change through the analytics services only (history, audit)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TargetList)
class TargetListAdmin(_ReadOnly, ScopedHistoryAdmin):
    list_display = ["name", "basis", "as_of", "treatment_count", "control_count", "created_by", "created_at"]
    raw_id_fields = ["created_by"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.has(request.user, permissions.ANALYTICS_MODELS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.has(request.user, permissions.ANALYTICS_MODELS)


@admin.register(TargetEntry)
class TargetEntryAdmin(_ReadOnly, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["target_list", "customer", "agency", "is_control", "result", "result_at"]
    list_filter = ["is_control", "result"]
    raw_id_fields = ["target_list", "customer", "agency", "won_policy", "result_by"]
