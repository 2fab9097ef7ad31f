"""Access-log ids come from the database (sequence / AUTOINCREMENT), so chains never collide;
(chain, seq) is unique. Separate from 0004 so the re-signing UPDATEs are committed before the
table is altered (PostgreSQL refuses ALTER TABLE with pending trigger events)."""

from django.db import migrations, models


def continue_ids_after_existing_rows(apps, schema_editor):
    # PostgreSQL: the identity Django adds starts at 1 even when rows exist; SQLite's AUTOINCREMENT
    # already continues after the largest id.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "SELECT setval(pg_get_serial_sequence('core_accesslog', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
        "FROM core_accesslog"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_access_log_keyed_chains'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslog',
            name='id',
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(continue_ids_after_existing_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='accesslog',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='core_accesslog_chain_seq'),
        ),
    ]
