"""Access-log ids come from the database (sequence / AUTOINCREMENT), so chains never collide;
(chain, seq) is unique. Separate from 0004 so the re-signing UPDATEs are committed before the
table is altered (PostgreSQL refuses ALTER TABLE with pending trigger events)."""

from django.db import migrations, models


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
        migrations.AddConstraint(
            model_name='accesslog',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='core_accesslog_chain_seq'),
        ),
    ]
