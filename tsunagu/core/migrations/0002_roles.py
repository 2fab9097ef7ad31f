from django.db import migrations

ROLES = [
    "operator",
    "agency_staff",
    "claims_handler",
    "complaints_officer",
    "data_steward",
    "analyst",
    "compliance_auditor",
    "admin",
]


def create_role_groups(apps, schema_editor):  # type: ignore[no-untyped-def]
    group = apps.get_model("auth", "Group")
    for name in ROLES:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
