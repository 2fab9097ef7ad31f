"""`manage.py access_alerts --from YYYY-MM-DD --to YYYY-MM-DD [--json]`: run the monitoring rules
over those days (creating alerts as the scheduled run would; idempotent per period) and list every
alert the rules found in the period. Without dates: the scheduled run (the log since the last one)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.compliance.services import describe, rules_run
from tsunagu.core.context import request_context
from tsunagu.core.services import system_user


def _date(raw: str, flag: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{flag} には YYYY-MM-DD 形式の日付を指定してください(指定: {raw!r})。") from None


class Command(BaseCommand):
    help = "アクセスログに監視ルールを適用し、アラートを作成・一覧表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", default="", help="開始日 YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", default="", help="終了日 YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["date_from"], "--from"), _date(options["date_to"], "--to")
        if (start is None) != (end is None):
            raise CommandError("--from と --to は両方指定してください(省略すると前回の続きから実行します)。")
        with request_context(screen="コマンド:access_alerts"):
            try:
                result = rules_run(actor=system_user(), date_from=start, date_to=end)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        alerts = [describe(a) | {"new": a in result.created} for a in result.alerts]
        if options["json"]:
            self.stdout.write(json.dumps(alerts, ensure_ascii=False, indent=2))
            return
        run = result.run
        self.stdout.write(
            f"監視ルールを実行しました({run.period_start:%Y/%m/%d}〜、ログ {run.total:,}行): "
            f"アラート {len(alerts)}件(うち新規 {len(result.created)}件)"
        )
        for a in alerts:
            self.stdout.write(f"  {a['day']} {a['user']} {a['rule_label']} 顧客{a['customers']}人 スコア{a['score']}")
