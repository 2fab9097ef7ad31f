"""Column order of the tuples the demo generator produces, one spec per table it fills."""

from __future__ import annotations

from functools import cache

from tsunagu.customers.models import Address, Customer, CustomerAgency, Email, FormerName, Phone, Relative
from tsunagu.interactions.models import Interaction
from tsunagu.policies.models import Building, Claim, Coverage, InsuredPerson, Policy, PremiumPayment, Vehicle

from .writer import TableSpec

CUSTOMER = (
    "id", "kind", "name", "family_name", "given_name", "name_kana", "kana_source", "birth_date", "gender",
    "corporate_number", "contact_consent", "dm_consent", "preferred_channel", "note", "name_key", "kana_key",
    "created_at", "updated_at",
)  # fmt: skip
CUSTOMER_AGENCY = ("customer_id", "agency_id", "since")
ADDRESS = ("customer_id", "is_primary", "kind", "postal_code", "prefecture", "city", "street", "building")
PHONE = ("customer_id", "is_primary", "kind", "number", "digits")
EMAIL = ("customer_id", "is_primary", "kind", "address", "key")
RELATIVE = ("customer_id", "name", "name_kana", "relation", "phone", "consent_date")
FORMER_NAME = ("customer_id", "name", "name_kana", "reason", "changed_on", "recorded_at")
POLICY = (
    "id", "number", "line", "product_id", "status", "contract_date", "inception", "expiry", "term_years",
    "annual_premium", "payment_method", "payment_frequency", "policyholder_id", "agency_id", "agent_id",
    "sales_channel", "face_to_face", "previous_policy_id", "has_maturity_refund", "last_changed_on",
    "created_at", "updated_at",
)  # fmt: skip
INSURED_PERSON = ("policy_id", "customer_id", "relation")
COVERAGE = ("policy_id", "name", "sum_insured", "premium", "is_earthquake")
VEHICLE = ("policy_id", "model_name", "registration_number", "nonfleet_grade", "accident_coefficient_years")
BUILDING = ("policy_id", "location", "postal_code", "structure_class", "use", "insured_object")
PAYMENT = ("policy_id", "paid_on", "amount", "earthquake_portion", "period_from", "period_to")
CLAIM = (
    "id", "number", "policy_id", "accident_date", "accident_place", "accident_type", "reported_on", "reported_via",
    "status", "handler_id", "amount_paid", "closed_on",
)  # fmt: skip
INTERACTION = (
    "id", "customer_id", "channel", "direction", "occurred_at", "staff_id", "subject", "notes", "policy_id",
    "claim_id", "corrects_id", "created_at",
)  # fmt: skip


@cache
def specs() -> dict[str, TableSpec]:
    """Specs in insert order (parents first). Built lazily: they read model metadata."""
    return {
        "customers": TableSpec(Customer, CUSTOMER, with_history=True),
        "customer_agencies": TableSpec(CustomerAgency, CUSTOMER_AGENCY),
        "addresses": TableSpec(Address, ADDRESS),
        "phones": TableSpec(Phone, PHONE),
        "emails": TableSpec(Email, EMAIL),
        "relatives": TableSpec(Relative, RELATIVE),
        "former_names": TableSpec(FormerName, FORMER_NAME),
        "policies": TableSpec(Policy, POLICY, with_history=True),
        "insured_persons": TableSpec(InsuredPerson, INSURED_PERSON),
        "coverages": TableSpec(Coverage, COVERAGE),
        "vehicles": TableSpec(Vehicle, VEHICLE),
        "buildings": TableSpec(Building, BUILDING),
        "payments": TableSpec(PremiumPayment, PAYMENT),
        "claims": TableSpec(Claim, CLAIM),
        "interactions": TableSpec(Interaction, INTERACTION),
    }


# Tables whose ids the generator assigns itself (their children point at them within a chunk).
EXPLICIT_ID_MODELS = (Customer, Policy, Claim, Interaction)
