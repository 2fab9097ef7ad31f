"""`manage.py apply_cancellations [--date YYYY-MM-DD]`: policies whose 解約日 has come become 解約."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.core.context import request_context
from tsunagu.core.services import system_user
from tsunagu.policies.services import policies_apply_due_cancellations


class Command(BaseCommand):
    help = "解約日が到来した契約の状態を「解約」にします(毎日実行。同じ日に何度実行しても結果は同じです)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="基準日 YYYY-MM-DD(省略時は今日)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(
                f"--date には YYYY-MM-DD 形式の日付を指定してください(指定: {options['date']!r})。"
            ) from error
        with request_context(screen="コマンド:apply_cancellations"):
            applied = policies_apply_due_cancellations(actor=system_user(), today=on)
        self.stdout.write(f"{on:%Y/%m/%d} 時点で解約日が到来した契約 {len(applied)} 件を「解約」にしました。")
