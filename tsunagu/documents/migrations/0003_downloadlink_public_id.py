# Download links get a random public id for their tokens (issue 10: ids must not be sequential).
# Existing rows get one each here; 0004 then makes the column unique and required (a separate
# migration, so PostgreSQL does not alter a table with pending deferred-constraint events).
# Tokens issued before this migration carried the primary key and are refused from now on.

import secrets

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    DownloadLink = apps.get_model("documents", "DownloadLink")
    HistoricalDownloadLink = apps.get_model("documents", "HistoricalDownloadLink")
    for link in DownloadLink.objects.filter(public_id__isnull=True).only("pk").iterator():
        public_id = secrets.token_urlsafe(16)
        DownloadLink.objects.filter(pk=link.pk).update(public_id=public_id)
        HistoricalDownloadLink.objects.filter(id=link.pk).update(public_id=public_id)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_contractnoticereply_downloadlink_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="downloadlink",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="公開ID"),
        ),
        migrations.AddField(
            model_name="historicaldownloadlink",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="公開ID"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
    ]
