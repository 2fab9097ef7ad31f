from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.core.access_log_checkpoints import checkpoint_write


class Command(BaseCommand):
    help = (
        "アクセスログの各チェーンの最終行(番号とハッシュ)に署名し、データベース外のチェックポイント"
        "(既定: TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE)に追記します。cron などで毎分実行してください。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        record = checkpoint_write(reason="command")
        self.stdout.write(
            f"チェックポイントを書き込みました: {record['rows']:,} 行、チェーン {len(record['chains'])} 本"
            f"(鍵ID {record['key_id']})。"
        )
