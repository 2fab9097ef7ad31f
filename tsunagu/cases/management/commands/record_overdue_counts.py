"""`manage.py record_overdue_counts [--date YYYY-MM-DD]`: the daily 対応漏れ count for the KPI history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.cases.services import overdue_snapshot_record
from tsunagu.core.context import request_context
from tsunagu.core.services import system_user


class Command(BaseCommand):
    help = "期限超過の案件・タスクの件数を部署・代理店・担当者別に記録します(毎日実行)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="集計日 YYYY-MM-DD(省略時は今日)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(
                f"--date には YYYY-MM-DD 形式の日付を指定してください(指定: {options['date']!r})。"
            ) from error
        with request_context(screen="コマンド:record_overdue_counts"):
            rows = overdue_snapshot_record(actor=system_user(), on=on)
        self.stdout.write(f"{on.isoformat()} の対応漏れ件数を {rows} 行記録しました。")
