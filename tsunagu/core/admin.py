from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from .access_log import log_access
from .choices import AccessPurpose
from .models import AccessLog, Agency, Agent, ApiToken, AuditEvent, Branch, Department, User


class ScopedHistoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """Admin that shows only what the user may see and logs reads of customers' data.

    `customer_field` names the path from the model to the customer ("" for Customer itself).
    """

    customer_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        visible_to = getattr(queryset, "visible_to", None)
        return visible_to(request.user) if visible_to is not None else queryset

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if self.customer_field is not None and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                customer_id = obj.pk if not self.customer_field else getattr(obj, f"{self.customer_field}_id")
                log_access(
                    user=request.user,  # type: ignore[arg-type]
                    customer_ids=[customer_id],
                    purpose=AccessPurpose.ADMIN,
                    screen=f"管理画面:{self.model._meta.verbose_name}",
                )
        return response


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Branch)
class BranchAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "branch", "is_active"]
    list_filter = ["branch", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Agent)
class AgentAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["registration_number", "name", "agency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["registration_number", "name", "name_kana"]
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):  # type: ignore[type-arg,misc]
    list_display = ["username", "display_name", "department", "agency", "is_active"]
    list_filter = ["department", "groups", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("所属", {"fields": ["display_name", "department", "agency", "agent"]}),
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "target_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(AuditEventAdmin):
    list_display = ["id", "at", "username", "customer_id", "purpose", "screen", "client_address"]  # type: ignore[assignment]
    list_filter = ["purpose"]  # type: ignore[assignment]
    search_fields = ["username", "=customer_id", "screen"]  # type: ignore[assignment]


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """Tokens are issued by the api_token_create service; here they can be viewed and revoked."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "user__username", "prefix"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
