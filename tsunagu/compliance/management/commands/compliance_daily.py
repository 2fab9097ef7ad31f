"""`manage.py compliance_daily [--date YYYY-MM-DD]`: the scheduled monitoring run (the access log
appended since the last run) and the closing of access-right reviews past their deadline."""

from __future__ import annotations

import datetime as dt

from tsunagu.compliance.services import close_overdue_reviews, rules_run
from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User


class Command(DailyCommand):
    help = "アクセス監視ルールの定期実行と、期限を過ぎたアクセス権レビューの締切を行います。"

    def run(self, *, actor: User, on: dt.date) -> str:
        result = rules_run(actor=actor)
        closed = close_overdue_reviews(actor=actor, on=on)
        return (
            f"アクセス監視: ログ {result.run.total:,}行、新しいアラート {len(result.created)}件。"
            f"締め切ったアクセス権レビュー {len(closed)}件。"
        )
