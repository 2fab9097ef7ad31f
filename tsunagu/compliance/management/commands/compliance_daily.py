"""`manage.py compliance_daily [--date YYYY-MM-DD]`: the scheduled monitoring run (the access log
appended since the last run), the closing of access-right reviews past their deadline, and the
reminders of data-subject requests due soon or overdue (compliance.dsr_reminders)."""

from __future__ import annotations

import datetime as dt

from tsunagu.compliance.dsr_reminders import dsr_reminders_create
from tsunagu.compliance.services import close_overdue_reviews, rules_run
from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User


class Command(DailyCommand):
    help = (
        "アクセス監視ルールの定期実行、期限を過ぎたアクセス権レビューの締切、開示等の請求の期限リマインダーを行います。"
    )

    def run(self, *, actor: User, on: dt.date) -> str:
        result = rules_run(actor=actor)
        closed = close_overdue_reviews(actor=actor, on=on)
        reminded = dsr_reminders_create(actor=actor, on=on)
        return (
            f"アクセス監視: ログ {result.run.total:,}行、新しいアラート {len(result.created)}件。"
            f"締め切ったアクセス権レビュー {len(closed)}件。"
            f"開示等の請求のリマインダー: 期限間近 {reminded['due_soon']}件、期限超過 {reminded['overdue']}件。"
        )
