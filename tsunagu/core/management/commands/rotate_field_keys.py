from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.core import crypto
from tsunagu.core.field_keys import encrypted_tables, key_ids_in_use, reencrypt_table


class Command(BaseCommand):
    help = (
        "機微情報(暗号化された項目とその履歴)をすべて現在の鍵(TSUNAGU_FIELD_KEYS の先頭)で暗号化し直します。"
        "古い鍵は2番目以降に残したまま実行し、完了してから外してください(docs/deployment.md)。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="変更せず、鍵IDごとの件数だけを表示します。")
        parser.add_argument("--chunk", type=int, default=2_000, help="1回の更新で扱う行数(既定 2000)。")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            current = crypto.current_key()
        except crypto.FieldKeyError as error:
            raise CommandError(str(error)) from None
        if options["chunk"] < 1:
            raise CommandError("--chunk には 1 以上の整数を指定してください。")
        self.stdout.write(f"現在の鍵ID: {current.id}")
        if options["check"]:
            pending = 0
            for table, _pk, columns in encrypted_tables():
                counts = key_ids_in_use(table, columns)
                shown = "、".join(f"{k}: {n:,}件" for k, n in sorted(counts.items())) or "値なし"
                self.stdout.write(f"{table}: {shown}")
                pending += sum(n for k, n in counts.items() if k != current.id)
            if pending:
                raise CommandError(f"現在の鍵で暗号化されていない値が {pending:,} 件あります。")
            self.stdout.write("すべての値が現在の鍵で暗号化されています。")
            return
        total = 0
        failed: list[str] = []
        for table, pk, columns in encrypted_tables():
            result = reencrypt_table(table, pk, columns, chunk=options["chunk"])
            total += result.updated
            self.stdout.write(f"{table}: {result.updated:,} 行を暗号化し直しました(失敗 {len(result.failed):,} 行)。")
            failed += [f"{table} の {key}: {reason}" for key, reason in result.failed]
        self.stdout.write(f"合計 {total:,} 行を鍵ID {current.id} で暗号化し直しました。")
        if failed:
            for line in failed[:20]:
                self.stderr.write(line)
            raise CommandError(
                f"{len(failed):,} 行を復号できなかったため、そのままにしました(上の一覧)。"
                "その行の鍵を TSUNAGU_FIELD_KEYS に加えてから、もう一度実行してください。"
            )
