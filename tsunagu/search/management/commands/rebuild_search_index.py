"""manage.py rebuild_search_index — recreate the customer search index from the data (bulk path)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tsunagu.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "顧客検索の索引を全件作り直します(一括投入の後や、索引の不整合が疑われるときに実行)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=5000, help="一度に読み込む顧客数(既定 5000)")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        console = Console(file=sys.stderr)
        columns = (
            TextColumn("検索索引"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("残り"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=verbosity == 0, transient=False) as progress:
            task = progress.add_task("rebuild", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = search_index_rebuild(chunk_size=options["chunk_size"], progress=report)
        if verbosity:
            size = f"{result.size_bytes / 1024 / 1024:.1f} MiB" if result.size_bytes is not None else "不明"
            self.stdout.write(
                f"検索索引を作り直しました: 顧客 {result.customers:,} 件、{result.seconds:.1f} 秒、索引サイズ {size}"
            )
