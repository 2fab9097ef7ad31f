"""The base of the daily scheduled commands (`--date YYYY-MM-DD`, default today, run as `system`).

Each command says what it does for one date in `run`; parsing the date, the Japanese error for a bad
one and the request context the audit trail and access log read are here once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from .context import request_context
from .models import User
from .services import system_user


class DailyCommand(BaseCommand):
    date_help = "基準日 YYYY-MM-DD(省略時は今日)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help=self.date_help)

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options["date"]
        try:
            on = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date には YYYY-MM-DD 形式の日付を指定してください(指定: {raw!r})。") from error
        name = type(self).__module__.rsplit(".", 1)[-1]
        with request_context(screen=f"コマンド:{name}"):
            self.stdout.write(self.run(actor=system_user(), on=on))

    def run(self, *, actor: User, on: dt.date) -> str:
        """Do the day's work for `on`; return the line to print."""
        raise NotImplementedError  # abstract: every daily command defines it
