"""Access log: keyed (HMAC) chains, several of them, each with its own head.

Existing rows were one plain-SHA-256 chain. They are verified here with the old algorithm and, if
intact, re-signed as chain 0 (seq = their old id) with the key configured now
(TSUNAGU_ACCESS_LOG_KEY, or the DEBUG development key). A broken old chain stops the migration:
re-signing it would launder the tampering, so it must be investigated first (docs/access-log.md).
"""

import hashlib
import json

from django.db import migrations, models

GENESIS = "0" * 64


def _legacy_hash(prev_hash, row):
    row_id, at, user_id, username, customer_id, purpose, screen, detail, address = row[:9]
    import datetime as dt

    payload = json.dumps(
        [
            prev_hash,
            row_id,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            user_id,
            username,
            customer_id,
            purpose,
            screen,
            detail,
            address,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def resign(apps, schema_editor):
    from tsunagu.core.access_log import common_part, current_key, row_hash

    AccessLog = apps.get_model("core", "AccessLog")
    AccessLogHead = apps.get_model("core", "AccessLogHead")
    connection = schema_editor.connection
    rows = AccessLog.objects.order_by("id").values_list(
        "id", "at", "user_id", "username", "customer_id", "purpose", "screen", "detail", "client_address",
        "prev_hash", "hash",
    )
    key = current_key()
    old_prev, new_prev, updates = GENESIS, GENESIS, []
    expected = 1
    for row in rows.iterator(chunk_size=5000):
        row_id, at, user_id, username, customer_id, purpose, screen, detail, address, prev_hash, digest = row
        if row_id != expected or prev_hash != old_prev or _legacy_hash(old_prev, row) != digest:
            raise RuntimeError(
                f"既存のアクセスログ(行 {expected} 付近)が旧方式の検証に失敗しました。改ざんの可能性があるため"
                "新しい鍵で署名し直せません。移行前のコードで `manage.py verify_access_log` を実行し、調査してください。"
            )
        common = common_part(
            key_id=key.id, at=at, user_id=user_id, username=username, purpose=purpose, screen=screen,
            detail=detail, client_address=address,
        )
        new_hash = row_hash(key, chain=0, seq=row_id, prev_hash=new_prev, customer_id=customer_id, common=common)
        updates.append((row_id, key.id, new_prev, new_hash, row_id))
        old_prev, new_prev, expected = digest, new_hash, expected + 1
    head = AccessLogHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq, head.last_hash) != (expected - 1, old_prev):
        raise RuntimeError(
            f"既存のアクセスログの末尾(記録上の最終行 {head.last_seq}、実際 {expected - 1})が一致しません。"
            "末尾の行が削除された可能性があるため、移行前に調査してください。"
        )
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(updates), 1000):
            cursor.executemany(
                f"UPDATE {table} SET chain = 0, seq = %s, key_id = %s, prev_hash = %s, hash = %s WHERE id = %s",
                updates[start : start + 1000],
            )
    AccessLogHead.objects.all().delete()
    if updates:
        AccessLogHead.objects.create(id=0, last_seq=len(updates), last_hash=new_prev)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_api_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslog',
            name='chain',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='チェーン'),
        ),
        migrations.AddField(
            model_name='accesslog',
            name='seq',
            field=models.BigIntegerField(default=0, verbose_name='チェーン内番号'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='accesslog',
            name='key_id',
            field=models.CharField(default='', max_length=16, verbose_name='鍵ID'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='hash',
            field=models.CharField(max_length=64),
        ),
        migrations.RenameField(
            model_name='accessloghead',
            old_name='last_id',
            new_name='last_seq',
        ),
        migrations.AlterField(
            model_name='accessloghead',
            name='id',
            field=models.PositiveSmallIntegerField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(resign, migrations.RunPython.noop),
    ]
