from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django_tasks_db.admin import DBTaskResultAdmin as _PackageTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from .access_log import log_access
from .audit import action_label
from .choices import AccessPurpose, AuditAction
from .models import AccessLog, AccessLogHead, Agency, Agent, ApiToken, AuditEvent, Branch, Department, User


def _related_model(model: type[Model], path: str) -> type[Model]:
    for part in path.split("__"):
        related = model._meta.get_field(part).related_model
        assert isinstance(related, type), f"{model.__name__}.{part} is not a relation"
        model = related
    return model


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin that shows only what the user may see and logs reads of customers' data.

    Scope: the model's own `visible_to`, or else that of the model `scope_field` leads to
    ("customer", "policy"): an address is visible when its customer is.
    `customer_field` is the path from the model to the customer ("" for Customer itself,
    "policy__policyholder" for a claim); None for models that hold no customer's data.
    """

    customer_field: str | None = None
    scope_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        visible_to = getattr(queryset, "visible_to", None)
        if visible_to is not None:
            return visible_to(request.user)  # type: ignore[no-any-return]
        if self.scope_field:
            scope = _related_model(self.model, self.scope_field)._default_manager.visible_to(  # type: ignore[attr-defined]
                request.user
            )
            return queryset.filter(**{f"{self.scope_field}__in": scope})
        return queryset

    def _log_read(self, request: HttpRequest, pks: list[Any], screen: str) -> None:
        if self.customer_field is None or not pks:
            return
        path = self.customer_field or "pk"
        customer_ids = set(self.model._default_manager.filter(pk__in=pks).values_list(path, flat=True))
        log_access(
            user=request.user,  # type: ignore[arg-type]
            customer_ids=sorted(i for i in customer_ids if i is not None),
            purpose=AccessPurpose.ADMIN,
            screen=f"管理画面:{self.model._meta.verbose_name}{screen}",
        )

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._log_read(request, [obj.pk], "")
        return response

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            self._log_read(request, [obj.pk for obj in changelist.result_list], "一覧")
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None and not request.user.is_superuser:
            # Outside the user's scope: the same answer as for a row that never existed.
            # (Only superusers, who see every row, may read the history of deleted rows.)
            raise Http404("対象が見つかりません。")
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200 and obj is not None:
            self._log_read(request, [obj.pk], "の変更履歴")
        return response


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    """ScopedAdmin for models with django-simple-history; past versions are scoped and read-only too."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None and not request.user.is_superuser:
            raise Http404("対象が見つかりません。")
        if request.method == "POST" and self.revert_disabled(request, obj):
            # simple_history saves a POSTed past version even with reverting disabled.
            raise PermissionDenied("過去の版に戻すことはできません。")
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200 and obj is not None:
            self._log_read(request, [obj.pk], "の過去の版")
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
    list_display = ["username", "display_name", "department", "agency", "branch", "is_active"]
    list_filter = ["department", "branch", "groups", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        # One organisation at most (the model's constraint answers in Japanese when two are chosen).
        ("所属", {"fields": ["display_name", "department", "agency", "branch", "agent"]}),
        (
            "上長・在籍状況(コンプライアンス)",
            {"fields": ["manager", "employment_status", "status_since", "home_postal_code"]},
        ),
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A manager is an active login user (User.clean refuses the rest, and the user themself).
        if db_field.name == "manager":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuditActionFilter(admin.SimpleListFilter):
    """Filter events by action, listed by their Japanese labels (the codes stay in the URL)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in AuditAction.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "actor", "action_name", "summary"]
    list_filter = [AuditActionFilter]
    search_fields = ["summary", "target_id"]
    # The detail page too shows the action's Japanese label, never the code (identity.unmerged).
    detail_fields = ("at", "actor", "action_name", "target_type", "target_id", "summary", "data")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.detail_fields) if self.model is AuditEvent else super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.detail_fields) if self.model is AuditEvent else super().get_readonly_fields(request, obj)

    @admin.display(description="操作", ordering="action")
    def action_name(self, obj: AuditEvent) -> str:
        return action_label(obj.action)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(AuditEventAdmin):
    list_display = ["id", "chain", "seq", "at", "username", "customer_id", "purpose", "screen", "client_address"]  # type: ignore[assignment]
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


@admin.register(AccessLogHead)
class AccessLogHeadAdmin(AuditEventAdmin):
    """The chain's tip: shown for checking, never edited (verify_access_log compares it)."""

    list_display = ["id", "last_seq", "last_hash"]  # type: ignore[assignment]
    list_filter = []  # type: ignore[assignment]
    search_fields = []  # type: ignore[assignment]


# django-tasks' task results: the package's admin, with Japanese column names (its model and field
# labels are translated in tsunagu/locale/ja; these are the admin's own computed columns).


class TaskResultAdmin(_PackageTaskResultAdmin):
    list_display = (  # type: ignore[assignment]
        "id",
        "task_label",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description="処理")
    def task_label(self, obj: DBTaskResult) -> str:  # type: ignore[type-arg]
        return str(obj.task_name)

    @admin.display(description="トレースバック")
    def formatted_traceback(self, obj: DBTaskResult) -> str:  # type: ignore[type-arg]
        return super().formatted_traceback(obj)

    @admin.display(description="実行予定日時")
    def display_run_after(self, obj: DBTaskResult) -> Any:  # type: ignore[type-arg]
        return super().display_run_after(obj)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
