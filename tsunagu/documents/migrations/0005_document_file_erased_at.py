# When retention deleted a document's file (保存期間満了). Documents erased before this migration get
# the date of the history row the retention run left (a "~" row with its reason and an empty key).

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

RETENTION_REASON = "保存期間満了による匿名化"  # compliance.retention_steps.REASON


def backfill(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    HistoricalDocument = apps.get_model("documents", "HistoricalDocument")
    erased = (
        HistoricalDocument.objects.filter(
            id=OuterRef("pk"), history_type="~", history_change_reason=RETENTION_REASON, storage_key=""
        )
        .order_by("history_date")
        .values("history_date")[:1]
    )
    Document.objects.filter(storage_key="", file_erased_at__isnull=True).update(file_erased_at=Subquery(erased))


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_downloadlink_public_id_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="file_erased_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ファイル削除日時(保存期間満了)"),
        ),
        migrations.AddField(
            model_name="historicaldocument",
            name="file_erased_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ファイル削除日時(保存期間満了)"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
