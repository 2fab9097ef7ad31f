"""機微情報 at rest: the sensitive fields become EncryptedTextField, and the rows (and their history
rows) written before are encrypted with the current key. Idempotent: values already under the
current key are skipped (tsunagu.core.field_keys). Backwards: decrypted to plain text again."""

from django.db import migrations

import tsunagu.core.fields

MODELS = ("AccidentReport", "HistoricalAccidentReport", "ComplaintDetail", "HistoricalComplaintDetail")


def _tables(apps):
    from tsunagu.core.fields import EncryptedTextField

    for name in MODELS:
        model = apps.get_model("cases", name)
        columns = tuple(f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField))
        yield model._meta.db_table, model._meta.pk.column, columns


def encrypt_rows(apps, schema_editor):
    from tsunagu.core.field_keys import reencrypt_table

    for table, pk, columns in _tables(apps):
        result = reencrypt_table(table, pk, columns)
        if result.failed:
            key, reason = result.failed[0]
            raise RuntimeError(f"{table} の {key} を暗号化できません: {reason}")


def decrypt_rows(apps, schema_editor):
    from tsunagu.core import crypto
    from tsunagu.core.field_keys import reencrypt_table

    for table, pk, columns in _tables(apps):
        result = reencrypt_table(table, pk, columns, transform=crypto.decrypt, key_id="")
        if result.failed:
            key, reason = result.failed[0]
            raise RuntimeError(f"{table} の {key} を復号できません: {reason}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_adr_path"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accidentreport",
            name="injuries",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="けが人の状況"),
        ),
        migrations.AlterField(
            model_name="complaintdetail",
            name="adr_outcome",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="ADRの結果の詳細"),
        ),
        migrations.AlterField(
            model_name="complaintdetail",
            name="adr_reference",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, max_length=50, verbose_name="ADR受付番号"),
        ),
        migrations.AlterField(
            model_name="complaintdetail",
            name="fact_finding",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="事実確認メモ(機微)"),
        ),
        migrations.AlterField(
            model_name="historicalaccidentreport",
            name="injuries",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="けが人の状況"),
        ),
        migrations.AlterField(
            model_name="historicalcomplaintdetail",
            name="adr_outcome",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="ADRの結果の詳細"),
        ),
        migrations.AlterField(
            model_name="historicalcomplaintdetail",
            name="adr_reference",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, max_length=50, verbose_name="ADR受付番号"),
        ),
        migrations.AlterField(
            model_name="historicalcomplaintdetail",
            name="fact_finding",
            field=tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="事実確認メモ(機微)"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
