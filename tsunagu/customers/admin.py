from django.contrib import admin

from tsunagu.core.admin import ScopedHistoryAdmin

from .models import Address, Customer, CustomerAgency, Email, FormerName, Phone, Relative


class AddressInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Address
    extra = 0


class PhoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Phone
    extra = 0


class EmailInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Email
    extra = 0


class RelativeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Relative
    extra = 0


class FormerNameInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FormerName
    extra = 0


class AgencyLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CustomerAgency
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Customer)
class CustomerAdmin(ScopedHistoryAdmin):
    customer_field = ""
    list_display = ["id", "name", "name_kana", "kind", "birth_date", "updated_at"]
    list_filter = ["kind", "gender", "dm_consent"]
    search_fields = ["name_key", "kana_key", "=id"]
    show_full_result_count = False
    inlines = [AddressInline, PhoneInline, EmailInline, RelativeInline, FormerNameInline, AgencyLinkInline]


@admin.register(Address, Phone, Email, Relative, FormerName)
class ContactPointAdmin(ScopedHistoryAdmin):
    scope_field = "customer"
    customer_field = "customer"
    raw_id_fields = ["customer"]
    show_full_result_count = False


@admin.register(CustomerAgency)
class CustomerAgencyAdmin(ScopedHistoryAdmin):
    scope_field = "customer"
    customer_field = "customer"
    list_display = ["customer", "agency", "since"]
    raw_id_fields = ["customer"]
    autocomplete_fields = ["agency"]
