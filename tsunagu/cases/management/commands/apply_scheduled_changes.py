"""`manage.py apply_scheduled_changes [--date YYYY-MM-DD]`: completed 異動 whose 異動日 has come are applied."""

from __future__ import annotations

import datetime as dt

from tsunagu.cases.services import changes_apply_due
from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User


class Command(DailyCommand):
    help = "異動日が到来した反映予定の異動(住所・氏名・払込方法)を反映します(毎日実行。冪等)。"

    def run(self, *, actor: User, on: dt.date) -> str:
        applied = changes_apply_due(actor=actor, today=on)
        return f"{on:%Y/%m/%d} 時点で異動日が到来した異動 {len(applied)} 件を反映しました。"
