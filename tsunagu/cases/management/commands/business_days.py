"""`manage.py business_days --from 2026-04-28 --add 3`: the date N business days later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.calendar import CalendarError


class Command(BaseCommand):
    help = "指定日から N 営業日後の日付を表示します(指定日は数えません。土日・祝日・年末年始休業を除く)。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="起算日 YYYY-MM-DD")
        parser.add_argument("--add", dest="days", required=True, help="営業日数(0以上の整数)")
        parser.add_argument("--explain", action="store_true", help="途中の休業日とその理由も表示する")

    def handle(self, *args: Any, **options: Any) -> None:
        text = str(options["start"]).strip()
        try:
            start = dt.date.fromisoformat(text)
            if len(text) != 10:
                raise ValueError(text)
        except ValueError as error:
            raise CommandError(f"--from には YYYY-MM-DD 形式の日付を指定してください(指定: {text!r})。") from error
        raw_days = str(options["days"]).strip()
        try:
            days = int(raw_days)
        except ValueError as error:
            raise CommandError(f"--add には0以上の整数を指定してください(指定: {raw_days!r})。") from error
        if days < 0:
            raise CommandError(f"--add には0以上の整数を指定してください(指定: {days})。")
        calendar = current_calendar()
        try:
            result = calendar.add_business_days(start, days)
        except CalendarError as error:
            raise CommandError(str(error)) from error
        if options["explain"]:
            day = start
            while day < result:
                day += dt.timedelta(days=1)
                reason = calendar.closed_reason(day)
                if reason and reason not in ("土曜日", "日曜日"):
                    self.stderr.write(f"{day.isoformat()} 休業: {reason}")
        self.stdout.write(result.isoformat())
