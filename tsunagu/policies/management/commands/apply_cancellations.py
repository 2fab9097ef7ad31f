"""`manage.py apply_cancellations [--date YYYY-MM-DD]`: policies whose 解約日 has come become 解約."""

from __future__ import annotations

import datetime as dt

from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User
from tsunagu.policies.services import policies_apply_due_cancellations


class Command(DailyCommand):
    help = "解約日が到来した契約の状態を「解約」にします(毎日実行。同じ日に何度実行しても結果は同じです)。"

    def run(self, *, actor: User, on: dt.date) -> str:
        applied = policies_apply_due_cancellations(actor=actor, today=on)
        return f"{on:%Y/%m/%d} 時点で解約日が到来した契約 {len(applied)} 件を「解約」にしました。"
