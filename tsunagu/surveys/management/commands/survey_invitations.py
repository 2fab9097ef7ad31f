"""`manage.py survey_invitations [--date YYYY-MM-DD]`: the day's survey invitations (daily; idempotent).

Plans invitations from the events of the date (scheduled, suppressed with the reason, sampled out),
sends those due by the date (web links, postcards and calls on the day's 送付リスト) and expires the
unanswered ones past their answer period.
"""

from __future__ import annotations

import datetime as dt

from tsunagu.core.daily_command import DailyCommand
from tsunagu.core.models import User
from tsunagu.surveys.services.invitations import invitations_plan, invitations_send


class Command(DailyCommand):
    help = (
        "指定日の契機からアンケートの送付を計画し、送付日が来たものを送付し、"
        "回答期限を過ぎたものを期限切れにします(毎日実行。冪等)。"
    )

    def run(self, *, actor: User, on: dt.date) -> str:
        planned = invitations_plan(actor=actor, on=on)
        sent = invitations_send(actor=actor, on=on)
        lines = [planned.summary(), sent.summary()]
        if sent.send_list_key:
            lines.append(f"送付リスト: {sent.send_list_key}")
        return "\n".join(lines)
