"""The monitoring rules' index on the access log (docs/compliance.md, "Speed").

Every rule reads the log grouped by user and day for one or a few purposes over a period: with
(purpose, at, user_id, customer_id) each rule reads only its purposes' rows of the period, from the
index alone (an index-only scan on PostgreSQL, a covering index on SQLite), never the wide log rows
(hashes, detail). The log is core's; the index serves compliance only, so it is created here.
"""

from django.db import migrations

INDEX = "core_accesslog_monitoring"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_compliance_staff_fields_and_access_log_indexes"),
        ("compliance", "0006_retention"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_accesslog (purpose, at, user_id, customer_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
