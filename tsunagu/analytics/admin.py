from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tsunagu.core import permissions

from .models import ModelVersion


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
