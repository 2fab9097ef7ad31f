"""Customers absorbed by an active merge before `Customer.merged_into` existed get it set now."""

from typing import Any

from django.db import migrations


def backfill(apps: Any, schema_editor: Any) -> None:
    CustomerMerge = apps.get_model("identity", "CustomerMerge")
    Customer = apps.get_model("customers", "Customer")
    for absorbed_id, survivor_id in CustomerMerge.objects.filter(status="active").values_list(
        "absorbed_id", "survivor_id"
    ):
        Customer.objects.filter(pk=absorbed_id, merged_into__isnull=True).update(merged_into_id=survivor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        ("customers", "0002_customer_merged_into"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
