"""Admin: the practice rule is configured here; the records are read-only (they change through the
services, which keep completeness and audit events)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import ElderlyMeasure, ElderlySolicitation, IntentRecord, PracticeRule, RenewalProgress


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PracticeRule)
class PracticeRuleAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """Per-agency rules (the row without an agency is the company default)."""

    list_display = ["agency", "elderly_basic_age", "elderly_enhanced_age", "early_renewal_days", "roleplay_pass"]
    raw_id_fields = ["agency"]


@admin.register(IntentRecord)
class IntentRecordAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "policy__policyholder"
    list_display = ["policy", "agency", "kind", "line", "chose_recommended", "complete"]
    list_filter = ["kind", "complete", "chose_recommended"]
    raw_id_fields = ["policy", "agency", "recorded_by", "double_checked_by"]
    show_full_result_count = False


@admin.register(ElderlySolicitation)
class ElderlySolicitationAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "customer"
    list_display = ["policy", "customer", "agency", "solicited_on", "age", "tier", "complete"]
    list_filter = ["tier", "complete"]
    raw_id_fields = ["policy", "customer", "agency", "recorded_by"]


@admin.register(ElderlyMeasure)
class ElderlyMeasureAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "solicitation__customer"
    list_display = ["solicitation", "kind", "done_on", "done_by"]
    raw_id_fields = ["solicitation", "done_by", "relative", "second_agent"]


@admin.register(RenewalProgress)
class RenewalProgressAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    customer_field = "policy__policyholder"
    list_display = ["policy", "agency", "agent", "expiry", "outcome"]
    list_filter = ["outcome"]
    raw_id_fields = ["policy", "agency", "agent", "renewal_policy"]
    show_full_result_count = False
