import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tsunagu.core.access_log_verify import verify_log


class Command(BaseCommand):
    help = (
        "アクセスログの全チェーンの署名(HMAC)・連続性・先頭記録を検証し、データベース外の署名付き"
        "チェックポイントと照合します。削除・書き換え・空にされた範囲を表示し、異常があれば終了コード 1。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-checkpoints", action="store_true", help="チェックポイントとの照合を省く(チェーンのみ検証)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_log(checkpoints=not options["no_checkpoints"])
        for warning in report.warnings:
            self.stderr.write(f"注意: {warning}")
        summary = (
            f"アクセスログ {report.rows:,} 行"
            f"(チェーン {report.chains} 本、チェックポイント {report.checkpoints:,} 件と照合)"
        )
        if report.ok:
            self.stdout.write(f"OK: {summary}は正常です。")
            return
        self.stderr.write(f"NG: {summary}に {len(report.findings)} 件の異常があります:")
        for finding in report.findings:
            self.stderr.write(f"- {finding.message}")
        sys.exit(1)
