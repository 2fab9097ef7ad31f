"""`manage.py record_overdue_counts [--date YYYY-MM-DD]`: the daily 対応漏れ count for the KPI history."""

from __future__ import annotations

import datetime as dt

from tsunagu.cases.services import overdue_snapshot_record
from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User


class Command(DailyCommand):
    help = "期限超過の案件・タスクの件数を部署・代理店・担当者別に記録します(毎日実行)。"
    date_help = "集計日 YYYY-MM-DD(省略時は今日)"

    def run(self, *, actor: User, on: dt.date) -> str:
        rows = overdue_snapshot_record(actor=actor, on=on)
        return f"{on.isoformat()} の対応漏れ件数を {rows} 行記録しました。"
