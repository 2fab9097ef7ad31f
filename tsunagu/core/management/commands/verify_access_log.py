import sys
from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.core.access_log import verify_chain


class Command(BaseCommand):
    help = "アクセスログのハッシュチェーンを再計算し、最初の破損行を報告します。"

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(f"OK: アクセスログ {checked:,} 行のハッシュチェーンは正常です。")
            return
        self.stderr.write(f"NG: アクセスログの行 {broken.id} でチェーンが壊れています: {broken.reason}")
        self.stderr.write(f"(それより前の {checked:,} 行は正常です)")
        sys.exit(1)
