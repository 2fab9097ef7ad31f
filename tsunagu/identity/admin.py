"""Identity resolution (名寄せ) in the admin: data stewards only.

Source systems and column-mapping profiles are registered and edited here; saving goes through the
services (validation, history, audit events). Everything else is read-only: imports, matching,
decisions, merges and unmerges are done on the steward screens (/identity/) or the API, whose
services keep history and lineage. Admins that show personal data are scoped like every read path
(a record with no customer yet is shown to stewards only) and log every read of a customer's data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.access_log import log_access
from tsunagu.core.admin import ScopedAdmin, ScopedHistoryAdmin, _related_model
from tsunagu.core.choices import AccessPurpose

from .forms import MappingProfileAdminForm, SourceSystemForm
from .models import (
    BlockingKey,
    CandidatePair,
    CustomerMerge,
    CustomerRelation,
    FieldLineage,
    ImportBatch,
    MappingProfile,
    MatchModel,
    MatchRun,
    SourceRecord,
    SourceSystem,
    StagedRow,
)
from .services.common import is_steward
from .services.sources import mapping_profile_save, source_system_register


class StewardOnly:
    """Every identity admin page is for data stewards (the same rule as the steward screens)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_steward(request.user) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_steward(request.user) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_steward(request.user) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_steward(request.user) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing identity keeps is deleted (records are PROTECTed; merges are undone)


class ReadOnly(StewardOnly):
    """Written only by the identity services."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NullableScope(ScopedAdmin):
    """Scoped through `scope_field` (a path to a customer) that may be empty: rows without a
    customer yet (records not linked) are shown too, to stewards only (StewardOnly)."""

    also_scope: tuple[str, ...] = ()  # further customer paths that must be visible too

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        for path in (self.scope_field or "", *self.also_scope):
            scope = _related_model(self.model, path)._default_manager.visible_to(request.user)  # type: ignore[attr-defined]
            queryset = queryset.filter(Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": scope}))
        return queryset

    def _log_read(self, request: HttpRequest, pks: list[Any], screen: str) -> None:
        """One row per customer shown; rows with no customer are logged without one."""
        if not pks:
            return
        paths = [p for p in (self.customer_field, *self.also_scope) if p]
        customer_ids: set[int | None] = set()
        for path in paths:
            customer_ids |= set(self.model._default_manager.filter(pk__in=pks).values_list(path, flat=True))
        log_access(
            user=request.user,  # type: ignore[arg-type]
            customer_ids=sorted(i for i in customer_ids if i is not None) or [None],
            purpose=AccessPurpose.ADMIN,
            screen=f"管理画面:{self.model._meta.verbose_name}{screen}",
            detail={"model": self.model._meta.label, "pks": [str(pk) for pk in pks[:100]]},
        )


@admin.register(SourceSystem)
class SourceSystemAdmin(StewardOnly, SimpleHistoryAdmin):  # type: ignore[type-arg]
    form = SourceSystemForm
    list_display = ["code", "name", "priority", "verified_list", "deduplicated", "is_active", "created_at"]
    list_filter = ["is_active", "deduplicated"]
    search_fields = ["code", "name"]
    ordering = ["priority", "code"]

    @admin.display(description="本人確認済みの項目")
    def verified_list(self, obj: SourceSystem) -> str:
        from .records import FIELD_LABELS

        return "、".join(FIELD_LABELS.get(f, f) for f in obj.verified_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []  # records are keyed by the code

    def save_model(self, request: HttpRequest, obj: SourceSystem, form: Any, change: bool) -> None:
        saved = source_system_register(
            actor=request.user,  # type: ignore[arg-type]
            code=obj.code,
            name=obj.name,
            priority=obj.priority,
            verified_fields=list(obj.verified_fields or []),
            is_active=obj.is_active,
            deduplicated=obj.deduplicated,
        )
        obj.pk = saved.pk


@admin.register(MappingProfile)
class MappingProfileAdmin(StewardOnly, SimpleHistoryAdmin):  # type: ignore[type-arg]
    form = MappingProfileAdminForm
    list_display = ["source", "name", "column_count", "encoding", "is_default", "updated_at"]
    list_filter = ["source", "is_default"]
    search_fields = ["name", "source__code", "source__name"]
    list_select_related = ["source"]

    @admin.display(description="列数")
    def column_count(self, obj: MappingProfile) -> int:
        return len(obj.columns or {})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["source", "name"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: MappingProfile, form: Any, change: bool) -> None:
        saved = mapping_profile_save(
            actor=request.user,  # type: ignore[arg-type]
            source=obj.source,
            columns=dict(obj.columns or {}),
            name=obj.name,
            encoding=obj.encoding,
            is_default=obj.is_default,
        )
        obj.pk = saved.pk


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "file_name",
        "source",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "invalid_count",
        "imported_by",
        "imported_at",
    ]
    list_filter = ["status", "source", "file_format"]
    search_fields = ["file_name", "=file_sha256", "=id"]
    list_select_related = ["source", "imported_by"]
    date_hierarchy = "imported_at"


@admin.register(StagedRow)
class StagedRowAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """Invalid rows hold personal data of no customer yet: reads are logged without a customer."""

    list_display = ["batch", "row_number", "source_id", "error_summary"]
    list_filter = ["batch__source"]
    search_fields = ["=source_id", "=batch__id"]
    list_select_related = ["batch"]
    show_full_result_count = False

    @admin.display(description="エラー")
    def error_summary(self, obj: StagedRow) -> str:
        return " / ".join(f"{e.get('column', '')}: {e.get('message', '')}" for e in obj.errors[:3])

    def _log(self, request: HttpRequest, pks: list[Any], screen: str) -> None:
        if pks:
            log_access(
                user=request.user,  # type: ignore[arg-type]
                customer_ids=[None],
                purpose=AccessPurpose.ADMIN,
                screen=f"管理画面:取込エラー行{screen}",
                detail={"staged_rows": [int(pk) for pk in pks[:100]]},
            )

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        response = super().change_view(request, object_id, *args, **kwargs)
        if response.status_code == 200 and object_id.isdigit():
            self._log(request, [int(object_id)], "")
        return response

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            self._log(request, [obj.pk for obj in changelist.result_list], "一覧")
        return response


@admin.register(SourceRecord)
class SourceRecordAdmin(ReadOnly, NullableScope, ScopedHistoryAdmin):
    scope_field = "customer"
    customer_field = "customer"
    list_display = ["id", "source", "external_id", "customer", "changed_at"]
    list_filter = ["source", ("customer", admin.EmptyFieldListFilter)]
    search_fields = ["=external_id", "=customer__id", "=id"]
    list_select_related = ["source", "customer"]
    exclude = ["features", "content_hash"]  # derived matching keys: never shown as data
    raw_id_fields = ["customer", "last_batch"]
    show_full_result_count = False


@admin.register(BlockingKey)
class BlockingKeyAdmin(ReadOnly, NullableScope):
    scope_field = "record__customer"
    customer_field = "record__customer"
    list_display = ["key", "record"]
    search_fields = ["=key", "=record__id"]
    list_select_related = ["record__source"]
    raw_id_fields = ["record"]
    show_full_result_count = False


@admin.register(MatchModel)
class MatchModelAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["version", "auto_link", "review", "trained_on", "trained_by", "trained_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["=version"]
    exclude = ["model_json"]  # the trained parameters; large, and read by the matcher only
    readonly_fields = ["model_size"]

    @admin.display(description="モデルの大きさ(文字数)")
    def model_size(self, obj: MatchModel) -> int:
        return len(obj.model_json or "")


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "kind",
        "status",
        "model",
        "processed",
        "total",
        "pairs_found",
        "auto_linked",
        "queued_for_review",
        "started_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=id", "message"]
    list_select_related = ["model", "started_by"]


@admin.register(CandidatePair)
class CandidatePairAdmin(ReadOnly, NullableScope, ScopedHistoryAdmin):
    scope_field = "record_l__customer"
    also_scope = ("record_r__customer",)
    customer_field = "record_l__customer"
    list_display = ["id", "record_l", "record_r", "match_probability", "status", "model_version", "decided_by"]
    list_filter = ["status", "model_version"]
    search_fields = ["=record_l__external_id", "=record_r__external_id", "=id", "note"]
    list_select_related = ["record_l__source", "record_r__source", "decided_by"]
    raw_id_fields = ["record_l", "record_r", "run", "decided_by"]
    show_full_result_count = False


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnly, ScopedHistoryAdmin):
    scope_field = "survivor"
    customer_field = "survivor"
    list_display = ["id", "absorbed", "survivor", "status", "reason", "merged_by", "merged_at", "undone_at"]
    list_filter = ["status"]
    search_fields = ["=survivor__id", "=absorbed__id", "reason", "undo_reason"]
    list_select_related = ["absorbed", "survivor", "merged_by"]
    exclude = ["snapshot", "changes"]  # restore data for unmerge; shown on the merge screen
    raw_id_fields = ["survivor", "absorbed", "pair", "merged_by", "undone_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Both customers must be visible (as on the merge screen).
        from tsunagu.customers.models import Customer

        visible = Customer.objects.visible_to(request.user)
        return super().get_queryset(request).filter(absorbed__in=visible)

    def _log_read(self, request: HttpRequest, pks: list[Any], screen: str) -> None:
        super()._log_read(request, pks, screen)
        if pks:
            absorbed = sorted(set(CustomerMerge.objects.filter(pk__in=pks).values_list("absorbed_id", flat=True)))
            log_access(
                user=request.user,  # type: ignore[arg-type]
                customer_ids=absorbed,
                purpose=AccessPurpose.ADMIN,
                screen=f"管理画面:顧客の統合{screen}",
            )


@admin.register(CustomerRelation)
class CustomerRelationAdmin(ReadOnly, ScopedHistoryAdmin):
    """Registered on the related-candidate screen (services.related); shown here read-only."""

    scope_field = "person"
    customer_field = "person"
    list_display = ["id", "person", "corporation", "role", "created_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["=person__id", "=corporation__id", "note"]
    list_select_related = ["person", "corporation", "created_by"]
    raw_id_fields = ["person", "corporation", "pair", "created_by"]

    def _log_read(self, request: HttpRequest, pks: list[Any], screen: str) -> None:
        super()._log_read(request, pks, screen)
        if pks:
            corporations = sorted(
                set(CustomerRelation.objects.filter(pk__in=pks).values_list("corporation_id", flat=True))
            )
            log_access(
                user=request.user,  # type: ignore[arg-type]
                customer_ids=corporations,
                purpose=AccessPurpose.ADMIN,
                screen=f"管理画面:顧客の関連{screen}",
            )


@admin.register(FieldLineage)
class FieldLineageAdmin(ReadOnly, ScopedHistoryAdmin):
    scope_field = "customer"
    customer_field = "customer"
    list_display = ["customer", "field", "source_record", "rule", "verified", "updated_at"]
    list_filter = ["field", "rule", "verified"]
    search_fields = ["=customer__id", "=source_record__external_id"]
    list_select_related = ["customer", "source_record__source"]
    raw_id_fields = ["customer", "source_record"]
    show_full_result_count = False
