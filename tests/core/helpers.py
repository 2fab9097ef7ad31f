"""Helpers shared by the foundation's tests (core, customers, policies, interactions, contracts)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.db import connection

from tsunagu.core.models import AccessLog, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def years_ago(years: int, *, today: dt.date, days: int = 0) -> dt.date:
    """The date `years` years before `today` (28 Feb for a 29 Feb that does not exist), minus `days`."""
    try:
        date = today.replace(year=today.year - years)
    except ValueError:
        date = today.replace(year=today.year - years, day=28)
    return date - dt.timedelta(days=days)


def grant_admin_view(user: User, *models: type) -> User:
    """Make `user` a staff member who may view `models` in the admin (and nothing else)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for model in models:
        opts = model._meta
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}")
        )
    return User.objects.get(pk=user.pk)  # a fresh instance: no cached permissions


def access_rows(**filters) -> list[AccessLog]:
    return list(AccessLog.objects.filter(**filters).order_by("id"))


def execute_sql(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def error_messages(error) -> dict[str, list[str]]:
    """`ValidationError.message_dict`, or {"__all__": messages} for an error without fields."""
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def fill_book(actor: User, customer, *, agency) -> dict:
    """Give `customer` one row of every customer-related model (agency `agency`): the sample that
    scoping and admin tests look for. Returns the rows by model name."""
    from tests.conftest import make_customer, make_policy
    from tsunagu.customers.choices import NameChangeReason, Relation
    from tsunagu.customers.services import customer_change_name, relative_add
    from tsunagu.interactions.services import interaction_log
    from tsunagu.policies.choices import InsuredRelation, LineOfBusiness, ReportChannel
    from tsunagu.policies.services import claim_register, premium_payment_record

    family, family_kana = customer.name.split()[0], customer.name_kana.split()[0]
    spouse = make_customer(actor, name=f"{family} 次郎", name_kana=f"{family_kana} ジロウ")
    customer_change_name(
        actor=actor,
        customer=customer,
        name=customer.name,
        name_kana=customer.name_kana,
        reason=NameChangeReason.CORRECTION,
        changed_on=dt.date(2025, 1, 1),
    )
    relative = relative_add(
        actor=actor,
        customer=customer,
        name=f"{family} 一郎",
        relation=Relation.CHILD,
        phone="090-0000-1111",
        consent_date=dt.date(2026, 1, 1),
    )
    auto = make_policy(
        actor,
        customer,
        agency=agency,
        vehicle={"model_name": "プリウス ZVW50", "registration_number": "品川 300 あ 12-34", "nonfleet_grade": 15},
    )
    fire = make_policy(
        actor,
        customer,
        agency=agency,
        line=LineOfBusiness.FIRE,
        building={"location": "東京都千代田区千代田1-1", "postal_code": "〒100-0001", "structure_class": "T"},
        insured=[(spouse, InsuredRelation.SPOUSE)],
    )
    payment = premium_payment_record(
        actor=actor,
        policy=auto,
        paid_on=dt.date(2026, 4, 1),
        amount=60000,
        period_from=dt.date(2026, 4, 1),
        period_to=dt.date(2027, 3, 31),
    )
    claim = claim_register(
        actor=actor,
        policy=auto,
        number=f"C-{auto.number}",
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都港区",
        accident_type="追突",
        reported_on=dt.date(2026, 5, 2),
        reported_via=ReportChannel.CALL_CENTER,
    )
    interaction = interaction_log(
        actor=actor, customer=customer, channel="phone", subject="事故の連絡", policy=auto, claim=claim
    )
    return {
        "customer": customer,
        "spouse": spouse,
        "address": customer.addresses.first(),
        "phone": customer.phones.first(),
        "email": customer.emails.first(),
        "relative": relative,
        "former_name": customer.former_names.first(),
        "agency_link": customer.agency_links.first(),
        "policy": auto,
        "fire_policy": fire,
        "coverage": auto.coverages.first(),
        "insured_person": fire.insured_persons.first(),
        "vehicle": auto.vehicle,
        "building": fire.building,
        "premium_payment": payment,
        "claim": claim,
        "interaction": interaction,
    }
