"""`manage.py apply_scheduled_changes [--date YYYY-MM-DD]`: completed 異動 whose 異動日 has come are applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.cases.services import changes_apply_due
from tsunagu.core.context import request_context
from tsunagu.core.services import system_user


class Command(BaseCommand):
    help = "異動日が到来した反映予定の異動(住所・氏名・払込方法)を反映します(毎日実行。冪等)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="基準日 YYYY-MM-DD(省略時は今日)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(
                f"--date には YYYY-MM-DD 形式の日付を指定してください(指定: {options['date']!r})。"
            ) from error
        with request_context(screen="コマンド:apply_scheduled_changes"):
            applied = changes_apply_due(actor=system_user(), today=on)
        self.stdout.write(f"{on:%Y/%m/%d} 時点で異動日が到来した異動 {len(applied)} 件を反映しました。")
