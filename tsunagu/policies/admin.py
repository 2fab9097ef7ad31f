from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import Building, Claim, Coverage, InsuredPerson, Policy, PremiumPayment, Product, Vehicle


class CoverageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Coverage
    extra = 0


class InsuredInline(admin.TabularInline):  # type: ignore[type-arg]
    model = InsuredPerson
    extra = 0
    raw_id_fields = ["customer"]


class VehicleInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Vehicle
    extra = 0


class BuildingInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Building
    extra = 0


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "line", "refund_method"]
    list_filter = ["line", "refund_method"]
    search_fields = ["code", "name"]


@admin.register(Policy)
class PolicyAdmin(ScopedHistoryAdmin):
    customer_field = "policyholder"
    list_display = ["number", "line", "status", "inception", "expiry", "cancellation_date", "annual_premium", "agency"]
    list_filter = ["line", "status", "payment_method", "sales_channel"]
    search_fields = ["=number"]
    raw_id_fields = ["policyholder", "previous_policy"]
    autocomplete_fields = ["agency", "agent"]
    show_full_result_count = False
    inlines = [CoverageInline, InsuredInline, VehicleInline, BuildingInline]


class PolicyPartAdmin(ScopedHistoryAdmin):
    """What a policy covers and what was paid on it: visible with the policy."""

    scope_field = "policy"
    customer_field = "policy__policyholder"
    raw_id_fields = ["policy"]
    show_full_result_count = False


@admin.register(Coverage)
class CoverageAdmin(PolicyPartAdmin):
    list_display = ["policy", "name", "sum_insured", "premium", "is_earthquake"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(PolicyPartAdmin):
    customer_field = "customer"
    list_display = ["policy", "customer", "relation"]
    raw_id_fields = ["policy", "customer"]


@admin.register(Vehicle)
class VehicleAdmin(PolicyPartAdmin):
    list_display = ["policy", "model_name", "registration_number", "nonfleet_grade"]


@admin.register(Building)
class BuildingAdmin(PolicyPartAdmin):
    list_display = ["policy", "location", "structure_class", "use"]


@admin.register(PremiumPayment)
class PremiumPaymentAdmin(PolicyPartAdmin):
    list_display = ["policy", "paid_on", "amount", "earthquake_portion"]


@admin.register(Claim)
class ClaimAdmin(ScopedHistoryAdmin):
    customer_field = "policy__policyholder"
    list_display = ["number", "policy", "accident_date", "accident_type", "status", "reported_via"]
    list_filter = ["status", "reported_via"]
    search_fields = ["=number"]
    raw_id_fields = ["policy", "handler"]
    show_full_result_count = False
