"""Monthly batch of 契約内容のお知らせ for long-term policies.

    manage.py contract_notices --month 2026-05 [--issue-date 2026-04-20] [--actor USER] [--chunk-size 500]

Re-running (also after a crash) issues only the notices still missing: never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tsunagu.core.context import request_context
from tsunagu.core.models import User
from tsunagu.core.services import system_user
from tsunagu.documents.notices import month_start, run_contract_notices


class Command(BaseCommand):
    help = "指定月に応当日を迎える長期契約の「契約内容のお知らせ」を作成します(PDF・代理店別送付リスト・例外レポート)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--month", required=True, help="応当月 YYYY-MM(例: 2026-05)")
        parser.add_argument("--issue-date", default=None, help="発行日 YYYY-MM-DD(省略時は本日)")
        parser.add_argument("--actor", default=None, help="実行者のユーザー名(省略時はシステムユーザー)")
        parser.add_argument("--chunk-size", type=int, default=500, help="1印刷ファイルあたりの契約数")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = month_start(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        issue_date = dt.date.today()
        if options["issue_date"]:
            try:
                issue_date = dt.date.fromisoformat(options["issue_date"])
            except ValueError as exc:
                raise CommandError(
                    f"発行日はYYYY-MM-DDで指定してください(指定値: 「{options['issue_date']}」)。"
                ) from exc
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size は1以上で指定してください。")
        actor = _actor(options["actor"])
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(file=sys.stderr), transient=False) as bar:
            task = bar.add_task(f"{month:%Y-%m} 契約内容のお知らせ", total=None)

            def progress(advance: int, total: int) -> None:
                bar.update(task, total=total, advance=advance)

            with request_context(screen="manage.py contract_notices"):
                batch = run_contract_notices(
                    actor=actor,
                    month=month,
                    issue_date=issue_date,
                    chunk_size=options["chunk_size"],
                    progress=progress,
                )
        self.stdout.write(
            f"{month:%Y-%m}: 作成 {batch.documents_issued:,}件、例外 {batch.skipped:,}件(バッチ #{batch.pk})"
        )
        if batch.exceptions_key:
            self.stdout.write(f"例外レポート: {batch.exceptions_key}")


def _actor(username: str | None) -> User:
    if not username:
        return system_user()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"ユーザー「{username}」が見つかりません。")
    return user
