# Second step of 0003: the filled public id becomes unique and required, with a random default.

from django.db import migrations, models

import tsunagu.documents.models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_downloadlink_public_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="downloadlink",
            name="public_id",
            field=models.CharField(
                default=tsunagu.documents.models.new_link_public_id,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="公開ID",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldownloadlink",
            name="public_id",
            field=models.CharField(
                db_index=True,
                default=tsunagu.documents.models.new_link_public_id,
                editable=False,
                max_length=32,
                verbose_name="公開ID",
            ),
        ),
    ]
