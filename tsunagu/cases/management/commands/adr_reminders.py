"""`manage.py adr_reminders [--date YYYY-MM-DD]`: ADR and insurer-report reminder tasks (run daily)."""

from __future__ import annotations

import datetime as dt

from tsunagu.cases.services import adr_reminders_create
from tsunagu.cases.services.adr import DAY60_KEY, INSURER_KEY, PROPOSAL_KEY
from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User


class Command(DailyCommand):
    help = (
        "そんぽADRの60日経過日・和解案提示の目標日の前と、保険会社への苦情報告の期限超過について、"
        "案件タスクを作成します(毎日実行。同じ案件・種別のタスクは一度だけ作成します)。"
    )

    def run(self, *, actor: User, on: dt.date) -> str:
        created = adr_reminders_create(actor=actor, on=on)
        return (
            f"{on:%Y/%m/%d} のリマインダーを {sum(created.values())} 件作成しました"
            f"(60日経過日 {created[DAY60_KEY]} 件、和解案の目標日 {created[PROPOSAL_KEY]} 件、"
            f"保険会社への報告 {created[INSURER_KEY]} 件)。"
        )
