from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tsunagu.core.admin import ScopedAdmin

from .models import Interaction


@admin.register(Interaction)
class InteractionAdmin(ScopedAdmin):
    """Read-only: contacts are appended through the service, corrected by a new entry."""

    customer_field = "customer"
    list_display = ["occurred_at", "customer", "channel", "direction", "subject", "staff"]
    list_filter = ["channel", "direction"]
    raw_id_fields = ["customer", "policy", "claim", "corrects", "staff"]
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
