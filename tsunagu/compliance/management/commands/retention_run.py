"""`manage.py retention_run [--date YYYY-MM-DD] [--dry-run] [--json] [--user USERNAME]`: the daily
retention job. Lists what is due per record type and anonymises or deletes it through
retention_services (history and the run's audit event); with --dry-run it only counts and writes
nothing. Runs as `system` unless --user names a compliance auditor or administrator."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.compliance import retention
from tsunagu.compliance.retention_choices import RecordType
from tsunagu.compliance.retention_services import retention_execute
from tsunagu.core.context import request_context
from tsunagu.core.models import User
from tsunagu.core.services import system_user


class Command(BaseCommand):
    help = "保存期間が満了した記録を一覧し、匿名化・削除します(リーガルホールド・未完了の案件などは対象外)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="基準日 YYYY-MM-DD(省略時は今日)")
        parser.add_argument("--dry-run", action="store_true", help="件数を数えるだけで、何も変更しない")
        parser.add_argument("--json", action="store_true", help="JSON で出力する")
        parser.add_argument("--user", default="", help="実行者のユーザー名(省略時は system)")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options["date"]
        try:
            on = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date には YYYY-MM-DD 形式の日付を指定してください(指定: {raw!r})。") from None
        if on > timezone.localdate() and not options["dry_run"]:
            raise CommandError("未来の日付では実行できません(件数の確認だけなら --dry-run を付けてください)。")
        actor = system_user()
        if options["user"]:
            found = User.objects.filter(username=options["user"], is_active=True).first()
            if found is None:
                raise CommandError(
                    f"ユーザー {options['user']!r} は見つかりません(有効な利用者のユーザー名を指定してください)。"
                )
            actor = found
        with request_context(screen="コマンド:retention_run"):
            try:
                result = retention_execute(actor=actor, on=on, dry_run=options["dry_run"])
            except PermissionDenied as error:
                raise CommandError(str(error) or "この利用者には保存期間の処理を実行する権限がありません。") from None
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        head = "試行(変更なし)" if result.dry_run else "実行"
        self.stdout.write(f"保存期間の処理 {on:%Y/%m/%d} {head}:")
        for record_type, values in result.counts.items():
            action = retention.ACTION_LABELS[retention.ACTIONS[record_type]]
            held = result.blocked.get(record_type, 0)
            self.stdout.write(
                f"  {RecordType(record_type).label}: {action} 顧客{values['customers']:,}人・{values['rows']:,}行"
                + (f"(対象外 {held:,}人)" if held else "")
            )
        for code, count in result.blocked_by_reason.items():
            self.stdout.write(f"  対象外の理由 {retention.BLOCKER_LABELS[code]}: {count:,}人")
