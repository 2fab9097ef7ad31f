"""`manage.py import_records SOURCE FILE [--encoding cp932] [--profile 標準] [--no-match]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import Progress

from tsunagu.core.context import request_context
from tsunagu.identity.services.importing import records_import

from ._actor import command_actor


class Command(BaseCommand):
    help = "ソースシステムの顧客ファイル(CSV・XLSX)を取り込みます。同じファイルを2回取り込んでも変わりません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="ソースコード(登録済みのソースシステム)")
        parser.add_argument("file", help="取り込むファイル")
        parser.add_argument("--encoding", default="", help="文字コード(utf-8 / utf-8-sig / cp932)。省略時は自動判定")
        parser.add_argument("--profile", default="", help="列マッピング名(省略時は既定)")
        parser.add_argument("--user", default="", help="実行するデータスチュワードのユーザー名(省略時は system)")
        parser.add_argument("--no-match", action="store_true", help="取込後の照合(インクリメンタル)を行わない")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイル「{path}」が見つかりません。")
        actor = command_actor(options["user"])
        with request_context(screen="manage.py import_records"), Progress(transient=True) as progress:
            task = progress.add_task("取込", total=None)
            try:
                result = records_import(
                    actor=actor,
                    source_code=options["source"],
                    data=path.read_bytes(),
                    file_name=path.name,
                    encoding=options["encoding"],
                    profile_name=options["profile"],
                    match=not options["no_match"],
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            except ValidationError as exc:
                messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms]
                raise CommandError(" ".join(messages)) from None
        batch = result.batch
        self.stdout.write(
            f"取込 #{batch.pk}: 新規 {batch.created_count} 件・更新 {batch.updated_count} 件・"
            f"変更なし {batch.unchanged_count} 件・エラー {batch.invalid_count} 件({result.seconds:.1f} 秒)"
        )
        if result.matched:
            self.stdout.write(result.match_summary())
        for warning in result.warnings[:50]:
            self.stdout.write(f"注意: {warning}")
        for row in batch.staged_rows.order_by("row_number")[:50]:
            for error in row.errors:
                self.stdout.write(f"エラー {row.row_number}行目 {error['column']}: {error['message']}")
        if batch.invalid_count > 50:
            self.stdout.write("(エラーの続きは取込結果の画面からCSVでダウンロードできます)")
