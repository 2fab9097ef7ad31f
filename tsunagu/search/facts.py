"""Load what the index needs about customers, a few set-based queries per batch.

Keys are normalized here (not taken from the stored derived columns), so rows written by bulk
loaders that skip model.save() are indexed exactly like rows written by services.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from tsunagu.core import normalize
from tsunagu.customers.models import Address, Customer, Email, FormerName, Phone
from tsunagu.policies.models import Claim, InsuredPerson, Policy

from .documents import CustomerFacts


def _customer_filter(field: str, ids: Sequence[int] | None, id_range: tuple[int, int] | None) -> Q:
    if ids is not None:
        return Q(**{f"{field}__in": list(ids)})
    assert id_range is not None
    return Q(**{f"{field}__gte": id_range[0], f"{field}__lt": id_range[1]})


class _SkipMissing(dict[int, CustomerFacts]):
    """Facts by customer id; rows of customers left out (merged away) go to a throwaway entry."""

    def __missing__(self, key: int) -> CustomerFacts:
        return CustomerFacts(key, "", "", "", "", None)


def load_facts(
    *, ids: Sequence[int] | None = None, id_range: tuple[int, int] | None = None
) -> dict[int, CustomerFacts]:
    """Facts for the customers with these ids (or ids in [start, end)); missing ids are absent.

    Customers merged into another one (identity resolution) are absent too: they are not live
    customers, so they leave the index and come back only when the merge is undone.
    """
    facts = {
        cid: CustomerFacts(cid, name, kana, family or "", given or "", birth)
        for cid, name, kana, family, given, birth in Customer.objects.filter(_customer_filter("id", ids, id_range))
        .filter(merged_into__isnull=True)
        .order_by()
        .values_list("id", "name", "name_kana", "family_name", "given_name", "birth_date")
    }
    if not facts:
        return facts
    if ids is not None:
        ids = list(facts)  # merged-away customers' rows are not needed
    else:
        # An id range may hold merged-away customers: their rows are read and skipped.
        facts = _SkipMissing(facts)
    by_customer = _customer_filter("customer_id", ids, id_range)
    for cid, name, kana in (
        FormerName.objects.filter(by_customer).order_by().values_list("customer_id", "name", "name_kana")
    ):
        facts[cid].former_names.append((name, kana))
    for cid, number in Phone.objects.filter(by_customer).order_by().values_list("customer_id", "number"):
        facts[cid].phone_digits.append(normalize.phone_digits(number))
    for cid, address in Email.objects.filter(by_customer).order_by().values_list("customer_id", "address"):
        facts[cid].email_keys.append(normalize.email_key(address))
    for cid, postal in Address.objects.filter(by_customer).order_by().values_list("customer_id", "postal_code"):
        facts[cid].postal_codes.append(normalize.postal_code_digits(postal))
    holder = _customer_filter("policyholder_id", ids, id_range)
    for cid, number in Policy.objects.filter(holder).order_by().values_list("policyholder_id", "number"):
        facts[cid].policy_numbers.append(normalize.identifier_key(number))
    for cid, number in (
        InsuredPerson.objects.filter(by_customer).order_by().values_list("customer_id", "policy__number")
    ):
        facts[cid].policy_numbers.append(normalize.identifier_key(number))
    claim_holder = _customer_filter("policy__policyholder_id", ids, id_range)
    for cid, number in Claim.objects.filter(claim_holder).order_by().values_list("policy__policyholder_id", "number"):
        facts[cid].claim_numbers.append(normalize.identifier_key(number))
    return facts
